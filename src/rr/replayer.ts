// The replayer: re-executes a recording from its snapshot with no real input. The chunk log decides
// which hart runs and for how many steps; every input comes from the log at the position it was
// recorded at; every trap and digest is checked against the log, so that a divergence is reported
// where it happens (hart, position, pc, and the event expected), never replayed silently wrong.
//
// The replayer can stop at any position, in the middle of a turn, and go on from there.

import { LinearClock } from '../emulator/clock';
import { Htif } from '../emulator/devices/htif';
import { trapName } from '../emulator/hart/trap';
import { CONSOLE_INPUT_CAPACITY } from '../emulator/console-input';
import { Machine } from '../emulator/machine';
import { BlockPort, ConsolePort, EntropyPort } from '../emulator/ports';
import { ByteReader, FormatError } from './codec';
import { EventLog } from './event-log';
import { decodeEvent, EndReason, Event, EventKind, inflateBlock, ParsedRecording } from './format';
import { hartsDigest, memoryDigest, restoreSnapshot } from './snapshot';
import { EventStats } from './stats';

export class DivergenceError extends Error {
  override name = 'DivergenceError';

  /**
   * `position`: where replay found it. `vouched`: the last position whose state the recording
   * vouches for (see Replayer.vouched).
   */
  constructor(message: string, readonly position = 0, readonly vouched = 0) {
    super(message);
  }
}

/**
 * Where the replayer is in the event stream, for checkpoints (taken between turns only): the block
 * and the byte offset of the next event in its payload (0 and 0 before the first events block).
 */
export interface ReplayCursor {
  readonly block: number;
  readonly offset: number;
  readonly ended?: ReplayEnd;
}

/** Why runTo() stopped before its target. */
export type DebugStop = { kind: 'breakpoint'; hart: number } | { kind: 'debug'; hart: number };

export interface ReplayEnd {
  reason: EndReason;
  code: number;
  position: number;
}

export class Replayer {
  readonly machine: Machine;
  readonly clock = new LinearClock();
  readonly stats = new EventStats();
  /** Set once the End event has been reached. */
  ended?: ReplayEnd;
  /** The recording's events, inflated and checked block by block as replay reaches them. */
  readonly log: EventLog;
  /** The block being read (0, the snapshot, before the first events block), and its reader. */
  private block = 0;
  private reader: ByteReader | undefined;
  /** The byte offset in the block's payload of the event last read (for errors that name it). */
  private eventOffset = 0;
  /** Events of the turn in progress that happen inside it (entropy, block reads, traps), in order. */
  private pending: Event[] = [];
  private turn: { hart: number; remaining: number } | undefined;
  /** The digests of harts and memory checked since the last turn began (the state has not changed). */
  private checked: { harts?: number; memory?: number } = {};
  /** Set when runTo() stopped early for a breakpoint or a debugger hook (machine.debugStop). */
  stoppedBy?: DebugStop;
  /** Told of every trap, after it has been checked against the recording (for debugger event stops). */
  onTrap?: (hart: number, cause: number, interrupt: boolean) => void;
  /** Told of every input event as it takes effect (clock, console input, entropy, block reads). */
  onInput?: (kind: EventKind, position: number) => void;
  /**
   * The furthest two positions (earlier, later) where the harts' digest matched the recording's,
   * the snapshot's position before any: replay is deterministic, so once passed they stay so.
   */
  private digests: [number, number];

  constructor(private readonly recording: ParsedRecording, console: ConsolePort, private readonly name = 'recording') {
    const m = recording.header.machine;
    const entropy: EntropyPort = { fill: (buf) => this.take(EventKind.Entropy, buf) };
    const drive: BlockPort | undefined = m.drive && {
      size: m.drive.size,
      readOnly: m.drive.readOnly,
      read: (offset, buf) => this.take(EventKind.BlockRead, buf, offset),
      write: () => {},
    };
    this.machine = new Machine({
      harts: m.harts,
      memSize: m.memSize,
      clock: this.clock,
      console,
      entropy: m.entropy ? entropy : undefined,
      drive,
      builtinSbi: m.builtinSbi,
    });
    if (m.htif) {
      new Htif(this.machine.bus, m.htif.tohost, (b) => console.write(Uint8Array.of(b)), (ev) => {
        this.machine.finish(ev.kind === 'exit' ? { kind: 'poweroff', code: ev.code } : { kind: 'fatal', message: 'unsupported HTIF command' });
      });
    }
    restoreSnapshot(inflateBlock(recording.blocks[0], name), this.machine, this.clock, `${name}: snapshot`);
    this.log = new EventLog(recording, name, this.machine.position);
    this.digests = [this.machine.position, this.machine.position];
    this.stats.start(m.harts, this.machine.position);
    this.machine.onTrap = (h, cause, interrupt) => {
      const e = this.pending.shift();
      const pos = this.machine.position;
      if (!e || e.kind !== EventKind.Trap || e.position !== pos || e.hart !== h.id || e.cause !== cause || e.interrupt !== interrupt) {
        this.diverge(h.id, `hart ${h.id} took ${interrupt ? 'interrupt' : 'exception'} ${cause} (${trapName(cause, interrupt)}), but the recording expected ${describe(e)}`);
      }
      this.onTrap?.(h.id, cause, interrupt);
    };
  }

  get position(): number {
    return this.machine.position;
  }

  /** The position of the last event in the recording that can be reached (the end, or where it was cut off). */
  get lastBlockIndex(): number {
    return this.recording.blocks.length - 1;
  }

  /**
   * Replay up to `target` (or to the end of the recording). Returns the position reached; stops
   * early at the End event, or where a cut-off recording runs out.
   */
  runTo(target = Infinity): number {
    const m = this.machine;
    this.stoppedBy = undefined;
    while (m.position < target && !this.ended) {
      if (this.turn) {
        const t = this.turn;
        const h = m.harts[t.hart];
        const want = Math.min(t.remaining, target - m.position);
        const n = m.continueTurn(h, want);
        t.remaining -= n;
        if (h.breakpointHit || m.debugStop) {
          this.stoppedBy = { kind: h.breakpointHit ? 'breakpoint' : 'debug', hart: t.hart };
          h.breakpointHit = false;
          m.debugStop = false;
          if (t.remaining === 0) this.endTurn();
          return m.position;
        }
        if (n < want && t.remaining > 0) {
          this.diverge(t.hart, `hart ${t.hart}'s turn ended after ${n} of ${want} steps (${h.wfi ? 'it waits for an interrupt' : m.finished ? `the machine finished: ${m.finished.kind}` : 'it stopped'})`);
        }
        if (t.remaining === 0) this.endTurn();
        continue;
      }
      const e = this.next();
      if (!e) break; // a cut-off recording: nothing more to replay
      this.apply(e);
    }
    return m.position;
  }

  /** Whether the replayer is between turns (where checkpoints can be taken). */
  get betweenTurns(): boolean {
    return this.turn === undefined;
  }

  /** The hart whose turn is in progress, if any. */
  get turnHart(): number | undefined {
    return this.turn?.hart;
  }

  /**
   * Finish the turn in progress if it ends at or before `limit` (stopping early only for a debug
   * stop); otherwise do nothing.
   */
  finishTurn(limit = Infinity): void {
    if (this.turn && this.machine.position + this.turn.remaining <= limit) this.runTo(this.machine.position + this.turn.remaining);
  }

  /**
   * At a position where a turn begins, begin it: apply the events recorded there (clock re-bases,
   * input, the traps taken as the turn begins) up to the chunk, so that the harts are as they are
   * just before that turn's first step (an interrupt taken at its start is taken). Does nothing
   * inside a turn, or where the recording ends.
   */
  enterTurn(): void {
    while (!this.turn && !this.ended) {
      const saved = this.where();
      const e = this.next();
      if (!e) return;
      // Between turns every event before the next chunk is at this position or inside that turn.
      if (e.kind === EventKind.End) {
        this.moveTo(saved.block, saved.offset);
        return;
      }
      this.apply(e);
    }
  }

  cursor(): ReplayCursor {
    if (this.turn || this.pending.length) throw new Error('the replay cursor can only be saved between turns');
    return { ...this.where(), ended: this.ended };
  }

  private where(): { block: number; offset: number } {
    return { block: this.block, offset: this.reader?.pos ?? 0 };
  }

  /** Read on from byte `offset` of block `block`'s payload (its first event by default). */
  private moveTo(block: number, offset?: number): void {
    this.block = block;
    this.reader = block === 0 ? undefined : this.log.reader(block, offset);
  }

  /** Go back to a cursor saved with the machine state it belongs to (the caller restores that). */
  setCursor(c: ReplayCursor): void {
    this.moveTo(c.block, c.offset);
    this.ended = c.ended;
    this.turn = undefined;
    this.pending = [];
    this.stoppedBy = undefined;
    this.checked = {};
  }

  private endTurn(): void {
    this.machine.endTurn();
    this.turn = undefined;
    if (this.pending.length > 0) {
      this.diverge(-1, `the turn ended, but the recording expected ${describe(this.pending[0])} in it`);
    }
  }

  private apply(e: Event): void {
    const m = this.machine;
    this.stats.add(e);
    switch (e.kind) {
      case EventKind.Chunk: {
        this.checked = {};
        if (e.hart >= m.harts.length) this.diverge(-1, `a chunk names hart ${e.hart}, but the machine has ${m.harts.length}`);
        const h = m.harts[e.hart];
        if (!m.beginTurn(h)) this.diverge(e.hart, `hart ${e.hart} cannot run (${h.stopped ? 'stopped' : 'waiting for an interrupt'}), but the recording gives it a turn of ${e.steps} steps`);
        this.turn = { hart: e.hart, remaining: e.steps };
        if (e.steps === 0) this.endTurn();
        break;
      }
      case EventKind.Clock:
        this.at(e.position, 'clock re-base');
        this.onInput?.(e.kind, e.position);
        this.clock.set(m.virtualTime, e.mtime);
        if (this.clock.mtime(m.virtualTime) !== e.mtime) this.diverge(-1, `mtime after re-base is ${this.clock.mtime(m.virtualTime)}, recorded ${e.mtime}`);
        break;
      case EventKind.Input:
        this.at(e.position, 'console input');
        // The queue is bounded as it was when the recording was made: more is not a recording we made.
        // The event gathers the input taken at its position, in parts that each fitted then: it is
        // given the same way (Machine.consoleInputAsFits), and must fit whole.
        const taken = m.consoleInputAsFits(e.data);
        if (taken < e.data.length) {
          throw new FormatError(`${this.name}: block ${this.block}, byte ${this.eventOffset}: the input event carries ${e.data.length} bytes, but the console's input queue is full (${CONSOLE_INPUT_CAPACITY} bytes) after ${taken} of them`);
        }
        this.onInput?.(e.kind, e.position);
        break;
      case EventKind.Entropy: case EventKind.BlockRead: case EventKind.Trap:
        this.pending.push(e);
        break;
      case EventKind.Digest:
        this.at(e.position, 'state digest');
        // Digests of a state already checked (no turn since) are not computed again: a file of
        // millions of them costs its reading, not millions of hashes.
        if (this.checked.harts === e.digest) break;
        this.checked.harts = e.digest;
        if (hartsDigest(m) !== e.digest) this.diverge(-1, `the harts' state differs from the recording's (digest ${hartsDigest(m).toString(16)}, recorded ${e.digest.toString(16)})`);
        if (e.position > this.digests[1]) this.digests = [this.digests[1], e.position];
        break;
      case EventKind.MemoryDigest:
        this.at(e.position, 'memory digest');
        if (this.checked.memory === e.digest) break;
        this.checked.memory = e.digest;
        if (memoryDigest(m) !== e.digest) this.diverge(-1, 'memory differs from the recording\'s (memory digest mismatch)');
        break;
      case EventKind.TimeLag:
        this.at(e.position, 'time lag');
        m.timeLag = e.lag;
        break;
      case EventKind.Conflicts:
        break;
      case EventKind.End:
        this.at(e.position, 'end of recording');
        if (memoryDigest(m) !== e.memoryDigest) this.diverge(-1, 'memory at the end differs from the recording\'s');
        this.ended = { reason: e.reason, code: e.code, position: e.position };
        // Nothing may follow the End event: a block after it is refused as it is checked (EventLog).
        if (this.block + 1 < this.log.blockCount) this.log.block(this.block + 1);
        break;
    }
  }

  /** Serve a port request (entropy or a block read) from the log. */
  private take(kind: EventKind.Entropy | EventKind.BlockRead, buf: Uint8Array, offset?: number): void {
    if (buf.length === 0) return; // not logged (RecordingTaps)
    const e = this.pending.shift();
    const pos = this.machine.position;
    const what = kind === EventKind.Entropy ? `an entropy read of ${buf.length} bytes` : `a block read of ${buf.length} bytes at offset ${offset}`;
    if (!e || e.kind !== kind || e.position !== pos || e.data.length !== buf.length || (e.kind === EventKind.BlockRead && e.offset !== offset)) {
      this.diverge(-1, `the guest made ${what}, but the recording expected ${describe(e)}`);
    }
    buf.set((e as { data: Uint8Array }).data);
    this.onInput?.(kind, pos);
  }

  private at(position: number, what: string): void {
    if (position !== this.machine.position) this.diverge(-1, `the recording has a ${what} at position ${position}, but replay is at ${this.machine.position}`);
  }

  /** The next event (checked: EventLog), or undefined where the recording runs out. */
  private next(): Event | undefined {
    while (!this.reader || this.reader.done) {
      if (this.block + 1 >= this.log.blockCount) return undefined;
      this.moveTo(this.block + 1);
    }
    this.eventOffset = this.reader.pos;
    return decodeEvent(this.reader);
  }

  /**
   * The last position whose state the recording vouches for, given a check that failed at
   * `position`: the last one where the harts' digest matched (the recorder ends every block with
   * one, so this is the start of the block the failing check is in; a block start without a digest
   * that matched vouches for nothing: a block's checksum covers its bytes, not the replay). Unless
   * that digest is at `position` itself: what failed there (memory, the clock, the next turn) is
   * not in the harts' digest, so the state there is in doubt, and the digest before it is taken.
   */
  vouched(position: number): number {
    return this.digests[1] < position ? this.digests[1] : this.digests[0];
  }

  private diverge(hart: number, message: string): never {
    const m = this.machine;
    const h = hart >= 0 ? m.harts[hart] : undefined;
    const where = h ? `hart ${hart}, pc 0x${BigInt.asUintN(64, BigInt(h.pc)).toString(16)}` : m.harts.map((x) => `hart ${x.id} pc 0x${BigInt.asUintN(64, BigInt(x.pc)).toString(16)}`).join(', ');
    throw new DivergenceError(`${this.name}: replay diverged at position ${m.position} (${where}): ${message}`, m.position, this.vouched(m.position));
  }
}

function describe(e: Event | undefined): string {
  if (!e) return 'nothing';
  switch (e.kind) {
    case EventKind.Trap: return `${e.interrupt ? 'interrupt' : 'exception'} ${e.cause} (${trapName(e.cause, e.interrupt)}) on hart ${e.hart} at position ${e.position}`;
    case EventKind.Entropy: return `an entropy read of ${e.data.length} bytes at position ${e.position}`;
    case EventKind.BlockRead: return `a block read of ${e.data.length} bytes at offset ${e.offset}, position ${e.position}`;
    default: return `event kind ${e.kind}`;
  }
}
