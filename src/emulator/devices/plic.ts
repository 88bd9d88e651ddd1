// The PLIC of QEMU's `virt` board (hw/intc/sifive_plic.c with the virt configuration): sources
// 1..PLIC_SOURCES-1, priorities 0..7 (3 bits, WARL: writes keep the low 3 bits), and two contexts per
// hart in QEMU's order, context 2h = hart h M-mode, 2h+1 = hart h S-mode. Register map:
//   0x000000 + 4*source    priority
//   0x001000 + 4*word      pending bits (read-only)
//   0x002000 + 0x80*ctx    enable bits, 32 sources per word
//   0x200000 + 0x1000*ctx  priority threshold; +4 claim (read) / complete (write)
// Only aligned 4-byte accesses do anything, as in QEMU (valid sizes 4..4); other accesses read as 0
// and ignore writes. The device has no read64: the bus splits 8-byte accesses into two words.
//
// Inputs are level-triggered lines. The gateway follows the PLIC specification for level-triggered
// sources, which is what QEMU does for devices that re-drive their line: while a source is not
// claimed its pending bit follows the level; a claim clears it; while claimed, level changes do not
// pend it; a completion releases the source and, if the level is still high, pends it again at once
// (so an interrupt is never lost when the device keeps its line high across the handler).
// Claim picks, among pending, enabled, unclaimed sources with priority above the context's threshold,
// the highest priority, ties to the lowest source number; 0 if none. As in QEMU, a completion of any
// source number below PLIC_SOURCES releases that source, whichever context claimed it.

import { PLIC_SOURCES } from '../virt-map';
import * as C from '../state-check';
import { AccessSize, Device, DeviceState, IrqLine } from './device';

export const PRIORITY_BASE = 0x0;
export const PENDING_BASE = 0x1000;
export const ENABLE_BASE = 0x2000;
export const ENABLE_STRIDE = 0x80;
export const CONTEXT_BASE = 0x20_0000;
export const CONTEXT_STRIDE = 0x1000;
/** The highest priority (VIRT_PLIC_NUM_PRIORITIES): priorities and thresholds are 3 bits. */
export const MAX_PRIORITY = 7;

/** 32-bit words of the pending, claimed, level and per-context enable bit arrays. */
const WORDS = (PLIC_SOURCES + 31) >> 5;

export class Plic implements Device {
  readonly name = 'plic';
  readonly contexts: number;
  private readonly priority = new Uint8Array(PLIC_SOURCES);
  private readonly threshold: Uint8Array;
  private readonly pending = new Uint32Array(WORDS);
  /** Sources claimed and not yet completed. */
  private readonly claimed = new Uint32Array(WORDS);
  /** The input levels as last set by the devices. */
  private readonly level = new Uint32Array(WORDS);
  /** Enable bits of context c at [c*WORDS, (c+1)*WORDS). */
  private readonly enable: Uint32Array;
  /** The output of each context as last reported through onContextChange. */
  private readonly output: Uint8Array;

  constructor(
    readonly harts: number,
    private readonly onContextChange: (context: number, asserted: boolean) => void,
  ) {
    if (!Number.isInteger(harts) || harts < 1) throw new RangeError(`bad hart count ${harts}`);
    this.contexts = 2 * harts;
    this.threshold = new Uint8Array(this.contexts);
    this.enable = new Uint32Array(this.contexts * WORDS);
    this.output = new Uint8Array(this.contexts);
  }

  /** The input line of `source` (1..PLIC_SOURCES-1). */
  line(source: number): IrqLine {
    if (!Number.isInteger(source) || source < 1 || source >= PLIC_SOURCES) {
      throw new RangeError(`PLIC source ${source} is not in 1..${PLIC_SOURCES - 1}`);
    }
    return (level: boolean) => this.setLevel(source, level);
  }

  /** Whether the context has a pending, enabled source above its threshold (its MEIP/SEIP level). */
  asserted(context: number): boolean {
    return this.output[context] !== 0;
  }

  private setLevel(source: number, high: boolean): void {
    const w = source >> 5;
    const bit = 1 << (source & 31);
    if (((this.level[w] & bit) !== 0) === high) return;
    this.level[w] ^= bit;
    if (this.claimed[w] & bit) return; // re-pended, if still high, on completion
    if (high) this.pending[w] |= bit;
    else this.pending[w] &= ~bit;
    this.update();
  }

  /** The source a claim by `context` would return now (0 if none). */
  private best(context: number): number {
    let best = 0;
    let max = this.threshold[context];
    const e = context * WORDS;
    for (let w = 0; w < WORDS; w++) {
      let bits = this.pending[w] & ~this.claimed[w] & this.enable[e + w];
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const source = (w << 5) | b;
        if (this.priority[source] > max) {
          best = source;
          max = this.priority[source];
        }
      }
    }
    return best;
  }

  /** Recompute every context's output and report the changes (all of them when `force`). */
  private update(force = false): void {
    for (let c = 0; c < this.contexts; c++) {
      const a = this.best(c) !== 0 ? 1 : 0;
      if (a !== this.output[c] || force) {
        this.output[c] = a;
        this.onContextChange(c, a !== 0);
      }
    }
  }

  read(offset: number, size: AccessSize): number {
    if (size !== 4 || (offset & 3) !== 0) return 0;
    if (offset < PRIORITY_BASE + 4 * PLIC_SOURCES) return this.priority[offset >> 2];
    if (offset >= PENDING_BASE && offset < PENDING_BASE + 4 * WORDS) return this.pending[(offset - PENDING_BASE) >> 2] >>> 0;
    if (offset >= ENABLE_BASE && offset < ENABLE_BASE + ENABLE_STRIDE * this.contexts) {
      const context = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = (offset & (ENABLE_STRIDE - 1)) >> 2;
      return w < WORDS ? this.enable[context * WORDS + w] >>> 0 : 0;
    }
    if (offset >= CONTEXT_BASE && offset < CONTEXT_BASE + CONTEXT_STRIDE * this.contexts) {
      const context = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
      const reg = offset & (CONTEXT_STRIDE - 1);
      if (reg === 0) return this.threshold[context];
      if (reg === 4) return this.claim(context);
    }
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) return;
    if (offset < PRIORITY_BASE + 4 * PLIC_SOURCES) {
      this.priority[offset >> 2] = value & MAX_PRIORITY;
      this.update();
    } else if (offset >= ENABLE_BASE && offset < ENABLE_BASE + ENABLE_STRIDE * this.contexts) {
      const context = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = (offset & (ENABLE_STRIDE - 1)) >> 2;
      if (w < WORDS) {
        this.enable[context * WORDS + w] = value;
        this.update();
      }
    } else if (offset >= CONTEXT_BASE && offset < CONTEXT_BASE + CONTEXT_STRIDE * this.contexts) {
      const context = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
      const reg = offset & (CONTEXT_STRIDE - 1);
      if (reg === 0) {
        this.threshold[context] = value & MAX_PRIORITY;
        this.update();
      } else if (reg === 4) {
        this.complete(value >>> 0);
      }
    }
    // The pending bits are read-only.
  }

  private claim(context: number): number {
    const source = this.best(context);
    if (source !== 0) {
      const w = source >> 5;
      const bit = 1 << (source & 31);
      this.pending[w] &= ~bit;
      this.claimed[w] |= bit;
    }
    this.update();
    return source;
  }

  private complete(source: number): void {
    if (source >= PLIC_SOURCES) return;
    const w = source >> 5;
    const bit = 1 << (source & 31);
    this.claimed[w] &= ~bit;
    if (this.level[w] & bit) this.pending[w] |= bit;
    this.update();
  }

  snapshot(): DeviceState {
    return {
      priority: Array.from(this.priority),
      threshold: Array.from(this.threshold),
      pending: Array.from(this.pending),
      claimed: Array.from(this.claimed),
      level: Array.from(this.level),
      enable: Array.from(this.enable),
    };
  }

  checkState(state: unknown, path: string): void {
    const s = C.fields(state, path, ['priority', 'threshold', 'pending', 'claimed', 'level', 'enable']);
    const isPriority = (e: unknown): boolean => typeof e === 'number' && Number.isInteger(e) && e >= 0 && e <= MAX_PRIORITY;
    C.every(C.array(s.priority, `${path}.priority`, PLIC_SOURCES), `${path}.priority`, `a priority in 0..${MAX_PRIORITY}`, isPriority);
    C.every(C.array(s.threshold, `${path}.threshold`, this.contexts), `${path}.threshold`, `a priority in 0..${MAX_PRIORITY}`, isPriority);
    for (const k of ['pending', 'claimed', 'level', 'enable'] as const) {
      const words = C.array(s[k], `${path}.${k}`, k === 'enable' ? this.contexts * WORDS : WORDS);
      C.every(words, `${path}.${k}`, 'a uint32', C.isUint32);
      // Source 0 does not exist ("no interrupt"): no word holds its bit.
      for (let i = 0; i < words.length; i += WORDS) {
        if (((words[i] as number) & 1) !== 0) C.fail(`${path}.${k}[${i}]`, 'bit 0 (source 0) clear', `0x${(words[i] as number).toString(16)}`);
      }
    }
  }

  /** Restores the registers, then reports every context's output level through onContextChange. */
  restore(state: DeviceState): void {
    const s = state as Record<'priority' | 'threshold' | 'pending' | 'claimed' | 'level' | 'enable', number[]>;
    if (s.threshold.length !== this.contexts) {
      throw new Error(`plic: snapshot has ${s.threshold.length} contexts, not ${this.contexts}`);
    }
    this.priority.set(s.priority);
    this.threshold.set(s.threshold);
    this.pending.set(s.pending);
    this.claimed.set(s.claimed);
    this.level.set(s.level);
    this.enable.set(s.enable);
    this.update(true);
  }
}
