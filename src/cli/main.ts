// The `samsara` command line: subcommand dispatch and the one error path. A usage error or an input
// that cannot be used prints one line naming the problem and exits 2.

import { benchCommand, BENCH_HELP } from './bench';
import { dapCommand, DAP_HELP } from './dap';
import { gdbCommand, GDB_HELP } from './gdb';
import { GDBSERVER_HELP, gdbserverCommand } from './gdbserver';
import { infoCommand, INFO_HELP, printable, replayCommand, REPLAY_HELP } from './replay';
import { recordCommand, runCommand, RUN_HELP } from './run';
import { symbolizeCommand, SYMBOLIZE_HELP } from './symbolize';
import { fileProblem } from '../files/input-file';

export class UsageError extends Error {}

/** Why a file could not be read or written, in a few words ("no such file"): src/files' wording. */
export { fileProblem } from '../files/input-file';

const COMMANDS: Record<string, { summary: string; help: string; main: (args: string[]) => Promise<number> }> = {
  run: { summary: 'run a guest machine (an ELF or a Linux Image) with its console on this terminal', help: RUN_HELP, main: runCommand },
  record: { summary: 'run a guest as `run` does and record it into a file (-o FILE)', help: RUN_HELP.replace('usage: samsara run [options] <image>', 'usage: samsara record -o FILE [options] <image>'), main: recordCommand },
  replay: { summary: 'replay a recording, with its console output', help: REPLAY_HELP, main: replayCommand },
  info: { summary: "print a recording's header and event statistics", help: INFO_HELP, main: infoCommand },
  gdbserver: { summary: 'serve a recording to gdb (target remote :1234) with reverse execution', help: GDBSERVER_HELP, main: gdbserverCommand },
  gdb: { summary: 'gdb-multiarch on a recording in one command, with time-travel commands (seek, when)', help: GDB_HELP, main: gdbCommand },
  dap: { summary: 'a Debug Adapter Protocol server (for VS Code) over a recording, with reverse execution', help: DAP_HELP, main: dapCommand },
  symbolize: { summary: 'kernel addresses (or an oops on standard input) to functions and source lines', help: SYMBOLIZE_HELP, main: symbolizeCommand },
  bench: { summary: 'print speed figures for the guests in guests/, beside QEMU', help: BENCH_HELP, main: benchCommand },
};

export const HELP = `usage: samsara <command> [options]

Samsara Replay: record a RISC-V 64 guest machine and debug the recording backwards and forwards.

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'samsara <command> --help' for a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`samsara ${require('../../package.json').version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`samsara: unknown command '${printable(name)}' (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest; // after --: another program's (samsara gdb's gdb)
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.main(rest);
  } catch (e) {
    if (e instanceof UsageError || isInputError(e)) {
      const err = e as NodeJS.ErrnoException;
      const message = err.code && err.path ? `${err.path}: ${fileProblem(err)}` : err.message;
      // One line, whatever the file names in it hold (control characters, escape sequences).
      process.stderr.write(`samsara ${name}: ${printable(message)}\n`);
      return 2;
    }
    throw e;
  }
}

function isInputError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return e.name === 'BootError' || e.name === 'ElfError' || e.name === 'DwarfError' || e.name === 'FormatError' || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
    code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' ||
    code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EPERM';
}
