// A recording's events as its readers take them: each events block inflated when a reader reaches
// it (never all at open), checked whole the first time (validate.ts's EventChecker, in block
// order), and kept only while it is among the few most recently used, so that a long replay that
// seeks back and forth holds a bounded number of inflated blocks.

import { ByteReader, FormatError } from './codec';
import { BlockKind, decodeEvent, Event, inflateBlock, ParsedRecording } from './format';
import { EventChecker } from './validate';

/** An events block, inflated and checked. */
export interface EventsBlock {
  /** Its index in the recording's blocks. */
  readonly index: number;
  /** The position it starts at, and the byte offset of its first event in the payload. */
  readonly start: number;
  readonly first: number;
  readonly payload: Uint8Array;
}

/** Inflated blocks kept: the one being read and the one before (a seek back often lands there). */
const KEPT = 2;

export class EventLog {
  private readonly kept: EventsBlock[] = [];
  private checker: EventChecker | undefined;
  /** Blocks [1, checked) have been checked. */
  private checked = 1;

  /**
   * `start`: the position the snapshot is at, where the first events block must start (unknown
   * without restoring the snapshot: then the first block's own start is taken).
   */
  constructor(readonly recording: ParsedRecording, private readonly name = 'recording', private readonly start?: number) {}

  /** The number of blocks (the snapshot is block 0; events blocks follow). */
  get blockCount(): number {
    return this.recording.blocks.length;
  }

  /** Events block `index`, inflated; the blocks before it are checked first. */
  block(index: number): EventsBlock {
    const found = this.kept.find((b) => b.index === index);
    if (found) return found;
    while (this.checked < index) this.check(this.load(this.checked));
    const b = this.load(index);
    if (index === this.checked) this.check(b);
    this.kept.unshift(b);
    if (this.kept.length > KEPT) this.kept.pop();
    return b;
  }

  /** The reader of block `index`'s events, at the byte offset `at` of its payload (its first event by default). */
  reader(index: number, at?: number): ByteReader {
    const b = this.block(index);
    const r = new ByteReader(b.payload, `${this.name}: block ${this.recording.blocks[index].sequence}`);
    r.pos = at ?? b.first;
    return r;
  }

  /** The position the first events block starts at, if there is one. */
  firstPosition(): number | undefined {
    return this.blockCount > 1 ? this.block(1).start : undefined;
  }

  /**
   * Visit every event of the recording, checked, in order (see visitBlock): a block found wrong
   * part-way has had some of its events visited, and the caller's work is lost with the error.
   */
  forEach(visit: (e: Event) => void): void {
    for (let i = 1; i < this.blockCount; i++) this.visitBlock(i, visit);
  }

  /**
   * Visit the events of events block `index`, checked, in order, with the byte offset of each in the
   * block's payload; `begin` hears first where the block starts (its position, and the offset of
   * its first event). A block not checked yet is decoded once for both, and not kept.
   */
  visitBlock(index: number, visit: (e: Event, at: number) => void, begin?: (start: number, first: number) => void): void {
    const kept = this.kept.find((b) => b.index === index);
    if (!kept && index === this.checked) {
      const b = this.load(index);
      begin?.(b.start, b.first);
      this.check(b, visit);
      return;
    }
    const b = kept ?? this.block(index);
    begin?.(b.start, b.first);
    const r = new ByteReader(b.payload, `${this.name}: block ${this.recording.blocks[index].sequence}`);
    r.pos = b.first;
    while (!r.done) {
      const at = r.pos;
      visit(decodeEvent(r), at);
    }
  }

  private load(index: number): EventsBlock {
    const block = this.recording.blocks[index];
    if (block.kind !== BlockKind.Events) throw new FormatError(`${this.name}: block ${block.sequence} at byte ${block.offset} is not an events block`);
    const payload = inflateBlock(block, this.name);
    const r = new ByteReader(payload, `${this.name}: block ${block.sequence}`);
    const start = r.varint();
    return { index, start, first: r.pos, payload };
  }

  /** Check a block's every event, in block order (and visit each, if asked). */
  private check(b: EventsBlock, visit?: (e: Event, at: number) => void): void {
    const sequence = this.recording.blocks[b.index].sequence;
    this.checker ??= new EventChecker(this.recording.header, this.name, this.start ?? b.start);
    this.checker.beginBlock(sequence, b.start);
    const r = new ByteReader(b.payload, `${this.name}: block ${sequence}`);
    r.pos = b.first;
    while (!r.done) {
      const at = r.pos;
      const e = decodeEvent(r);
      this.checker.check(e, at);
      visit?.(e, at);
    }
    this.checker.endBlock();
    this.checked = b.index + 1;
  }
}
