// `samsara gdbserver FILE`: serve a recording to gdb over the remote serial protocol.

import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { EndSignal, GdbServer } from '../gdbstub/server';
import { ReplayTarget } from '../gdbstub/target';
import { DebugTarget } from '../rr/debug-target';
import { recordedKernelElf, shellWord, targetRemote } from './gdb';
import { UsageError } from './main';
import { openRecording } from './recording-file';
import { exposureWarning } from './listen';

export const GDBSERVER_HELP = `usage: samsara gdbserver [--port N] [--host ADDR] <recording>

Serve a recording to gdb (gdb-multiarch vmlinux, then: target remote :1234) with reverse execution:
reverse-stepi, reverse-continue, reverse-finish and reverse watchpoints. Threads are harts. Writes to
registers and memory are refused. One connection at a time; another may follow, and finds the
recording where the last one left it. SIGTERM or SIGINT (Ctrl-C) ends it at once: a gdb waiting for a
continue or a step is told the target ended (X), and the connection closes.

  --port N      TCP port (default 1234)
  --host ADDR   address to listen on (default 127.0.0.1; listening elsewhere exposes the recording)

monitor commands (gdb: monitor ...): when, seek POSITION, info, checkpoints, help

It prints the line that starts gdb on it. 'samsara gdb <recording> [ELF]' serves the recording and
starts gdb in one command, with commands for these (seek, when, ...) that flush gdb's caches too.
`;

export async function gdbserverCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('one recording expected (usage: samsara gdbserver [--port N] [--host ADDR] <recording>)');
  const port = values.port === undefined ? 1234 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got ${values.port})`);
  const file = positionals[0];
  const recording = openRecording(file);
  const timeline = DebugTarget.open(recording, file);
  const server = new GdbServer(new ReplayTarget(timeline));
  // From here on a signal ends it as below, even one that comes before it says it serves.
  const ended = new Promise<EndSignal>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const warning = exposureWarning('gdbserver', values.host ?? '127.0.0.1', 'read the recording: its memory, registers and inputs');
  if (warning) process.stderr.write(warning);
  let address;
  try {
    address = await server.listen({ host: values.host ?? '127.0.0.1', port, log: (l) => process.stderr.write(`samsara gdbserver: ${l}\n`) });
  } catch (e) {
    throw new UsageError(`cannot listen on ${values.host ?? '127.0.0.1'}:${port}: ${(e as Error).message}`);
  }
  if (recording.truncated) process.stderr.write(`samsara gdbserver: ${file} was cut off at byte ${recording.truncated.size}: it is served up to its last complete block (byte ${recording.truncated.at})\n`);
  process.stderr.write(`samsara gdbserver: serving ${file} (positions ${timeline.start}..${timeline.end}) on ${address.address}:${address.port}\n`);
  // The line to paste: with the recording's kernel if it is an ELF here; else vmlinux, its usual name.
  const elf = recordedKernelElf(recording);
  process.stderr.write(`samsara gdbserver: start gdb with: gdb-multiarch ${elf ? shellWord(elf) : 'vmlinux'} -ex ${shellWord(targetRemote(address.address, address.port))}${elf ? '' : '   (vmlinux: the kernel ELF, with its symbols)'}\n`);
  process.stderr.write(`samsara gdbserver: for the time-travel commands (seek N, when, checkpoints) with gdb's caches flushed after a seek, run instead: samsara gdb ${shellWord(file)}${elf ? ` ${shellWord(elf)}` : ' vmlinux'}\n`);
  const signal = await ended;
  // A second signal while the connections close ends the process at once (128 + its number, as
  // the signal's default action would).
  const now = (s: NodeJS.Signals): never => process.exit(128 + os.constants.signals[s]);
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  const { served, waiting, told } = await server.shutdown(signal);
  const what = (served ? `closed the connection${told ? ` (gdb was waiting for a stop reply: it was told the target ended, X with ${signal})` : ''}` : 'no gdb was connected')
    + (waiting === 0 ? '' : `; closed ${waiting === 1 ? 'a connection waiting for its turn' : `${waiting} connections waiting for their turn`}`);
  process.stderr.write(`samsara gdbserver: ${signal}: stopped serving ${file}; ${what}\n`);
  return 0;
}
