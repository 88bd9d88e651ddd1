// gdb's `monitor` commands (qRcmd) for time travel: where the timeline stands, moving it, and what
// the recording holds. Each command returns the text gdb prints.

import { ParsedRecording } from '../rr/format';
import { EventStats } from '../rr/stats';
import { Timeline } from '../rr/timeline';

export const MONITOR_HELP = 'monitor commands: when (the current position), seek POSITION, info (event statistics), checkpoints, help\n';

/** The monitor of a stub serving `recording` through `timeline`. */
export function monitorCommands(timeline: Timeline, recording: ParsedRecording, name = 'recording'): (command: string) => string {
  let stats: EventStats | undefined; // read from the blocks on the first `info`
  return (command) => {
    const words = command.trim().split(/\s+/).filter(Boolean);
    switch (words[0]) {
      case 'when':
        return `position ${timeline.position} (of ${timeline.start}..${timeline.end})\n`;
      case 'seek': {
        const p = Number(words[1]);
        if (words.length !== 2 || !Number.isSafeInteger(p)) return 'usage: monitor seek POSITION\n';
        timeline.seek(p);
        const clamped = timeline.position !== p ? ` (the recording holds ${timeline.start}..${timeline.end})` : '';
        // gdb keeps the registers and memory it read before: flushregs makes it read them again.
        return `position ${timeline.position}${clamped}; run 'flushregs' so that gdb reads the registers again\n`;
      }
      case 'checkpoints':
        return `${timeline.checkpointCount} checkpoint${timeline.checkpointCount === 1 ? '' : 's'}, ${(timeline.checkpointBytes / 2 ** 20).toFixed(1)} MiB, at positions ${timeline.checkpointPositions().join(' ')}\n`;
      case 'info':
        stats ??= EventStats.of(recording, name);
        return stats.format() + '\n';
      case 'help': case undefined:
        return MONITOR_HELP;
      default:
        return `unknown monitor command '${command.trim()}' (try 'monitor help')\n`;
    }
  };
}
