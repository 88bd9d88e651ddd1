// gdb's `monitor` commands (qRcmd): the debug target's time-travel commands, with what a gdb user
// needs to know besides. Each call returns the text gdb prints.

import { DebugTarget } from '../rr/debug-target';

/**
 * After `monitor seek`, gdb still holds the registers and memory it read at the old position; its
 * `flushregs` alone leaves the memory and frame caches, so `bt` can fail there.
 */
export const FLUSH_HINT = "gdb still holds registers and memory from before: run 'maint flush register-cache' and 'maint flush dcache' (samsara gdb's 'seek' does both)";

export function monitorCommand(target: DebugTarget, command: string): string {
  const line = command.trim();
  const r = target.command(line === '' ? 'help' : line);
  if (!r) return `unknown monitor command '${line}' (try 'monitor help')\n`;
  return `${r.text}\n${r.moved ? `${FLUSH_HINT}\n` : ''}`;
}
