// The free addresses of one pool range, kept as disjoint intervals in an AVL tree keyed by interval
// start. A pool of 2^64 addresses with a million holes costs a million nodes, not 2^64 bits, and
// every operation touches one root-to-leaf path: O(log n) in the number of free intervals. Nothing
// here ever walks used addresses one by one.
//
// `avoidBuggyIPs` (IPv4 x.x.x.0 and x.x.x.255, which some old stacks treat as broadcast) is handled
// arithmetically: those addresses are simply not members of the set. Intervals may span them (an
// interval is "every usable address between start and end"), and the set is kept canonical — every
// interval starts and ends on a usable address, and two neighbouring intervals always have a usable,
// non-free address between them — so the same free addresses always give the same tree contents.
// That canonical form is what lets a rebuilt allocator behave exactly like the original.

interface Node {
  start: bigint;
  end: bigint;
  left: Node | undefined;
  right: Node | undefined;
  height: number;
}

export interface FreeInterval {
  readonly start: bigint;
  readonly end: bigint;
}

export class FreeSet {
  readonly first: bigint;
  readonly last: bigint;
  readonly avoidBuggy: boolean;
  /** Number of usable addresses in [first, last]. */
  readonly size: bigint;
  private root: Node | undefined;
  private freeCount: bigint;
  private nodes = 0;

  /**
   * A set holding every usable address of [first, last]. `avoidBuggy` drops addresses whose last
   * octet is 0 or 255; only meaningful for IPv4, so callers pass false for IPv6.
   */
  constructor(first: bigint, last: bigint, avoidBuggy = false) {
    if (first > last) throw new RangeError(`empty range ${first}-${last}`);
    this.first = first;
    this.last = last;
    this.avoidBuggy = avoidBuggy;
    this.size = this.countUsable(first, last);
    this.freeCount = this.size;
    const start = this.nextUsable(first);
    const end = this.prevUsable(last);
    if (start <= end) this.root = this.insertNode(undefined, start, end);
  }

  /** Number of free (usable, not taken) addresses. */
  get free(): bigint {
    return this.freeCount;
  }

  /** Number of intervals the free addresses form (the `n` of the O(log n) bounds). */
  get intervalCount(): number {
    return this.nodes;
  }

  /** Whether `v` lies in the range and may be handed out at all (not a buggy address when avoided). */
  isUsable(v: bigint): boolean {
    return v >= this.first && v <= this.last && this.usable(v);
  }

  /** Whether `v` is free. */
  has(v: bigint): boolean {
    if (!this.isUsable(v)) return false;
    const node = this.floor(v);
    return node !== undefined && v <= node.end;
  }

  /** The lowest free address, without taking it. */
  lowest(): bigint | undefined {
    let node = this.root;
    if (!node) return undefined;
    while (node.left) node = node.left;
    return node.start;
  }

  /** Takes and returns the lowest free address. */
  takeLowest(): bigint | undefined {
    const v = this.lowest();
    if (v !== undefined) this.take(v);
    return v;
  }

  /** Removes `v` from the free addresses; false when it is not free (taken, buggy or out of range). */
  take(v: bigint): boolean {
    if (!this.isUsable(v)) return false;
    const node = this.floor(v);
    if (!node || v > node.end) return false;
    if (node.start === node.end) {
      this.root = this.deleteNode(this.root, node.start);
    } else if (v === node.start) {
      // Keys may change in place: the new start stays above the previous interval's end.
      node.start = this.nextUsable(v + 1n);
    } else if (v === node.end) {
      node.end = this.prevUsable(v - 1n);
    } else {
      const tailEnd = node.end;
      node.end = this.prevUsable(v - 1n);
      this.root = this.insertNode(this.root, this.nextUsable(v + 1n), tailEnd);
    }
    this.freeCount -= 1n;
    return true;
  }

  /** Returns `v` to the free addresses, merging with its neighbours; false when it was already free or may not be. */
  put(v: bigint): boolean {
    if (!this.isUsable(v)) return false;
    const pred = this.floor(v);
    if (pred && v <= pred.end) return false;
    const succ = this.ceiling(v + 1n);
    // Neighbours merge when no usable address separates them from v (only buggy ones, or none).
    const joinsPred = pred !== undefined && this.nextUsable(pred.end + 1n) === v;
    const joinsSucc = succ !== undefined && this.nextUsable(v + 1n) === succ.start;
    if (pred && succ && joinsPred && joinsSucc) {
      const end = succ.end;
      this.root = this.deleteNode(this.root, succ.start);
      pred.end = end;
    } else if (pred && joinsPred) {
      pred.end = v;
    } else if (succ && joinsSucc) {
      succ.start = v;
    } else {
      this.root = this.insertNode(this.root, v, v);
    }
    this.freeCount += 1n;
    return true;
  }

  /** The free intervals in order (for tests and diagnostics; O(n)). */
  *intervals(): IterableIterator<FreeInterval> {
    const stack: Node[] = [];
    let node = this.root;
    while (node || stack.length > 0) {
      while (node) {
        stack.push(node);
        node = node.left;
      }
      const top = stack.pop() as Node;
      yield { start: top.start, end: top.end };
      node = top.right;
    }
  }

  /** Number of usable addresses in [a, b] (0 when a > b), by arithmetic. */
  countUsable(a: bigint, b: bigint): bigint {
    if (a > b) return 0n;
    const total = b - a + 1n;
    if (!this.avoidBuggy) return total;
    return total - countResidue(a, b, 0n) - countResidue(a, b, 255n);
  }

  private usable(v: bigint): boolean {
    if (!this.avoidBuggy) return true;
    const low = v & 0xffn;
    return low !== 0n && low !== 255n;
  }

  /** Smallest usable value >= v (may lie past `last`). */
  private nextUsable(v: bigint): bigint {
    if (!this.avoidBuggy) return v;
    const low = v & 0xffn;
    if (low === 255n) return v + 2n;
    if (low === 0n) return v + 1n;
    return v;
  }

  /** Largest usable value <= v (may lie before `first`). */
  private prevUsable(v: bigint): bigint {
    if (!this.avoidBuggy) return v;
    const low = v & 0xffn;
    if (low === 0n) return v - 2n;
    if (low === 255n) return v - 1n;
    return v;
  }

  /** The interval with the greatest start <= v. */
  private floor(v: bigint): Node | undefined {
    let node = this.root;
    let best: Node | undefined;
    while (node) {
      if (node.start <= v) {
        best = node;
        node = node.right;
      } else {
        node = node.left;
      }
    }
    return best;
  }

  /** The interval with the smallest start >= v. */
  private ceiling(v: bigint): Node | undefined {
    let node = this.root;
    let best: Node | undefined;
    while (node) {
      if (node.start >= v) {
        best = node;
        node = node.left;
      } else {
        node = node.right;
      }
    }
    return best;
  }

  private insertNode(node: Node | undefined, start: bigint, end: bigint): Node {
    if (!node) {
      this.nodes += 1;
      return { start, end, left: undefined, right: undefined, height: 1 };
    }
    if (start < node.start) node.left = this.insertNode(node.left, start, end);
    else node.right = this.insertNode(node.right, start, end);
    return rebalance(node);
  }

  private deleteNode(node: Node | undefined, start: bigint): Node | undefined {
    if (!node) return undefined;
    if (start < node.start) {
      node.left = this.deleteNode(node.left, start);
    } else if (start > node.start) {
      node.right = this.deleteNode(node.right, start);
    } else {
      if (!node.left || !node.right) {
        this.nodes -= 1;
        return node.left ?? node.right;
      }
      // Two children: move the successor's interval here, then delete the successor below.
      let succ = node.right;
      while (succ.left) succ = succ.left;
      node.start = succ.start;
      node.end = succ.end;
      node.right = this.deleteNode(node.right, succ.start);
    }
    return rebalance(node);
  }
}

/** Count of v in [a, b] with v ≡ r (mod 256), for a <= b and non-negative bounds. */
function countResidue(a: bigint, b: bigint, r: bigint): bigint {
  // Values <= x congruent to r: floor((x - r) / 256) + 1 when x >= r, else 0.
  const upTo = (x: bigint): bigint => (x < r ? 0n : (x - r) / 256n + 1n);
  return upTo(b) - upTo(a - 1n);
}

function height(node: Node | undefined): number {
  return node ? node.height : 0;
}

function update(node: Node): void {
  node.height = Math.max(height(node.left), height(node.right)) + 1;
}

function rotateRight(node: Node): Node {
  const pivot = node.left as Node;
  node.left = pivot.right;
  pivot.right = node;
  update(node);
  update(pivot);
  return pivot;
}

function rotateLeft(node: Node): Node {
  const pivot = node.right as Node;
  node.right = pivot.left;
  pivot.left = node;
  update(node);
  update(pivot);
  return pivot;
}

function rebalance(node: Node): Node {
  update(node);
  const balance = height(node.left) - height(node.right);
  if (balance > 1) {
    const left = node.left as Node;
    if (height(left.left) < height(left.right)) node.left = rotateLeft(left);
    return rotateRight(node);
  }
  if (balance < -1) {
    const right = node.right as Node;
    if (height(right.right) < height(right.left)) node.right = rotateRight(right);
    return rotateLeft(node);
  }
  return node;
}
