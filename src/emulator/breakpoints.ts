// Debugger breakpoints at virtual or physical instruction addresses, at no cost to code without
// them: a page that holds a breakpoint is executed from a patched copy of its decoded slots, where
// the breakpoint's slot is Op.BREAKPOINT. The harts pick the copy when they fill their fetch TLB, so
// changing breakpoints flushes every hart's TLB; the copies are refreshed when the page's code is
// written. Breakpoints are never part of any saved state.

import { Bus, PAGE_SIZE } from './bus';
import { BreakpointTable } from './hart/hart';
import { Op, SLOT_WORDS, SLOTS_PER_PAGE } from './hart/op';

/** A virtual page number as a Number key: hi * 2^20 + (lo >>> 12), exact for any 64-bit address. */
export function vaPageKey(va: bigint): number {
  const u = BigInt.asIntN(64, va);
  return Number(u >> 12n);
}

interface Patched {
  readonly slots: Int32Array;
  readonly offsets: number[];
}

export class Breakpoints implements BreakpointTable {
  private readonly virtual = new Map<number, Set<number>>();
  private readonly physical = new Map<number, Set<number>>();
  /** Patched copies by "vaKey:page". */
  private readonly patched = new Map<string, Patched>();
  private readonly byPage = new Map<number, Set<string>>();

  constructor(private readonly bus: Bus, private readonly flushAll: () => void) {
    bus.onCodeInvalidated = (page) => this.invalidated(page);
  }

  get active(): boolean {
    return this.virtual.size > 0 || this.physical.size > 0;
  }

  /** Replace every breakpoint: `virtualAddrs` are virtual pcs, `physicalAddrs` physical ones. */
  set(virtualAddrs: readonly bigint[], physicalAddrs: readonly number[] = []): void {
    this.virtual.clear();
    this.physical.clear();
    for (const va of virtualAddrs) add(this.virtual, vaPageKey(va), Number(BigInt.asUintN(64, va) & 0xfffn));
    for (const pa of physicalAddrs) {
      if (this.bus.isRam(pa, 2)) add(this.physical, this.bus.pageOf(pa), pa % PAGE_SIZE);
    }
    this.patched.clear();
    this.byPage.clear();
    this.flushAll();
  }

  codeFor(vaKey: number, page: number, code: Int32Array): Int32Array {
    const v = this.virtual.get(vaKey);
    const p = this.physical.get(page);
    if (!v && !p) return code;
    const key = `${vaKey}:${page}`;
    let entry = this.patched.get(key);
    if (!entry) {
      entry = { slots: new Int32Array(SLOTS_PER_PAGE * SLOT_WORDS), offsets: [...(v ?? []), ...(p ?? [])] };
      patch(entry);
      this.patched.set(key, entry);
      let keys = this.byPage.get(page);
      if (!keys) this.byPage.set(page, (keys = new Set()));
      keys.add(key);
    }
    return entry.slots;
  }

  private invalidated(page: number): void {
    const keys = this.byPage.get(page);
    if (!keys) return;
    for (const k of keys) {
      const e = this.patched.get(k)!;
      e.slots.fill(0);
      patch(e);
    }
  }
}

function add(map: Map<number, Set<number>>, key: number, offset: number): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(offset & ~1);
}

function patch(e: Patched): void {
  for (const off of e.offsets) e.slots[(off >> 1) * SLOT_WORDS] = Op.BREAKPOINT;
}
