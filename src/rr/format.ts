// The recording file format, declared once: the file header, the block framing, the event kinds and
// their records, with the one writer and the one reader.
//
//   file   = magic "SAMSARA\n", u32 FORMAT_VERSION, u32 header length, header (JSON), u32 crc32(header),
//            then blocks until the end of the file
//   block  = u32 BLOCK_MAGIC, u8 block kind, u32 sequence number, u32 stored length, u32 raw length,
//            u32 crc32 of those 17 bytes, u32 crc32 of the stored payload, stored payload (deflate)
//
// Blocks are appended and each is complete in itself, so a file cut off at any byte (a killed
// process, a full disk) is readable up to its last complete block. The block header has a checksum
// of its own, so that a damaged length is not mistaken for a cut-off file. A block whose checksum
// fails is corruption and is reported with the block's number and offset, never replayed.
//
// Any change to the header, the blocks or the records must bump FORMAT_VERSION. Version 2: what a
// block holds at one position is bounded (one clock re-base, console input, harts digest and memory
// digest; one conflicts event a hart; 8 traps; 1,024 device reads, none of no bytes), and a block
// runs a turn unless it carries console input or the End (validate.ts, EventChecker).

import { deflateSync, Inflate } from 'fflate';
import { PAGE_SIZE } from '../emulator/bus';
import { ByteReader, ByteWriter, crc32, decodeJson, encodeJson, FormatError } from './codec';
import { MAX_HEADER_BYTES, readHeader } from './validate';

export const MAGIC = 'SAMSARA\n';
export const FORMAT_VERSION = 2;
const BLOCK_MAGIC = 0x314b4c42; // "BLK1"
const BLOCK_HEADER = 25;

export const enum BlockKind {
  /** The machine state the recording starts from (MachineState, clock and RAM pages). */
  Snapshot = 1,
  /** Events, in order. */
  Events = 2,
}

/** The recording's header: what machine, from what images, made by what. */
export interface RecordingHeader {
  readonly samsara: string;
  readonly created: string;
  readonly machine: {
    readonly harts: number;
    readonly memSize: number;
    readonly builtinSbi: boolean;
    readonly drive?: { readonly size: number; readonly readOnly: boolean };
    readonly entropy: boolean;
    /** The riscv-tests HTIF convention: the physical address of `tohost`. */
    readonly htif?: { readonly tohost: number };
  };
  /** What was booted, with SHA-256 hashes of the files given. */
  readonly images: readonly { readonly role: string; readonly name: string; readonly sha256: string; readonly size: number }[];
  readonly bootargs: string;
  /** The command that made it, for `samsara info`. */
  readonly command: string;
}

/** Event kinds. Positions are machine positions: steps (instructions retired plus exceptions) of all harts. */
export const enum EventKind {
  /** A turn of one hart: `steps` steps, in the order the turns ran (the chunk log). */
  Chunk = 1,
  /** From `position` on, mtime continues from `mtime` (the recording's clock was re-based to the host). */
  Clock = 2,
  /** Console input entered the machine. */
  Input = 3,
  /** The entropy device took these bytes. */
  Entropy = 4,
  /** The block device read these bytes at byte `offset` of the disk (device DMA into guest memory). */
  BlockRead = 5,
  /** A trap taken by a hart (for statistics, and to catch divergence early). */
  Trap = 6,
  /** A digest of every hart's architectural state, to catch divergence. */
  Digest = 7,
  /** The recording ended. */
  End = 8,
  /** A digest of all of RAM, now and then, to catch divergence in memory. */
  MemoryDigest = 9,
  /**
   * The turn that begins at `position` ran on a worker thread from the state committed `lag` steps
   * earlier (the parallel recorder); the turns committed meanwhile touched nothing it read. Until that
   * turn ends, mtime is read as at `position - lag` and beginning the turn samples time there too.
   */
  TimeLag = 10,
  /**
   * The parallel recorder's work for `hart` since its last such event: chunks discarded for
   * conflicts and the steps they had run (executed again). For `samsara info`; replay ignores it.
   */
  Conflicts = 11,
}

export type EndReason = 'poweroff' | 'reset' | 'stopped' | 'fatal' | 'limit';

export type Event =
  | { kind: EventKind.Chunk; hart: number; steps: number }
  | { kind: EventKind.Clock; position: number; mtime: number }
  | { kind: EventKind.Input; position: number; data: Uint8Array }
  | { kind: EventKind.Entropy; position: number; data: Uint8Array }
  | { kind: EventKind.BlockRead; position: number; offset: number; data: Uint8Array }
  | { kind: EventKind.Trap; position: number; hart: number; cause: number; interrupt: boolean }
  | { kind: EventKind.Digest; position: number; digest: number }
  | { kind: EventKind.MemoryDigest; position: number; digest: number }
  | { kind: EventKind.End; position: number; reason: EndReason; code: number; memoryDigest: number }
  | { kind: EventKind.TimeLag; position: number; lag: number }
  | { kind: EventKind.Conflicts; position: number; hart: number; discarded: number; reexecuted: number };

const END_REASONS: EndReason[] = ['poweroff', 'reset', 'stopped', 'fatal', 'limit'];

export function encodeEvent(w: ByteWriter, e: Event): void {
  w.u8(e.kind);
  switch (e.kind) {
    case EventKind.Chunk: w.u8(e.hart); w.varint(e.steps); break;
    case EventKind.Clock: w.varint(e.position); w.varint(e.mtime); break;
    case EventKind.Input: case EventKind.Entropy: w.varint(e.position); w.bytes(e.data); break;
    case EventKind.BlockRead: w.varint(e.position); w.varint(e.offset); w.bytes(e.data); break;
    case EventKind.Trap: w.varint(e.position); w.u8(e.hart); w.u8(e.cause); w.u8(e.interrupt ? 1 : 0); break;
    case EventKind.Digest: case EventKind.MemoryDigest: w.varint(e.position); w.u32(e.digest); break;
    case EventKind.End: w.varint(e.position); w.u8(END_REASONS.indexOf(e.reason)); w.varint(e.code); w.u32(e.memoryDigest); break;
    case EventKind.TimeLag: w.varint(e.position); w.varint(e.lag); break;
    case EventKind.Conflicts: w.varint(e.position); w.u8(e.hart); w.varint(e.discarded); w.varint(e.reexecuted); break;
  }
}

export function decodeEvent(r: ByteReader): Event {
  const at = r.pos;
  const kind = r.u8();
  switch (kind) {
    case EventKind.Chunk: return { kind, hart: r.u8(), steps: r.varint() };
    case EventKind.Clock: return { kind, position: r.varint(), mtime: r.varint() };
    case EventKind.Input: case EventKind.Entropy: return { kind, position: r.varint(), data: r.bytes() };
    case EventKind.BlockRead: return { kind, position: r.varint(), offset: r.varint(), data: r.bytes() };
    case EventKind.Trap: return { kind, position: r.varint(), hart: r.u8(), cause: r.u8(), interrupt: r.u8() !== 0 };
    case EventKind.Digest: case EventKind.MemoryDigest: return { kind, position: r.varint(), digest: r.u32() };
    case EventKind.End: {
      const position = r.varint();
      const n = r.u8();
      const reason = END_REASONS[n];
      if (!reason) throw new FormatError(`${r.what}, byte ${at}: the End event's reason is ${n}: must be 0 to ${END_REASONS.length - 1}`);
      return { kind, position, reason, code: r.varint(), memoryDigest: r.u32() };
    }
    case EventKind.TimeLag: return { kind, position: r.varint(), lag: r.varint() };
    case EventKind.Conflicts: return { kind, position: r.varint(), hart: r.u8(), discarded: r.varint(), reexecuted: r.varint() };
    default:
      throw new FormatError(`${r.what}, byte ${at}: unknown event kind ${kind}`);
  }
}

// --- Writing ---------------------------------------------------------------------------------------

export function encodeFileHeader(header: RecordingHeader): Uint8Array {
  return frameFileHeader(new TextEncoder().encode(JSON.stringify(header)));
}

/** The file header around header text as it is given (tests make hostile ones with it). */
export function frameFileHeader(json: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.raw(new TextEncoder().encode(MAGIC));
  w.u32(FORMAT_VERSION);
  w.u32(json.length);
  w.raw(json);
  w.u32(crc32(json));
  return w.take();
}

export function encodeBlock(kind: BlockKind, sequence: number, payload: Uint8Array): Uint8Array {
  return frameBlock(kind, sequence, deflateSync(payload, { level: 1 }), payload.length);
}

/**
 * A block around a stored (deflated) payload, with both checksums computed: `rawLength` is declared
 * as given (tests make blocks that lie with it).
 */
export function frameBlock(kind: number, sequence: number, stored: Uint8Array, rawLength: number): Uint8Array {
  const out = new Uint8Array(BLOCK_HEADER + stored.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, BLOCK_MAGIC, true);
  v.setUint8(4, kind);
  v.setUint32(5, sequence, true);
  v.setUint32(9, stored.length, true);
  v.setUint32(13, rawLength >>> 0, true);
  v.setUint32(17, crc32(out.subarray(0, 17)), true);
  v.setUint32(21, crc32(stored), true);
  out.set(stored, BLOCK_HEADER);
  return out;
}

// --- Reading ---------------------------------------------------------------------------------------

/** The raw (inflated) length an events block may declare: the recorder writes far less (a slice's events). */
export const MAX_EVENTS_BLOCK = 64 * 2 ** 20;
/** What a snapshot holds besides RAM pages (the machine's and devices' state as JSON), at most. */
const MAX_SNAPSHOT_STATE = 16 * 2 ** 20;
/** Stored bytes given to the inflater at a time: deflate expands at most ~1032 times, so ~16 MiB out. */
const INFLATE_STEP = 16 * 1024;

/** The raw length a block of `kind` may declare in a recording with this header. */
export function rawLengthLimit(kind: BlockKind, header: RecordingHeader): number {
  if (kind === BlockKind.Events) return MAX_EVENTS_BLOCK;
  // Every page of RAM, each with its page number (a varint of at most 8 bytes), and the state.
  const pages = header.machine.memSize / PAGE_SIZE;
  return pages * (PAGE_SIZE + 8) + MAX_SNAPSHOT_STATE;
}

/** A block as it is stored: its payload is inflated only when a reader reaches it (inflateBlock). */
export interface Block {
  readonly kind: BlockKind;
  readonly sequence: number;
  /** Byte offset of the block in the file. */
  readonly offset: number;
  /** The stored (deflated) payload, its checksum verified. */
  readonly stored: Uint8Array;
  /** The payload's length once inflated, as the block header declares it (checked against rawLengthLimit). */
  readonly rawLength: number;
}

export interface ParsedRecording {
  readonly version: number;
  readonly header: RecordingHeader;
  readonly blocks: readonly Block[];
  /** Set when the file ends inside a block: where the last complete block ends, and the file's size. */
  readonly truncated?: { readonly at: number; readonly size: number };
  /** With `untilDamage`: the damaged block the reading stopped at, and what is wrong with it. */
  readonly damaged?: { readonly block: number; readonly at: number; readonly message: string };
}

/**
 * Read a recording: check the file header's every field (validate.ts), then frame and verify the
 * blocks, without inflating any (what opening costs does not depend on the raw lengths declared).
 * Throws FormatError, naming the problem (and the block, for corruption), for anything but a clean
 * end or a cut-off final block. With `untilDamage` (for looking at a damaged file, never for
 * replaying it), a damaged block after the snapshot ends the blocks read instead, and `damaged`
 * says which and why.
 */
export function parseRecording(data: Uint8Array, name = 'recording', options: { untilDamage?: boolean } = {}): ParsedRecording {
  const magic = new TextEncoder().encode(MAGIC);
  if (data.length < magic.length || !magic.every((b, i) => data[i] === b)) {
    throw new FormatError(`${name}: not a Samsara Replay recording (bad magic)`);
  }
  const r = new ByteReader(data, name);
  r.pos = magic.length;
  if (data.length < magic.length + 8) throw new FormatError(`${name}: cut off inside the file header`);
  const version = r.u32();
  if (version !== FORMAT_VERSION) {
    throw new FormatError(`${name}: recording format version ${version}, but this samsara reads version ${FORMAT_VERSION}`);
  }
  const headerLength = r.u32();
  if (headerLength > MAX_HEADER_BYTES) throw new FormatError(`${name}: the file header is ${headerLength} bytes long: at most ${MAX_HEADER_BYTES} are allowed`);
  if (r.pos + headerLength + 4 > data.length) throw new FormatError(`${name}: cut off inside the file header`);
  const json = data.subarray(r.pos, r.pos + headerLength);
  r.pos += headerLength;
  if (r.u32() !== crc32(json)) throw new FormatError(`${name}: the file header is corrupt (checksum mismatch)`);
  const header = readHeader(json, name);

  const blocks: Block[] = [];
  let pos = r.pos;
  let truncated: ParsedRecording['truncated'];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let damaged: ParsedRecording['damaged'];
  while (pos < data.length) {
    const sequence = blocks.length;
    const where = `${name}: block ${sequence} at byte ${pos}`;
    try {
      if (pos + BLOCK_HEADER > data.length) { truncated = { at: pos, size: data.length }; break; }
      if (view.getUint32(pos, true) !== BLOCK_MAGIC) throw new FormatError(`${where} is corrupt (bad block magic)`);
      if (crc32(data.subarray(pos, pos + 17)) !== view.getUint32(pos + 17, true)) {
        throw new FormatError(`${where} is corrupt (header checksum mismatch)`);
      }
      const kind = view.getUint8(pos + 4);
      const storedLength = view.getUint32(pos + 9, true);
      const rawLength = view.getUint32(pos + 13, true);
      if (pos + BLOCK_HEADER + storedLength > data.length) { truncated = { at: pos, size: data.length }; break; }
      const stored = data.subarray(pos + BLOCK_HEADER, pos + BLOCK_HEADER + storedLength);
      if (crc32(stored) !== view.getUint32(pos + 21, true)) throw new FormatError(`${where} is corrupt (checksum mismatch)`);
      if (view.getUint32(pos + 5, true) !== sequence) {
        throw new FormatError(`${where} is out of order (it says ${view.getUint32(pos + 5, true)})`);
      }
      const expected = sequence === 0 ? BlockKind.Snapshot : BlockKind.Events;
      if (kind !== expected) {
        const known = kind === BlockKind.Snapshot || kind === BlockKind.Events;
        throw new FormatError(`${where} ${known ? `is a ${kind === BlockKind.Snapshot ? 'snapshot' : 'events'} block` : `has unknown kind ${kind}`}: ` +
          `the recording's ${sequence === 0 ? 'first block is its snapshot' : 'blocks after the first hold events'}`);
      }
      const limit = rawLengthLimit(kind, header);
      if (rawLength > limit) throw new FormatError(`${where} declares a raw length of ${rawLength} bytes: at most ${limit} are allowed`);
      blocks.push({ kind, sequence, offset: pos, stored, rawLength });
      pos += BLOCK_HEADER + storedLength;
    } catch (e) {
      if (!(e instanceof FormatError) || !options.untilDamage || blocks.length === 0) throw e;
      damaged = { block: sequence, at: pos, message: e.message };
      break;
    }
  }
  if (blocks.length === 0) {
    throw new FormatError(`${name}: no initial snapshot${truncated ? ' (the file is cut off before it)' : ''}`);
  }
  return { version, header, blocks, truncated, damaged };
}

/**
 * A block's payload, inflated as a stream: the output is checked as it grows and the inflation
 * stops as soon as it passes the declared raw length, so that a block never costs more memory than
 * it declares (and rawLengthLimit bounds that).
 */
export function inflateBlock(block: Block, name = 'recording'): Uint8Array {
  const where = `${name}: block ${block.sequence} at byte ${block.offset}`;
  const out = new Uint8Array(block.rawLength);
  let length = 0;
  const inflater = new Inflate((chunk) => {
    if (length + chunk.length > out.length) {
      throw new FormatError(`${where} is corrupt (it inflates to more than the ${block.rawLength} bytes it declares)`);
    }
    out.set(chunk, length);
    length += chunk.length;
  });
  const stored = block.stored;
  try {
    let at = 0;
    do {
      const end = Math.min(stored.length, at + INFLATE_STEP);
      inflater.push(stored.subarray(at, end), end === stored.length);
      at = end;
    } while (at < stored.length);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${where} is corrupt (cannot decompress)`);
  }
  if (length !== block.rawLength) throw new FormatError(`${where} is corrupt (it inflates to ${length} bytes, not the ${block.rawLength} it declares)`);
  return out;
}

export { encodeJson, decodeJson, FormatError };
