// The agent's view of the kernel, behind an interface so the controller can be tested with a fake
// and run for real with `ip` in a network namespace.
import type { AnnouncementKind, NodeInterfaces } from '../core/types.js';

export interface AddressOp {
  op: 'add' | 'del';
  interface: string;
  /** `ip/prefixLength`, canonical text. */
  cidr: string;
  /**
   * Added field (optional, so existing callers compile): how the address is announced; matters for
   * `add` only. `local` (the default when absent) is added with `noprefixroute`; `virtual` keeps
   * its prefix route, because routing daemons that export kube-lb0 may rely on it (FRR's zebra
   * honours `noprefixroute` since 2023 and would not see the address as connected). IPv6 adds
   * always get `nodad` (no DAD on a dummy or an address we own by election).
   */
  kind?: AnnouncementKind;
}

export interface Netlink {
  /** Interfaces, their addresses and the default-route interface per family (`ip -json`). */
  read(): Promise<NodeInterfaces>;
  /**
   * Applies every operation in one `ip -batch -` run. Local addresses are added with `noprefixroute`
   * (and `nodad` for IPv6) so the node gains no prefix route. Returns the operations that failed,
   * with the kernel's message, without throwing for them.
   */
  apply(ops: AddressOp[]): Promise<Array<{ op: AddressOp; error: string }>>;
  /** Makes sure the dummy interface exists and is up: creates a `dummy` link or adopts an existing one. */
  ensureInterface(name: string): Promise<void>;
  /** Gratuitous ARP (IPv4, `arping -U`) or unsolicited neighbour advertisement (IPv6, `na6`). */
  announce(iface: string, ip: string, count: number, intervalMs: number): Promise<void>;
}
