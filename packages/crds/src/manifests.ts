// The CustomResourceDefinitions, built as plain objects. `charts/purelb/crds/*.yaml` is rendered from
// these (src/generate.ts) and a test fails when the files drift, so this file is the only place the
// schemas are written by hand.
//
// How validation is split: OpenAPI patterns check the *shape* of each field (family-agnostic, so
// their messages stay short), CEL rules check what a shape cannot (family of a pool, prefix bounds,
// aggregation against the subnet) with a message that quotes the offending value, and the parser
// (src/servicegroup.ts) checks the rest (address arithmetic, containment, overlaps within and across
// groups), reporting through the ServiceGroup's status and events. Every rule is guarded so that it
// only judges values whose shape is already right: one mistake gives one message, not three.
//
// Limits (maxLength, maxItems) are there because kube-apiserver estimates the cost of every CEL rule
// from them and refuses a CRD whose rules could be too expensive.

import {
  CATEGORY,
  GROUP,
  LB_NODE_AGENT_KIND,
  LB_NODE_AGENT_PLURAL,
  LB_NODE_AGENT_SHORT_NAME,
  LB_NODE_AGENT_SINGULAR,
  SERVICE_GROUP_KIND,
  SERVICE_GROUP_PLURAL,
  SERVICE_GROUP_SHORT_NAME,
  SERVICE_GROUP_SINGULAR,
  VERSION,
} from './constants.js';

/** A JSON schema node as apiextensions.k8s.io/v1 spells it (only what these CRDs use). */
export interface SchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  format?: string;
  pattern?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, SchemaProps>;
  additionalProperties?: SchemaProps;
  items?: SchemaProps;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface PrinterColumn {
  name: string;
  type: 'integer' | 'string' | 'date' | 'number' | 'boolean';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: SchemaProps };
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

// ------------------------------------------------------------------------------ shared pieces

/** Any-family address characters; the families are told apart by CEL rules (IPv6 has ':'). */
const ADDR = '[0-9A-Fa-f:.]+';
/** Shape of `subnet`: ADDRESS/LENGTH. */
export const CIDR_PATTERN = `^${ADDR}/\\d{1,3}$`;
/** Shape of `pool`: FIRST-LAST (spaces allowed around the dash) or ADDRESS/LENGTH. */
export const RANGE_PATTERN = `^${ADDR}(/\\d{1,3}| *- *${ADDR})$`;
/** `aggregation`: the subnet's own mask, or an explicit prefix length. */
export const AGGREGATION_PATTERN = '^(default|/\\d{1,3})$';

// One IPv4 octet 0-255 without leading zeros (the parser refuses them as ambiguous too).
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
// `[.]` rather than `\.`: the regex sits inside a CEL string literal, where `\.` is not a valid escape.
const IPV4 = `${OCTET}([.]${OCTET}){3}`;
const IPV4_PREFIX = '([0-9]|[12][0-9]|3[0-2])';
/** A well-formed IPv4 CIDR (the CEL rule uses it once the text is known not to be IPv6). */
export const IPV4_CIDR_REGEX = `^${IPV4}/${IPV4_PREFIX}$`;
/** A well-formed IPv4 range or CIDR. */
export const IPV4_RANGE_REGEX = `^(${IPV4}/${IPV4_PREFIX}|${IPV4} *- *${IPV4})$`;

const MAX_POOLS = 64;
const SUBNET_MAX = 64; // the longest IPv6 CIDR text (mapped form, /128) is 49 characters
const POOL_MAX = 128; // two addresses of at most 45 characters, a dash and some spaces

type Family = 'IPv4' | 'IPv6';

/** CEL messageExpression: the field's value followed by `rest` (which must not contain '"'). */
const says = (rest: string): string => `self + " ${rest}"`;

function subnetSchema(family: Family): SchemaProps {
  const rules: ValidationRule[] =
    family === 'IPv4'
      ? [
          {
            rule: "!self.contains(':')",
            messageExpression: says('is an IPv6 subnet; IPv4 pools need an IPv4 subnet (IPv6 pools go in v6pool or v6pools)'),
          },
          {
            rule: `self.contains(':') || self.matches('${IPV4_CIDR_REGEX}')`,
            messageExpression: says('is not an IPv4 CIDR (a.b.c.d/N with parts 0-255 and N at most 32)'),
          },
        ]
      : [
          {
            rule: "self.contains(':')",
            messageExpression: says('is an IPv4 subnet; IPv6 pools need an IPv6 subnet (IPv4 pools go in v4pool or v4pools)'),
          },
          {
            rule: "!self.contains(':') || !self.matches('^[^/]+/[0-9]{1,3}$') || int(self.split('/')[1]) <= 128",
            messageExpression: says('has a prefix longer than 128'),
          },
        ];
  return {
    type: 'string',
    description: `${family} network the pool's addresses belong to, as a CIDR (e.g. ${family === 'IPv4' ? '192.168.1.0/24' : 'fd53:9ef0:8683::/120'}). Local announcements happen on the node interface in this subnet.`,
    maxLength: SUBNET_MAX,
    pattern: CIDR_PATTERN,
    'x-kubernetes-validations': rules,
  };
}

function poolRangeSchema(family: Family): SchemaProps {
  // A range has two bounds; "mixed" means one of each family, told apart by ':'.
  const mixed = "self.contains('-') && self.split('-').exists(b, b.contains(':')) && self.split('-').exists(b, !b.contains(':'))";
  const rules: ValidationRule[] =
    family === 'IPv4'
      ? [
          {
            rule: "!self.contains(':')",
            messageExpression: `${mixed} ? ${says('mixes IPv4 and IPv6 addresses')} : ${says('is an IPv6 range; IPv4 pools take IPv4 ranges (IPv6 pools go in v6pool or v6pools)')}`,
          },
          {
            rule: `self.contains(':') || self.matches('${IPV4_RANGE_REGEX}')`,
            messageExpression: says('is not an IPv4 range (a.b.c.d-e.f.g.h) or CIDR (a.b.c.d/N)'),
          },
        ]
      : [
          {
            rule: "self.split('-').all(b, b.contains(':'))",
            messageExpression: `${mixed} ? ${says('mixes IPv4 and IPv6 addresses')} : ${says('is an IPv4 range; IPv6 pools take IPv6 ranges (IPv4 pools go in v4pool or v4pools)')}`,
          },
          {
            rule: "self.contains('-') || !self.contains(':') || !self.matches('^[^/]+/[0-9]{1,3}$') || int(self.split('/')[1]) <= 128",
            messageExpression: says('has a prefix longer than 128'),
          },
        ];
  return {
    type: 'string',
    description: `Addresses to hand out: an inclusive range FIRST-LAST or a CIDR (every address of it, network and broadcast included). Must lie inside subnet.`,
    maxLength: POOL_MAX,
    pattern: RANGE_PATTERN,
    'x-kubernetes-validations': rules,
  };
}

function aggregationSchema(family: Family): SchemaProps {
  const max = family === 'IPv4' ? 32 : 128;
  return {
    type: 'string',
    description: `Mask of a virtual address on the dummy interface (kube-lb0): "default" (the subnet's prefix length) or /N, with N between the subnet's prefix length and ${max}. Default: default.`,
    maxLength: 7,
    pattern: AGGREGATION_PATTERN,
    'x-kubernetes-validations': [
      {
        rule: `self == 'default' || !self.matches('^/[0-9]{1,3}$') || int(self.substring(1)) <= ${max}`,
        messageExpression: `"aggregation " + self + " is out of range for ${family} (at most /${max})"`,
      },
    ],
  };
}

function poolSchema(family: Family, where: string): SchemaProps {
  const bits = family === 'IPv4' ? 32 : 128;
  return {
    type: 'object',
    description: `${where}: one ${family} pool.`,
    required: ['subnet', 'pool'],
    properties: {
      subnet: subnetSchema(family),
      pool: poolRangeSchema(family),
      aggregation: aggregationSchema(family),
    },
    'x-kubernetes-validations': [
      {
        // "Shorter than the subnet" would announce more than the subnet holds. Only judged when the
        // subnet is of the right family and the aggregation within the family's bounds: the field
        // rules above already report those, and a second message about the same mistake misleads.
        rule:
          "!has(self.aggregation) || !has(self.subnet) || !self.aggregation.matches('^/[0-9]{1,3}$') || !self.subnet.matches('^[^/]+/[0-9]{1,3}$') || " +
          `${family === 'IPv4' ? '' : '!'}self.subnet.contains(':') || int(self.aggregation.substring(1)) > ${bits} || int(self.subnet.split('/')[1]) > ${bits} || ` +
          "int(self.aggregation.substring(1)) >= int(self.subnet.split('/')[1])",
        messageExpression: `"aggregation " + self.aggregation + " is shorter than the prefix of subnet " + self.subnet`,
        fieldPath: '.aggregation',
      },
    ],
  };
}

function poolListSchema(family: Family, name: string): SchemaProps {
  return {
    type: 'array',
    description: `More ${family} pools, used in order after ${family === 'IPv4' ? 'v4pool' : 'v6pool'}.`,
    maxItems: MAX_POOLS,
    'x-kubernetes-list-type': 'atomic',
    items: poolSchema(family, `${name}[]`),
  };
}

const metadataSchema: SchemaProps = { type: 'object' };

const conditionSchema: SchemaProps = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string', maxLength: 316, description: 'Condition type; the allocator writes Valid.' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string', maxLength: 1024 },
    message: { type: 'string', maxLength: 32768 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
  },
};

function countSchema(what: string): SchemaProps {
  return {
    type: 'integer',
    format: 'int64',
    minimum: 0,
    description: `${what} (saturates at 2^53-1 for very large IPv6 pools).`,
  };
}

// ------------------------------------------------------------------------------ ServiceGroup

export const serviceGroupSchema: SchemaProps = {
  type: 'object',
  description: 'ServiceGroup: address pools the allocator assigns LoadBalancer addresses from.',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: metadataSchema,
    spec: {
      type: 'object',
      required: ['local'],
      properties: {
        local: {
          type: 'object',
          description: 'Addresses announced by the node agents (on the node interface when local to it, else on kube-lb0).',
          properties: {
            v4pool: poolSchema('IPv4', 'v4pool'),
            v6pool: poolSchema('IPv6', 'v6pool'),
            v4pools: poolListSchema('IPv4', 'v4pools'),
            v6pools: poolListSchema('IPv6', 'v6pools'),
          },
          'x-kubernetes-validations': [
            {
              rule: 'has(self.v4pool) || has(self.v6pool) || (has(self.v4pools) && size(self.v4pools) > 0) || (has(self.v6pools) && size(self.v6pools) > 0)',
              message: 'at least one of v4pool, v6pool, v4pools or v6pools must be given',
            },
          ],
        },
        namespaces: {
          type: 'array',
          description: 'Only Services in these namespaces may use this group; empty or absent means every namespace.',
          maxItems: 1024,
          'x-kubernetes-list-type': 'set',
          items: {
            type: 'string',
            maxLength: 63,
            pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
          },
        },
        priority: {
          type: 'integer',
          format: 'int32',
          minimum: 0,
          maximum: 2147483647,
          description: 'Lower wins when a Service names no group and several groups could serve it. Default 0.',
        },
        avoidBuggyIPs: {
          type: 'boolean',
          description: 'Never hand out IPv4 addresses ending in .0 or .255. Default false.',
        },
      },
    },
    status: {
      type: 'object',
      description: 'Written by the allocator.',
      properties: {
        allocatedIPv4: countSchema('IPv4 addresses in use'),
        allocatedIPv6: countSchema('IPv6 addresses in use'),
        availableIPv4: countSchema('IPv4 addresses still free'),
        availableIPv6: countSchema('IPv6 addresses still free'),
        conditions: {
          type: 'array',
          description: 'Valid (first): whether the spec parsed; when False the allocator keeps serving the last valid spec.',
          maxItems: 16,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
          items: conditionSchema,
        },
      },
    },
  },
};

export const serviceGroupPrinterColumns: PrinterColumn[] = [
  { name: 'Allocated-V4', type: 'integer', jsonPath: '.status.allocatedIPv4', description: 'IPv4 addresses in use' },
  { name: 'Allocated-V6', type: 'integer', jsonPath: '.status.allocatedIPv6', description: 'IPv6 addresses in use' },
  { name: 'Available-V4', type: 'integer', jsonPath: '.status.availableIPv4', description: 'IPv4 addresses still free' },
  { name: 'Available-V6', type: 'integer', jsonPath: '.status.availableIPv6', description: 'IPv6 addresses still free' },
  // Printer columns accept JSONPath filters on kube-apiserver, but testkube (and so our tests) does
  // not; the allocator keeps Valid as the first condition, which makes the index path exact.
  { name: 'Valid', type: 'string', jsonPath: '.status.conditions[0].status', description: 'Whether the spec is valid' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

// ------------------------------------------------------------------------------ LBNodeAgent

/** A Linux interface name: 1-15 bytes, no '/', ':' or whitespace (the kernel's dev_valid_name). */
export const INTERFACE_NAME_PATTERN = '^[^/:\\s]{1,15}$';

export const lbNodeAgentSchema: SchemaProps = {
  type: 'object',
  description: 'LBNodeAgent: configuration of the node agents on the nodes it selects.',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: metadataSchema,
    spec: {
      type: 'object',
      properties: {
        nodeSelector: {
          type: 'object',
          description: 'Node labels this configuration applies to (all must match). Empty selects every node; the most specific matching LBNodeAgent wins.',
          maxProperties: 64,
          additionalProperties: { type: 'string', maxLength: 63 },
        },
        local: {
          type: 'object',
          properties: {
            localint: {
              type: 'string',
              minLength: 1,
              maxLength: 256,
              description: '"default" (the interface of the default route) or a regular expression matched against the whole interface name, e.g. "eth[0-9]+". Default: default.',
            },
            extlbint: {
              type: 'string',
              description: 'Dummy interface that carries virtual addresses for the routing software. Default: kube-lb0.',
              maxLength: 15,
              pattern: INTERFACE_NAME_PATTERN,
              'x-kubernetes-validations': [
                { rule: "self != '.' && self != '..'", message: 'extlbint must be an interface name, not "." or ".."' },
              ],
            },
            sendgarp: {
              type: 'boolean',
              description: 'Send gratuitous ARP (IPv4) / unsolicited neighbour advertisements (IPv6) when a node takes over a local address. Default true.',
            },
            garp: {
              type: 'object',
              properties: {
                count: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, description: 'Announcements per takeover. Default 3.' },
                intervalMs: { type: 'integer', format: 'int32', minimum: 10, maximum: 60000, description: 'Milliseconds between them. Default 500.' },
              },
            },
          },
        },
      },
    },
  },
};

export const lbNodeAgentPrinterColumns: PrinterColumn[] = [
  { name: 'Local-Int', type: 'string', jsonPath: '.spec.local.localint', description: 'Interface for local addresses' },
  { name: 'ExtLB-Int', type: 'string', jsonPath: '.spec.local.extlbint', description: 'Dummy interface for virtual addresses' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

// ------------------------------------------------------------------------------ CRDs

const LABELS = { 'app.kubernetes.io/part-of': 'purelb' };

export function serviceGroupCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${SERVICE_GROUP_PLURAL}.${GROUP}`, labels: { ...LABELS } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: SERVICE_GROUP_KIND,
        listKind: `${SERVICE_GROUP_KIND}List`,
        plural: SERVICE_GROUP_PLURAL,
        singular: SERVICE_GROUP_SINGULAR,
        shortNames: [SERVICE_GROUP_SHORT_NAME],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuredClone(serviceGroupSchema) },
          subresources: { status: {} },
          additionalPrinterColumns: structuredClone(serviceGroupPrinterColumns),
        },
      ],
    },
  };
}

export function lbNodeAgentCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${LB_NODE_AGENT_PLURAL}.${GROUP}`, labels: { ...LABELS } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: LB_NODE_AGENT_KIND,
        listKind: `${LB_NODE_AGENT_KIND}List`,
        plural: LB_NODE_AGENT_PLURAL,
        singular: LB_NODE_AGENT_SINGULAR,
        shortNames: [LB_NODE_AGENT_SHORT_NAME],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuredClone(lbNodeAgentSchema) },
          additionalPrinterColumns: structuredClone(lbNodeAgentPrinterColumns),
        },
      ],
    },
  };
}

/** Both CRDs, in the order the chart installs them. */
export function allCrds(): CustomResourceDefinition[] {
  return [serviceGroupCrd(), lbNodeAgentCrd()];
}
