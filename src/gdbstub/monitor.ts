// gdb's `monitor` commands (qRcmd): the debug target's time-travel commands, with what a gdb user
// needs to know besides. Each call returns the text gdb prints.

import { DebugTarget } from '../rr/debug-target';

/**
 * gdb's commands that empty its caches after a jump in time. `flushregs` (the first) alone empties
 * the registers and frames but leaves memory, so a backtrace there unwinds through stale stack.
 */
export const FLUSH_COMMANDS = ['maint flush register-cache', 'maint flush dcache'] as const;

/** The gdb command of `samsara gdb` (src/gdbstub/gdb-script.ts) that seeks and flushes both. */
export const SEEK_COMMAND = 'seek';

/** After `monitor seek`, gdb still holds the registers and memory it read at the old position. */
export const FLUSH_HINT = `gdb still holds registers and memory from before: run '${FLUSH_COMMANDS[0]}' and '${FLUSH_COMMANDS[1]}' (samsara gdb's '${SEEK_COMMAND}' does both)`;

export function monitorCommand(target: DebugTarget, command: string): string {
  const line = command.trim();
  const r = target.command(line === '' ? 'help' : line);
  if (!r) return `unknown monitor command '${line}' (try 'monitor help')\n`;
  return `${r.text}\n${r.moved ? `${FLUSH_HINT}\n` : ''}`;
}
