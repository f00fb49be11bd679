// The node agent's imperative shell: caches of Services, EndpointSlices, ServiceGroups, LBNodeAgents
// and membership Leases; one reconcile at a time (a single work-queue key) that reads the kernel,
// asks the core what this node must hold, applies the difference in one batch, announces new local
// addresses, and records what it did (annotations, events). Drift is repaired on a timer.
import { ANNOUNCING_ANNOTATION, Components, EventReasons, type ServiceGroup } from '@purelb/crds';
import {
  EventRecorder,
  Informer,
  Resources,
  WorkQueue,
  endpointSlicesByService,
  isNotFound,
  nowEpochMicros,
  parseAddress,
  rangeContains,
  type KubeClient,
  type KubeObject,
  type Lease,
  type Logger,
  type ResourceDescriptor,
} from '@purelb/shared';
import { decide } from '../core/announcer.js';
import type { Decision, DesiredAddress, NodeInterfaces } from '../core/types.js';
import type { AddressOp, Netlink } from '../netlink/types.js';
import { MembershipLease, isMemberLease, liveMembers } from './membership.js';
import { agentSettings, poolsOf, serviceViews, type EndpointSliceObject, type ServiceObject } from './views.js';

export const ServiceGroups: ResourceDescriptor = { group: 'purelb.io', version: 'v1', plural: 'servicegroups', namespaced: true, kind: 'ServiceGroup' };
export const LBNodeAgents: ResourceDescriptor = { group: 'purelb.io', version: 'v1', plural: 'lbnodeagents', namespaced: true, kind: 'LBNodeAgent' };

const KEY = 'node';

export interface AgentMetrics {
  announced?(kind: 'local' | 'virtual', count: number): void;
  garpSent?(family: 'IPv4' | 'IPv6'): void;
  election?(outcome: 'won' | 'lost', count: number): void;
  members?(count: number): void;
  reconcileSeconds?(seconds: number): void;
}

export interface NodeAgentOptions {
  client: KubeClient;
  netlink: Netlink;
  nodeName: string;
  namespace: string;
  logger: Logger;
  leaseDurationSeconds: number;
  /** Interval of drift repair (re-read the kernel and converge). */
  driftIntervalMs: number;
  recorder?: EventRecorder;
  metrics?: AgentMetrics;
}

function serviceRef(svc: KubeObject) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace, uid: svc.metadata?.uid };
}

function cidr(d: { ip: string; prefixLength: number }): string {
  return `${d.ip}/${d.prefixLength}`;
}

export class NodeAgent {
  readonly services: Informer<ServiceObject>;
  readonly slices: Informer<EndpointSliceObject>;
  readonly groups: Informer<ServiceGroup & KubeObject>;
  readonly agents: Informer<KubeObject>;
  readonly leases: Informer<Lease>;
  readonly membership: MembershipLease;
  private readonly queue: WorkQueue<string>;
  private readonly recorder: EventRecorder;
  private nodeLabels: Record<string, string> = {};
  /** What this node announced last, to emit events on transitions only (cidr@iface → services). */
  private announced = new Map<string, DesiredAddress>();
  private driftTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private ready = false;
  private stopping = false;
  private lastDecision: Decision | undefined;

  constructor(private readonly options: NodeAgentOptions) {
    const { client, logger, namespace } = options;
    this.services = new Informer<ServiceObject>({ client, resource: Resources.services, logger, name: 'services' });
    this.slices = new Informer<EndpointSliceObject>({ client, resource: Resources.endpointSlices, logger, name: 'endpointslices', indexers: { service: endpointSlicesByService } });
    this.groups = new Informer<ServiceGroup & KubeObject>({ client, resource: ServiceGroups, namespace, logger, name: 'servicegroups' });
    this.agents = new Informer<KubeObject>({ client, resource: LBNodeAgents, namespace, logger, name: 'lbnodeagents' });
    this.leases = new Informer<Lease>({ client, resource: Resources.leases, namespace, logger, name: 'leases' });
    this.membership = new MembershipLease({ client, namespace, node: options.nodeName, leaseDurationSeconds: options.leaseDurationSeconds, logger });
    this.queue = new WorkQueue<string>({ name: 'lbnodeagent', logger, baseDelayMs: 100, maxDelayMs: 10_000 });
    this.recorder = options.recorder ?? new EventRecorder({ client, component: Components.lbnodeagent, host: options.nodeName, logger });
  }

  isReady(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    const { client, nodeName, logger } = this.options;
    try {
      const node = await client.get(Resources.nodes, nodeName);
      this.nodeLabels = node.metadata?.labels ?? {};
    } catch (err) {
      if (!isNotFound(err)) throw err;
      logger.warn({ node: nodeName }, 'no Node object with this name; LBNodeAgent node selectors see no labels');
    }
    for (const inf of [this.services, this.slices, this.groups, this.agents, this.leases] as Informer<KubeObject>[]) inf.start();
    await Promise.all([this.services.synced, this.slices.synced, this.groups.synced, this.agents.synced, this.leases.synced]);
    // Join with our subnets before the first decision so that peers count us in at once.
    const interfaces = await this.options.netlink.read();
    const settings = agentSettings(nodeName, this.nodeLabels, this.agents.list(), this.options.namespace);
    await this.options.netlink.ensureInterface(settings.extLbInterface);
    await this.membership.setSubnets(decide({ settings, interfaces, services: [], members: [] }).subnets);
    this.membership.start();
    const wake = () => this.queue.add(KEY);
    this.services.addHandler({ onAdd: wake, onUpdate: (a, b) => this.serviceChanged(a, b) && wake(), onDelete: wake });
    this.slices.addHandler({ onAdd: wake, onUpdate: wake, onDelete: wake });
    this.groups.addHandler({ onAdd: wake, onUpdate: wake, onDelete: wake });
    this.agents.addHandler({ onAdd: wake, onUpdate: wake, onDelete: wake });
    this.leases.addHandler({
      onAdd: (l) => isMemberLease(l) && wake(),
      onUpdate: (a, b) => isMemberLease(b) && this.membershipChanged(a, b) && wake(),
      onDelete: (l) => isMemberLease(l) && wake(),
    });
    const drift = () => {
      this.queue.add(KEY);
      this.driftTimer = setTimeout(drift, this.options.driftIntervalMs);
    };
    this.driftTimer = setTimeout(drift, this.options.driftIntervalMs);
    this.ready = true;
    this.queue.add(KEY);
    this.running = this.queue.runWorkers(1, () => this.reconcile());
  }

  /** Graceful shutdown: leave membership first (peers take over at once), then withdraw everything. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.driftTimer) clearTimeout(this.driftTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    await this.membership.stop();
    await this.queue.shutdown();
    await this.running?.catch(() => undefined);
    try {
      const interfaces = await this.options.netlink.read();
      const ops = this.withdrawAll(interfaces);
      if (ops.length) await this.options.netlink.apply(ops);
      await this.removeOurAnnotations(new Set());
    } finally {
      await Promise.all([this.services, this.slices, this.groups, this.agents, this.leases].map((i) => (i as Informer<KubeObject>).stop()));
      await this.recorder.flush();
    }
  }

  /** Service updates that cannot change what this node announces are ignored (our own annotations). */
  private serviceChanged(a: ServiceObject, b: ServiceObject): boolean {
    const strip = (s: ServiceObject) => {
      const ann = { ...(s.metadata?.annotations ?? {}) };
      delete ann[ANNOUNCING_ANNOTATION.IPv4];
      delete ann[ANNOUNCING_ANNOTATION.IPv6];
      return JSON.stringify([s.spec, s.status, ann, s.metadata?.deletionTimestamp ?? null]);
    };
    return strip(a) !== strip(b);
  }

  /** Renewals change only renewTime; membership changes are subnets, holder or (re)appearance. */
  private membershipChanged(a: Lease, b: Lease): boolean {
    const now = nowEpochMicros();
    const before = liveMembers([a], now).members;
    const after = liveMembers([b], now).members;
    return JSON.stringify(before) !== JSON.stringify(after);
  }

  // ------------------------------------------------------------------ reconcile

  private async reconcile(): Promise<void> {
    if (this.stopping) return;
    const started = process.hrtime.bigint();
    const { netlink, nodeName, namespace, logger } = this.options;
    const settings = agentSettings(nodeName, this.nodeLabels, this.agents.list(), namespace);
    const interfaces = await netlink.read();
    const pools = poolsOf(this.groups.list(), namespace);
    const services = serviceViews(this.services.list(), (key) => this.slices.byIndex('service', key), pools);
    const now = nowEpochMicros();
    const { members, nextExpiryMicros } = liveMembers(this.leases.list(), now);
    // We count ourselves in only while our own Lease is current, as peers see it.
    const self = members.find((m) => m.node === nodeName);
    const firstPass = decide({ settings, interfaces, services: [], members: [] });
    const withSelf = self || !this.membership.healthy(now) ? members : [...members, { node: nodeName, subnets: firstPass.subnets }];
    const decision = decide({ settings, interfaces, services, members: withSelf });
    this.lastDecision = decision;
    this.options.metrics?.members?.(withSelf.length);
    await this.membership.setSubnets(decision.subnets).catch((err: unknown) => logger.warn({ err }, 'could not update membership subnets'));

    // Converge the kernel: add what is desired, remove what we manage and nothing justifies.
    const ops = this.diff(interfaces, decision.desired, settings.extLbInterface, pools);
    const failures = ops.length ? await netlink.apply(ops) : [];
    const failed = new Set(failures.map((f) => `${f.op.op} ${f.op.cidr}@${f.op.interface}`));
    for (const f of failures) {
      logger.warn({ op: f.op, error: f.error }, 'address operation failed');
      for (const d of decision.desired.filter((x) => cidr(x) === f.op.cidr)) {
        for (const key of d.services) {
          const svc = this.services.get(key);
          if (svc) this.recorder.warning(serviceRef(svc), EventReasons.AnnouncementFailed, `Node ${nodeName} could not ${f.op.op === 'add' ? 'add' : 'remove'} ${d.ip} on interface ${d.interface}: ${f.error}`);
        }
      }
    }

    // Announce newly held local addresses, and record transitions.
    const next = new Map<string, DesiredAddress>();
    for (const d of decision.desired) {
      const id = `${cidr(d)}@${d.interface}`;
      if (failed.has(`add ${cidr(d)}@${d.interface}`)) continue;
      next.set(id, d);
      const before = this.announced.get(id);
      const newServices = d.services.filter((s) => !before?.services.includes(s));
      if (d.kind === 'local' && !before && settings.sendGarp) {
        netlink
          .announce(d.interface, d.ip, settings.garp.count, settings.garp.intervalMs)
          .then(() => this.options.metrics?.garpSent?.(d.family))
          .catch((err: unknown) => logger.warn({ err, ip: d.ip }, 'gratuitous ARP / NA failed'));
      }
      for (const key of newServices) {
        const svc = this.services.get(key);
        if (!svc) continue;
        if (d.kind === 'local') this.recorder.normal(serviceRef(svc), EventReasons.AnnouncingLocal, `Node ${nodeName} announcing ${d.ip} on interface ${d.interface}`);
        else this.recorder.normal(serviceRef(svc), EventReasons.AnnouncingNonLocal, `Announcing ${d.ip} from node ${nodeName} interface ${d.interface}`);
      }
    }
    this.announced = next;
    this.options.metrics?.announced?.('local', decision.desired.filter((d) => d.kind === 'local').length);
    this.options.metrics?.announced?.('virtual', decision.desired.filter((d) => d.kind === 'virtual').length);

    await this.writeAnnouncingAnnotations(decision);
    await this.resetLocalOverrides(decision);

    // Re-decide exactly when a member's Lease would expire (a dead node drops out then).
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (nextExpiryMicros !== undefined) {
      const ms = Math.max(10, Math.ceil((nextExpiryMicros - nowEpochMicros()) / 1000) + 5);
      this.expiryTimer = setTimeout(() => this.queue.add(KEY), ms);
    }
    this.options.metrics?.reconcileSeconds?.(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Addresses this agent manages: everything on the dummy interface, and on other interfaces the
   * addresses that lie inside a ServiceGroup pool (a node's own address never does). That also
   * catches what a crashed predecessor left behind.
   */
  private diff(interfaces: NodeInterfaces, desired: DesiredAddress[], extLb: string, pools: ReturnType<typeof poolsOf>): AddressOp[] {
    const want = new Set(desired.map((d) => `${cidr(d)}@${d.interface}`));
    const have = new Set<string>();
    const ops: AddressOp[] = [];
    for (const iface of interfaces.interfaces) {
      for (const a of iface.addresses) {
        const id = `${a.address}/${a.prefixLength}@${iface.name}`;
        have.add(id);
        if (want.has(id)) continue;
        const managed = iface.name === extLb ? !isLinkLocal(a.address) : inPools(pools, a.address);
        if (managed) ops.push({ op: 'del', interface: iface.name, cidr: `${a.address}/${a.prefixLength}` });
      }
    }
    for (const d of desired) {
      if (!have.has(`${cidr(d)}@${d.interface}`)) ops.push({ op: 'add', interface: d.interface, cidr: cidr(d), kind: d.kind });
    }
    return ops;
  }

  private withdrawAll(interfaces: NodeInterfaces): AddressOp[] {
    const pools = poolsOf(this.groups.list(), this.options.namespace);
    const settings = agentSettings(this.options.nodeName, this.nodeLabels, this.agents.list(), this.options.namespace);
    return this.diff(interfaces, [], settings.extLbInterface, pools);
  }

  /** The winner writes `<node>, <interface>`; a node that stopped winning removes only its own value. */
  private async writeAnnouncingAnnotations(decision: Decision): Promise<void> {
    const { client, nodeName } = this.options;
    const mine = new Set<string>();
    for (const w of decision.localWinners) {
      if (w.node !== nodeName) continue;
      const annotation = ANNOUNCING_ANNOTATION[w.family];
      mine.add(`${w.service}\u0000${annotation}`);
      const svc = this.services.get(w.service);
      if (!svc) continue;
      const value = `${nodeName}, ${w.interface}`;
      if (svc.metadata?.annotations?.[annotation] === value) continue;
      const [namespace, name] = w.service.split('/');
      try {
        await client.patchMerge(Resources.services, name!, namespace, { metadata: { annotations: { [annotation]: value } } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await this.removeOurAnnotations(mine);
  }

  private async removeOurAnnotations(keep: Set<string>): Promise<void> {
    const { client, nodeName } = this.options;
    for (const svc of this.services.list()) {
      for (const annotation of Object.values(ANNOUNCING_ANNOTATION)) {
        const value = svc.metadata?.annotations?.[annotation];
        if (!value || !value.startsWith(`${nodeName},`)) continue;
        const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
        if (keep.has(`${key}\u0000${annotation}`)) continue;
        // Remove it only if it still names us: a new winner may have written its own meanwhile.
        const path = `/metadata/annotations/${annotation.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        try {
          await client.patchJson(Resources.services, svc.metadata!.name!, svc.metadata!.namespace, [
            { op: 'test', path, value },
            { op: 'remove', path },
          ]);
        } catch {
          // 422 (someone else's value now) or 404: nothing of ours to remove.
        }
      }
    }
  }

  /** ETP Local on a local address without allow-local: the winner resets it to Cluster, once. */
  private async resetLocalOverrides(decision: Decision): Promise<void> {
    const { client, nodeName } = this.options;
    for (const key of decision.resetToCluster) {
      const won = decision.localWinners.some((w) => w.service === key && w.node === nodeName);
      if (!won) continue;
      const svc = this.services.get(key);
      if (!svc || svc.spec?.externalTrafficPolicy !== 'Local') continue;
      const [namespace, name] = key.split('/');
      try {
        await client.patchMerge(Resources.services, name!, namespace, { spec: { externalTrafficPolicy: 'Cluster' } });
        this.recorder.normal(
          serviceRef(svc),
          EventReasons.LocalOverride,
          `externalTrafficPolicy Local is not supported on a local address; reset to Cluster (set ${'purelb.io/allow-local'}: "true" to keep it)`,
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** For tests and /readyz. */
  decision(): Decision | undefined {
    return this.lastDecision;
  }
}

function isLinkLocal(ip: string): boolean {
  return ip.toLowerCase().startsWith('fe80:');
}

function inPools(pools: ReturnType<typeof poolsOf>, ip: string): boolean {
  let addr;
  try {
    addr = parseAddress(ip);
  } catch {
    return false;
  }
  return pools.some((p) => rangeContains(p.range, addr));
}
