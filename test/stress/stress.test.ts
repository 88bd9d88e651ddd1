/**
 * The stress guest (guests/stress): its harts contend for the same cache lines and pages (AMOs,
 * LR/SC loops, spinlocks, SPSC rings, page tables with hardware A/D bits, fence.i after writing
 * code), each section checks its invariants and prints them one a line, and the run powers off
 * with 0 only when all held. On 1, 2 and 4 harts: `samsara run` holds every invariant; `samsara
 * record` then `samsara replay` give the same console and exit code; QEMU (-bios none, -smp N)
 * holds the same invariants. The committed ELF is what its Makefile builds.
 *
 * Runs the real CLI (bin/samsara.js, so `npm run build` first) and, where present, Debian's
 * riscv64-unknown-elf toolchain and qemu-system-riscv64.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitOf, requireTool, ROOT, samsaraAsync } from '../cli/helpers';

const DIR = path.join(ROOT, 'guests/stress');
const ELF = path.join(DIR, 'stress.elf');
const QEMU = 'qemu-system-riscv64';
const HARTS = [1, 2, 4];
const APPEND = 'sections=amo,lrsc,locks,ring,paging,fencei iters=1000 seed=3';
const TIMEOUT_MS = 60_000;

const NO_GCC = [requireTool('riscv64-unknown-elf-gcc', 'the stress.elf test rebuilds the guest with it; scripts/setup-debian installs it'), requireTool('make', 'the stress.elf test rebuilds the guest with it')].some(Boolean);
const NO_QEMU = requireTool(QEMU, 'the stress guest is run on QEMU to compare; scripts/setup-debian installs it (qemu-system-misc)');

/** Every invariant the guest checks, by section, in the order it prints them. */
const INVARIANTS: Record<string, string[]> = {
  amo: ['waits that gave up', 'amoadd.w counter', 'amoadd.d counter', 'tickets dispensed', 'tickets out of range',
    'tickets taken twice', 'tickets marked once each', 'amoswap.d tokens conserved (bit mask of ids)',
    'amoswap.d hops over all tokens', 'amomax.w (its bits as a u32)', 'amomin.w (its bits as a u32)', 'amomaxu.d', 'amominu.d'],
  lrsc: ['waits that gave up', 'lr.w/sc.w shared word', 'lr.d/sc.d line: words with their exact count (of 8)',
    'lr.w/sc.w line: words with their exact count (of 16)', 'lr/sc line increments in all'],
  locks: ['waits that gave up', 'test-and-set lock: count', 'test-and-set lock: sum', 'test-and-set lock: overlapping holders',
    'ticket lock: count', 'ticket lock: sum', 'ticket lock: overlapping holders', 'ticket lock: entries out of ticket order',
    'ticket lock: tickets dispensed'],
  ring: ['waits that gave up', 'messages sent', 'messages received', 'messages not the value sent next',
    'rings whose checksums agree on both sides'],
  paging: ['waits that gave up', 'W pages without A and D after a store', 'R pages without A after a load',
    'R pages with D after loads only', 'hot pages without A and D after a store', 'leaves changed apart from A/D (per epoch)',
    'leaves intact at the end (of 32)', 'hot page stores (read back physically)', 'W page stores (read back physically)'],
  fencei: ['waits that gave up', 'calls of freshly written code', "calls whose result was not the interpreter's"],
};
const ALL = Object.entries(INVARIANTS).flatMap(([s, names]) => names.map((n) => `${s}: ${n}`));

interface Invariant {
  name: string;
  ok: boolean;
  line: string;
}

/** The invariant lines of a console: "ok   SECTION: WHAT = GOT (expected WANT)" or "FAIL ...". */
function invariants(out: string): Invariant[] {
  return [...out.matchAll(/^(ok  |FAIL) (\w+: .+) = (\d+) \(expected (\d+)\)$/gm)].map((m) => ({ name: m[2], ok: m[1] === 'ok  ' && m[3] === m[4], line: m[0] }));
}

/** Every invariant is there, in order, and held; the run says so and exits 0. */
function expectAllHeld(what: string, code: number | null, out: string): void {
  const found = invariants(out);
  expect(found.map((i) => i.name), `${what}: the invariant lines\n${out}`).toEqual(ALL);
  expect(found.filter((i) => !i.ok).map((i) => i.line), `${what}: failed invariants`).toEqual([]);
  expect(out, what).toContain(`stress: all ${ALL.length} invariants held`);
  expect(code, `${what}: exit code\n${out}`).toBe(0);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-stress-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const lf = (s: string): string => s.replace(/\r\n/g, '\n');
const seconds = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(2);

function qemu(harts: number): Promise<{ code: number | null; out: string }> {
  const child = spawn(QEMU, ['-M', 'virt', '-smp', String(harts), '-m', '256M', '-nographic', '-bios', 'none', '-kernel', ELF, '-append', APPEND], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('latin1').on('data', (d: string) => (out += d));
  return exitOf(child, `${QEMU} -smp ${harts}`, TIMEOUT_MS, () => out).then((code) => ({ code, out: lf(out) }));
}

describe('stress guest', () => {
  it.skipIf(NO_GCC)('the committed stress.elf is what the Makefile builds from the committed sources', () => {
    const out = path.join(tmp, 'build');
    const r = spawnSync('make', ['-s', '-C', DIR, `OUT=${out}`], { encoding: 'utf8' });
    expect(r.status, `make failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    const built = fs.readFileSync(path.join(out, 'stress.elf'));
    expect(built.equals(fs.readFileSync(ELF)), 'stress.elf differs from a fresh build: run make in guests/stress and commit stress.elf').toBe(true);
  });

  for (const harts of HARTS) {
    it(`${harts} hart(s): run holds every invariant; record then replay gives the same console and exit code`, async () => {
      const args = ['--bios', 'none', '--harts', String(harts), '--append', APPEND];
      let t0 = performance.now();
      const run = await samsaraAsync(['run', ...args, ELF], { timeoutMs: TIMEOUT_MS });
      const runTime = seconds(t0);
      expectAllHeld(`samsara run --harts ${harts}`, run.code, lf(run.stdout));
      expect(run.stdout).toContain(`stress: ${harts} harts, iters=1000 seed=3, sections: amo lrsc locks ring paging fencei`);

      const file = path.join(tmp, `stress-${harts}.rec`);
      t0 = performance.now();
      const rec = await samsaraAsync(['record', '-o', file, ...args, ELF], { timeoutMs: TIMEOUT_MS });
      const recTime = seconds(t0);
      expect(rec.stderr).toMatch(/samsara record: wrote /);
      expectAllHeld(`samsara record --harts ${harts}`, rec.code, lf(rec.stdout));
      t0 = performance.now();
      const rep = await samsaraAsync(['replay', file], { timeoutMs: TIMEOUT_MS });
      const repTime = seconds(t0);
      expect(rep.stderr, 'replay').toMatch(/replayed \d+ steps to the end \(poweroff, code 0\)/);
      expect(rep.stdout, 'the replay prints the recorded console exactly').toBe(rec.stdout);
      expect(rep.code, 'the replay exits as the recording did').toBe(rec.code);
      console.log(`stress --harts ${harts}: run ${runTime} s, record ${recTime} s, replay ${repTime} s (${rec.stderr.trim()})`);
    });

    it.skipIf(NO_QEMU)(`${harts} hart(s): the same invariants hold on QEMU (-bios none, -smp ${harts})`, async () => {
      const t0 = performance.now();
      const r = await qemu(harts);
      expectAllHeld(`${QEMU} -smp ${harts}`, r.code, r.out);
      console.log(`stress on QEMU -smp ${harts}: ${seconds(t0)} s`);
    });
  }

  it('a command line it does not understand ends the run with exit code 10, saying what', async () => {
    const r = await samsaraAsync(['run', '--bios', 'none', '--append', 'sections=amo,bogus', ELF], { timeoutMs: TIMEOUT_MS });
    expect(r.stdout).toContain("stress: bad command line: unknown section in 'sections=amo,bogus'");
    expect(r.code).toBe(10);
    const big = await samsaraAsync(['run', '--bios', 'none', '--append', 'iters=999999999', ELF], { timeoutMs: TIMEOUT_MS });
    expect(big.stdout).toContain("stress: bad command line: 'iters=999999999'");
    expect(big.code).toBe(10);
  });
});
