// `samsara replay FILE` and `samsara info FILE`.

import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { EndReason, FormatError } from '../rr/format';
import { DivergenceError, Replayer } from '../rr/replayer';
import { EventStats } from '../rr/stats';
import { StreamConsole } from './host-ports';
import { UsageError } from './main';
import { openRecording } from './recording-file';
import { EXIT_FATAL, EXIT_MAX_INSNS } from './run';

export const REPLAY_HELP = `usage: samsara replay [--quiet] <recording>

Re-execute a recording from its snapshot, with every input taken from the log, and print the guest's
console output as it was recorded. A replay that departs from the recording stops with an error that
names the hart, the position, the pc and the event expected (exit 3).

Exit status: what \`samsara record\` exited with when it made the recording: the guest's power-off
code, 124 for a recording ended by --max-insns, 125 for a guest that stopped the machine, 0 for one
stopped by the user or a reset; 0 for a cut-off recording replayed as far as it goes; 2 for a file
that is not a recording; 3 for a divergence.

  --quiet   do not print the console output
  --stats   print the event statistics at the end
`;

export const INFO_HELP = `usage: samsara info <recording>

Print a recording's header, its length in steps per hart, and statistics per event kind.
`;

export const EXIT_DIVERGED = 3;

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { quiet: { type: 'boolean' }, stats: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('one recording expected (usage: samsara replay <recording>)');
  const file = positionals[0];
  const recording = openRecording(file);
  const console = new StreamConsole(1);
  const out = values.quiet ? { write: () => {} } : console;
  let replayer: Replayer;
  let start = 0;
  try {
    replayer = new Replayer(recording, out, file);
    start = replayer.position; // a recording started from the monitor begins where the run was
    while (!replayer.ended) {
      const before = replayer.position;
      replayer.runTo(before + 20_000_000);
      console.flush();
      if (replayer.position === before && !replayer.ended) break; // cut off: no more events
    }
  } catch (e) {
    console.flush();
    if (e instanceof DivergenceError) {
      process.stderr.write(`samsara replay: ${e.message}\n`);
      return EXIT_DIVERGED;
    }
    if (e instanceof FormatError) {
      process.stderr.write(`samsara replay: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  console.flush();
  if (values.stats) process.stderr.write(replayer.stats.format() + '\n');
  if (!replayer.ended) {
    const t = recording.truncated;
    process.stderr.write(`samsara replay: ${file} is cut off${t ? ` at byte ${t.size} (last complete block ends at byte ${t.at})` : ''}; replayed up to position ${replayer.position}\n`);
    return 0;
  }
  const end = replayer.ended;
  const span = start === 0 ? '' : ` (positions ${start}..${end.position})`;
  process.stderr.write(`samsara replay: replayed ${end.position - start} steps${span} to the end (${end.reason}${end.reason === 'poweroff' ? `, code ${end.code}` : ''})\n`);
  return recordedStatus(end.reason, end.code);
}

/** The exit status `samsara record` gave for a recording that ended so (run.ts): replay gives it too. */
export function recordedStatus(reason: EndReason, code: number): number {
  switch (reason) {
    case 'poweroff': return code & 0xff;
    case 'limit': return EXIT_MAX_INSNS;
    case 'fatal': return EXIT_FATAL;
    default: return 0; // 'stopped' (Ctrl-C, the monitor's quit or record stop) and 'reset'
  }
}

export async function infoCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('one recording expected (usage: samsara info <recording>)');
  const file = positionals[0];
  // info shows what can be read of a damaged file: the header and the blocks before the damage.
  const rec = openRecording(file, { untilDamage: true });
  // The snapshot is checked as a replay would (restored into the header's machine, whose RAM is
  // committed only where the snapshot writes).
  let snapshotProblem: string | undefined;
  try {
    new Replayer(rec, { write: () => {} }, file);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    snapshotProblem = e.message;
  }
  const h = rec.header;
  const lines = [
    `${file}: Samsara Replay recording, format version ${rec.version}, made by samsara ${printable(h.samsara)} on ${printable(h.created)}`,
    `  command: samsara ${printable(h.command)}`,
    `  machine: ${h.machine.harts} hart(s), ${h.machine.memSize / 2 ** 20} MiB RAM, ${h.machine.builtinSbi ? 'built-in SBI' : 'M-mode firmware or bare metal'}` +
      `${h.machine.drive ? `, ${h.machine.drive.readOnly ? 'read-only' : 'writable'} disk of ${h.machine.drive.size} bytes` : ''}${h.machine.htif ? ', HTIF' : ''}`,
    `  bootargs: ${JSON.stringify(h.bootargs)}`,
    ...h.images.map((i) => `  ${printable(i.role)}: ${printable(i.name)} (${i.size} bytes${i.sha256 ? `, sha256 ${i.sha256}` : ''})`),
    `  blocks: ${rec.blocks.length}${rec.truncated ? ` (cut off at byte ${rec.truncated.size}; the last complete block ends at byte ${rec.truncated.at})` : ''}`,
  ];
  const stats = EventStats.of(rec, file);
  const e = stats.end;
  const end = e && `${e.reason}${e.reason === 'poweroff' ? ` (code ${e.code})` : ''} at position ${e.position}`;
  lines.push(`  ends: ${end ?? `no end event (the recording ${rec.damaged ? 'is damaged' : 'was cut off'})`}`);
  process.stdout.write(lines.join('\n') + '\n' + stats.format(fs.statSync(file).size) + '\n');
  if (snapshotProblem) {
    process.stderr.write(`samsara info: ${snapshotProblem}\n`);
    return 2;
  }
  if (rec.damaged) {
    process.stderr.write(`samsara info: ${rec.damaged.message}; the statistics are those of the blocks before it\n`);
    return 2;
  }
  return 0;
}

/**
 * Text from a recording's header as it may be printed on a terminal: a stranger's file must not
 * move the cursor, clear the screen or forge lines, so control characters (C0, DEL, C1) are shown
 * as \xNN escapes.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
