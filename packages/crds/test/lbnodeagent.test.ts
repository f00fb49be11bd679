// parseLBNodeAgent: defaults, normalisation and every problem message; selectAgentConfig: which
// LBNodeAgent a node uses when several select it.
import { describe, expect, it } from '@jest/globals';
import { parseLBNodeAgent, selectAgentConfig, selectsLocalInterface, type AgentConfig, type Problem } from '../src/index.js';

function config(spec: unknown): AgentConfig {
  const r = parseLBNodeAgent(spec);
  if (!r.ok) throw new Error(`unexpected problems: ${JSON.stringify(r.problems)}`);
  return r.config;
}

function problems(spec: unknown): Problem[] {
  const r = parseLBNodeAgent(spec);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('parseLBNodeAgent', () => {
  it('fills every default for an absent or empty spec', () => {
    const expected = { nodeSelector: {}, localint: { mode: 'default' }, extlbint: 'kube-lb0', sendgarp: true, garp: { count: 3, intervalMs: 500 } };
    expect(config(undefined)).toEqual(expected);
    expect(config({})).toEqual(expected);
    expect(config({ local: { garp: {} } })).toEqual(expected);
  });

  it('takes the SPEC §3.2 example as written', () => {
    const c = config({ nodeSelector: {}, local: { localint: 'default', extlbint: 'kube-lb0', sendgarp: true, garp: { count: 3, intervalMs: 500 } } });
    expect(c.localint).toEqual({ mode: 'default' });
    expect(c.garp).toEqual({ count: 3, intervalMs: 500 });
  });

  it('anchors a localint regex to the whole interface name', () => {
    const c = config({ local: { localint: 'eth[0-9]|bond0' } });
    expect(c.localint).toMatchObject({ mode: 'regex', pattern: 'eth[0-9]|bond0' });
    // Anchoring must wrap the alternation: "xbond0" and "eth12" are not selected.
    expect(['eth0', 'eth9', 'bond0', 'eth12', 'veth0', 'xbond0', 'bond01'].filter((n) => selectsLocalInterface(c, n, undefined))).toEqual(['eth0', 'eth9', 'bond0']);
  });

  it('"default" selects only the default-route interface', () => {
    const c = config({ local: { localint: 'default' } });
    expect(selectsLocalInterface(c, 'ens3', 'ens3')).toBe(true);
    expect(selectsLocalInterface(c, 'ens4', 'ens3')).toBe(false);
    expect(selectsLocalInterface(c, 'ens3', undefined)).toBe(false);
  });

  it('keeps non-default values', () => {
    const c = config({ nodeSelector: { 'node-role.kubernetes.io/edge': '', zone: 'a' }, local: { extlbint: 'lb0', sendgarp: false, garp: { count: 1, intervalMs: 10 } } });
    expect(c).toMatchObject({ nodeSelector: { 'node-role.kubernetes.io/edge': '', zone: 'a' }, extlbint: 'lb0', sendgarp: false, garp: { count: 1, intervalMs: 10 } });
  });

  it.each<[string, unknown, Problem[]]>([
    ['localint that does not compile', { local: { localint: 'eth[' } }, [{ path: 'spec.local.localint', message: '"eth[" is not a valid regular expression: Unterminated character class' }]],
    ['empty localint', { local: { localint: '' } }, [{ path: 'spec.local.localint', message: 'must be "default" or a regular expression matching interface names (e.g. eth[0-9]+)' }]],
    ['localint not a string', { local: { localint: 5 } }, [{ path: 'spec.local.localint', message: 'must be a string (got a number)' }]],
    ['extlbint longer than 15 bytes', { local: { extlbint: 'kube-lb0-much-too-long' } }, [{ path: 'spec.local.extlbint', message: '"kube-lb0-much-too-long" is longer than 15 bytes, the Linux limit for interface names' }]],
    ['extlbint of 15 multibyte characters (bytes count, not characters)', { local: { extlbint: 'éééééééé' } }, [{ path: 'spec.local.extlbint', message: '"éééééééé" is longer than 15 bytes, the Linux limit for interface names' }]],
    ['extlbint with a colon (an alias, not an interface)', { local: { extlbint: 'eth0:1' } }, [{ path: 'spec.local.extlbint', message: '"eth0:1" is not a valid interface name (no \'/\', \':\' or whitespace; not empty, "." or "..")' }]],
    ['extlbint ".."', { local: { extlbint: '..' } }, [{ path: 'spec.local.extlbint', message: '".." is not a valid interface name (no \'/\', \':\' or whitespace; not empty, "." or "..")' }]],
    ['garp count 0 and interval too long', { local: { garp: { count: 0, intervalMs: 120000 } } }, [
      { path: 'spec.local.garp.count', message: 'must be an integer from 1 to 100 (got 0)' },
      { path: 'spec.local.garp.intervalMs', message: 'must be an integer from 10 to 60000 (got 120000)' },
    ]],
    ['garp interval as a string', { local: { garp: { intervalMs: '500ms' } } }, [{ path: 'spec.local.garp.intervalMs', message: 'must be an integer from 10 to 60000 (got a string)' }]],
    ['sendgarp as a string', { local: { sendgarp: 'true' } }, [{ path: 'spec.local.sendgarp', message: 'must be true or false (got a string)' }]],
    ['nodeSelector with a bad key and a non-string value', { nodeSelector: { 'bad key': 'x', zone: 1 } }, [
      { path: 'spec.nodeSelector["bad key"]', message: '"bad key" is not a label name (at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit, with an optional DNS prefix and \'/\')' },
      { path: 'spec.nodeSelector["zone"]', message: 'must be a string (got a number)' },
    ]],
    ['nodeSelector with an invalid prefix and value', { nodeSelector: { 'Example.com/x': 'a', zone: '-a' } }, [
      { path: 'spec.nodeSelector["Example.com/x"]', message: '"Example.com/x" is not a label name: the prefix must be a DNS subdomain (e.g. example.com/name)' },
      { path: 'spec.nodeSelector["zone"]', message: '"-a" is not a label value (at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit)' },
    ]],
    ['nodeSelector as a list (a LabelSelector was meant)', { nodeSelector: [{ key: 'zone' }] }, [{ path: 'spec.nodeSelector', message: 'must be a map of node label names to values (got a list)' }]],
    ['misspelt field', { local: { extlbnit: 'lb0' } }, [{ path: 'spec.local.extlbnit', message: 'unknown field "extlbnit" (expected one of localint, extlbint, sendgarp, garp)' }]],
    ['spec not an object', 'kube-lb0', [{ path: 'spec', message: 'must be an object (got a string)' }]],
  ])('reports %s', (_name, spec, expected) => {
    expect(problems(spec)).toEqual(expected);
  });
});

describe('selectAgentConfig', () => {
  const named = (name: string, nodeSelector: Record<string, string>) => ({ name, config: config({ nodeSelector }) });
  const agents = [named('default', {}), named('edge', { role: 'edge' }), named('edge-a', { role: 'edge', zone: 'a' }), named('zone-a', { zone: 'a' })];

  it('picks the most specific matching configuration', () => {
    expect(selectAgentConfig(agents, { role: 'edge', zone: 'a' })?.name).toBe('edge-a');
    expect(selectAgentConfig(agents, { role: 'edge', zone: 'b' })?.name).toBe('edge');
    expect(selectAgentConfig(agents, { role: 'worker' })?.name).toBe('default');
  });

  it('breaks ties by name so every node agent decides alike, whatever the list order', () => {
    const tie = [named('zone-a', { zone: 'a' }), named('rack-1', { rack: '1' })];
    expect(selectAgentConfig(tie, { zone: 'a', rack: '1' })?.name).toBe('rack-1');
    expect(selectAgentConfig([...tie].reverse(), { zone: 'a', rack: '1' })?.name).toBe('rack-1');
  });

  it('returns undefined when nothing matches (a selector value must match exactly, "" included)', () => {
    expect(selectAgentConfig([named('edge', { role: 'edge' })], { role: 'Edge' })).toBeUndefined();
    expect(selectAgentConfig([named('flag', { edge: '' })], {})).toBeUndefined();
    expect(selectAgentConfig([named('flag', { edge: '' })], { edge: '' })?.name).toBe('flag');
  });
});
