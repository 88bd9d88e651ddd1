// A recording at a glance, for a timeline view: the span of positions cut into equal buckets, and
// for each bucket the steps each hart took and the events recorded there (interrupts, system calls,
// other exceptions, input from outside). Read from the event blocks alone, without replaying.

import { EventLog } from './event-log';
import { EventKind, ParsedRecording } from './format';

export interface Overview {
  start: number;
  end: number;
  /** Positions per bucket (the last bucket may be shorter). */
  bucketSize: number;
  /** steps[h][b]: the steps hart h took in bucket b. */
  steps: number[][];
  /** Event counts per bucket. */
  interrupts: number[];
  syscalls: number[];
  exceptions: number[];
  /** Console input, entropy and disk reads (DMA). */
  inputs: number[];
}

const CAUSE_ECALL_U = 8;
const CAUSE_ECALL_S = 9;

export function overview(recording: ParsedRecording, buckets = 512, name = 'recording'): Overview {
  const harts = recording.header.machine.harts;
  // Two passes: the span first (the end is known only at the end), then the buckets. The events are
  // checked (EventLog): harts within the header's, each block starting where the one before ended.
  const log = new EventLog(recording, name);
  const start = log.firstPosition() ?? 0;
  let position = start;
  log.forEach((e) => { if (e.kind === EventKind.Chunk) position += e.steps; });
  const end = Math.max(position, start + 1);
  const bucketSize = Math.max(1, Math.ceil((end - start) / buckets));
  const n = Math.ceil((end - start) / bucketSize);
  const zeros = (): number[] => new Array<number>(n).fill(0);
  const o: Overview = { start, end, bucketSize, steps: Array.from({ length: harts }, zeros), interrupts: zeros(), syscalls: zeros(), exceptions: zeros(), inputs: zeros() };
  const bucket = (p: number): number => Math.min(n - 1, Math.max(0, Math.floor((p - start) / bucketSize)));
  position = start;
  log.forEach((e) => {
    switch (e.kind) {
      case EventKind.Chunk: {
        // Spread the chunk's steps over the buckets it spans.
        let left = e.steps;
        while (left > 0) {
          const b = bucket(position);
          const room = Math.min(left, start + (b + 1) * bucketSize - position);
          o.steps[e.hart][b] += room;
          position += room;
          left -= room;
          if (room <= 0) break;
        }
        break;
      }
      case EventKind.Trap:
        if (e.interrupt) o.interrupts[bucket(e.position)]++;
        else if (e.cause === CAUSE_ECALL_U) o.syscalls[bucket(e.position)]++;
        else if (e.cause !== CAUSE_ECALL_S) o.exceptions[bucket(e.position)]++;
        break;
      case EventKind.Input: case EventKind.Entropy: case EventKind.BlockRead:
        o.inputs[bucket(e.position)]++;
        break;
      default:
        break;
    }
  });
  return o;
}
