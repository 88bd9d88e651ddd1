// The program's data figures for `samsara bench` (issue 11): the debug adapter (`samsara dap`, a
// child process spoken to over DAP as VS Code does) from launch to the first stop with Variables
// shown, the latency of a stop's `scopes` + `variables` (Arguments and Locals) when its unit is new
// and when it is cached, the adapter's memory; beside gdb-multiarch breaking in the same function of
// the same recording through `samsara gdbserver`, and resolving a line in the same ELF. Figures, not
// assertions.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelSymbols } from '../symbols';
import { BenchDapClient } from './bench-dap-client';
import { median, p99, positions } from './bench-gdb';

const SAMSARA = path.resolve(__dirname, '../../bin/samsara.js');

export interface VarsTarget {
  name: string;
  /** A recording file, as `samsara record` writes it. */
  recording: string;
  vmlinux: string;
  /** The function of the first stop (a function breakpoint), for the adapter and for gdb. */
  breakAt: string;
  /** Stops over the recording for the latency figures (in kernel code with lines). */
  stops: number;
  /** Write the adapter's CPU profile (node --cpu-prof) into this folder. */
  profileDir?: string;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const figure = (xs: number[]): string => xs.length ? `median ${ms(median(xs))}, p99 ${ms(p99(xs))}, max ${ms(Math.max(...xs))} over ${xs.length}` : 'none';

interface Frame { id: number; name: string; source?: { path?: string }; line: number; instructionPointerReference?: string }
interface Variable { name: string; value: string; variablesReference: number }

/** What VS Code asks at a stop before the Variables view shows: the stack, the scopes, the Arguments and Locals. */
async function showStop(client: BenchDapClient, threadId: number): Promise<{ frame?: Frame; scopesAndVariables: number; args: Variable[]; locals: Variable[] }> {
  const { stackFrames } = await client.request<{ stackFrames: Frame[] }>('stackTrace', { threadId, startFrame: 0, levels: 20 });
  const frame = stackFrames[0];
  if (!frame) return { scopesAndVariables: 0, args: [], locals: [] };
  const t0 = now();
  const { scopes } = await client.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: frame.id });
  const list = async (name: string): Promise<Variable[]> => {
    const s = scopes.find((x) => x.name === name);
    return s ? (await client.request<{ variables: Variable[] }>('variables', { variablesReference: s.variablesReference })).variables : [];
  };
  const args = await list('Arguments');
  const locals = await list('Locals');
  return { frame, scopesAndVariables: now() - t0, args, locals };
}

/** Launch to the first stop at `breakAt` with its Variables; then stops spread over the recording. */
async function adapterFigures(t: VarsTarget): Promise<void> {
  const symbols = KernelSymbols.open(t.vmlinux); // the bench's own copy: which unit holds a stop's pc
  const nodeArgs = t.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${t.profileDir}`] : [];
  const t0 = now();
  const client = new BenchDapClient(nodeArgs, os.tmpdir());
  try {
    await client.request('initialize', { adapterID: 'samsara', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await client.request('launch', { recording: t.recording, program: t.vmlinux, stopOnEntry: false });
    const launched = now();
    await client.waitFor('initialized');
    const bp = await client.request<{ breakpoints: { verified: boolean; message?: string }[] }>('setFunctionBreakpoints', { breakpoints: [{ name: t.breakAt }] });
    const configured = now();
    await client.request('configurationDone');
    const stopped = await client.waitFor('stopped');
    const atStop = now();
    await client.request('threads');
    const first = await showStop(client, stopped.body.threadId);
    const shown = now();
    const mem0 = client.memory();
    const names = (vs: Variable[]): string => vs.map((v) => v.name).join(', ') || 'none';
    console.log(`${t.name} debug adapter, cold (spawn of samsara dap to the Variables of the first stop, in ${first.frame?.name ?? '?'}${bp.breakpoints[0]?.verified ? '' : ` (breakpoint not verified: ${bp.breakpoints[0]?.message})`}): ` +
      `${ms(shown - t0)} in all = launch (recording, ELF) ${ms(launched - t0)} + breakpoint ${ms(configured - launched)} + ` +
      `replay to the stop ${ms(atStop - configured)} + threads, stack, scopes, Arguments and Locals ${ms(shown - atStop)} (scopes + variables ${ms(first.scopesAndVariables)}); ` +
      `without the replay ${ms(shown - t0 - (atStop - configured))} (target < 1500 ms); Arguments: ${names(first.args)}; Locals: ${names(first.locals)}` +
      (mem0 ? `; adapter RSS ${mem0.rss.toFixed(0)} MB, peak ${mem0.hwm.toFixed(0)} MB` : ''));
    await client.request('setFunctionBreakpoints', { breakpoints: [] });

    // Stops spread over the recording, in kernel code with lines; a unit is new at its first stop.
    const { start, end } = await client.request<{ start: number; end: number }>('samsara/position');
    const seen = new Set<number>();
    const firstUnit = first.frame?.instructionPointerReference ? symbols.program?.unitOf(BigInt(first.frame.instructionPointerReference)) : undefined;
    if (firstUnit) seen.add(firstUnit.offset);
    const fresh: number[] = [];
    const cached: number[] = [];
    const slowest: { ms: number; where: string }[] = [];
    let withoutLines = 0;
    let variables = 0;
    for (const p of positions(t.stops * 4, start + 1, end - 1, 17)) {
      if (fresh.length + cached.length >= t.stops) break;
      await client.request('samsara/seek', { position: p });
      const ev = await client.waitFor('stopped');
      const s = await showStop(client, ev.body.threadId);
      const pc = s.frame?.instructionPointerReference;
      const unit = pc ? symbols.program?.unitOf(BigInt(pc)) : undefined;
      if (!s.frame?.source?.path || !unit) {
        withoutLines++;
        continue;
      }
      (seen.has(unit.offset) ? cached : fresh).push(s.scopesAndVariables);
      slowest.push({ ms: s.scopesAndVariables, where: `${s.frame.name} (${seen.has(unit.offset) ? 'cached' : 'new'} unit ${unit.name ?? unit.offset})` });
      seen.add(unit.offset);
      variables += s.args.length + s.locals.length;
    }
    const mem = client.memory();
    const n = fresh.length + cached.length;
    console.log(`${t.name} debug adapter, scopes + variables (Arguments, Locals) at ${n} stops over the recording (${withoutLines} positions without lines skipped, ${(variables / Math.max(1, n)).toFixed(1)} variables a stop): ` +
      `new unit ${figure(fresh)} (target p99 < 300 ms); cached unit ${figure(cached)} (target p99 < 50 ms); ` +
      `slowest: ${slowest.sort((a, b) => b.ms - a.ms).slice(0, 3).map((x) => `${ms(x.ms)} ${x.where}`).join('; ')}` +
      (mem ? `; adapter RSS after the run ${mem.rss.toFixed(0)} MB, peak ${mem.hwm.toFixed(0)} MB (target < 400 MB)` : ''));
  } finally {
    await client.close();
  }
  if (t.profileDir) console.log(`  the adapter's CPU profile: ${fs.readdirSync(t.profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(t.profileDir!, f)).join(', ')}`);
}

/** `samsara gdbserver --port 0 FILE`, and its port once it listens. */
function startGdbServer(recording: string): Promise<{ kill: () => void; port: number; ms: number }> {
  const t0 = now();
  const child = spawn(process.execPath, [SAMSARA, 'gdbserver', '--port', '0', recording], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ kill: () => child.kill(), port: Number(m[1]), ms: now() - t0 });
    });
    child.on('exit', (code) => reject(new Error(`samsara gdbserver exited (${code}): ${err}`)));
  });
}

/** gdb-multiarch in batch mode, in a temporary folder, without core files; its output and wall time. */
function gdb(args: string[], script: string[] | undefined, timeoutMs: number): { out: string; ms: number; ok: boolean } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bench-gdb-'));
  const file = path.join(dir, 'script.gdb');
  if (script) fs.writeFileSync(file, script.join('\n') + '\n');
  const t0 = now();
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', 'gdb-multiarch', '-nx', '-batch', ...(script ? ['-x', file] : []), ...args], { cwd: dir, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const wall = now() - t0;
  fs.rmSync(dir, { recursive: true, force: true });
  return { out: (r.stdout ?? '') + (r.stderr ?? ''), ms: wall, ok: !r.error && r.status === 0 };
}

/** gdb's time to resolve a line, and to attach, break in `breakAt`, continue there and `info locals`. */
async function gdbFigures(t: VarsTarget): Promise<void> {
  if (spawnSync('gdb-multiarch', ['--version']).error) {
    console.log(`${t.name} gdb-multiarch: not measured (not installed; scripts/setup-debian installs it)`);
    return;
  }
  const line = gdb(['-ex', `info line ${t.breakAt}`, t.vmlinux], undefined, 600_000);
  const where = /^(Line \d+ of "[^"]+")/m.exec(line.out)?.[1] ?? line.out.trim().split('\n').pop();
  console.log(`${t.name} gdb-multiarch: \`info line ${t.breakAt}\` (load the ELF, resolve a line) ${ms(line.ms)} wall: ${where}`);
  const server = await startGdbServer(t.recording);
  try {
    // Python stamps between the commands split gdb's wall time; the first is taken against the spawn.
    const stamp = 'python _samsara_t.append(time.time())';
    const script = ['set pagination off', 'set confirm off', 'set remotetimeout 600', 'python import time; _samsara_t = [time.time()]',
      `target remote 127.0.0.1:${server.port}`, stamp, `break ${t.breakAt}`, stamp, 'continue', stamp, 'info locals', stamp,
      'python print("SAMSARA-T " + " ".join("%.6f" % x for x in _samsara_t))', 'disconnect'];
    const spawned = Date.now() / 1000;
    const r = gdb([t.vmlinux], script, 900_000);
    const ts = /^SAMSARA-T (.*)$/m.exec(r.out)?.[1].split(' ').map(Number);
    if (!r.ok || !ts || ts.length !== 5) {
      console.log(`${t.name} gdb-multiarch break + continue + info locals: failed: ${r.out.slice(-2000)}`);
      return;
    }
    const d = (i: number): number => (ts[i + 1] - ts[i]) * 1000;
    const locals = r.out.split('\n').filter((l) => /^\w[\w\s\[\]]* = /.test(l)).map((l) => l.split(' = ')[0]);
    console.log(`${t.name} gdb-multiarch through samsara gdbserver (started in ${ms(server.ms)}): ${ms(r.ms)} wall = load the ELF ${ms((ts[0] - spawned) * 1000)} + ` +
      `target remote ${ms(d(0))} + break ${ms(d(1))} + continue (replay to the stop) ${ms(d(2))} + info locals ${ms(d(3))}; ` +
      `without the replay ${ms(r.ms - d(2))}; locals: ${locals.join(', ') || 'none'}`);
  } finally {
    server.kill();
  }
}

export async function benchVars(t: VarsTarget): Promise<void> {
  await adapterFigures(t);
  await gdbFigures(t);
}

/** `samsara record -o FILE ARGS IMAGE` into a temporary folder: the file, or why not (with the console's end). */
export function recordFile(name: string, args: string[], image: string, timeoutMs = 1_800_000): { file: string; ms: number } | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bench-vars-'));
  const file = path.join(dir, `${name}.rec`);
  const t0 = now();
  const r = spawnSync(process.execPath, [SAMSARA, 'record', '-o', file, ...args, image], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'latin1', timeout: timeoutMs, maxBuffer: 256 << 20 });
  const wall = now() - t0;
  if (r.status === 0 && fs.existsSync(file)) return { file, ms: wall };
  const why = r.error ? ((r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `no power-off in ${timeoutMs / 1000} s (killed)` : r.error.message) : `exit status ${r.status ?? r.signal}`;
  return `samsara record ${args.join(' ')} ${image}: ${why} after ${(wall / 1000).toFixed(1)} s; stderr: ${r.stderr.trim().slice(-2000)}\n--- console (last 4000 characters):\n${r.stdout.slice(-4000)}`;
}
