// The user's breakpoints in the debug adapter: source, function and instruction breakpoints with
// their ids, conditions and log points, indexed by address, and what decides whether a hit stops.
// Resolving lines and names to addresses is the session's; this holds what came of it.

/** A breakpoint the user set, with what decides whether a hit stops. */
export interface UserBreakpoint {
  id: number;
  addresses: bigint[];
  condition?: string;
  /** A log point: print this (with {expressions}) and go on. */
  logMessage?: string;
  /** A source breakpoint's file (the client's path) and line (the DWARF's numbering). */
  source?: { path: string; line: number };
}

export type Group = 'function' | 'instruction';

/** What conditions and log messages are evaluated with: the machine at the hit. */
export interface Evaluator {
  /** Whether a condition holds for hart h (throws when it cannot be evaluated). */
  condition(h: number, text: string): boolean;
  /** A log message with its {expressions} replaced. */
  interpolate(h: number, message: string): string;
}

export class BreakpointRegistry {
  private nextId = 1;
  private readonly bySource = new Map<string, UserBreakpoint[]>();
  private readonly groups = new Map<Group, UserBreakpoint[]>();
  private byAddress = new Map<bigint, UserBreakpoint[]>();
  /**
   * Log point messages met while moving backward, by position and breakpoint: a backward search
   * replays intervals forward (several times over one interval, in a reverse step), so they are
   * printed when the motion ends, once each, latest first.
   */
  private backwardLog?: Map<string, { position: number; text: string }>;

  constructor(private readonly evaluator: Evaluator, private readonly output: (text: string, category: 'console' | 'stderr') => void) {}

  /** A new breakpoint id (also for breakpoints that could not be set: the client shows them). */
  newId(): number {
    return this.nextId++;
  }

  /** Replace the source breakpoints of one file. */
  setSource(file: string, list: UserBreakpoint[]): void {
    this.bySource.set(file, list);
    this.index();
  }

  /** Replace the function or the instruction breakpoints. */
  setGroup(group: Group, list: UserBreakpoint[]): void {
    this.groups.set(group, list);
    this.index();
  }

  /** Every address a user breakpoint is at. */
  addresses(): bigint[] {
    return [...this.byAddress.keys()];
  }

  has(address: bigint): boolean {
    return this.byAddress.has(address);
  }

  /** The line a source breakpoint at `address` asked for, if one is there. */
  sourceAt(address: bigint): { path: string; line: number } | undefined {
    return this.byAddress.get(address)?.find((b) => b.source)?.source;
  }

  /**
   * Whether a hit of hart h at `address` stops: a breakpoint there without a condition stops; one
   * with a condition stops when it holds (or cannot be evaluated: then it says why); a log point
   * prints its message and does not stop. Called with the machine as it is at the hit.
   */
  shouldStop(h: number, address: bigint, position: number): boolean {
    let stop = false;
    for (const b of this.byAddress.get(address) ?? []) {
      let holds = true;
      if (b.condition) {
        try {
          holds = this.evaluator.condition(h, b.condition);
        } catch (e) {
          this.output(`samsara: breakpoint ${b.id}: cannot evaluate the condition '${b.condition}': ${(e as Error).message}\n`, 'stderr');
        }
      }
      if (!holds) continue;
      if (b.logMessage === undefined) stop = true;
      else if (this.backwardLog) this.backwardLog.set(`${position}/${b.id}`, { position, text: this.evaluator.interpolate(h, b.logMessage) });
      else this.output(`${this.evaluator.interpolate(h, b.logMessage)}\n`, 'console');
    }
    return stop;
  }

  /** The ids of the breakpoints (not log points) at `address` whose condition holds for hart h now. */
  hitIds(h: number, address: bigint): number[] {
    return (this.byAddress.get(address) ?? []).filter((b) => b.logMessage === undefined && this.holds(h, b)).map((b) => b.id);
  }

  /** From now until endBackward, log messages are held back (a backward motion is running). */
  beginBackward(): void {
    this.backwardLog = new Map();
  }

  /** Print the held log messages met after `position` (where the motion ended), latest first. */
  endBackward(position: number): void {
    const met = [...(this.backwardLog?.values() ?? [])].filter((l) => l.position > position).sort((a, b) => b.position - a.position);
    this.backwardLog = undefined;
    if (met.length) this.output(met.map((l) => `${l.text}\n`).join(''), 'console');
  }

  private holds(h: number, b: UserBreakpoint): boolean {
    try {
      return !b.condition || this.evaluator.condition(h, b.condition);
    } catch {
      return true; // a condition that cannot be evaluated stops (shouldStop says why)
    }
  }

  private index(): void {
    this.byAddress = new Map();
    const all = [...[...this.bySource.values()].flat(), ...[...this.groups.values()].flat()];
    for (const b of all) for (const a of b.addresses) this.byAddress.set(a, [...(this.byAddress.get(a) ?? []), b]);
  }
}
