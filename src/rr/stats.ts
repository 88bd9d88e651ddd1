// Statistics per event kind, in the manner of KRR's "Event Stats", for `samsara info` and for the
// end of a record or replay.

import { CAUSE_NAMES, INTERRUPT_NAMES } from '../emulator/hart/trap';
import { EventLog } from './event-log';
import { Event, EventKind, ParsedRecording } from './format';

export class EventStats {
  chunks = 0;
  stepsPerHart: number[] = [];
  /** Chunks (turns) per hart: with stepsPerHart, the mean chunk length each hart ran. */
  chunksPerHart: number[] = [];
  /** The parallel recorder's chunks discarded for conflicts, and the steps they had run, per hart. */
  discardedPerHart: number[] = [];
  reexecutedPerHart: number[] = [];
  /** Turns that ran on a worker behind their place in the recording (EventKind.TimeLag). */
  laggedTurns = 0;
  interrupts = 0;
  interruptsByCause = new Map<number, number>();
  exceptions = 0;
  exceptionsByCause = new Map<number, number>();
  syscalls = 0;
  sbiCalls = 0;
  clockRebases = 0;
  entropyReads = 0;
  entropyBytes = 0;
  inputEvents = 0;
  inputBytes = 0;
  blockReads = 0;
  dmaBytes = 0;
  digests = 0;
  startPosition = 0;
  endPosition = 0;
  /** The recording's end event, if it has one (a cut-off recording does not). */
  end: Extract<Event, { kind: EventKind.End }> | undefined;

  /** The statistics of a whole recording, read from its event blocks. */
  static of(recording: ParsedRecording, name = 'recording'): EventStats {
    const stats = new EventStats();
    const log = new EventLog(recording, name);
    const start = log.firstPosition();
    if (start !== undefined) stats.start(recording.header.machine.harts, start);
    log.forEach((e) => stats.add(e));
    return stats;
  }

  start(harts: number, position: number): void {
    this.stepsPerHart = new Array(harts).fill(0);
    this.chunksPerHart = new Array(harts).fill(0);
    this.discardedPerHart = new Array(harts).fill(0);
    this.reexecutedPerHart = new Array(harts).fill(0);
    this.startPosition = this.endPosition = position;
  }

  add(e: Event): void {
    switch (e.kind) {
      case EventKind.Chunk:
        this.chunks++;
        this.stepsPerHart[e.hart] = (this.stepsPerHart[e.hart] ?? 0) + e.steps;
        this.chunksPerHart[e.hart] = (this.chunksPerHart[e.hart] ?? 0) + 1;
        this.endPosition += e.steps;
        break;
      case EventKind.Trap:
        if (e.interrupt) {
          this.interrupts++;
          this.interruptsByCause.set(e.cause, (this.interruptsByCause.get(e.cause) ?? 0) + 1);
        } else {
          this.exceptions++;
          this.exceptionsByCause.set(e.cause, (this.exceptionsByCause.get(e.cause) ?? 0) + 1);
          if (e.cause === 8) this.syscalls++;
          if (e.cause === 9) this.sbiCalls++;
        }
        break;
      case EventKind.Clock: this.clockRebases++; break;
      case EventKind.Entropy: this.entropyReads++; this.entropyBytes += e.data.length; break;
      case EventKind.Input: this.inputEvents++; this.inputBytes += e.data.length; break;
      case EventKind.BlockRead: this.blockReads++; this.dmaBytes += e.data.length; break;
      case EventKind.Digest: case EventKind.MemoryDigest: this.digests++; break;
      case EventKind.End: this.end = e; break;
      case EventKind.TimeLag: this.laggedTurns++; break;
      case EventKind.Conflicts:
        this.discardedPerHart[e.hart] = (this.discardedPerHart[e.hart] ?? 0) + e.discarded;
        this.reexecutedPerHart[e.hart] = (this.reexecutedPerHart[e.hart] ?? 0) + e.reexecuted;
        break;
    }
  }

  get steps(): number {
    return this.endPosition - this.startPosition;
  }

  /** The table, one line per figure. */
  format(logBytes?: number): string {
    const lines: string[] = ['Event Stats:'];
    const row = (name: string, value: number | string): void => { lines.push(`  ${name.padEnd(28)} ${value}`); };
    row('instructions (steps)', this.steps);
    this.stepsPerHart.forEach((s, i) => {
      const chunks = this.chunksPerHart[i] ?? 0;
      const discarded = this.discardedPerHart[i] ?? 0;
      const again = discarded ? `; ${discarded} discarded for conflicts, ${this.reexecutedPerHart[i]} steps run again` : '';
      row(`  hart ${i}`, chunks ? `${s} in ${chunks} chunks (mean ${Math.round(s / chunks)} steps)${again}` : s);
    });
    row('chunks (hart turns)', this.chunks);
    if (this.laggedTurns) row('  run ahead on workers', this.laggedTurns);
    row('interrupts', this.interrupts);
    for (const [c, n] of [...this.interruptsByCause].sort((a, b) => a[0] - b[0])) row(`  ${INTERRUPT_NAMES[c] ?? `cause ${c}`}`, n);
    row('exceptions', this.exceptions);
    for (const [c, n] of [...this.exceptionsByCause].sort((a, b) => a[0] - b[0])) row(`  ${CAUSE_NAMES[c] ?? `cause ${c}`}`, n);
    row('syscalls (ecall from U)', this.syscalls);
    row('SBI calls (ecall from S)', this.sbiCalls);
    row('clock re-bases (time)', this.clockRebases);
    row('entropy reads', `${this.entropyReads} (${this.entropyBytes} bytes)`);
    row('console input', `${this.inputEvents} (${this.inputBytes} bytes)`);
    row('block reads (DMA)', `${this.blockReads} (${this.dmaBytes} bytes)`);
    row('state digests', this.digests);
    if (logBytes !== undefined) {
      row('log size', `${logBytes} bytes`);
      if (this.steps > 0) row('bytes per million steps', (logBytes / (this.steps / 1e6)).toFixed(1));
    }
    return lines.join('\n');
  }
}
