// Runs the chunks a mailbox orders, for one hart: on its worker thread (worker.ts), or on the main
// thread itself for hart 0, in slices between the engine's other work (engine.ts). The hart runs on
// its own copy-on-write view of committed RAM (chunk-bus.ts) with its own caches; the machine's
// Hart objects are not touched.

import { LinearClock } from '../clock';
import { guestMtimeAt } from '../devices/clint';
import { Hart } from '../hart/hart';
import { ChunkBus } from './chunk-bus';
import { ChunkHost, ChunkStop, ChunkTrap, runChunk } from './chunk';
import { Mailbox, WorkerInit } from './protocol';

export type RunnerInit = Omit<WorkerInit, 'mailbox' | 'bell'>;

export class ChunkRunner {
  private readonly bus: ChunkBus;
  private readonly hart: Hart;
  private readonly clock = new LinearClock();
  private origin = 0;
  private turnStart = 0;
  private mtimeOffset = 0n;
  // The chunk in progress.
  private left = 0;
  private steps = 0;
  private stop: ChunkStop = 'budget';
  private traps: ChunkTrap[] = [];

  constructor(init: RunnerInit, private readonly box: Mailbox) {
    this.bus = new ChunkBus(init.ramSize, init.buffer, { first: init.poolFirstPage, count: init.poolPages }, init.watched);
    const mtime = (): number => guestMtimeAt(this.clock.mtime((this.origin + (this.hart.steps - this.turnStart)) / init.harts), this.mtimeOffset);
    // With the built-in SBI a trap that would reach it stops the chunk before its instruction.
    this.hart = new Hart(init.hart, new ChunkHost(this.bus, mtime, init.builtinSbi));
  }

  /** Begin the ordered chunk: the hart as committed, its turn begun as Machine.beginTurn begins it. */
  start(): void {
    const box = this.box;
    const bus = this.bus;
    const h = this.hart;
    const stale = box.stale;
    bus.beginChunk(stale ?? []);
    if (!stale) bus.invalidateAllCode();
    box.committed.load(h);
    this.origin = box.times[0];
    this.clock.restore({ base: box.times[1], baseTime: box.times[2] });
    this.mtimeOffset = box.mtimeOffset[0];
    // The interrupt lines are in the committed image; feeding the UART is the main thread's part.
    h.wfi = false;
    this.turnStart = h.steps;
    if (box.dropReservation) h.reservation = -1;
    h.checkInterrupts(); // (its trap is the machine's to log: it takes it again as it begins the turn)
    box.start.save(h);
    this.left = box.budget;
    this.steps = 0;
    this.stop = 'budget';
    this.traps = [];
  }

  /** Run up to `max` more steps of the chunk; true once it is over. */
  slice(max: number): boolean {
    const r = runChunk(this.hart, Math.min(max, this.left));
    for (const t of r.traps) this.traps.push({ step: t.step + this.steps, cause: t.cause, interrupt: t.interrupt });
    this.steps += r.steps;
    this.left -= r.steps;
    if (r.stop !== 'budget' || !r.exact) this.stop = r.stop;
    return this.left === 0 || r.stop !== 'budget' || !r.exact;
  }

  /** Write the chunk's result into the mailbox. */
  finish(): void {
    this.box.end.save(this.hart);
    this.box.result({ steps: this.steps, stop: this.stop, exact: !this.bus.torn, traps: this.traps, read: this.bus.readSet, written: this.bus.copies() });
  }
}
