// The agent's view of the kernel, behind an interface so the controller can be tested with a fake
// and run for real with `ip` in a network namespace.
import type { NodeInterfaces } from '../core/types.js';

export interface AddressOp {
  op: 'add' | 'del';
  interface: string;
  /** `ip/prefixLength`, canonical text. */
  cidr: string;
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
