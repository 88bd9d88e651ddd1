// The timeline's checkpoints: the machine as it was at chosen positions of a replay, kept within a
// memory budget. The first holds every RAM page in use; each later one holds only the pages written
// since the checkpoint before it (taken from the bus's dirty bits), so that a checkpoint costs what
// the guest wrote, not the size of its RAM. A page's content at checkpoint i is its copy in the
// latest checkpoint at or before i.

import { PAGE_SIZE } from '../emulator/bus';
import { Machine, MachineState } from '../emulator/machine';
import { ReplayCursor, Replayer } from './replayer';

export interface Checkpoint {
  readonly position: number;
  readonly state: MachineState;
  readonly clock: { base: number; baseTime: number };
  readonly cursor: ReplayCursor;
  /** RAM pages written since the previous checkpoint, as they are at this one. */
  readonly pages: Map<number, Uint8Array>;
  bytes: number;
}

/** What a checkpoint costs besides its pages (machine and device state). */
const STATE_BYTES = 8192;

export class CheckpointStore {
  private readonly list: Checkpoint[] = [];
  /** The index of the checkpoint whose RAM the current RAM is, plus the pages marked dirty since. */
  private ramBase = 0;
  private totalBytes = 0;

  /** Takes the first checkpoint: every page of RAM in use, at the replayer's position. */
  constructor(private readonly replayer: Replayer, private readonly budget: number) {
    this.machine.bus.clearDirty();
    this.insert(0, this.capture(allPages(this.machine)));
  }

  private get machine(): Machine {
    return this.replayer.machine;
  }

  get count(): number {
    return this.list.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  positions(): number[] {
    return this.list.map((c) => c.position);
  }

  /** Each checkpoint's position and what it costs (its pages and its state), in order. */
  sizes(): { position: number; bytes: number }[] {
    return this.list.map((c) => ({ position: c.position, bytes: c.bytes }));
  }

  /** The latest checkpoint at or before `position` (the first one if none is). */
  atOrBefore(position: number): Checkpoint {
    return this.list[this.indexAtOrBefore(position)];
  }

  /**
   * Take a checkpoint at the current position (the replayer must be between turns): the pages
   * dirtied since the RAM base. Then keep within the budget, dropping the checkpoints farthest from
   * here.
   */
  take(): void {
    const bus = this.machine.bus;
    const at = this.replayer.position;
    const index = this.indexAtOrBefore(at);
    if (this.list[index].position === at) return;
    // The dirty pages are relative to ramBase, which is the checkpoint at or before here. Pages
    // dirtied between ramBase and a later checkpoint that now follows this one stay valid: a later
    // checkpoint's copies are its own contents.
    const pages = new Map<number, Uint8Array>();
    for (const p of bus.dirtyList) pages.set(p, bus.ram.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    this.insert(index + 1, this.capture(pages));
    this.ramBase = index + 1;
    bus.clearDirty();
    this.evict(at);
  }

  /** Put the machine (RAM, harts, devices, clock, replay cursor) back in the state of `cp`. */
  restore(cp: Checkpoint): void {
    const target = this.list.indexOf(cp);
    if (target < 0) throw new Error('restore: not a checkpoint of this store');
    const bus = this.machine.bus;
    // Pages that may differ: dirty since ramBase, and those saved by checkpoints between the two.
    const changed = new Set<number>(bus.dirtyList);
    const [a, b] = target < this.ramBase ? [target, this.ramBase] : [this.ramBase, target];
    for (let i = a + 1; i <= b; i++) for (const p of this.list[i].pages.keys()) changed.add(p);
    for (const p of changed) {
      const data = this.pageAt(p, target);
      if (data) bus.ram.set(data, p * PAGE_SIZE);
      else bus.ram.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
      bus.used[p] = 1;
    }
    this.machine.restoreState(cp.state);
    this.replayer.clock.restore(cp.clock);
    this.replayer.setCursor(cp.cursor);
    this.ramBase = target;
    bus.clearDirty();
  }

  /**
   * Forget every checkpoint after `position` (a replay found wrong past there: they hold states the
   * recording does not vouch for), and put the machine back in the state of the latest one left.
   * Returns that one.
   */
  truncate(position: number): Checkpoint {
    const keep = this.indexAtOrBefore(position);
    const cp = this.list[keep];
    // Restore first: it finds the pages to put back through the checkpoints between the RAM base
    // (which may be one of those dropped) and this one.
    this.restore(cp);
    for (const gone of this.list.splice(keep + 1)) this.totalBytes -= gone.bytes;
    return cp;
  }

  private capture(pages: Map<number, Uint8Array>): Checkpoint {
    return {
      position: this.replayer.position,
      state: this.machine.snapshotState(),
      clock: this.replayer.clock.snapshot(),
      cursor: this.replayer.cursor(),
      pages,
      bytes: pages.size * PAGE_SIZE + STATE_BYTES,
    };
  }

  private insert(index: number, cp: Checkpoint): void {
    this.list.splice(index, 0, cp);
    this.totalBytes += cp.bytes;
  }

  private indexAtOrBefore(position: number): number {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.list[mid].position <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The content of RAM page p at checkpoint index i: its copy in the latest checkpoint at or before i. */
  private pageAt(p: number, i: number): Uint8Array | undefined {
    for (let k = i; k >= 0; k--) {
      const d = this.list[k].pages.get(p);
      if (d) return d;
    }
    return undefined;
  }

  /**
   * Keep the checkpoints within the budget: drop the ones farthest from `here` (never the first,
   * nor the RAM base). A dropped checkpoint's pages move to the next checkpoint where that one
   * lacks them (they are unchanged in between). The total is kept as a running sum.
   */
  private evict(here: number): void {
    while (this.totalBytes > this.budget && this.list.length > 2) {
      let victim = -1;
      let far = -1;
      for (let i = 1; i < this.list.length; i++) {
        if (i === this.ramBase) continue;
        const d = Math.abs(this.list[i].position - here);
        if (d > far) { far = d; victim = i; }
      }
      if (victim < 0) return;
      const gone = this.list[victim];
      const next = this.list[victim + 1];
      if (next) {
        for (const [p, data] of gone.pages) {
          if (next.pages.has(p)) continue;
          next.pages.set(p, data);
          next.bytes += PAGE_SIZE;
          this.totalBytes += PAGE_SIZE;
        }
      }
      this.list.splice(victim, 1);
      this.totalBytes -= gone.bytes;
      if (this.ramBase > victim) this.ramBase--;
    }
  }
}

/** Every RAM page in use that is not all zeros, copied. */
function allPages(machine: Machine): Map<number, Uint8Array> {
  const bus = machine.bus;
  const pages = new Map<number, Uint8Array>();
  const words = bus.ram32;
  for (let p = 0; p < bus.pages; p++) {
    if (!bus.used[p]) continue;
    const base = (p * PAGE_SIZE) / 4;
    for (let i = 0; i < PAGE_SIZE / 4; i++) {
      if (words[base + i] !== 0) {
        pages.set(p, bus.ram.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
        break;
      }
    }
  }
  return pages;
}
