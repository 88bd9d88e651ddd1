// A guest that waits costs a recording nothing per slice (issue 12). A recording session re-bases
// the clock to the host's before every slice; a slice that runs no turn used to write a block of its
// own (the re-base and a digest), some 20 a second, which is why the validator could not bound the
// events at one position. Now a re-base waits for the next event and a later one replaces it, and
// the input taken at one position is one event: the recording of an hour's wait is one block.

import { describe, expect, it } from 'vitest';
import { LinearClock } from '../../src/emulator/clock';
import { Machine, RunResult } from '../../src/emulator/machine';
import { BlockKind, EventKind, parseRecording } from '../../src/rr/format';
import { RecordingTaps } from '../../src/rr/recorder';
import { Replayer } from '../../src/rr/replayer';
import { Session } from '../../src/rr/session';
import { decodeEvents } from './block-events';

const WFI = 0x10500073; // wfi
const BACK = 0xffdff06f; // j .-4

describe('recording a guest that waits', () => {
  it('writes no block for slices that only move the clock, and one input event for the input taken at a position', () => {
    const clock = new LinearClock();
    const m = new Machine({ harts: 1, memSize: 2 ** 20, clock, console: { write: () => {} }, builtinSbi: true });
    m.bus.writePhys(0x80000000, new Uint8Array(new Uint32Array([WFI, BACK]).buffer));
    m.harts[0].reset(0x80000000);
    const session = new Session(m, clock, new RecordingTaps());
    const chunks: Uint8Array[] = [];
    session.startRecording({ write: (b) => chunks.push(b.slice()) }, {
      samsara: 'test', created: '', command: 'test', bootargs: '', images: [],
      machine: { harts: 1, memSize: 2 ** 20, builtinSbi: true, entropy: false },
    });
    // The hart runs into `wfi` (no interrupt is enabled: it waits for ever); then 1,000 slices with
    // the host's clock ahead each time, as `samsara record` runs them while the guest waits.
    expect(session.run(2_000_000)).toBe(RunResult.Idle);
    const position = m.position;
    for (let i = 1; i <= 1000; i++) {
      session.setClock(1_000_000 * i);
      expect(session.run(2_000_000)).toBe(RunResult.Idle);
    }
    const blocksWhileWaiting = chunks.length;
    // Input in two parts at one position (the guest reads none of it).
    session.input(new TextEncoder().encode('ab'));
    session.setClock(2_000_000_000);
    session.input(new TextEncoder().encode('cd'));
    expect(session.run(2_000_000)).toBe(RunResult.Idle);
    session.setClock(3_000_000_000);
    expect(session.run(2_000_000)).toBe(RunResult.Idle);
    session.stopRecording('stopped');

    const recording = parseRecording(Buffer.concat(chunks));
    const blocks = recording.blocks.filter((b) => b.kind === BlockKind.Events).map((b) => decodeEvents(b).events);
    // The file header, the snapshot and the block of the turn that ran into `wfi`: nothing more while it waited.
    expect(blocksWhileWaiting).toBe(3);
    expect(blocks).toHaveLength(3);
    // The input block: both parts in one event, then the last re-base before it (2e9), then the digest.
    expect(blocks[1].map((e) => e.kind)).toEqual([EventKind.Input, EventKind.Clock, EventKind.Digest]);
    expect(blocks[1][0]).toMatchObject({ position, data: new TextEncoder().encode('abcd') });
    expect(blocks[1][1]).toMatchObject({ position, mtime: 2_000_000_000 });
    // The last re-base waited for the End's block.
    expect(blocks[2].map((e) => e.kind)).toEqual([EventKind.Clock, EventKind.Digest, EventKind.End]);
    expect(blocks[2][0]).toMatchObject({ position, mtime: 3_000_000_000 });

    const replayer = new Replayer(recording, { write: () => {} }, 'idle');
    replayer.runTo();
    expect(replayer.ended?.reason).toBe('stopped');
    expect(replayer.position).toBe(position);
    expect(replayer.machine.mtime()).toBe(m.mtime());
    expect(replayer.machine.pendingInput).toBe(m.pendingInput);
  });
});
