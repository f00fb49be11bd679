// discovery.k8s.io/v1 EndpointSlices: addressType enum and per-type address validation,
// `conditions: {}` for endpoints sent without conditions, immutable addressType (recorded in
// 07), and a generation that counts changes of anything but metadata — labels included.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import {
  age,
  ageColumn,
  column,
  invalidEach,
  invalidRendered,
  isDNS1123Label,
  isDNS1123Subdomain,
  isObject,
  isQualifiedName,
  nameColumn,
  isValidIPv4,
  isValidIPv6,
  semanticEqual,
  specPart,
  tooMany,
  validateNonSpecialIP,
} from './common.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

/** v1 defaulting plus the nil-slice round trip of `endpoints`/`ports` (no omitempty: null). */
function normalizeSlice(eps: KubeObject, old?: KubeObject): void {
  if (Array.isArray(eps.endpoints) && eps.endpoints.length) {
    for (const ep of eps.endpoints) {
      if (!isObject(ep)) continue;
      if (!isObject(ep.conditions)) ep.conditions = {};
    }
  } else {
    eps.endpoints = null;
  }
  if (Array.isArray(eps.ports) && eps.ports.length) {
    for (const p of eps.ports) {
      if (!isObject(p)) continue;
      if (p.name === undefined || p.name === null) p.name = '';
      if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
    }
  } else {
    eps.ports = null;
  }
  // dropTopologyOnV1: writes through v1 drop deprecatedTopology unless endpoints are unchanged.
  if (!old || !semanticEqual(eps.endpoints, old.endpoints)) {
    for (const ep of Array.isArray(eps.endpoints) ? eps.endpoints : []) if (isObject(ep)) delete ep.deprecatedTopology;
  }
}

function validateAddress(addressType: string, address: string, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  switch (addressType) {
    case 'IPv4':
      if (!isValidIPv4(address)) causes.push(field.invalid(path, address, 'must be a valid IPv4 address'));
      causes.push(...validateNonSpecialIP(address, path));
      break;
    case 'IPv6':
      if (!isValidIPv6(address)) causes.push(field.invalid(path, address, 'must be a valid IPv6 address'));
      causes.push(...validateNonSpecialIP(address, path));
      break;
    case 'FQDN': {
      if (address.length === 0) {
        causes.push(field.required(path));
        break;
      }
      const name = address.endsWith('.') ? address.slice(0, -1) : address;
      const sub = isDNS1123Subdomain(name);
      if (sub.length) {
        causes.push(...invalidEach(path, name, sub));
        break;
      }
      const labels = name.split('.');
      if (labels.length < 2) {
        causes.push(field.invalid(path, name, 'should be a domain with at least two segments separated by dots'));
        break;
      }
      for (const l of labels) causes.push(...invalidEach(path, l, isDNS1123Label(l)));
      break;
    }
    default:
      break;
  }
  return causes;
}

function validateEndpoints(eps: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const endpoints: unknown[] = Array.isArray(eps.endpoints) ? eps.endpoints : [];
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  endpoints.forEach((e, i) => {
    const ep = isObject(e) ? e : {};
    const p = `endpoints[${i}]`;
    const addresses: unknown[] = Array.isArray(ep.addresses) ? ep.addresses : [];
    if (addresses.length === 0) causes.push(field.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) causes.push(tooMany(`${p}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => causes.push(...validateAddress(String(eps.addressType ?? ''), String(a), `${p}.addresses[${j}]`)));
    if (typeof ep.nodeName === 'string') causes.push(...invalidEach(`${p}.nodeName`, ep.nodeName, isDNS1123Subdomain(ep.nodeName)));
    if (typeof ep.hostname === 'string') causes.push(...invalidEach(`${p}.hostname`, ep.hostname, isDNS1123Label(ep.hostname)));
  });
  return causes;
}

function validatePorts(eps: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const ports: unknown[] = Array.isArray(eps.ports) ? eps.ports : [];
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const names = new Set<string>();
  ports.forEach((x, i) => {
    const port = isObject(x) ? x : {};
    const p = `ports[${i}]`;
    const name = typeof port.name === 'string' ? port.name : '';
    if (name.length > 0) causes.push(...invalidEach(`${p}.name`, name, isDNS1123Label(name)));
    if (names.has(name)) causes.push(field.duplicate(`${p}.name`, name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) causes.push(field.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) causes.push(field.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    if (typeof port.appProtocol === 'string') causes.push(...invalidEach(`${p}.appProtocol`, port.appProtocol, isQualifiedName(port.appProtocol)));
  });
  return causes;
}

function validateSlice(eps: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(eps.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  const t = eps.addressType;
  if (t === undefined || t === null || t === '') causes.push(field.required('addressType'));
  else if (!ADDRESS_TYPES.includes(t)) causes.push(field.notSupported('addressType', t, ADDRESS_TYPES));
  causes.push(...validateEndpoints(eps));
  causes.push(...validatePorts(eps));
  return causes;
}

function portsCell(ports: unknown): string {
  const list: string[] = [];
  let count = 0;
  for (const p of Array.isArray(ports) ? ports : []) {
    if (list.length < 3) {
      if (typeof p?.port === 'number') list.push(String(p.port));
      else if (typeof p?.name === 'string' && p.name) list.push(p.name);
      else list.push('*');
    }
    count++;
  }
  return withMore(list, count);
}

function endpointsCell(endpoints: unknown): string {
  if (!Array.isArray(endpoints) || endpoints.length === 0) return '<unset>';
  const list: string[] = [];
  let count = 0;
  for (const ep of endpoints) {
    for (const a of Array.isArray(ep?.addresses) ? ep.addresses : []) {
      if (list.length < 3) list.push(String(a));
      count++;
    }
  }
  return withMore(list, count);
}

/** listWithMoreString with max 3. */
function withMore(list: string[], count: number): string {
  const ret = list.join(',');
  if (count > 3) return `${ret} + ${count - 3} more...`;
  return ret === '' ? '<unset>' : ret;
}

export function endpointSlicesResource(): ResourceType {
  return {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    listKind: 'EndpointSliceList',
    singular: 'endpointslice',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['discovery.k8s.io/EndpointSlice'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: true,
    storageVersionHash: 'Nx3SIv6I0mE=',
    table: {
      columns: [
        nameColumn(),
        column(
          'AddressType',
          'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
        ),
        column(
          'Ports',
          'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
        ),
        column('Endpoints', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
        ageColumn(),
      ],
      cells: (eps, now) => [eps.metadata?.name ?? '', eps.addressType ?? '', portsCell(eps.ports), endpointsCell(eps.endpoints), age(eps, now)],
    },
    hooks: {
      prepareCreate(_ctx, eps) {
        normalizeSlice(eps);
        eps.metadata = eps.metadata ?? {};
        eps.metadata.generation = 1;
      },
      validateCreate: (_ctx, eps) => validateSlice(eps),
      prepareUpdate(_ctx, eps, old) {
        normalizeSlice(eps, old);
        // Anything but metadata, and label changes too, bump the generation (compared after
        // defaulting, so re-sending defaulted fields is not a change).
        const changed = !semanticEqual(specPart(eps), specPart(old)) || !semanticEqual(eps.metadata?.labels ?? {}, old.metadata?.labels ?? {});
        eps.metadata = eps.metadata ?? {};
        eps.metadata.generation = (old.metadata?.generation ?? 1) + (changed ? 1 : 0);
      },
      validateUpdate(_ctx, eps, old) {
        const causes = validateSlice(eps);
        if (eps.addressType !== old.addressType) causes.push(invalidRendered('addressType', JSON.stringify(eps.addressType ?? ''), 'field is immutable'));
        return causes;
      },
    },
  };
}
