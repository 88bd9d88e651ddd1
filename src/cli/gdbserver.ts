// `samsara gdbserver FILE`: serve a recording to gdb over the remote serial protocol.

import { parseArgs } from 'node:util';
import { GdbServer } from '../gdbstub/server';
import { ReplayTarget } from '../gdbstub/target';
import { EventStats } from '../rr/stats';
import { BlockKind, decodeEvents } from '../rr/format';
import { Timeline } from '../rr/timeline';
import { UsageError } from './main';
import { openRecording } from './recording-file';

export const GDBSERVER_HELP = `usage: samsara gdbserver [--port N] [--host ADDR] <recording>

Serve a recording to gdb (gdb-multiarch vmlinux, then: target remote :1234) with reverse execution:
reverse-stepi, reverse-continue, reverse-finish and reverse watchpoints. Threads are harts. Writes to
registers and memory are refused. One connection at a time; another may follow.

  --port N      TCP port (default 1234)
  --host ADDR   address to listen on (default 127.0.0.1; listening elsewhere exposes the recording)

monitor commands (gdb: monitor ...): when, seek POSITION, info, checkpoints, help
`;

export async function gdbserverCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('one recording expected (usage: samsara gdbserver [--port N] <recording>)');
  const port = values.port === undefined ? 1234 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got ${values.port})`);
  const file = positionals[0];
  const recording = openRecording(file);
  const timeline = new Timeline(recording, { write: () => {} }, {}, file);
  const target = new ReplayTarget(timeline);
  const monitor = (command: string): string => monitorCommand(command, timeline, recording);
  const server = new GdbServer(target, monitor);
  let address;
  try {
    address = await server.listen({ host: values.host ?? '127.0.0.1', port, log: (l) => process.stderr.write(`samsara gdbserver: ${l}\n`) });
  } catch (e) {
    throw new UsageError(`cannot listen on ${values.host ?? '127.0.0.1'}:${port}: ${(e as Error).message}`);
  }
  process.stderr.write(`samsara gdbserver: serving ${file} (positions ${timeline.start}..${timeline.end}) on ${address.address}:${address.port}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  return 0;
}

function monitorCommand(command: string, tl: Timeline, recording: ReturnType<typeof openRecording>): string {
  const words = command.trim().split(/\s+/).filter(Boolean);
  switch (words[0]) {
    case 'when':
      return `position ${tl.position} (of ${tl.start}..${tl.end})\n`;
    case 'seek': {
      const p = Number(words[1]);
      if (words.length !== 2 || !Number.isSafeInteger(p)) return 'usage: monitor seek POSITION\n';
      tl.seek(p);
      return `position ${tl.position}\n`;
    }
    case 'checkpoints':
      return `${tl.checkpointCount} checkpoints, ${(tl.checkpointBytes / 2 ** 20).toFixed(1)} MiB: ${tl.checkpointPositions().join(' ')}\n`;
    case 'info': {
      const stats = new EventStats();
      let started = false;
      for (const b of recording.blocks) {
        if (b.kind !== BlockKind.Events) continue;
        const { start, events } = decodeEvents(b);
        if (!started) { stats.start(recording.header.machine.harts, start); started = true; }
        events.forEach((e) => stats.add(e));
      }
      return stats.format() + '\n';
    }
    case 'help': case undefined:
      return 'monitor commands: when (the current position), seek POSITION, info (event statistics), checkpoints, help\n';
    default:
      return `unknown monitor command '${command}' (try 'monitor help')\n`;
  }
}
