// `samsara gdbserver FILE`: serve a recording to gdb over the remote serial protocol.

import { parseArgs } from 'node:util';
import { GdbServer } from '../gdbstub/server';
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
recording where the last one left it.

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
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  return 0;
}
