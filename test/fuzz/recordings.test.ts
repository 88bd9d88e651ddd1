// Fuzz of the recording readers (issue 12, "What it must show"): at least 2,000 structure-aware
// mutants of small real recordings (recording-mutants.ts: header fields, block framing, events, the
// snapshot's JSON and RAM pages, payload bytes, all with checksums recomputed; plus a few left
// unrepaired, and one decompression bomb), each given to `samsara replay --quiet` and `samsara
// info`. Every case must end in a replay to the end with the exit status the recording gives, a
// prefix replay with the cut-off message, a divergence (exit 3) or an error (exit 2), each in one
// line on stderr: never a stack trace, never a hang (5 s a case), never a peak RSS over 512 MB.
//
// Most cases run in one child process (recording-driver.cjs: the CLI's own main() in process); a
// sample, and one case of every class, through bin/samsara.js as a user runs it. The seed is
// printed; SAMSARA_FUZZ_SEED=S replays a run, SAMSARA_FUZZ_CASE=N runs case N alone (and prints its
// outputs), SAMSARA_FUZZ_CASES sets the count.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMSARA } from '../cli/helpers';
import { DEMO, sharedRecording } from '../cli/recordings';
import { CaseReport, runCases } from './child-cases';
import { CommandRun, FAILURES, infoOutcome, Outcome, replayOutcome, signature } from './outcomes';
import { CLASSES, drawClass, MutationClass, mutate } from './recording-mutants';
import { Dice, onlyCase, runSeed } from './seed';

const LOOP = path.join(ROOT, 'guests/bench/loop-small.elf');
const BASES: { args: string[]; image: string }[] = [
  { args: ['--harts', '1', '--max-insns', '20000'], image: DEMO },
  { args: ['--harts', '2', '--max-insns', '20000'], image: DEMO },
  { args: ['--bios', 'none', '--max-insns', '30000'], image: LOOP },
];
const CASES = Number(process.env.SAMSARA_FUZZ_CASES || 2000);
const CASE_MS = 5000;
const RSS_LIMIT = 512 * 2 ** 20;
const CLI_SAMPLE = 30;

interface Case { i: number; cls: MutationClass; what: string; file: string; size: number; base: number }

const seed = runSeed();
const only = onlyCase();
let dir: string;
const cases: Case[] = [];

/** Case `i` of this run: every class once first, then classes drawn by weight. */
function makeCase(i: number, bases: Uint8Array[]): Case {
  const d = new Dice(seed, i);
  const base = d.below(bases.length);
  const cls = i < CLASSES.length ? CLASSES[i] : drawClass(d);
  const m = mutate(d, bases[base], cls);
  const file = path.join(dir, `case-${i}.rec`);
  fs.writeFileSync(file, m.bytes);
  return { i, cls, what: m.what, file, size: m.bytes.length, base };
}

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MB`;

/** The failures among outcomes, one example per signature. */
class Failures {
  readonly bySignature = new Map<string, { count: number; example: string; cases: number[] }>();
  add(command: string, outcome: Outcome, c: Case, r: CommandRun | undefined, detail?: string): void {
    const sig = signature(command, outcome, r, detail);
    const seen = this.bySignature.get(sig);
    if (seen) { seen.count++; if (seen.cases.length < 5) seen.cases.push(c.i); return; }
    const err = (r?.err ?? '').split('\n');
    const first = r?.threw ?? err.find((l) => /^[A-Z]\w*(Error|Exception)\b/.test(l)) ?? (err[0] || detail || '');
    this.bySignature.set(sig, {
      count: 1,
      cases: [c.i],
      example: `SAMSARA_FUZZ_SEED=${seed} SAMSARA_FUZZ_CASE=${c.i} [${c.cls}] ${c.what} (base ${c.base}) -> ${command} ${outcome} (exit ${r?.code ?? '-'}): ${first.slice(0, 400)}`,
    });
  }
  lines(): string[] {
    return [...this.bySignature.values()].map((f) => `${f.count}x ${f.example}${f.count > 1 ? ` (cases ${f.cases.join(', ')}${f.count > 5 ? ', ...' : ''})` : ''}`);
  }
}

describe('recordings fuzz', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-fuzz-rec-'));
    const bases = BASES.map((b) => new Uint8Array(fs.readFileSync(sharedRecording(b.args, b.image).file)));
    const t = Date.now();
    if (only !== undefined) cases.push(makeCase(only, bases));
    else for (let i = 0; i < CASES; i++) cases.push(makeCase(i, bases));
    console.log(`recordings fuzz: seed ${seed} (SAMSARA_FUZZ_SEED=${seed} to replay), ${cases.length} cases made in ${Date.now() - t} ms in ${dir}`);
  });
  afterAll(() => {
    if (dir && only === undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${CASES} mutants through replay and info in one child: one line and exit 0, 2 or 3 (or as recorded), bounded in time and RSS`, async () => {
    const t = Date.now();
    const run = await runCases({
      driver: path.join(__dirname, 'recording-driver.cjs'),
      jobs: cases.map((c) => ({ file: c.file })),
      dir,
      caseMs: CASE_MS,
      rssLimit: RSS_LIMIT,
      nodeFlags: ['--max-old-space-size=1024', '--stack-size=984'],
    });
    const counts: Record<string, number> = {};
    const failures = new Failures();
    const jumps: string[] = [];
    let previousRss = 0;
    let slowest = { ms: 0, what: '' };
    const reports = new Map<number, CaseReport>(run.reports.map((r) => [r.i, r]));
    for (const [k, c] of cases.entries()) {
      const r = reports.get(k);
      const count = (key: string): void => { counts[key] = (counts[key] ?? 0) + 1; };
      if (!r || r.runner) {
        const outcome: Outcome = r?.runner ?? 'died';
        count(`both ${outcome}`);
        failures.add(`replay/info [${c.cls}]`, outcome, c, undefined, r?.detail ?? 'no report');
        previousRss = 0;
        continue;
      }
      const replay = r.replay as CommandRun;
      const info = r.info as CommandRun;
      const ro = replayOutcome(replay);
      const io = infoOutcome(info);
      count(`replay ${ro}`);
      count(`info ${io}`);
      if (FAILURES.has(ro)) failures.add('replay', ro, c, replay);
      if (FAILURES.has(io)) failures.add('info', io, c, info);
      if ((r.ms ?? 0) > slowest.ms) slowest = { ms: r.ms ?? 0, what: `case ${c.i} [${c.cls}] ${c.what}` };
      const rss = r.rss ?? 0;
      if (rss > RSS_LIMIT && c.size < 10 * 2 ** 20) failures.add('replay/info', 'rss', c, undefined, `peak RSS ${mb(rss)} (limit ${mb(RSS_LIMIT)}) for a file of ${c.size} bytes`);
      if (rss - previousRss > 64 * 2 ** 20 && previousRss > 0) jumps.push(`case ${c.i} [${c.cls}] ${c.what}: ${mb(previousRss)} -> ${mb(rss)}`);
      previousRss = rss > RSS_LIMIT ? 0 : rss; // over the limit, the driver leaves and the next case starts a new child
      if (only !== undefined) console.log(JSON.stringify({ case: c, replay, info }, null, 1));
    }
    const classCounts: Record<string, number> = {};
    for (const c of cases) classCounts[c.cls] = (classCounts[c.cls] ?? 0) + 1;
    console.log([
      `recordings fuzz: seed ${seed}, ${cases.length} cases in ${((Date.now() - t) / 1000).toFixed(1)} s, ${run.children} child process(es), peak RSS ${mb(run.peakRss)}`,
      `  classes: ${Object.entries(classCounts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  outcomes: ${Object.entries(counts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  slowest case that reported: ${slowest.ms} ms (${slowest.what})`,
      ...(jumps.length ? ['  RSS jumps:', ...jumps.slice(0, 10).map((j) => `    ${j}`)] : []),
      `  distinct failures: ${failures.bySignature.size}`,
      ...failures.lines().map((l) => `    ${l}`),
    ].join('\n'));
    expect(run.reports.length + (only === undefined ? 0 : CASES - 1)).toBeGreaterThanOrEqual(Math.min(CASES, 2000));
    expect(failures.lines()).toEqual([]);
  }, 240_000);

  it.skipIf(only !== undefined)(`a sample of ${CLI_SAMPLE} cases and one of every class through bin/samsara.js: the same outcomes end to end`, async () => {
    const firstOfClass = CLASSES.map((cls) => cases.find((c) => c.cls === cls)).filter((c): c is Case => c !== undefined);
    const d = new Dice(seed, -1);
    const sample = [...firstOfClass, ...Array.from({ length: CLI_SAMPLE }, () => cases[d.below(cases.length)])];
    const failures = new Failures();
    const counts: Record<string, number> = {};
    const runOne = async (c: Case): Promise<void> => {
      for (const command of ['replay', 'info'] as const) {
        const r = await cli(command === 'replay' ? ['replay', '--quiet', c.file] : ['info', c.file]);
        const outcome: Outcome = r.timedOut ? 'hang' : command === 'replay' ? replayOutcome(r) : infoOutcome(r);
        counts[`${command} ${outcome}`] = (counts[`${command} ${outcome}`] ?? 0) + 1;
        if (FAILURES.has(outcome)) failures.add(`${command} (bin/samsara.js)`, outcome, c, r);
      }
    };
    const queue = [...sample];
    await Promise.all([0, 1].map(async () => { for (let c = queue.shift(); c; c = queue.shift()) await runOne(c); }));
    console.log(`recordings fuzz through bin/samsara.js: ${sample.length} cases: ${Object.entries(counts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
      failures.lines().map((l) => `    ${l}`).join('\n'));
    expect(failures.lines()).toEqual([]);
  }, 240_000);
});

/** `node bin/samsara.js ARGS` with a time bound; stack traces show as more than one stderr line. */
function cli(args: string[]): Promise<CommandRun & { timedOut?: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', SAMSARA, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => { if (out.length < 4000) out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { if (err.length < 4000) err += s; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, 10_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), out, err, timedOut });
    });
  });
}
