// A running machine together with its clock and, while one is being made, a recording. The command
// line's `run` and `record` drive a Session the same way; recording adds only the logging, so that
// its overhead stays small.

import { LinearClock } from '../emulator/clock';
import { Machine, RunResult } from '../emulator/machine';
import { ParallelEngine, TurnSink, WorkerFailure } from '../emulator/parallel/engine';
import { RecordingHeader } from './format';
import { Recorder, RecordingSink, RecordingTaps } from './recorder';

/** Turns run with no recording. */
const UNRECORDED: TurnSink = { lag: () => {}, trap: () => {}, turn: () => {} };

export class Session {
  recorder: Recorder | undefined;
  /** Console input the machine's queue had no room for yet, oldest first (see input()). */
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;

  /** `engine`: run the harts on worker threads (ParallelEngine) rather than in turns on this one. */
  constructor(readonly machine: Machine, readonly clock: LinearClock, readonly taps: RecordingTaps, readonly engine?: ParallelEngine) {}

  /** Start recording from the machine's current state (between turns). */
  startRecording(sink: RecordingSink, header: RecordingHeader): Recorder {
    if (this.recorder) throw new Error('a recording is already being made');
    this.recorder = new Recorder(this.machine, this.clock, sink, header, this.taps);
    return this.recorder;
  }

  stopRecording(reason: 'stopped' | 'poweroff' | 'reset' | 'fatal' | 'limit' = 'stopped', code = 0): Recorder | undefined {
    const r = this.recorder;
    r?.end(reason, code);
    this.recorder = undefined;
    return r;
  }

  /**
   * Run up to `budget` steps. A worker that fails ends the machine (a fatal finish naming the hart
   * and why): the turns committed before it stand, and a recording ends cleanly there.
   */
  run(budget: number): RunResult {
    this.offerInput();
    let result: RunResult;
    try {
      if (this.recorder) result = this.recorder.run(budget, this.engine);
      else result = this.engine ? this.engine.run(budget, UNRECORDED) : this.machine.run(budget);
    } catch (e) {
      if (!(e instanceof WorkerFailure)) throw e;
      this.machine.finish({ kind: 'fatal', message: e.message });
      result = RunResult.Finished;
    }
    this.recorder?.flush();
    return result;
  }

  /** Stop the engine's workers, if any. */
  close(): void {
    this.engine?.close();
  }

  /**
   * Console input from the host: it enters the machine now as far as the machine's input queue has
   * room (CONSOLE_INPUT_CAPACITY); the rest is held here, in order, and offered again before every
   * later run, so that a paste of any size is neither lost nor held by the guest's queue past its cap.
   */
  input(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.held.push(bytes.slice());
    this.heldBytes += bytes.length;
    this.offerInput();
  }

  /** Console input held on the host side, waiting for room in the machine's queue (bytes). */
  get heldInput(): number {
    return this.heldBytes;
  }

  /** Give the machine as much held input as its queue takes (logged if recording), oldest first. */
  private offerInput(): void {
    while (this.held.length > 0) {
      const first = this.held[0];
      const taken = this.recorder ? this.recorder.input(first) : this.machine.consoleInputAsFits(first);
      this.heldBytes -= taken;
      if (taken < first.length) {
        this.held[0] = first.subarray(taken);
        return;
      }
      this.held.shift();
    }
  }

  setClock(mtime: number): void {
    if (this.recorder) this.recorder.setClock(mtime);
    else this.clock.set(this.machine.virtualTime, mtime);
  }
}
