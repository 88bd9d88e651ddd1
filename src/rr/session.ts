// A running machine together with its clock and, while one is being made, a recording. The command
// line's `run` and `record` drive a Session the same way; recording adds only the logging, so that
// its overhead stays small.

import { LinearClock } from '../emulator/clock';
import { Machine, RunResult } from '../emulator/machine';
import { RecordingHeader } from './format';
import { Recorder, RecordingSink, RecordingTaps } from './recorder';

export class Session {
  recorder: Recorder | undefined;

  constructor(readonly machine: Machine, readonly clock: LinearClock, readonly taps: RecordingTaps) {}

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

  run(budget: number): RunResult {
    const result = this.recorder ? this.recorder.run(budget) : this.machine.run(budget);
    this.recorder?.flush();
    return result;
  }

  input(bytes: Uint8Array): void {
    if (this.recorder) this.recorder.input(bytes);
    else this.machine.consoleInput(bytes);
  }

  setClock(mtime: number): void {
    if (this.recorder) this.recorder.setClock(mtime);
    else this.clock.set(this.machine.virtualTime, mtime);
  }
}
