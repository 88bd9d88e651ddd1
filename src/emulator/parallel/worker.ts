// A hart's worker thread (the parallel engine, engine.ts): it runs the chunks the engine orders, on a
// copy-on-write view of committed RAM, and answers each with the hart's state, its traps and its page
// sets. It touches nothing but its hart and its pool: devices and the SBI stay on the main thread.

import { workerData } from 'node:worker_threads';
import { LinearClock } from '../clock';
import { guestMtimeAt } from '../devices/clint';
import { Hart, HartHost } from '../hart/hart';
import { ChunkBus } from './chunk-bus';
import { runChunk } from './chunk';
import { ChunkOrder, ChunkResult, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const bell = new Int32Array(init.bell);
const bus = new ChunkBus(init.buffer, init.ramSize, { firstPage: init.poolFirstPage, pages: init.poolPages }, init.watched);
const clock = new LinearClock();
let origin = 0;
let turnStart = 0;
let mtimeOffset = 0n;
/** Traps taken after the turn began: (step, cause, interrupt) triples. */
const traps: number[] = [];
let inBody = false;

const host: HartHost = {
  bus,
  mtime: () => guestMtimeAt(clock.mtime((origin + (hart.steps - turnStart)) / init.harts), mtimeOffset),
  // With the built-in SBI a trap to M-mode is the machine's: the chunk stops before it (chunk.ts).
  machineTrap: init.builtinSbi ? () => false : undefined,
  stopRequested: false,
  onTrap: (h, cause, interrupt) => {
    if (inBody) traps.push(h.steps - turnStart, cause, interrupt ? 1 : 0);
  },
};
const hart = new Hart(init.hart, host);

/**
 * Fault injection for the tests of a failing worker: SAMSARA_FAULT_WORKER=HART:N makes hart HART's
 * worker throw in its Nth chunk.
 */
const fault = /^(\d+):(\d+)$/.exec(process.env.SAMSARA_FAULT_WORKER ?? '');
const faultChunk = fault && Number(fault[1]) === init.hart ? Number(fault[2]) : 0;
let chunks = 0;

function run(o: ChunkOrder): ChunkResult {
  if (++chunks === faultChunk) throw new Error(`injected fault (SAMSARA_FAULT_WORKER) in chunk ${chunks}`);
  bus.beginChunk(o.invalidate);
  hart.restore(o.state);
  clock.restore(o.clock);
  origin = o.origin;
  mtimeOffset = o.mtimeOffset;
  // Machine.beginTurn, less what the main thread does at commit (feeding the UART): the lines are in
  // the state already.
  hart.wfi = false;
  turnStart = hart.steps;
  if (o.dropReservation) hart.reservation = -1;
  inBody = false;
  hart.checkInterrupts();
  const start = hart.snapshot();
  traps.length = 0;
  inBody = true;
  const r = runChunk(hart, o.budget);
  inBody = false;
  const sets = bus.endChunk();
  return {
    id: o.id,
    ok: true,
    start,
    end: hart.snapshot(),
    steps: r.steps,
    stop: r.stop,
    traps: Int32Array.from(traps),
    read: sets.read,
    written: sets.written,
  };
}

init.port.on('message', (o: ChunkOrder) => {
  let result: ChunkResult;
  try {
    result = run(o);
  } catch (e) {
    result = { id: o.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  init.port.postMessage(result);
  Atomics.add(bell, 0, 1);
  Atomics.notify(bell, 0);
});
