// The chunks section of `samsara bench`: what running a hart in chunks costs the interpreter, as
// the parallel recorder's workers run it, against run() called as a turn calls it, on the same
// instructions (the Linux guest's CPU-bound /init, from one booted state, with no interrupts). Each
// way runs in a worker thread of its own on its own copy of the machine (bench-chunks-worker.ts), so
// that neither's type feedback reaches the other's, and the two take turns, 10 million steps at a
// time, so that a host whose speed drifts (a virtual machine's neighbours) slows both alike. The
// figure to read is the ratio within each round, and their median.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HART_IMAGE_BYTES, HartImage } from '../emulator/parallel/hart-image';
import { bootChunkGuest, ChunkBenchInit, CHUNK_STEPS } from './bench-chunks-guest';
import { median } from './bench-gdb';
import { LinuxGuest } from './linux-guest';

const ROUND_STEPS = 10_000_000;

interface Answer {
  steps: number;
  ms: number;
}

/** A thread of the bench, once it has started: it runs `steps` and answers, until it is stopped. */
interface Way {
  order(steps: number): Promise<Answer>;
  stop(): Promise<number>;
}

function start(init: ChunkBenchInit): Promise<Way> {
  const worker = new Worker(path.join(__dirname, 'bench-chunks-worker.js'), { workerData: init });
  // One order at a time: its settlement, which the worker's next message or an error takes.
  let pending: { resolve: (a: Answer) => void; reject: (e: Error) => void } | undefined;
  return new Promise((ready, failed) => {
    worker.on('error', (e) => (pending ? pending.reject(e) : failed(e)));
    worker.on('message', (a: Answer | 'ready') => {
      if (a !== 'ready') return pending?.resolve(a);
      ready({
        order: (steps) => new Promise((resolve, reject) => {
          pending = { resolve, reject };
          worker.postMessage(steps);
        }),
        stop: () => worker.terminate(),
      });
    });
  });
}


export async function benchChunks(g: LinuxGuest, rounds: number): Promise<void> {
  console.log(`\nChunks against plain turns (Linux, 1 hart, /init's CPU-bound thread, no interrupts), ${rounds} rounds of ${ROUND_STEPS / 1e6}M steps each way, each way in a thread of its own`);
  const m = bootChunkGuest(g.image, g.disk);
  const pool = m.pool!;
  const hart = new SharedArrayBuffer(HART_IMAGE_BYTES);
  new HartImage(hart, 0).save(m.harts[0]);
  const copy = (): SharedArrayBuffer => {
    const b = new SharedArrayBuffer(m.bus.buffer.byteLength);
    new Uint8Array(b).set(m.bus.mem8);
    return b;
  };
  const machine = { ramSize: m.bus.ramSize, pool: { first: pool.firstPage, count: pool.pagesPerHart }, hart, mtime: m.mtime() };
  const [plain, chunks] = await Promise.all([
    start({ mode: 'plain', buffer: copy(), ...machine }),
    start({ mode: 'chunks', buffer: copy(), ...machine }),
  ]);
  const rates = { plain: [] as number[], chunks: [] as number[] };
  // A first round each way warms the JIT up and is not counted.
  for (let r = 0; r <= rounds; r++) {
    const p = await plain.order(ROUND_STEPS);
    const c = await chunks.order(ROUND_STEPS);
    if (r === 0) continue;
    rates.plain.push(p.steps / p.ms / 1000);
    rates.chunks.push(c.steps / c.ms / 1000);
    console.log(`  round ${r}: turns ${rates.plain.at(-1)!.toFixed(1)}M steps/s, chunks ${rates.chunks.at(-1)!.toFixed(1)}M steps/s (${(rates.chunks.at(-1)! / rates.plain.at(-1)!).toFixed(2)}x)`);
  }
  await Promise.all([plain.stop(), chunks.stop()]);
  const ratios = rates.chunks.map((c, i) => c / rates.plain[i]);
  console.log(`  median: turns ${median(rates.plain).toFixed(1)}M steps/s, chunks of ${CHUNK_STEPS} steps ${median(rates.chunks).toFixed(1)}M steps/s; chunks run at ${median(ratios).toFixed(2)}x the speed of turns`);
}
