// core/v1 Endpoints. Nothing generates them here (no endpoints controller, as in the recorded
// cluster), but clients may write and read them.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import { age, ageColumn, column, isObject, nameColumn, validateNonSpecialIP } from './common.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function normalize(ep: KubeObject): void {
  if (!Array.isArray(ep.subsets) || ep.subsets.length === 0) {
    delete ep.subsets;
    return;
  }
  for (const ss of ep.subsets) {
    for (const p of Array.isArray(ss?.ports) ? ss.ports : []) if (isObject(p) && !p.protocol) p.protocol = 'TCP';
  }
}

function validate(ep: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ep.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  (Array.isArray(ep.subsets) ? ep.subsets : []).forEach((ss: any, i: number) => {
    const p = `subsets[${i}]`;
    const addrs: any[] = Array.isArray(ss?.addresses) ? ss.addresses : [];
    const notReady: any[] = Array.isArray(ss?.notReadyAddresses) ? ss.notReadyAddresses : [];
    if (addrs.length === 0 && notReady.length === 0) causes.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    addrs.forEach((a, j) => causes.push(...validateNonSpecialIP(String(a?.ip ?? ''), `${p}.addresses[${j}].ip`)));
    notReady.forEach((a, j) => causes.push(...validateNonSpecialIP(String(a?.ip ?? ''), `${p}.notReadyAddresses[${j}].ip`)));
    (Array.isArray(ss?.ports) ? ss.ports : []).forEach((port: any, j: number) => {
      const pp = `${p}.ports[${j}]`;
      if (typeof port?.port !== 'number' || port.port < 1 || port.port > 65535) {
        causes.push(field.invalid(`${pp}.port`, port?.port ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      if (!PROTOCOLS.includes(port?.protocol)) causes.push(field.notSupported(`${pp}.protocol`, port?.protocol ?? '', PROTOCOLS));
    });
  });
  return causes;
}

/** formatEndpoints: up to three ip:port entries, then `+ N more...`. */
function endpointsCell(ep: KubeObject): string {
  const subsets: any[] = Array.isArray(ep.subsets) ? ep.subsets : [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addrs: any[] = Array.isArray(ss?.addresses) ? ss.addresses : [];
    const ports: any[] = Array.isArray(ss?.ports) ? ss.ports : [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === 3) {
          more = true;
          break;
        }
        list.push(String(a?.ip ?? ''));
      }
      continue;
    }
    for (const port of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === 3) {
          more = true;
          break;
        }
        const ip = String(a?.ip ?? '');
        list.push(ip.includes(':') ? `[${ip}]:${port?.port}` : `${ip}:${port?.port}`);
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - 3} more...` : ret;
}

export function endpointsResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'endpoints',
    kind: 'Endpoints',
    listKind: 'EndpointsList',
    singular: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['/Endpoints'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'fWeeMqaN/OA=',
    table: {
      columns: [
        nameColumn(),
        column(
          'Endpoints',
          'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
        ),
        ageColumn(),
      ],
      cells: (ep, now) => [ep.metadata?.name ?? '', endpointsCell(ep), age(ep, now)],
    },
    hooks: {
      prepareCreate: (_ctx, ep) => normalize(ep),
      validateCreate: (_ctx, ep) => validate(ep),
      prepareUpdate: (_ctx, ep) => normalize(ep),
      validateUpdate: (_ctx, ep) => validate(ep),
    },
  };
}
