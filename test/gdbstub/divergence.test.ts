// Real gdb-multiarch against `samsara gdbserver` on a recording that replays to a divergence (issue 12):
// the shared demo recording with one chunk of a later block given to the other hart, every checksum
// right. gdb's `continue` prints the stub's sentence (an `O` packet before the stop reply) and stops
// at the last state the recording vouches for; a second `continue` does not go past it; reverse-stepi
// and `monitor seek` within the good prefix work, with the registers of a clean replay there.

import { ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecording } from '../../src/rr/format';
import { DebugTarget } from '../../src/rr/debug-target';
import { requireTool, ROOT } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { swapChunkHart } from '../rr/diverging';
import { mark, printedValues, sections } from './gdb-listing';
import { startGdbServer } from './server-process';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-divergence-'));
const REC = path.join(tmp, 'diverging.rec');
/** The events block whose middle chunk goes to the other hart: replay diverges about 19 million steps in. */
const BLOCK = 10;
const FLUSH = ['maint flush register-cache', 'maint flush dcache'];

let server: ChildProcess | undefined;
let port = 0;
let clean: DebugTarget;
let limit = 0;

/** gdb on the demo, connected to the server, running these commands (each its own -ex: one that fails does not stop the rest). */
function gdb(commands: string[]): string {
  const all = ['set pagination off', 'set confirm off', 'set width 0', `target remote 127.0.0.1:${port}`, ...commands, 'disconnect'];
  // One stream (stderr into stdout): gdb prints the target's console output to stderr, stops to stdout.
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@" 2>&1', 'sh', 'gdb-multiarch', '-nx', '-batch', ...all.flatMap((c) => ['-ex', c]), DEMO], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
  if (r.error) throw r.error;
  return r.stdout;
}

/** gdb commands that print x0-x31 and pc of each hart (thread 1, then 2). */
const registers = (): string[] => [1, 2].flatMap((t) => [`thread ${t}`, ...Array.from({ length: 32 }, (_, r) => `p/x $x${r}`), 'p/x $pc']);

/** What `registers()` prints on a clean replay at `position`. */
function cleanRegisters(position: number): bigint[] {
  clean.seek(position);
  expect(clean.position).toBe(position);
  return [0, 1].flatMap((h) => [...Array.from({ length: 32 }, (_, r) => BigInt.asUintN(64, clean.hart(h).reg(r))), clean.hart(h).pc]);
}

const when = (out: string | undefined): number => Number(/^position (\d+)/m.exec(out ?? '')?.[1]);

describe.skipIf(requireTool('gdb-multiarch', 'scripts/setup-debian installs it (gdb-multiarch)'))('gdb-multiarch on a recording that diverges', () => {
  beforeAll(async () => {
    const data = fs.readFileSync(sharedRecording().file);
    const d = swapChunkHart(data, BLOCK);
    fs.writeFileSync(REC, d.bytes);
    limit = d.blockStart;
    clean = DebugTarget.open(parseRecording(data));
    ({ process: server, port } = await startGdbServer(REC));
  }, 120_000);
  afterAll(() => {
    server?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('continue prints the sentence and stops at the last state vouched for; it does not go past; reverse-stepi and monitor seek work before it', () => {
    const sentence = new RegExp(`samsara: \\S*diverging\\.rec: replay diverged at position (\\d+) \\(hart 0 pc 0x[0-9a-f]+, hart 1 pc 0x[0-9a-f]+\\): [^\\n]+; replay stops at position ${limit}, the last state the recording vouches for\\n`);
    const inside = limit - 123_457;
    const out = gdb([
      mark('C1'), 'continue', 'monitor when',
      mark('C2'), 'continue', 'monitor when',
      mark('RS'), 'reverse-stepi', 'monitor when', ...registers(),
      mark('SEEK'), `monitor seek ${inside}`, ...FLUSH, ...registers(),
      mark('PAST'), `monitor seek ${limit + 5}`, ...FLUSH, 'monitor when',
      mark('C3'), 'stepi', 'monitor when',
      mark('END'),
    ]);
    const s = sections(out);
    for (const name of ['C1', 'C2']) {
      const part = s.get(name) ?? '';
      expect(part, `${name}:\n${out}`).toMatch(sentence);
      expect(Number(sentence.exec(part)![1])).toBeGreaterThan(limit);
      expect(part).toContain('No more reverse-execution history.');
      expect(when(part), name).toBe(limit);
    }
    // Back one instruction from the limit, and to a position inside the prefix: a clean replay's registers.
    const rs = s.get('RS') ?? '';
    const back = when(rs);
    expect(back).toBeLessThan(limit);
    expect(back).toBeGreaterThan(limit - 10);
    expect(printedValues(rs)).toEqual(cleanRegisters(back));
    expect(printedValues(s.get('SEEK') ?? '')).toEqual(cleanRegisters(inside));
    // A seek past it answers the sentence, and stays at it; so does a step.
    const past = s.get('PAST') ?? '';
    expect(past).toMatch(new RegExp(`position ${limit}: \\S*diverging\\.rec: replay diverged at position \\d+`));
    expect(when(past.split('\n').slice(-3).join('\n'))).toBe(limit);
    expect(s.get('C3')).toMatch(sentence);
    expect(when(s.get('C3'))).toBe(limit);
  });
});
