// The user-facing texts of AllocationFailed events and orphan warnings (SPEC §3.5). Kept together so
// the wording stays consistent and tests can pin it.

import type { IPFamily } from '@purelb/shared';
import type { AllocationFailure } from './types.js';

export const failures = {
  invalidRequest: (message: string): AllocationFailure => ({ reason: 'invalid-request', message }),

  invalidAddress: (text: string, why: string): AllocationFailure => ({
    reason: 'invalid-address',
    message: `requested address ${JSON.stringify(text)} is not valid: ${why}`,
  }),

  familyMismatch: (ip: string, family: IPFamily, families: IPFamily[]): AllocationFailure => ({
    reason: 'family-mismatch',
    family,
    ip,
    message: `requested address ${ip} is ${family} but the Service's IP families are ${families.join(', ')}`,
  }),

  unknownGroup: (group: string): AllocationFailure => ({
    reason: 'unknown-group',
    group,
    message: `service group ${group} does not exist`,
  }),

  namespaceNotAllowed: (group: string, namespace: string, ip?: string): AllocationFailure => ({
    reason: 'namespace-not-allowed',
    group,
    ...(ip === undefined ? {} : { ip }),
    message:
      ip === undefined
        ? `namespace ${namespace} may not use service group ${group}`
        : `address ${ip} is in service group ${group}, which namespace ${namespace} may not use`,
  }),

  noGroup: (namespace: string): AllocationFailure => ({
    reason: 'no-group',
    message: `no service group serves namespace ${namespace}: none lists it and there is no group named default`,
  }),

  outsidePools: (ip: string, family: IPFamily): AllocationFailure => ({
    reason: 'outside-pools',
    family,
    ip,
    message: `address ${ip} is outside every pool`,
  }),

  mixedGroups: (a: string, groupA: string, b: string, groupB: string): AllocationFailure => ({
    reason: 'mixed-groups',
    message: `addresses ${a} and ${b} lie in different service groups (${groupA}, ${groupB}); one Service takes its addresses from one group`,
  }),

  buggyAddress: (ip: string, group: string): AllocationFailure => ({
    reason: 'buggy-address',
    family: 'IPv4',
    ip,
    group,
    message: `address ${ip} is not handed out: service group ${group} sets avoidBuggyIPs (no .0 or .255 addresses)`,
  }),

  familyUnavailable: (group: string, family: IPFamily): AllocationFailure => ({
    reason: 'family-unavailable',
    group,
    family,
    message: `service group ${group} has no ${family} pool`,
  }),

  dualStackImpossible: (group: string, family: IPFamily): AllocationFailure => ({
    reason: 'dual-stack-impossible',
    group,
    family,
    message: `dual stack impossible: service group ${group} has no ${family} pool and the Service requires both IPv4 and IPv6`,
  }),

  exhausted: (group: string, family: IPFamily, severalFamilies: boolean): AllocationFailure => ({
    reason: 'exhausted',
    group,
    family,
    // The seed's wording; the family is only named when the Service asked for more than one.
    message: severalFamilies ? `pool ${group} exhausted (no free ${family} address)` : `pool ${group} exhausted`,
  }),

  addressHeld: (ip: string, family: IPFamily, holder: string): AllocationFailure => ({
    reason: 'address-held',
    family,
    ip,
    holder,
    message: `address ${ip} is held by ${holder}`,
  }),

  portClash: (ip: string, family: IPFamily, holder: string, protocol: string, port: number): AllocationFailure => ({
    reason: 'port-clash',
    family,
    ip,
    holder,
    message: `port ${protocol}/${port} on ${ip} is used by ${holder}`,
  }),

  etpLocal: (ip: string, family: IPFamily, holder: string, holderIsLocal: boolean): AllocationFailure => ({
    reason: 'etp-local',
    family,
    ip,
    holder,
    message: `address ${ip} cannot be shared with ${holder}: ${holderIsLocal ? holder : 'this Service'} has externalTrafficPolicy Local, and Services with it never share an address`,
  }),
};

export const orphanMessages = {
  groupGone: (group: string): string => `service group ${group} no longer exists`,
  namespaceRefused: (group: string, namespace: string): string =>
    `service group ${group} no longer allows namespace ${namespace}`,
  outsideGroup: (ips: string[], group: string): string =>
    `${ips.length === 1 ? 'address' : 'addresses'} ${ips.join(', ')} no longer ${ips.length === 1 ? 'lies' : 'lie'} in a pool of service group ${group}`,
};
