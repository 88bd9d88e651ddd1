// The gdb script `samsara gdb` sources: time-travel commands for gdb's command line, each a monitor
// command of the stub (monitor.ts), as rr gives its gdb `when` and friends. `seek` also empties
// gdb's caches: after a jump in time they hold registers, frames and stack memory from the old
// position, and a backtrace there unwinds through them.

import { FLUSH_COMMANDS, SEEK_COMMAND } from './monitor';

/** The commands the script defines: how each is used, the monitor command it runs, what it does. */
export const GDB_COMMANDS: readonly { name: string; usage: string; monitor: string; summary: string }[] = [
  { name: SEEK_COMMAND, usage: `${SEEK_COMMAND} POSITION`, monitor: 'seek', summary: "go to POSITION, empty gdb's caches, show the frame there" },
  { name: 'when', usage: 'when', monitor: 'when', summary: 'the current position, in instructions and exceptions of all harts since the start' },
  { name: 'checkpoints', usage: 'checkpoints', monitor: 'checkpoints', summary: 'the checkpoints the replay keeps, and their size' },
  { name: 'recording-info', usage: 'recording-info', monitor: 'info', summary: "the recording's event statistics" },
  { name: 'samsara-help', usage: 'samsara-help', monitor: 'help', summary: 'these commands' },
];

const sentence = (s: string): string => s[0].toUpperCase() + s.slice(1);

const simple = GDB_COMMANDS.filter((c) => c.name !== SEEK_COMMAND && c.name !== 'samsara-help').map((c) => `define ${c.name}
  monitor ${c.monitor}
end
document ${c.name}
${sentence(c.summary)} (monitor ${c.monitor}).
end
`);

/** The script's text, in gdb's command language (define, document: no Python needed). */
export const GDB_SCRIPT = `# samsara gdb: time-travel commands for a recording served by samsara (src/gdbstub/gdb-script.ts).

# A seek across a long recording replays for longer than gdb's default 2 s wait for a reply.
set remotetimeout 120

define ${SEEK_COMMAND}
  if $argc != 1
    echo usage: ${SEEK_COMMAND} POSITION\\n
  else
    monitor seek $arg0
${FLUSH_COMMANDS.map((c) => `    ${c}\n`).join('')}    frame
  end
end
document ${SEEK_COMMAND}
Go to POSITION in the recording, then empty gdb's caches and show the frame there.
Usage: ${SEEK_COMMAND} POSITION
POSITION counts the instructions and exceptions of all harts since the start, as 'when' prints it.
gdb's register, frame and memory caches hold what it read at the old position: 'monitor seek'
alone leaves them (and a backtrace there unwinds through stale stack); this command empties them.
end

${simple.join('\n')}
define samsara-help
  echo samsara gdb commands:\\n
${GDB_COMMANDS.map((c) => `  echo \\ \\ ${c.usage.padEnd(17)}${c.summary}\\n\n`).join('')}  echo the stub's monitor commands (monitor ...):\\n
  monitor help
end
document samsara-help
The time-travel commands of samsara gdb.
end
`;
