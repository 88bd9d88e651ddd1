// `samsara gdb REC [ELF]`: gdb on a recording in one command, as rr's `rr replay` gives its users:
// the stub serves the recording in this process on 127.0.0.1, gdb-multiarch runs on this terminal,
// connected, with the time-travel commands of src/gdbstub/gdb-script.ts (seek, when, ...).

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ELF_LIMIT, InputFileError, openInputFile, readInputFile } from '../files/input-file';
import { GDB_COMMANDS, GDB_SCRIPT } from '../gdbstub/gdb-script';
import { GdbServer } from '../gdbstub/server';
import { ReplayTarget } from '../gdbstub/target';
import { ParsedRecording } from '../rr/format';
import { DebugTarget } from '../rr/debug-target';
import { UsageError } from './main';
import { openRecording } from './recording-file';

const GDB = 'gdb-multiarch';

export const GDB_HELP = `usage: samsara gdb [--port N] [--gdb COMMAND] <recording> [ELF] [-- GDB-ARGS...]

Debug a recording with gdb in one command: serve it on 127.0.0.1 (as samsara gdbserver does) and run
${GDB} on this terminal, connected to it, with the kernel ELF (its symbols; by default the
recording's kernel, when that file is here and is an ELF), and with these commands besides gdb's own:

${GDB_COMMANDS.map((c) => `  ${c.usage.padEnd(17)} ${c.summary}`).join('\n')}

After 'monitor seek' gdb keeps the registers, frames and stack memory it read before; 'seek' empties
them. Arguments after -- go to gdb (samsara gdb demo.rec demo.elf -- -batch -ex 'seek 1000' -ex bt).
The exit status is gdb's.

  --port N        TCP port of the stub (default 0: any free port)
  --gdb COMMAND   the gdb to run (default ${GDB})
`;

/** The recording's kernel image, if it is here (its path as recorded, its hash) and is an ELF: gdb can read its symbols. */
export function recordedKernelElf(recording: ParsedRecording): string | undefined {
  const kernel = recording.header.images.find((i) => i.role === 'kernel');
  if (!kernel) return undefined;
  // The header is input from a stranger: its path may name a device or a FIFO, its size anything.
  let data: Buffer;
  try {
    data = readInputFile(kernel.name, { option: 'kernel', limit: Math.min(kernel.size, ELF_LIMIT) });
  } catch {
    return undefined;
  }
  const elf = data.length >= 4 && data[0] === 0x7f && data.toString('latin1', 1, 4) === 'ELF';
  const same = data.length === kernel.size && crypto.createHash('sha256').update(data).digest('hex') === kernel.sha256;
  return elf && same ? kernel.name : undefined;
}

/** A word as the shell reads it back unchanged. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `target remote` to a stub listening on this address ([::1] for IPv6; 127.0.0.1 for any address). */
export function targetRemote(address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  return `target remote ${host}:${port}`;
}

export async function gdbCommand(args: string[]): Promise<number> {
  const dash = args.indexOf('--');
  const gdbArgs = dash < 0 ? [] : args.slice(dash + 1);
  const { values, positionals } = parseArgs({
    args: dash < 0 ? args : args.slice(0, dash),
    allowPositionals: true,
    options: { port: { type: 'string' }, gdb: { type: 'string' } },
  });
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('a recording and at most one ELF expected (usage: samsara gdb [--port N] <recording> [ELF] [-- GDB-ARGS...])');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got ${values.port})`);
  const [file, given] = positionals;
  const gdb = values.gdb ?? GDB;
  if (given !== undefined) {
    // gdb reads it: it must be a regular file within the ELF limit (gdb on /dev/zero would never start).
    try {
      fs.closeSync(openInputFile(given, { option: 'ELF', limit: ELF_LIMIT }).fd);
    } catch (e) {
      throw e instanceof InputFileError ? new UsageError(e.message) : e;
    }
  }
  if (!onPath(gdb)) throw new UsageError(notFound(gdb));
  const recording = openRecording(file);
  const elf = given ?? recordedKernelElf(recording);
  const log = (line: string): void => void process.stderr.write(`samsara gdb: ${line}\n`);
  if (recording.truncated) log(`${file} was cut off at byte ${recording.truncated.size}: it is served up to its last complete block (byte ${recording.truncated.at})`);
  if (!elf) log(`no ELF given, and the recording's kernel is not one here: gdb has no symbols (samsara gdb ${shellWord(file)} vmlinux)`);

  const target = DebugTarget.open(recording, file);
  const server = new GdbServer(new ReplayTarget(target));
  let address;
  try {
    address = await server.listen({ host: '127.0.0.1', port });
  } catch (e) {
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-'));
  try {
    const script = path.join(dir, 'samsara.gdb');
    fs.writeFileSync(script, GDB_SCRIPT);
    log(`serving ${file} (positions ${target.start}..${target.end}) on ${address.address}:${address.port}; 'samsara-help' lists the time-travel commands`);
    return await runGdb(gdb, [...(elf ? [elf] : []), '-x', script, '-ex', targetRemote(address.address, address.port), ...gdbArgs]);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function notFound(gdb: string): string {
  return gdb === GDB
    ? `${GDB} not found: install it (Debian: apt-get install ${GDB})`
    : `${gdb} not found (--gdb): give a gdb that debugs RISC-V, or install ${GDB} (Debian: apt-get install ${GDB})`;
}

/** Whether a command can be run: a path to an executable file, or a name found on PATH. */
function onPath(command: string): boolean {
  const executable = (f: string): boolean => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command);
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && executable(path.join(dir, command)));
}

/** Run gdb on this terminal; its exit status (128 + the signal's number if a signal ended it). */
function runGdb(gdb: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(gdb, args, { stdio: 'inherit' });
    // Ctrl-C on the terminal reaches gdb too, which interrupts the target through the stub: this
    // process must outlive it. A request to end this process ends gdb.
    const ignore = (): void => {};
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const done = (): void => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      done();
      reject(e.code === 'ENOENT' ? new UsageError(notFound(gdb)) : e);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}
