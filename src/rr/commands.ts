// The time-travel commands a debugger user types: where the timeline stands, moving it, and what the
// recording holds. One wording for gdb's `monitor` and VS Code's Debug Console.

import { EventStats } from './stats';
import { Timeline } from './timeline';

export const COMMANDS_HELP = 'commands: when (the current position), seek POSITION, info (event statistics), checkpoints, help';

const SEEK_USAGE = 'usage: seek POSITION (a whole number: instructions and exceptions of all harts since the start)';

/**
 * The position a `seek POSITION` line names, if it is one: the servers replay a far seek forward in
 * slices first (DebugTarget.approach), so that a signal or a closed connection is seen meanwhile.
 */
export function seekPosition(line: string): number | undefined {
  const m = /^\s*seek\s+(\d+)\s*$/.exec(line);
  const p = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(p) ? p : undefined;
}

export interface CommandResult {
  text: string;
  /** The position changed. */
  moved: boolean;
  /** False for a command used wrongly (the text says how to use it). */
  ok: boolean;
}

export class TimeTravelCommands {
  /** Read from the recording's blocks on the first `info`. */
  private stats: EventStats | undefined;

  constructor(private readonly timeline: Timeline, private readonly name = 'recording') {}

  get help(): string {
    return COMMANDS_HELP;
  }

  /** Run a command; undefined if the line is not one of them. */
  run(line: string): CommandResult | undefined {
    const tl = this.timeline;
    const words = line.trim().split(/\s+/).filter(Boolean);
    switch (words[0]) {
      case 'when':
        return { text: this.where(), moved: false, ok: true };
      case 'seek': {
        const p = Number(words[1]);
        if (words.length !== 2 || !/^\d+$/.test(words[1]) || !Number.isSafeInteger(p)) return { text: SEEK_USAGE, moved: false, ok: false };
        tl.seek(p);
        // Past where replay diverged (found now, or before): it stops at the last state vouched for.
        const d = tl.divergence;
        if (d && p > d.limit) return { text: `position ${tl.position}: ${d.message}`, moved: true, ok: true };
        if (tl.position === p) return { text: this.where(), moved: true, ok: true };
        return { text: `position ${tl.position} (the recording holds ${tl.start}..${tl.end})`, moved: true, ok: true };
      }
      case 'checkpoints': {
        const n = tl.checkpointCount;
        return { text: `${n} checkpoint${n === 1 ? '' : 's'}, ${(tl.checkpointBytes / 2 ** 20).toFixed(1)} MiB, at positions ${tl.checkpointPositions().join(' ')}`, moved: false, ok: true };
      }
      case 'info':
        this.stats ??= EventStats.of(tl.recording, this.name);
        return { text: this.stats.format(), moved: false, ok: true };
      case 'help':
        return { text: COMMANDS_HELP, moved: false, ok: true };
      default:
        return undefined;
    }
  }

  private where(): string {
    const tl = this.timeline;
    const d = tl.divergence;
    return `position ${tl.position} (of ${tl.start}..${tl.end}${d ? `; replay diverged: motions stop at ${d.limit}` : ''})`;
  }
}
