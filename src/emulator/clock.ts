// A deterministic mtime: linear in the machine's virtual time, re-based only by explicit set()
// calls. `samsara run --clock virtual` never re-bases it except to skip idle time; a host-paced run
// and a recording re-base it to the host's clock between slices (a recording logs the last re-base at each
// position: Recorder.setClock),
// so that the guest's view of time is always a pure function of execution plus logged events.

import { ClockPort } from './ports';
import * as C from './state-check';

/** Instructions of one hart per mtime tick: a hart runs at 100 MIPS against the 10 MHz timebase. */
export const INSTRUCTIONS_PER_TICK = 10;

export class LinearClock implements ClockPort {
  private base = 0;
  private baseTime = 0;

  mtime(virtualTime: number): number {
    return this.base + Math.floor((virtualTime - this.baseTime) / INSTRUCTIONS_PER_TICK);
  }

  /**
   * From virtual time `virtualTime` on, mtime continues from `value`. Time never goes backwards:
   * a value below the current mtime is ignored. Returns whether the clock changed.
   */
  set(virtualTime: number, value: number): boolean {
    const now = this.mtime(virtualTime);
    this.base = Math.max(now, Math.floor(value));
    this.baseTime = virtualTime;
    return this.base !== now;
  }

  snapshot(): { base: number; baseTime: number } {
    return { base: this.base, baseTime: this.baseTime };
  }

  /** Check a clock state from outside before restore() trusts it (StateError names the field). */
  static checkState(v: unknown, path: string): asserts v is { base: number; baseTime: number } {
    const s = C.fields(v, path, ['base', 'baseTime']);
    // mtime ticks, and the virtual time (instructions of one hart, fractional with several harts).
    C.integer(s.base, `${path}.base`, 0, Number.MAX_SAFE_INTEGER);
    if (typeof s.baseTime !== 'number' || !(s.baseTime >= 0 && s.baseTime <= Number.MAX_SAFE_INTEGER)) {
      C.fail(`${path}.baseTime`, 'a finite number >= 0', s.baseTime);
    }
  }

  restore(s: { base: number; baseTime: number }): void {
    this.base = s.base;
    this.baseTime = s.baseTime;
  }
}
