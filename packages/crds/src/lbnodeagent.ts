// LBNodeAgent spec -> normalised node-agent configuration (SPEC §3.2), with every problem reported.

import { boundedInteger, isRecord, jsonType, optionalBoolean, unknownFields, type Problem } from './problems.js';
import type { LBNodeAgentSpec } from './types.js';

export type LocalInterface =
  /** The interface of the node's default route. */
  | { mode: 'default' }
  /** Interfaces whose whole name matches `regex` (`pattern` as written, anchored as `^(?:pattern)$`). */
  | { mode: 'regex'; pattern: string; regex: RegExp };

export interface AgentConfig {
  nodeSelector: Record<string, string>;
  localint: LocalInterface;
  extlbint: string;
  sendgarp: boolean;
  garp: { count: number; intervalMs: number };
}

export type LBNodeAgentParseResult = { ok: true; config: AgentConfig } | { ok: false; problems: Problem[] };

export const AGENT_DEFAULTS = {
  localint: 'default',
  extlbint: 'kube-lb0',
  sendgarp: true,
  garpCount: 3,
  garpIntervalMs: 500,
} as const;

export const GARP_COUNT_BOUNDS = { min: 1, max: 100 } as const;
export const GARP_INTERVAL_MS_BOUNDS = { min: 10, max: 60000 } as const;
/** Linux IFNAMSIZ is 16 bytes including the terminating NUL. */
export const MAX_INTERFACE_NAME = 15;

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses an LBNodeAgent `spec` (absent = every default). Paths in problems start at `spec`. */
export function parseLBNodeAgent(spec: LBNodeAgentSpec | unknown): LBNodeAgentParseResult {
  const problems: Problem[] = [];
  const config: AgentConfig = {
    nodeSelector: {},
    localint: { mode: 'default' },
    extlbint: AGENT_DEFAULTS.extlbint,
    sendgarp: AGENT_DEFAULTS.sendgarp,
    garp: { count: AGENT_DEFAULTS.garpCount, intervalMs: AGENT_DEFAULTS.garpIntervalMs },
  };
  if (spec !== undefined && spec !== null) {
    if (!isRecord(spec)) {
      problems.push({ path: 'spec', message: `must be an object (got ${jsonType(spec)})` });
    } else {
      unknownFields(spec, ['nodeSelector', 'local'], 'spec', problems);
      config.nodeSelector = parseNodeSelector(spec.nodeSelector, problems);
      parseLocal(spec.local, config, problems);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

function parseNodeSelector(v: unknown, problems: Problem[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    problems.push({ path: 'spec.nodeSelector', message: `must be a map of node label names to values (got ${jsonType(v)})` });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(v)) {
    const path = `spec.nodeSelector[${JSON.stringify(key)}]`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) {
      problems.push({ path, message: keyProblem });
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ path, message: `must be a string (got ${jsonType(value)})` });
      continue;
    }
    if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
      problems.push({ path, message: `${JSON.stringify(value)} is not a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)` });
      continue;
    }
    out[key] = value;
  }
  return out;
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `${JSON.stringify(key)} is not a label name: the prefix must be a DNS subdomain (e.g. example.com/name)`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `${JSON.stringify(key)} is not a label name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional DNS prefix and '/')`;
  }
  return undefined;
}

function parseLocal(v: unknown, config: AgentConfig, problems: Problem[]): void {
  if (v === undefined || v === null) return;
  const path = 'spec.local';
  if (!isRecord(v)) {
    problems.push({ path, message: `must be an object (got ${jsonType(v)})` });
    return;
  }
  unknownFields(v, ['localint', 'extlbint', 'sendgarp', 'garp'], path, problems);

  if (v.localint !== undefined && v.localint !== null) {
    const local = parseLocalInterface(v.localint, `${path}.localint`, problems);
    if (local) config.localint = local;
  }
  if (v.extlbint !== undefined && v.extlbint !== null) {
    const name = interfaceName(v.extlbint, `${path}.extlbint`, problems);
    if (name !== undefined) config.extlbint = name;
  }
  config.sendgarp = optionalBoolean(v.sendgarp, `${path}.sendgarp`, AGENT_DEFAULTS.sendgarp, problems);

  const garp = v.garp;
  if (garp === undefined || garp === null) return;
  if (!isRecord(garp)) {
    problems.push({ path: `${path}.garp`, message: `must be an object with count and intervalMs (got ${jsonType(garp)})` });
    return;
  }
  unknownFields(garp, ['count', 'intervalMs'], `${path}.garp`, problems);
  const { min: cMin, max: cMax } = GARP_COUNT_BOUNDS;
  const { min: iMin, max: iMax } = GARP_INTERVAL_MS_BOUNDS;
  config.garp = {
    count: boundedInteger(garp.count, `${path}.garp.count`, cMin, cMax, AGENT_DEFAULTS.garpCount, problems) ?? AGENT_DEFAULTS.garpCount,
    intervalMs:
      boundedInteger(garp.intervalMs, `${path}.garp.intervalMs`, iMin, iMax, AGENT_DEFAULTS.garpIntervalMs, problems) ??
      AGENT_DEFAULTS.garpIntervalMs,
  };
}

function parseLocalInterface(v: unknown, path: string, problems: Problem[]): LocalInterface | undefined {
  if (typeof v !== 'string') {
    problems.push({ path, message: `must be a string (got ${jsonType(v)})` });
    return undefined;
  }
  if (v === AGENT_DEFAULTS.localint) return { mode: 'default' };
  if (v === '') {
    problems.push({ path, message: 'must be "default" or a regular expression matching interface names (e.g. eth[0-9]+)' });
    return undefined;
  }
  try {
    // Compile the text alone first so that the error message shows what the user wrote.
    new RegExp(v, 'u');
  } catch (e) {
    const detail = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    problems.push({ path, message: `${JSON.stringify(v)} is not a valid regular expression: ${detail}` });
    return undefined;
  }
  // Anchored: "eth1" must not also select eth10 or veth1abc.
  return { mode: 'regex', pattern: v, regex: new RegExp(`^(?:${v})$`, 'u') };
}

function interfaceName(v: unknown, path: string, problems: Problem[]): string | undefined {
  if (typeof v !== 'string') {
    problems.push({ path, message: `must be a string (got ${jsonType(v)})` });
    return undefined;
  }
  if (v === '' || v === '.' || v === '..' || /[/:\s]/u.test(v)) {
    problems.push({ path, message: `${JSON.stringify(v)} is not a valid interface name (no '/', ':' or whitespace; not empty, "." or "..")` });
    return undefined;
  }
  if (Buffer.byteLength(v) > MAX_INTERFACE_NAME) {
    problems.push({ path, message: `${JSON.stringify(v)} is longer than ${MAX_INTERFACE_NAME} bytes, the Linux limit for interface names` });
    return undefined;
  }
  return v;
}

/** Whether `config.localint` selects the interface `name` (`defaultRouteInterface`: the node's default-route interface). */
export function selectsLocalInterface(config: AgentConfig, name: string, defaultRouteInterface: string | undefined): boolean {
  return config.localint.mode === 'default' ? name === defaultRouteInterface : config.localint.regex.test(name);
}

export interface NamedAgentConfig {
  name: string;
  config: AgentConfig;
}

/**
 * The configuration that applies to a node: among those whose nodeSelector matches every label it
 * names, the most specific (most labels); ties go to the alphabetically first name so every node
 * agent decides the same way. Undefined when none matches.
 */
export function selectAgentConfig(
  agents: readonly NamedAgentConfig[],
  nodeLabels: Readonly<Record<string, string>>,
): NamedAgentConfig | undefined {
  let best: NamedAgentConfig | undefined;
  let bestSize = -1;
  for (const agent of agents) {
    const selector = Object.entries(agent.config.nodeSelector);
    if (!selector.every(([k, val]) => Object.hasOwn(nodeLabels, k) && nodeLabels[k] === val)) continue;
    if (selector.length > bestSize || (selector.length === bestSize && best !== undefined && agent.name < best.name)) {
      best = agent;
      bestSize = selector.length;
    }
  }
  return best;
}
