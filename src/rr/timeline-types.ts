// The timeline's vocabulary: what its callers give it (watchpoints, event stops, a breakpoint
// filter, options) and what its motions answer (a stop reason, a divergence). Timeline (timeline.ts)
// re-exports them.

import { EventKind } from './format';

export type WatchKind = 'read' | 'write' | 'access';

export interface Watchpoint {
  /** Physical address range [start, start + length). */
  start: number;
  length: number;
  kind: WatchKind;
}

/** Events a continue can stop at, besides breakpoints and watchpoints. */
export interface EventStops {
  /** Any trap (exception or interrupt). */
  trap?: boolean;
  interrupt?: boolean;
  /** ecall from U-mode. */
  syscall?: boolean;
  /** Exceptions with these causes. */
  causes?: number[];
  /** Input events of these kinds (EventKind.Clock, Input, Entropy, BlockRead). */
  kinds?: EventKind[];
}

export type StopReason =
  | { kind: 'breakpoint'; hart: number; pc: bigint }
  /** `position`: where the access was made (the state before the accessing step). */
  | { kind: 'watchpoint'; hart: number; address: number; access: 'read' | 'write'; position: number }
  | { kind: 'event'; hart: number; cause: number; interrupt: boolean }
  | { kind: 'input'; event: EventKind; position: number }
  | { kind: 'step'; hart: number }
  | { kind: 'start' }
  | { kind: 'end' }
  /** The motion stopped where the recording stops vouching for the replay (see Divergence). */
  | { kind: 'diverged'; divergence: Divergence }
  | { kind: 'limit' };

/** Where replay was found to diverge from the recording, and where the timeline now ends. */
export interface Divergence {
  /** Where replay found it: a check against the recording failed there. */
  readonly position: number;
  /**
   * The last position whose state the recording vouches for (its last digest that matched; see
   * Replayer.vouched): motions stop here, with the turn that begins here not entered.
   */
  readonly limit: number;
  /** One sentence for the user: what diverged, where, and where replay now stops. */
  readonly message: string;
}

export interface TimelineOptions {
  /** Memory for checkpoints, in bytes (default 1 GiB). */
  checkpointBudget?: number;
  /** Steps between checkpoints taken while replaying forward (default 2,000,000). */
  interval?: number;
  /** Leave the index to indexInSlices(), which must complete before anything else is asked. */
  indexLater?: boolean;
}

/**
 * Whether a breakpoint hit counts, asked at each hit with the machine as it is there (hart `hart`
 * about to execute `pc`); a hit for which it is false is passed over. Passed per continue.
 */
export type BreakpointFilter = (hart: number, pc: bigint, position: number) => boolean;
