// Fuzz of the ELF and DWARF readers (issue 12, "What it must show"): about 1,000 structure-aware
// mutants (elf-mutants.ts) of guests/demo/demo.elf (DWARF 4) and of a small C program compiled at
// DWARF 5 -O2 (rnglists, loclists, line_str), each given to `samsara symbolize` and to src/symbols'
// public API (elf-driver.cjs: KernelSymbols, scopes, variables and their types, unwinding) in one
// child process. Every case must answer, or end in an ElfError or a DwarfError (the CLI: one line,
// exit 2): never another exception, never a hang (10 s a case), never a peak RSS over 512 MB.
// A sample of mutants of demo.elf is given to the debug adapter as the `program` of a launch on the
// demo's recording: every request answers, or fails with a one-line message, and the adapter lives.
// SAMSARA_FUZZ_SEED / SAMSARA_FUZZ_CASE / SAMSARA_FUZZ_CASES as in recordings.test.ts.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/elf';
import { hasCommand } from '../cli/helpers';
import { DEMO, sharedRecording } from '../cli/recordings';
import { DapClient } from '../debug-adapter/client';
import { compileFixtures, GCC } from '../symbols/dwarf-fixtures';
import { CaseReport, runCases } from './child-cases';
import { applyPatches, drawElfClass, ELF_CLASSES, ElfClass, ElfMutant, mutateElf, readBase } from './elf-mutants';
import { CommandRun } from './outcomes';
import { Dice, onlyCase, runSeed } from './seed';

const CASES = Number(process.env.SAMSARA_FUZZ_CASES || 1000);
const CASE_MS = 10_000;
const RSS_LIMIT = 512 * 2 ** 20;
const seed = runSeed();
const only = onlyCase();
const READELF = ['riscv64-unknown-elf-readelf', 'readelf'].find(hasCommand);

interface ApiReport { ok: boolean; step?: string; errorName?: string; message?: string; answers: number; dwarfError?: string }
interface Base { name: string; file: string; share: number }

let dir: string;
const bases: Base[] = [];

/** Addresses to ask about: function symbols of .text, a few bytes in, the entry, and 0; two symbol+offset names. */
function probes(file: string): { addresses: string[]; names: string[] } {
  const elf = parseElf(fs.readFileSync(file));
  const text = elf.sections.find((s) => s.name === '.text')!;
  const fns = elf.symbols().filter((s) => s.type === 2 && s.value >= text.addr && s.value < text.addr + BigInt(text.size) && s.size > 8n);
  const step = Math.max(1, Math.floor(fns.length / 6));
  const picked = fns.filter((_, i) => i % step === 0).slice(0, 6);
  const addresses = [...picked.map((s, i) => s.value + BigInt(i % 2 ? 4 : 0)), elf.entry, 0n].map((a) => `0x${a.toString(16)}`);
  return { addresses, names: picked.slice(0, 2).map((s) => `${s.name}+0x4`) };
}

describe('ELF and DWARF fuzz', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-fuzz-elf-'));
    bases.push({ name: 'demo.elf', file: DEMO, share: 0.7 });
    if (hasCommand(GCC)) {
      const fixture = compileFixtures().fixtures.find((f) => f.version === 5 && f.opt === 2)!;
      bases.push({ name: 'dwarf5-O2.elf', file: fixture.elf, share: 0.3 });
    } else {
      console.warn(`skipped: the DWARF 5 fixture (${GCC} is missing); all cases mutate demo.elf`);
      bases[0].share = 1;
    }
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${CASES} mutants through symbolize and the symbols API: answers or ElfError/DwarfError, bounded in time and RSS`, async () => {
    const t = Date.now();
    console.log(`ELF/DWARF fuzz: seed ${seed} (SAMSARA_FUZZ_SEED=${seed} to replay)${READELF ? '' : '; no readelf: references are not pointed in cycles'}`);
    const counts: Record<string, number> = {};
    const count = (k: string): void => { counts[k] = (counts[k] ?? 0) + 1; };
    const failures = new Map<string, { n: number; example: string }>();
    const unnamed: string[] = [];
    let peakRss = 0;
    let children = 0;
    let total = 0;
    let first = 0;
    for (const base of bases) {
      const n = only !== undefined ? 1 : Math.round(CASES * base.share);
      const data = new Uint8Array(fs.readFileSync(base.file));
      const layout = readBase(data, READELF ?? 'readelf', base.file);
      const mutants: (ElfMutant & { i: number })[] = [];
      for (let k = 0; k < n; k++) {
        const i = only ?? first + k;
        const d = new Dice(seed, i);
        const cls: ElfClass = i - first < ELF_CLASSES.length ? ELF_CLASSES[i - first] : drawElfClass(d);
        mutants.push({ i, ...mutateElf(d, layout, cls) });
      }
      // Cases are numbered across bases (SAMSARA_FUZZ_CASE=N makes case N of each base).
      first += n;
      const run = await runCases({
        driver: path.join(__dirname, 'elf-driver.cjs'),
        jobs: mutants.map((m) => ({ patches: m.patches })),
        shared: { file: base.file, ...probes(base.file) },
        dir,
        caseMs: CASE_MS,
        rssLimit: RSS_LIMIT,
        nodeFlags: ['--max-old-space-size=1024'],
      });
      children += run.children;
      peakRss = Math.max(peakRss, run.peakRss);
      const reports = new Map<number, CaseReport>(run.reports.map((r) => [r.i, r]));
      for (const [k, m] of mutants.entries()) {
        total++;
        const r = reports.get(k);
        const fail = (what: string, text: string): void => {
          const sig = `${what}: ${text.replace(/\(\/[^)]*\/out\//g, '(out/').replace(/:\d+:\d+\)/g, ')').replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 200)}`;
          const seen = failures.get(sig);
          if (seen) seen.n++;
          else failures.set(sig, { n: 1, example: `SAMSARA_FUZZ_SEED=${seed} SAMSARA_FUZZ_CASE=${m.i} ${base.name} [${m.cls}] ${m.what} -> ${what}: ${text.slice(0, 300)}` });
        };
        if (!r || r.runner) { count(`both ${r?.runner ?? 'died'}`); fail(r?.runner ?? 'died', r?.detail ?? 'no report'); continue; }
        const cli = r.cli as CommandRun;
        const api = r.api as ApiReport;
        if (only !== undefined) console.log(JSON.stringify({ case: { i: m.i, cls: m.cls, what: m.what }, cli, api, ms: r.ms, rss: r.rss }, null, 1));
        const errLines = (cli.err ?? '').split('\n').filter(Boolean);
        if (cli.threw) { count('symbolize stack'); fail('symbolize stack', cli.threw); }
        else if (errLines.some((l) => !l.startsWith('samsara symbolize: ')) || /^\s+at /m.test(cli.err ?? '')) { count('symbolize not-one-line'); fail('symbolize not-one-line', errLines.join(' | ')); }
        else if (cli.code === 2 && errLines.length === 1) count('symbolize error');
        else if (cli.code === 0 || cli.code === 1) count('symbolize answered');
        else { count('symbolize unexpected'); fail(`symbolize exit ${cli.code}`, errLines.join(' | ')); }
        if (api.ok) count(api.dwarfError ? 'api answered (with a DwarfError for .debug_info)' : 'api answered');
        else if (api.errorName === 'ElfError' || api.errorName === 'DwarfError') {
          count(`api ${api.errorName}`);
          if (api.errorName === 'DwarfError' && !/\.(debug|eh)_\w+/.test(api.message ?? '')) unnamed.push(`case ${m.i}: ${api.message}`);
        } else { count('api exception'); fail(`api ${api.step?.replace(/0x[0-9a-f]+/g, 'PC')}`, api.message ?? ''); }
        if ((r.rss ?? 0) > RSS_LIMIT) fail('rss', `peak RSS ${Math.round((r.rss ?? 0) / 2 ** 20)} MB`);
      }
    }
    console.log([
      `ELF/DWARF fuzz: seed ${seed}, ${total} cases in ${((Date.now() - t) / 1000).toFixed(1)} s, ${children} child process(es), peak RSS ${Math.round(peakRss / 2 ** 20)} MB`,
      `  outcomes: ${Object.entries(counts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
      ...(unnamed.length ? [`  DwarfErrors that name no section: ${unnamed.length}, e.g. ${unnamed.slice(0, 3).join('; ')}`] : []),
      `  distinct failures: ${failures.size}`,
      ...[...failures.values()].map((f) => `    ${f.n}x ${f.example}`),
    ].join('\n'));
    expect(total).toBeGreaterThanOrEqual(only === undefined ? Math.min(CASES, 1000) : 1);
    expect([...failures.values()].map((f) => f.example)).toEqual([]);
  }, 300_000);

  it.skipIf(only !== undefined)('a sample of demo.elf mutants as the adapter\'s program: each request answers or fails in one line, the adapter lives', async () => {
    const recording = sharedRecording().file;
    const data = new Uint8Array(fs.readFileSync(DEMO));
    const layout = readBase(data, READELF ?? 'readelf', DEMO);
    const classes: ElfClass[] = ['dwarf-bytes', 'dwarf-bytes', 'dwarf-bytes', 'dwarf-length', 'abbrev-code', 'ref-cycle', 'ref-cycle', 'section-header', 'symbol', 'deep-nesting'];
    const problems: string[] = [];
    const seen = new Set<string>();
    const counts: Record<string, number> = {};
    const t = Date.now();
    for (const [k, cls] of classes.entries()) {
      const d = new Dice(seed, 100_000 + k);
      const m = mutateElf(d, layout, cls);
      const program = path.join(dir, `dap-${k}.elf`);
      fs.writeFileSync(program, applyPatches(data, m.patches));
      const where = `SAMSARA_FUZZ_SEED=${seed} dap sample ${k} [${m.cls}] ${m.what}`;
      const client = new DapClient();
      const ask = async (command: string, args: unknown): Promise<any> => {
        const r = await client.send(command, args, 20_000);
        counts[`${command} ${r.success ? 'ok' : 'error'}`] = (counts[`${command} ${r.success ? 'ok' : 'error'}`] ?? 0) + 1;
        if (!r.success && (/\n|\bat \S+ \(|\.js:\d+/.test(r.message ?? '') || !r.message)) {
          const first = (r.message ?? '').split('\n')[0];
          const sig = `${command}: ${first.replace(/0x[0-9a-f]+|\d+/g, 'N')}`;
          if (!seen.has(sig)) problems.push(`${where}: ${command}: ${first} (and a stack trace: ${(r.message ?? '').split('\n').length - 1} more lines)`);
          seen.add(sig);
        }
        return r.success ? r.body ?? {} : undefined;
      };
      try {
        await ask('initialize', { adapterID: 'samsara', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
        const launched = await ask('launch', { recording, program });
        if (launched === undefined) continue;
        await client.waitFor('initialized', 20_000);
        await ask('setFunctionBreakpoints', { breakpoints: [{ name: 'obj_put' }] });
        await ask('configurationDone', {});
        await client.waitFor('stopped', 20_000);
        for (let stop = 0; stop < 2; stop++) {
          const threads = (await ask('threads', {}))?.threads ?? [];
          for (const th of threads.slice(0, 2)) {
            const frames = (await ask('stackTrace', { threadId: th.id, levels: 20 }))?.stackFrames ?? [];
            for (const f of frames.slice(0, 2)) {
              const scopes = (await ask('scopes', { frameId: f.id }))?.scopes ?? [];
              for (const sc of scopes) await ask('variables', { variablesReference: sc.variablesReference });
            }
          }
          if (stop === 0) {
            await ask('continue', { threadId: threads[0]?.id ?? 1 });
            // The one that does not come is rejected later (at its timeout, or when the adapter goes): ignored.
            const waits = [client.waitFor('stopped', 20_000), client.waitFor('terminated', 20_000)];
            for (const w of waits) w.catch(() => {});
            const next = await Promise.race(waits);
            if (next.event !== 'stopped') break;
          }
        }
      } catch (e) {
        problems.push(`${where}: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        await client.close();
      }
    }
    console.log(`ELF/DWARF fuzz through the adapter: ${classes.length} programs in ${((Date.now() - t) / 1000).toFixed(1)} s: ${Object.entries(counts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}` +
      problems.map((p) => `\n    ${p}`).join(''));
    expect(problems).toEqual([]);
  }, 300_000);
});
