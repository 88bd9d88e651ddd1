// A thread of `samsara bench --only chunks` (bench-chunks.ts). It runs the booted guest, from its
// own copy of the machine's memory and hart, one way only, so that the interpreter's type feedback
// in this thread comes from that way alone. It answers each order of the main thread with the time
// it took. Nothing delivers interrupts here, so both ways run the same instructions (the guest's
// CPU-bound thread); an instruction that needs the machine ends the bench with an error.
//   plain:  the interpreter's run() on a plain bus, 40,000 steps a call, as a turn runs a hart;
//   chunks: chunks of CHUNK_STEPS as a parallel worker runs them: a chunk's bus, whose TLBs are
//           emptied as each chunk starts, copy-on-write pages, and each chunk's copies published.

import { parentPort, workerData } from 'node:worker_threads';
import { Bus } from '../emulator/bus';
import { Hart, HartHost } from '../emulator/hart/hart';
import { run } from '../emulator/hart/interpreter';
import { ChunkBus, publishCopies } from '../emulator/parallel/chunk-bus';
import { ChunkHost, runChunk } from '../emulator/parallel/chunk';
import { HartImage } from '../emulator/parallel/hart-image';
import { ChunkBenchInit, CHUNK_STEPS } from './bench-chunks-guest';

const init = workerData as ChunkBenchInit;
const mtime = (): number => init.mtime;

function plain(): (steps: number) => number {
  const bus = new Bus(init.ramSize, init.buffer);
  const host: HartHost = { bus, mtime, machineTrap: undefined, stopRequested: false, onTrap: () => {}, breakpoints: undefined };
  const h = new Hart(0, host);
  new HartImage(init.hart, 0).load(h);
  return (steps) => {
    let done = 0;
    while (done < steps) {
      const n = run(h, Math.min(CHUNK_STEPS, steps - done));
      if (n === 0) throw new Error(`the guest stopped at step ${done} (it waits, or needs the machine)`);
      done += n;
    }
    return done;
  };
}

function chunks(): (steps: number) => number {
  const bus = new ChunkBus(init.ramSize, init.buffer, init.pool, []);
  const h = new Hart(0, new ChunkHost(bus, mtime, true));
  new HartImage(init.hart, 0).load(h);
  return (steps) => {
    let done = 0;
    while (done < steps) {
      bus.beginChunk([]);
      const r = runChunk(h, Math.min(CHUNK_STEPS, steps - done));
      if (r.steps === 0) throw new Error(`the chunks stopped (${r.stop}) at step ${done}: the guest needs the machine`);
      publishCopies(bus, bus.copies());
      done += r.steps;
    }
    return done;
  };
}

const go = init.mode === 'plain' ? plain() : chunks();
parentPort!.on('message', (steps: number) => {
  const t0 = performance.now();
  const done = go(steps);
  parentPort!.postMessage({ steps: done, ms: performance.now() - t0 });
});
parentPort!.postMessage('ready');
