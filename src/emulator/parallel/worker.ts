// A hart's worker thread (the parallel engine, engine.ts): it runs the chunks the engine orders in
// its mailbox (chunk-runner.ts) and answers each there. It touches nothing but its hart and its
// pool: devices and the SBI stay on the main thread. It waits for orders with Atomics.wait: its
// event loop never runs.

import { workerData } from 'node:worker_threads';
import { ChunkRunner } from './chunk-runner';
import { Box, Mailbox, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const box = new Mailbox(init.mailbox);
const bell = new Int32Array(init.bell);
const runner = new ChunkRunner(init, box);

let chunks = 0;

box.started();
while (box.waitForOrder(init.spins) === Box.Order) {
  try {
    if (++chunks === init.faultChunk) throw new Error(`injected fault (SAMSARA_FAULT_WORKER) in chunk ${chunks}`);
    runner.start();
    runner.slice(Infinity);
    runner.finish();
  } catch (e) {
    box.failed(e instanceof Error ? e.message : String(e));
  }
  box.post(Box.Done, false); // (the engine waits on the bell)
  Atomics.add(bell, 0, 1);
  Atomics.notify(bell, 0);
}
