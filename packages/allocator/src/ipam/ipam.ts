// The allocator's IPAM core (SPEC §3.3, §3.4, §4): pure and synchronous, no I/O. The controller feeds
// it ServiceGroups and Service requests read from its caches and writes back whatever it answers.
//
// State is three layers:
// - pools: one FreeSet per pool range, rebuilt from scratch on every setGroups;
// - bindings: one per held address (per family, keyed by the address value), with the Services
//   using it; a shared address is one binding with several users;
// - allocations: per Service key, its group and its bindings in family order.
// The invariant tying them together: an address is missing from its pool's FreeSet exactly when a
// binding holds it. Every mutation keeps it, so nothing leaks and nothing is handed out twice.

import { familyBits, formatAddress, safeParseAddress, type IPFamily } from '@purelb/shared';
import type { NormalizedGroup, NormalizedPool } from '@purelb/crds';
import { FreeSet } from './freeset.js';
import { failures, orphanMessages } from './messages.js';
import type {
  AllocatedAddress,
  AllocationFailure,
  AllocationRequest,
  AllocationResult,
  AllocationView,
  ExistingAllocation,
  FamilyStats,
  GroupStats,
  IgnoredPool,
  Orphan,
  RebuildResult,
  ServicePort,
  SetGroupsResult,
} from './types.js';

/** The group a Service falls back to when no other rule picks one (SPEC §4). */
export const DEFAULT_GROUP = 'default';

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

interface GroupState {
  group: NormalizedGroup;
  pools: Record<IPFamily, PoolState[]>;
}

interface PoolState {
  group: GroupState;
  pool: NormalizedPool;
  free: FreeSet;
  /** Bindings whose address lies in this pool. */
  used: number;
}

interface User {
  key: string;
  ports: ServicePort[];
  etpLocal: boolean;
}

interface Binding {
  family: IPFamily;
  value: bigint;
  ip: string;
  /** The pool whose FreeSet this address was taken from; undefined when no pool holds it (orphan). */
  pool: PoolState | undefined;
  /** The users' common sharing key ('' = not shareable). */
  sharingKey: string;
  /** Usually one; an array rather than a Map because a Map costs a few hundred bytes per address. */
  users: User[];
}

interface Allocation {
  key: string;
  namespace: string;
  group: string;
  bindings: Binding[];
  sharingKey: string;
  ports: ServicePort[];
  etpLocal: boolean;
}

/** One family's address chosen by the planner: an existing binding to keep or join, or a free address of a pool. */
interface PlanEntry {
  family: IPFamily;
  value: bigint;
  /** Canonical text when already known (formatting an IPv6 address costs microseconds). */
  ip?: string;
  binding: Binding | undefined;
  pool: PoolState | undefined;
}

type Plan = { ok: true; group: GroupState; entries: PlanEntry[] } | { ok: false; failure: AllocationFailure };

interface Parsed {
  family: IPFamily;
  value: bigint;
  ip: string;
}

/** Failures that let automatic group choice move on to the next candidate group. */
const CAPACITY_FAILURES = new Set(['exhausted', 'family-unavailable', 'dual-stack-impossible']);

export class Ipam {
  private groups = new Map<string, GroupState>();
  /** Every pool of a family, sorted by range start, for binary search by address. */
  private sortedPools: Record<IPFamily, PoolState[]> = { IPv4: [], IPv6: [] };
  private bindings: Record<IPFamily, Map<bigint, Binding>> = { IPv4: new Map(), IPv6: new Map() };
  /** Bindings per sharing key, so a key bound to an address is found without scanning. */
  private byShareKey = new Map<string, Set<Binding>>();
  private allocations = new Map<string, Allocation>();
  private ignoredPools: IgnoredPool[] = [];
  /** Automatic group candidates per namespace (see candidatesFor). */
  private candidates = new Map<string, GroupState[]>();

  constructor(groups: readonly NormalizedGroup[] = []) {
    this.setGroups(groups);
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  /**
   * Replaces the ServiceGroups. Pools are rebuilt; every held address stays held (it is taken out of
   * whichever new pool contains it), so nothing is ever handed out twice across an edit. Allocations
   * that no longer lie in a pool of a group their Service may use are returned as orphans and kept
   * until reclaimed (`reclaim` on allocate) or released.
   */
  setGroups(groups: readonly NormalizedGroup[]): SetGroupsResult {
    this.buildPools(groups);
    for (const family of FAMILIES) {
      for (const binding of this.bindings[family].values()) this.placeInPool(binding);
    }
    return { orphans: this.orphans(), ignored: [...this.ignoredPools] };
  }

  /**
   * Forgets every allocation and restores the given ones (at start, from the Services' status and
   * annotations; Services holding addresses should come first). An entry that would share an address
   * with an earlier one that may not share it is rejected whole, so no address is held twice.
   */
  rebuild(existing: readonly ExistingAllocation[]): RebuildResult {
    this.allocations.clear();
    this.bindings = { IPv4: new Map(), IPv6: new Map() };
    this.byShareKey.clear();
    this.buildPools([...this.groups.values()].map((g) => g.group));

    const restored: string[] = [];
    const rejected: RebuildResult['rejected'] = [];
    for (const entry of existing) {
      const failure = this.restore(entry);
      if (failure) rejected.push({ key: entry.key, failure });
      else restored.push(entry.key);
    }
    const restoredSet = new Set(restored);
    return { restored, rejected, orphans: this.orphans().filter((o) => restoredSet.has(o.key)) };
  }

  /** The allocations as `rebuild` takes them, in the order they were first made. */
  snapshot(): ExistingAllocation[] {
    return [...this.allocations.values()].map((a) => ({
      key: a.key,
      namespace: a.namespace,
      group: a.group,
      addresses: a.bindings.map((b) => b.ip),
      sharingKey: a.sharingKey,
      ports: a.ports.map((p) => ({ ...p })),
      etpLocal: a.etpLocal,
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation

  /**
   * Gives the Service its addresses, or says why not. All or nothing: a failure changes nothing, and
   * the same request against the same state returns the same addresses with `changed: false`.
   */
  allocate(request: AllocationRequest): AllocationResult {
    const families = effectiveFamilies(request);
    if (!Array.isArray(families)) return { ok: false, failure: families };
    const requested = parseRequested(request.requested ?? [], families);
    if (!Array.isArray(requested)) return { ok: false, failure: requested };
    const current = parseLoose(request.current ?? []);

    const existing = this.allocations.get(request.key);
    if (existing && !this.fits(existing)) {
      // SPEC §4: an orphan keeps its addresses until someone asks for a re-allocation. Asking for
      // other addresses explicitly is such a request.
      const asksElsewhere = requested.length > 0 && !requested.every((r) => existing.bindings.some((b) => b.family === r.family && b.value === r.value));
      if (!request.reclaim && !asksElsewhere) {
        return { ok: true, group: existing.group, addresses: this.viewAddresses(existing), changed: false, released: [], orphaned: true };
      }
    }

    const plan = this.plan(request, families, requested, current, existing);
    if (!plan.ok) return plan;
    return this.apply(request, families, plan, existing);
  }

  /** Releases everything the Service holds; returns what it held. */
  release(key: string): AllocatedAddress[] {
    const allocation = this.allocations.get(key);
    if (!allocation) return [];
    const view = this.viewAddresses(allocation);
    for (const binding of allocation.bindings) this.leave(binding, key);
    this.allocations.delete(key);
    return view;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  allocationOf(key: string): AllocationView | undefined {
    const a = this.allocations.get(key);
    if (!a) return undefined;
    return {
      key: a.key,
      namespace: a.namespace,
      group: a.group,
      addresses: this.viewAddresses(a),
      sharingKey: a.sharingKey,
      ports: a.ports.map((p) => ({ ...p })),
      etpLocal: a.etpLocal,
      orphaned: !this.fits(a),
    };
  }

  /** Keys of the Services holding `ip`, sorted; empty when it is free or not an address. */
  holdersOf(ip: string): string[] {
    const parsed = safeParseAddress(ip);
    if (!parsed.ok) return [];
    const binding = this.bindings[parsed.value.family].get(parsed.value.value);
    return binding ? binding.users.map((u) => u.key).sort() : [];
  }

  /** Every allocated Service key, in allocation order. */
  keys(): string[] {
    return [...this.allocations.keys()];
  }

  /** Allocations that no longer fit their ServiceGroups. */
  orphans(): Orphan[] {
    const out: Orphan[] = [];
    for (const a of this.allocations.values()) {
      const orphan = this.orphanOf(a);
      if (orphan) out.push(orphan);
    }
    return out;
  }

  /** Pools the last setGroups left out (overlaps across groups, duplicate group names). */
  ignored(): IgnoredPool[] {
    return [...this.ignoredPools];
  }

  groupStats(name: string): GroupStats | undefined {
    const g = this.groups.get(name);
    return g ? statsOf(g) : undefined;
  }

  stats(): GroupStats[] {
    return [...this.groups.values()].map(statsOf);
  }

  // ---------------------------------------------------------------------------------------------
  // Planning: decides without touching state, so a failure leaves nothing half-done.

  private plan(
    request: AllocationRequest,
    families: IPFamily[],
    requested: Parsed[],
    current: Parsed[],
    existing: Allocation | undefined,
  ): Plan {
    const choice = this.chooseGroups(request, requested, current, existing);
    if ('reason' in choice) return { ok: false, failure: choice };
    let first: AllocationFailure | undefined;
    for (const group of choice.candidates) {
      const plan = this.planInGroup(group, request, families, requested, current, existing);
      if (plan.ok) return plan;
      first ??= plan.failure;
      // Only automatic choice moves on, and only when the group lacks room or a family.
      if (choice.strict || !CAPACITY_FAILURES.has(plan.failure.reason)) return plan;
    }
    return { ok: false, failure: first as AllocationFailure };
  }

  /** SPEC §4 group choice: requested addresses' group > named group > the group already held > adopted status > namespace-listing groups by priority > `default`. */
  private chooseGroups(
    request: AllocationRequest,
    requested: Parsed[],
    current: Parsed[],
    existing: Allocation | undefined,
  ): { candidates: GroupState[]; strict: boolean } | AllocationFailure {
    const ns = request.namespace;
    if (requested.length > 0) {
      let chosen: { group: GroupState; ip: string } | undefined;
      for (const r of requested) {
        const pool = this.poolByRange(r.family, r.value);
        if (!pool) return failures.outsidePools(r.ip, r.family);
        if (chosen && chosen.group !== pool.group) {
          return failures.mixedGroups(chosen.ip, chosen.group.group.name, r.ip, pool.group.group.name);
        }
        chosen ??= { group: pool.group, ip: r.ip };
        if (!allows(pool.group, ns)) return failures.namespaceNotAllowed(pool.group.group.name, ns, r.ip);
        if (!pool.free.isUsable(r.value)) return failures.buggyAddress(r.ip, pool.group.group.name);
      }
      return { candidates: [(chosen as { group: GroupState }).group], strict: true };
    }

    if (request.groupName !== undefined && request.groupName !== '') {
      const group = this.groups.get(request.groupName);
      if (!group) return failures.unknownGroup(request.groupName);
      if (!allows(group, ns)) return failures.namespaceNotAllowed(group.group.name, ns);
      return { candidates: [group], strict: true };
    }

    // A Service keeps the group it has: a new ServiceGroup listing its namespace must not move it.
    if (existing) {
      const group = this.groups.get(existing.group);
      if (group && allows(group, ns)) return { candidates: [group], strict: true };
    }

    for (const c of current) {
      const pool = this.poolOf(c.family, c.value);
      if (pool && allows(pool.group, ns)) return { candidates: [pool.group], strict: true };
    }

    const listing = this.candidatesFor(ns);
    if (listing.length === 0) return failures.noGroup(ns);
    return { candidates: listing, strict: false };
  }

  /** Groups listing the namespace by (priority, name), then `default`; cached until the groups change. */
  private candidatesFor(ns: string): GroupState[] {
    const cached = this.candidates.get(ns);
    if (cached) return cached;
    const listing = [...this.groups.values()]
      .filter((g) => g.group.namespaces.includes(ns))
      .sort((a, b) => a.group.priority - b.group.priority || compareStrings(a.group.name, b.group.name));
    const fallback = this.groups.get(DEFAULT_GROUP);
    if (fallback && allows(fallback, ns) && !listing.includes(fallback)) listing.push(fallback);
    this.candidates.set(ns, listing);
    return listing;
  }

  private planInGroup(
    group: GroupState,
    request: AllocationRequest,
    families: IPFamily[],
    requested: Parsed[],
    current: Parsed[],
    existing: Allocation | undefined,
  ): Plan {
    const name = group.group.name;
    const several = families.length > 1;
    const entries: PlanEntry[] = [];
    let skipped: AllocationFailure | undefined;
    for (const family of families) {
      const wanted = requested.find((r) => r.family === family);
      if (group.pools[family].length === 0) {
        if (request.policy === 'RequireDualStack') return { ok: false, failure: failures.dualStackImpossible(name, family) };
        // PreferDualStack takes the families the group has.
        skipped ??= failures.familyUnavailable(name, family);
        continue;
      }
      const entry = this.planFamily(group, family, request, wanted, current, existing, several);
      if ('reason' in entry) {
        // PreferDualStack: an exhausted family is left out (retried later); an explicit request never is.
        if (request.policy === 'PreferDualStack' && several && entry.reason === 'exhausted' && !wanted) {
          skipped ??= entry;
          continue;
        }
        return { ok: false, failure: entry };
      }
      entries.push(entry);
    }
    if (entries.length === 0) return { ok: false, failure: skipped ?? failures.familyUnavailable(name, families[0] ?? 'IPv4') };
    return { ok: true, group, entries };
  }

  private planFamily(
    group: GroupState,
    family: IPFamily,
    request: AllocationRequest,
    wanted: Parsed | undefined,
    current: Parsed[],
    existing: Allocation | undefined,
    several: boolean,
  ): PlanEntry | AllocationFailure {
    // 1. The requested address, whoever holds it: it is this or nothing.
    if (wanted) {
      const pool = this.poolOf(family, wanted.value) as PoolState; // chooseGroups checked it lies in this group
      const binding = this.bindings[family].get(wanted.value);
      if (binding) {
        const clash = this.conflict(binding, request);
        if (clash) return clash;
      }
      return { family, value: wanted.value, ip: wanted.ip, binding, pool };
    }
    // 2. What the Service already holds in this group, while it can still hold it.
    const held = existing?.bindings.find((b) => b.family === family);
    if (held && held.pool?.group === group && !this.conflict(held, request)) {
      return { family, value: held.value, binding: held, pool: held.pool };
    }
    // 3. An address in status (restart, migration from another allocator), when free or shareable.
    for (const c of current) {
      if (c.family !== family) continue;
      const pool = this.poolOf(family, c.value);
      if (pool?.group !== group) continue;
      const binding = this.bindings[family].get(c.value);
      if (binding && this.conflict(binding, request)) continue;
      return { family, value: c.value, ip: c.ip, binding, pool };
    }
    // 4. An address already bound to the Service's sharing key, lowest first.
    const key = request.sharingKey ?? '';
    if (key !== '') {
      // Linear in the addresses bound to this one key (usually one or two), not in the pool.
      let usable: Binding | undefined;
      for (const b of this.byShareKey.get(key) ?? []) {
        if (b.family !== family || b.pool?.group !== group) continue;
        if (usable && usable.value < b.value) continue;
        // The key allows sharing, it does not demand it: a clash falls through to a fresh address.
        if (!this.conflict(b, request)) usable = b;
      }
      if (usable) return { family, value: usable.value, binding: usable, pool: usable.pool };
    }
    // 5. The lowest free address of the first pool with room, in declaration order.
    for (const pool of group.pools[family]) {
      const value = pool.free.lowest();
      if (value !== undefined) return { family, value, binding: undefined, pool };
    }
    return failures.exhausted(group.group.name, family, several);
  }

  /** Why `request` may not use `binding` (undefined: it may). Its own use never conflicts. */
  private conflict(binding: Binding, request: AllocationRequest): AllocationFailure | undefined {
    const others = binding.users.filter((u) => u.key !== request.key).sort((a, b) => compareStrings(a.key, b.key));
    if (others.length === 0) return undefined;
    const key = request.sharingKey ?? '';
    const first = others[0] as User;
    if (key === '' || binding.sharingKey !== key) return failures.addressHeld(binding.ip, binding.family, first.key);
    for (const other of others) {
      if (other.etpLocal || request.etpLocal) return failures.etpLocal(binding.ip, binding.family, other.key, other.etpLocal);
    }
    for (const other of others) {
      for (const mine of request.ports) {
        if (other.ports.some((p) => p.port === mine.port && p.protocol === mine.protocol)) {
          return failures.portClash(binding.ip, binding.family, other.key, mine.protocol, mine.port);
        }
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Applying a plan

  private apply(request: AllocationRequest, families: IPFamily[], plan: { group: GroupState; entries: PlanEntry[] }, existing: Allocation | undefined): AllocationResult {
    const key = request.key;
    const user: User = { key, ports: request.ports.map((p) => ({ protocol: p.protocol, port: p.port })), etpLocal: request.etpLocal };
    const sharingKey = request.sharingKey ?? '';
    const released: AllocatedAddress[] = [];
    const before = existing ? this.viewAddresses(existing) : [];
    const kept: Binding[] = [];
    const left = new Set<Binding>();

    for (const entry of plan.entries) {
      const old = existing?.bindings.find((b) => b.family === entry.family);
      if (old && old.value === entry.value) {
        setUser(old, user);
        kept.push(old);
        continue;
      }
      if (old) {
        released.push(this.addressView(old, existing?.group ?? ''));
        this.leave(old, key);
        left.add(old);
      }
      let binding = entry.binding;
      if (!binding) {
        const pool = entry.pool as PoolState;
        pool.free.take(entry.value);
        pool.used += 1;
        binding = {
          family: entry.family,
          value: entry.value,
          ip: entry.ip ?? formatAddress({ family: entry.family, value: entry.value }),
          pool,
          sharingKey,
          users: [],
        };
        this.bindings[entry.family].set(entry.value, binding);
        this.index(binding);
      }
      setUser(binding, user);
      kept.push(binding);
    }
    // Families the Service no longer asks for (dual → single) or could not keep.
    for (const old of existing?.bindings ?? []) {
      if (!kept.includes(old) && !left.has(old)) {
        released.push(this.addressView(old, existing?.group ?? ''));
        this.leave(old, key);
      }
    }
    // A Service alone on its address carries the address's sharing key with it.
    for (const b of kept) {
      if (b.users.length === 1 && b.sharingKey !== sharingKey) {
        this.unindex(b);
        b.sharingKey = sharingKey;
        this.index(b);
      }
    }

    const order = new Map(families.map((f, i) => [f, i]));
    kept.sort((a, b) => (order.get(a.family) ?? 0) - (order.get(b.family) ?? 0));
    const allocation: Allocation = {
      key,
      namespace: request.namespace,
      group: plan.group.group.name,
      // slice: an array grown by push keeps spare capacity (~17 slots), which adds up over 100 000 Services.
      bindings: kept.slice(),
      sharingKey,
      ports: user.ports,
      etpLocal: request.etpLocal,
    };
    // Map.set on an existing key keeps its place, so snapshot order is first-allocation order.
    this.allocations.set(key, allocation);
    const addresses = this.viewAddresses(allocation);
    const changed =
      existing?.group !== allocation.group ||
      before.length !== addresses.length ||
      before.some((b, i) => b.ip !== addresses[i]?.ip || b.family !== addresses[i]?.family);
    return { ok: true, group: allocation.group, addresses, changed, released, orphaned: false };
  }

  /** Removes `key` from the binding; the last user out returns the address to its pool. */
  private leave(binding: Binding, key: string): void {
    binding.users = binding.users.filter((u) => u.key !== key);
    if (binding.users.length > 0) return;
    this.bindings[binding.family].delete(binding.value);
    this.unindex(binding);
    if (binding.pool) {
      binding.pool.free.put(binding.value);
      binding.pool.used -= 1;
    }
  }

  private index(binding: Binding): void {
    if (binding.sharingKey === '') return;
    let set = this.byShareKey.get(binding.sharingKey);
    if (!set) {
      set = new Set();
      this.byShareKey.set(binding.sharingKey, set);
    }
    set.add(binding);
  }

  private unindex(binding: Binding): void {
    const set = this.byShareKey.get(binding.sharingKey);
    if (!set) return;
    set.delete(binding);
    if (set.size === 0) this.byShareKey.delete(binding.sharingKey);
  }

  // ---------------------------------------------------------------------------------------------
  // Rebuild

  private restore(entry: ExistingAllocation): AllocationFailure | undefined {
    if (this.allocations.has(entry.key)) return failures.invalidRequest(`${entry.key} appears twice`);
    if (entry.addresses.length === 0) return failures.invalidRequest(`${entry.key} has no addresses to restore`);
    const parsed: Parsed[] = [];
    for (const text of entry.addresses) {
      const p = safeParseAddress(text);
      if (!p.ok) return failures.invalidAddress(text, p.error.message);
      const ip = formatAddress(p.value);
      if (parsed.some((q) => q.family === p.value.family)) {
        return failures.invalidRequest(`${entry.key} holds two ${p.value.family} addresses`);
      }
      parsed.push({ family: p.value.family, value: p.value.value, ip });
    }
    const probe: AllocationRequest = {
      key: entry.key,
      namespace: entry.namespace,
      families: parsed.map((p) => p.family),
      policy: 'SingleStack',
      ports: entry.ports,
      etpLocal: entry.etpLocal,
      ...(entry.sharingKey === undefined ? {} : { sharingKey: entry.sharingKey }),
    };
    for (const p of parsed) {
      const binding = this.bindings[p.family].get(p.value);
      const clash = binding && this.conflict(binding, probe);
      if (clash) return clash;
    }
    const first = parsed[0] as Parsed;
    const group = entry.group ?? this.poolOf(first.family, first.value)?.group.group.name ?? '';
    const sharingKey = entry.sharingKey ?? '';
    const user: User = { key: entry.key, ports: entry.ports.map((p) => ({ protocol: p.protocol, port: p.port })), etpLocal: entry.etpLocal };
    const bindings: Binding[] = [];
    for (const p of parsed) {
      let binding = this.bindings[p.family].get(p.value);
      if (!binding) {
        binding = { family: p.family, value: p.value, ip: p.ip, pool: undefined, sharingKey, users: [] };
        this.bindings[p.family].set(p.value, binding);
        this.placeInPool(binding);
        this.index(binding);
      }
      setUser(binding, user);
      bindings.push(binding);
    }
    this.allocations.set(entry.key, {
      key: entry.key,
      namespace: entry.namespace,
      group,
      bindings: bindings.slice(),
      sharingKey,
      ports: user.ports,
      etpLocal: entry.etpLocal,
    });
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Pools

  private buildPools(groups: readonly NormalizedGroup[]): void {
    this.groups = new Map();
    this.ignoredPools = [];
    this.candidates = new Map();
    const all: Record<IPFamily, PoolState[]> = { IPv4: [], IPv6: [] };
    for (const g of groups) {
      if (this.groups.has(g.name)) {
        for (const family of FAMILIES) {
          for (const p of g.pools[family]) {
            this.ignoredPools.push({ group: g.name, source: p.source, message: `service group ${g.name} is given twice; only the first is used` });
          }
        }
        continue;
      }
      const state: GroupState = { group: g, pools: { IPv4: [], IPv6: [] } };
      for (const family of FAMILIES) {
        for (const p of g.pools[family]) {
          // The parser rejects overlaps; this guards against being handed groups parsed apart, since
          // two FreeSets covering one address would hand it out twice.
          const overlap = all[family].find((q) => q.pool.range.first <= p.range.last && p.range.first <= q.pool.range.last);
          if (overlap || p.family !== family || p.range.family !== family) {
            this.ignoredPools.push({
              group: g.name,
              source: p.source,
              message: overlap
                ? `${p.text} overlaps service group ${overlap.group.group.name} (${overlap.pool.source} ${overlap.pool.text}); ignored`
                : `${p.text} is not an ${family} range; ignored`,
            });
            continue;
          }
          const pool: PoolState = {
            group: state,
            pool: p,
            free: new FreeSet(p.range.first, p.range.last, g.avoidBuggyIPs && family === 'IPv4'),
            used: 0,
          };
          state.pools[family].push(pool);
          all[family].push(pool);
        }
      }
      this.groups.set(g.name, state);
    }
    for (const family of FAMILIES) all[family].sort((a, b) => (a.pool.range.first < b.pool.range.first ? -1 : 1));
    this.sortedPools = all;
  }

  /** Takes the binding's address out of the (new) pool containing it. */
  private placeInPool(binding: Binding): void {
    const pool = this.poolOf(binding.family, binding.value);
    binding.pool = pool;
    if (pool) {
      pool.free.take(binding.value);
      pool.used += 1;
    }
  }

  /** The pool whose range contains the address, usable or not (binary search over disjoint ranges). */
  private poolByRange(family: IPFamily, value: bigint): PoolState | undefined {
    const pools = this.sortedPools[family];
    let lo = 0;
    let hi = pools.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const pool = pools[mid] as PoolState;
      if (value < pool.pool.range.first) hi = mid - 1;
      else if (value > pool.pool.range.last) lo = mid + 1;
      else return pool;
    }
    return undefined;
  }

  /** The pool that may hand the address out (its range holds it and avoidBuggyIPs does not exclude it). */
  private poolOf(family: IPFamily, value: bigint): PoolState | undefined {
    const pool = this.poolByRange(family, value);
    return pool && pool.free.isUsable(value) ? pool : undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Fit and views

  private fits(a: Allocation): boolean {
    return this.orphanOf(a) === undefined;
  }

  private orphanOf(a: Allocation): Orphan | undefined {
    const group = this.groups.get(a.group);
    const ips = a.bindings.map((b) => b.ip);
    if (!group) return { key: a.key, group: a.group, addresses: ips, message: orphanMessages.groupGone(a.group) };
    if (!allows(group, a.namespace)) {
      return { key: a.key, group: a.group, addresses: ips, message: orphanMessages.namespaceRefused(a.group, a.namespace) };
    }
    const outside = a.bindings.filter((b) => b.pool?.group !== group).map((b) => b.ip);
    if (outside.length === 0) return undefined;
    return { key: a.key, group: a.group, addresses: outside, message: orphanMessages.outsideGroup(outside, a.group) };
  }

  private viewAddresses(a: Allocation): AllocatedAddress[] {
    return a.bindings.map((b) => this.addressView(b, a.group));
  }

  private addressView(b: Binding, group: string): AllocatedAddress {
    return {
      family: b.family,
      ip: b.ip,
      group,
      pool: b.pool?.pool.source,
      aggregation: b.pool?.pool.aggregation ?? familyBits(b.family),
    };
  }
}

/** Adds or replaces the user with the same key (a new array, sized exactly, rather than push's spare capacity). */
function setUser(binding: Binding, user: User): void {
  const i = binding.users.findIndex((u) => u.key === user.key);
  binding.users = i >= 0 ? binding.users.map((u, j) => (j === i ? user : u)) : [...binding.users, user];
}

function allows(group: GroupState, namespace: string): boolean {
  return group.group.namespaces.length === 0 || group.group.namespaces.includes(namespace);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The families to allocate: the first one for SingleStack, all of them otherwise. */
function effectiveFamilies(request: AllocationRequest): IPFamily[] | AllocationFailure {
  if (request.key === '') return failures.invalidRequest('the Service key is empty');
  const families = request.families;
  if (families.length === 0) return failures.invalidRequest('the Service has no IP families');
  for (const f of families) {
    if (f !== 'IPv4' && f !== 'IPv6') return failures.invalidRequest(`unknown IP family ${JSON.stringify(f)}`);
  }
  if (new Set(families).size !== families.length) return failures.invalidRequest(`IP families ${families.join(', ')} repeat a family`);
  return request.policy === 'SingleStack' ? families.slice(0, 1) : [...families];
}

/** Requested addresses: each must parse, one per family, of a family the Service has. */
function parseRequested(texts: readonly string[], families: IPFamily[]): Parsed[] | AllocationFailure {
  const out: Parsed[] = [];
  for (const raw of texts) {
    const text = raw.trim();
    // "10.0.0.1," or an empty annotation: empty items are no request, not a malformed one.
    if (text === '') continue;
    const p = safeParseAddress(text);
    if (!p.ok) return failures.invalidAddress(text, p.error.message);
    const ip = formatAddress(p.value);
    const same = out.find((q) => q.family === p.value.family);
    if (same) {
      if (same.value === p.value.value) continue;
      return failures.invalidRequest(`requested addresses ${same.ip} and ${ip} are both ${p.value.family}; give at most one per family`);
    }
    if (!families.includes(p.value.family)) return failures.familyMismatch(ip, p.value.family, families);
    out.push({ family: p.value.family, value: p.value.value, ip });
  }
  return out;
}

/** Status addresses: whatever does not parse is simply not adopted. */
function parseLoose(texts: readonly string[]): Parsed[] {
  const out: Parsed[] = [];
  for (const text of texts) {
    const p = safeParseAddress(text.trim());
    if (p.ok) out.push({ family: p.value.family, value: p.value.value, ip: formatAddress(p.value) });
  }
  return out;
}

function statsOf(g: GroupState): GroupStats {
  const fam = (family: IPFamily): FamilyStats => {
    let size = 0n;
    let used = 0;
    for (const p of g.pools[family]) {
      size += p.free.size;
      used += p.used;
    }
    return { size, used, available: size - BigInt(used) };
  };
  return {
    name: g.group.name,
    IPv4: fam('IPv4'),
    IPv6: fam('IPv6'),
    pools: FAMILIES.flatMap((family) =>
      g.pools[family].map((p) => ({
        family,
        source: p.pool.source,
        text: p.pool.text,
        size: p.free.size,
        used: p.used,
        available: p.free.free,
      })),
    ),
  };
}
