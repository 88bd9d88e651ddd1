// gdb stub figures for `samsara bench`: reverse-stepi latency over the remote protocol, and a
// reverse-continue across most of a recording against forward replay of the same span. The same
// packets go to QEMU's stub in bench-gdb-qemu.ts.

import { spawn } from 'node:child_process';
import { RspClient, RspTimeout } from '../gdbstub/client';
import { GdbServer } from '../gdbstub/server';
import { ReplayTarget } from '../gdbstub/target';
import { ParsedRecording } from '../rr/format';
import { DebugTarget } from '../rr/debug-target';

/** Two kernel functions, each reached once: a reverse-continue goes from `to` back to `from`. */
export interface Span {
  from: { name: string; address: bigint };
  to: { name: string; address: bigint };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
export const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;
/** The same positions on every run (a linear congruential generator). */
export function positions(count: number, lo: number, hi: number, seed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out.push(lo + Math.floor((seed / 2 ** 32) * (hi - lo)));
  }
  return out;
}

/** A reverse-continue across a span, and a continue across it (seconds), or why not. */
export interface SpanFigures {
  span: Span;
  /** The stub's positions at span.from and span.to, once reached. */
  from?: number;
  to?: number;
  forward?: number;
  backward?: number;
  failure?: string;
}

export interface GdbFigures {
  /** reverse-stepi (bs, then g as gdb asks next), in milliseconds, one per position tried. */
  reverseStepi: number[];
  /** reverse-stepi typed into gdb-multiarch, timed by gdb itself (milliseconds), or why not measured. */
  throughGdb?: number[] | string;
  /** Positions where the stub gave no reply in time. */
  hung: number;
  spans: SpanFigures[];
}

export function describeGdb(name: string, f: GdbFigures): string {
  const rsi = f.reverseStepi.length
    ? `reverse-stepi (bs + g) median ${median(f.reverseStepi).toFixed(1)} ms, p99 ${p99(f.reverseStepi).toFixed(1)} ms over ${f.reverseStepi.length} positions`
    : 'reverse-stepi: no reply at any position';
  const hung = f.hung ? ` (no reply within the time limit at ${f.hung} more)` : '';
  const g = f.throughGdb;
  const gdb = g === undefined ? '' : typeof g === 'string' ? `\n  reverse-stepi through gdb-multiarch: not measured (${g})`
    : `\n  reverse-stepi through gdb-multiarch (the command, as typed): median ${median(g).toFixed(1)} ms, p99 ${p99(g).toFixed(1)} ms over ${g.length} positions`;
  const spans = f.spans.map(({ span, from, to, forward, backward, failure }) => `\n  reverse-continue ${span.to.name} -> ${span.from.name}: ` + (failure ??
    `across ${((to! - from!) / 1e6).toFixed(1)} M instructions ${backward!.toFixed(2)} s, continue over the same span ${forward!.toFixed(2)} s (ratio ${(backward! / forward!).toFixed(2)})`));
  return `${name}: ${rsi}${hung}${gdb}${spans.join('')}`;
}

/**
 * Continue from the start to `span.from`, time a continue to `span.to`, then time a reverse-continue
 * back to `span.from`. `where` reads the stub's position. A request with no reply within `limitMs`
 * ends the measurement as a failure.
 */
export async function measureSpan(client: RspClient, span: Span, where: () => Promise<number>, limitMs = Infinity): Promise<SpanFigures> {
  const f: SpanFigures = { span };
  let step = '';
  const request = (payload: string): Promise<string> => {
    step = payload;
    return client.request(payload, limitMs);
  };
  const breakpoint = (z: 'Z0' | 'z0', address: bigint): Promise<string> => request(`${z},${address.toString(16)},2`);
  try {
    await breakpoint('Z0', span.from.address);
    await request('c');
    f.from = await where();
    await breakpoint('z0', span.from.address);
    await breakpoint('Z0', span.to.address);
    let t0 = process.hrtime.bigint();
    await request('c');
    f.forward = seconds(t0);
    f.to = await where();
    await breakpoint('z0', span.to.address);
    await breakpoint('Z0', span.from.address);
    t0 = process.hrtime.bigint();
    const reply = await request('bc');
    f.backward = seconds(t0);
    const back = await where();
    if (!/^T05/.test(reply) || back !== f.from) f.failure = `stopped at ${back} (${reply}), not at ${f.from} where ${span.from.name} was reached`;
  } catch (e) {
    if (!(e instanceof RspTimeout)) throw e;
    f.failure = `no reply to ${step} in ${limitMs / 1000} s (the stub hung)`;
  }
  return f;
}

export async function benchGdb(name: string, recording: ParsedRecording, spans: Span[], vmlinux: string): Promise<void> {
  const timeline = DebugTarget.open(recording);
  const server = new GdbServer(new ReplayTarget(timeline));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const figures: GdbFigures = { reverseStepi: [], hung: 0, spans: [] };
  // reverse-stepi at 50 positions spread over the recording, measured after the passes over the
  // spans have laid down checkpoints, as a debugging session's first moves do.
  const stepAt = positions(50, timeline.start + 1, timeline.end, 7);
  const client = await RspClient.connect(address.port);
  const where = async (): Promise<number> => Number(/position (\d+)/.exec(await client.monitor('when'))![1]);
  try {
    for (const span of spans) {
      await client.monitor(`seek ${timeline.start}`);
      figures.spans.push(await measureSpan(client, span, where));
    }
    for (const p of stepAt) {
      await client.monitor(`seek ${p}`);
      const t0 = process.hrtime.bigint();
      await client.request('bs');
      await client.request('g');
      figures.reverseStepi.push(seconds(t0) * 1000);
    }
    client.close();
    figures.throughGdb = await reverseStepiThroughGdb(address.port, vmlinux, stepAt);
  } finally {
    client.close();
    server.close();
  }
  console.log(describeGdb(`${name} gdb stub (ours)`, figures));
}

/**
 * reverse-stepi as a user types it: gdb-multiarch with the kernel's symbols connects, and at each
 * position (`monitor seek`, then `maint flush register-cache` and `maint flush dcache` so that gdb forgets what it read) gdb's own
 * Python times the command, which reads registers and memory for the frame it prints.
 */
function reverseStepiThroughGdb(port: number, vmlinux: string, at: number[]): Promise<number[] | string> {
  const script = [
    'import time',
    'gdb.execute("set pagination off")',
    `gdb.execute("target remote 127.0.0.1:${port}", to_string=True)`,
    'times = []',
    `for p in [${at.join(', ')}]:`,
    '    gdb.execute("monitor seek %d" % p, to_string=True)',
    '    gdb.execute("maint flush register-cache", to_string=True)',
    '    gdb.execute("maint flush dcache", to_string=True)',
    '    t0 = time.perf_counter()',
    '    gdb.execute("reverse-stepi", to_string=True)',
    '    times.append((time.perf_counter() - t0) * 1000)',
    'gdb.execute("disconnect", to_string=True)',
    'print("reverse-stepi ms: " + " ".join("%.3f" % t for t in times))',
  ].join('\n');
  return new Promise((resolve) => {
    const child = spawn('gdb-multiarch', ['-nx', '-batch', '-ex', `python\n${script}\nend`, vmlinux], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
    child.on('error', () => resolve('gdb-multiarch not found; scripts/setup-debian installs it'));
    child.on('close', () => {
      const m = /^reverse-stepi ms: (.*)$/m.exec(out);
      resolve(m ? m[1].split(' ').map(Number) : `gdb printed no times: ${out.trim().split('\n').slice(-3).join(' / ')}`);
    });
  });
}
