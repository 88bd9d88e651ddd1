// The checks between a recording's bytes and the replayer: the file header's every field, and every
// event, for type and range against the header's own limits, before anything is allocated from them.
// A violation is a FormatError that names the file, where (the file header, or a block and the byte
// offset in it) and the field.

import { MAX_RAM, PAGE_SIZE } from '../emulator/bus';
import { DRAM_BASE, MAX_HARTS } from '../emulator/virt-map';
import { FormatError } from './codec';
import { Event, EventKind, RecordingHeader } from './format';

/** The RAM sizes a machine may have: what `samsara run --mem` accepts, and so what a recording may say. */
export const MIN_MEM_SIZE = 2 ** 20;
export const MAX_MEM_SIZE = MAX_RAM;

/** The file header's JSON: at most this many bytes, and objects and arrays nested at most this deep. */
export const MAX_HEADER_BYTES = 2 ** 20;
const MAX_HEADER_DEPTH = 16;
/** The header's strings (version, date, bootargs, the command) and image names. */
const MAX_STRING = 64 * 1024;
/** Images a recording names (kernel, firmware, initrd, drive: four today). */
const MAX_IMAGES = 16;
/** A disk image: 1 TiB. */
const MAX_DRIVE_SIZE = 2 ** 40;

/**
 * The steps of one chunk (a hart's turn). The recorder writes turns of at most the machine's
 * quantum (10,000 steps), or a parallel chunk's 40,000; 2^20 leaves a large margin, and a chunk that cannot be consistent
 * then costs a replay a fraction of a second, not hours, before the guest's state says so.
 */
export const MAX_CHUNK_STEPS = 2 ** 20;

/**
 * Device reads (entropy, block reads) in one turn. Each takes a descriptor the guest wrote to a
 * virtqueue; a turn of the recorder (at most 40,000 steps) makes a handful. The replayer holds a
 * turn's reads until it runs, so they are bounded in number and in bytes.
 */
export const MAX_TURN_READS = 65_536;
export const MAX_TURN_READ_BYTES = 64 * 2 ** 20;

/**
 * The traps one turn may take: an interrupt as it begins (Machine.beginTurn), then at most one per
 * step (an exception, or an interrupt the step enabled: the interpreter takes no more). So a
 * turn's Trap events number at most its steps + 1, and never more than this.
 */
const MAX_TURN_TRAPS = MAX_CHUNK_STEPS + 1;

/**
 * Trap events at one position. A step takes one trap, logged at its position, and the interrupt a
 * step enables is logged at the next position; a turn that begins there takes an interrupt too, so
 * three meet at most. The margin costs nothing: what matters is that their number is bounded.
 */
const MAX_TRAPS_AT_POSITION = 8;

/**
 * Device reads at one position: a step notifies one virtqueue, and the device takes at most the
 * queue's size of requests for a notification (VirtioBlock.notify: 256, the largest), each one
 * read. With a margin.
 */
const MAX_READS_AT_POSITION = 1024;

/**
 * The events logged between turns that a block may hold at one position: one clock re-base, one
 * console input (the recorder gathers the input taken there into one event), one digest of the
 * harts and one of memory, and one conflicts event a hart. Without these bounds a file of a few
 * megabytes could inflate to gigabytes of events that no step pays for; with them, every event a
 * reader decodes belongs to a step or a turn the recording claims, or to a block of its own.
 */
const onceAtPosition = (kind: EventKind): boolean =>
  kind === EventKind.Clock || kind === EventKind.Input || kind === EventKind.Digest || kind === EventKind.MemoryDigest;

/**
 * Parse the file header's JSON and check every field. The nesting depth is bounded on the bytes,
 * before JSON.parse, so that nothing later (a template string, JSON.stringify) recurses on input.
 */
export function readHeader(json: Uint8Array, name: string): RecordingHeader {
  const where = `${name}: the file header`;
  if (json.length > MAX_HEADER_BYTES) throw new FormatError(`${where} is ${json.length} bytes long: at most ${MAX_HEADER_BYTES} are allowed`);
  const depth = nestingDepth(json, MAX_HEADER_DEPTH);
  if (depth > MAX_HEADER_DEPTH) throw new FormatError(`${where} nests objects or arrays more than ${MAX_HEADER_DEPTH} deep`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw new FormatError(`${where} is not valid JSON`);
  }
  checkHeader(value, name);
  return value;
}

/** The deepest nesting of [ and { outside strings, counted up to `limit` + 1 (the scan stops there). */
function nestingDepth(json: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

type Fields = Record<string, unknown>;

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
};

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check a parsed header; throws FormatError naming the first field that is wrong. */
function checkHeader(h: unknown, name: string): asserts h is RecordingHeader {
  const bad = (field: string, value: unknown, must: string): never => {
    throw new FormatError(`${name}: the file header's ${field} is ${describe(value)}: must be ${must}`);
  };
  if (!isObject(h)) throw new FormatError(`${name}: the file header is ${describe(h)}: must be an object`);
  const string = (o: Fields, field: string, path: string, max = MAX_STRING): void => {
    const v = o[field];
    if (typeof v !== 'string' || v.length > max) bad(path, v, `a string of at most ${max} characters`);
  };
  const boolean = (o: Fields, field: string, path: string): void => {
    if (typeof o[field] !== 'boolean') bad(path, o[field], 'true or false');
  };
  const integer = (o: Fields, field: string, path: string, min: number, max: number, must = `an integer from ${min} to ${max}`): number => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, v, must);
    return v as number;
  };
  for (const f of ['samsara', 'created', 'bootargs', 'command']) string(h, f, f);

  const m = h.machine;
  if (!isObject(m)) bad('machine', m, 'an object');
  const machine = m as Fields;
  integer(machine, 'harts', 'machine.harts', 1, MAX_HARTS);
  const memSize = integer(machine, 'memSize', 'machine.memSize', MIN_MEM_SIZE, MAX_MEM_SIZE,
    `a multiple of ${PAGE_SIZE} from ${MIN_MEM_SIZE} (1 MiB) to ${MAX_MEM_SIZE} (2 GiB)`);
  if (memSize % PAGE_SIZE !== 0) bad('machine.memSize', memSize, `a multiple of ${PAGE_SIZE} from ${MIN_MEM_SIZE} (1 MiB) to ${MAX_MEM_SIZE} (2 GiB)`);
  boolean(machine, 'builtinSbi', 'machine.builtinSbi');
  boolean(machine, 'entropy', 'machine.entropy');
  if (machine.drive !== undefined) {
    if (!isObject(machine.drive)) bad('machine.drive', machine.drive, 'an object, or absent');
    const drive = machine.drive as Fields;
    integer(drive, 'size', 'machine.drive.size', 0, MAX_DRIVE_SIZE);
    boolean(drive, 'readOnly', 'machine.drive.readOnly');
  }
  if (machine.htif !== undefined) {
    if (!isObject(machine.htif)) bad('machine.htif', machine.htif, 'an object, or absent');
    // The 8-byte tohost word lies in RAM.
    integer(machine.htif as Fields, 'tohost', 'machine.htif.tohost', DRAM_BASE, DRAM_BASE + memSize - 8,
      `an address in RAM (0x${DRAM_BASE.toString(16)} to 0x${(DRAM_BASE + memSize - 8).toString(16)})`);
  }

  const images = h.images;
  if (!Array.isArray(images) || images.length > MAX_IMAGES) bad('images', images, `an array of at most ${MAX_IMAGES} images`);
  (images as unknown[]).forEach((image, i) => {
    const path = `images[${i}]`;
    if (!isObject(image)) bad(path, image, 'an object');
    const o = image as Fields;
    string(o, 'role', `${path}.role`, 64);
    string(o, 'name', `${path}.name`, 4096);
    if (typeof o.sha256 !== 'string' || !/^([0-9a-f]{64})?$/.test(o.sha256)) bad(`${path}.sha256`, o.sha256, '64 hexadecimal digits, or empty');
    integer(o, 'size', `${path}.size`, 0, Number.MAX_SAFE_INTEGER);
  });
}

/**
 * Checks the events of a recording in order, block after block: known kinds (decodeEvent), harts
 * within the header's, positions within 2^53 and never going back, every event inside the turn it
 * belongs to (a turn's events come before its chunk), each block starting where the one before ended,
 * block reads inside the drive, and nothing after the End event. A turn takes at least one step (the
 * recorder never writes an empty one: Machine.run gives a turn only to a hart that can run, and its
 * first step always counts) and at most one trap per step, besides an interrupt as it begins: so
 * the events are bounded by the steps they replay, whatever a block inflates to.
 */
export class EventChecker {
  /** The position the chunks so far reach. */
  position: number;
  /** The position of the last event that has one. */
  private last: number;
  private blockName = '';
  /** A TimeLag event waits for its turn's chunk. */
  private lagged = false;
  /** The Trap events since the last chunk: the next turn's. */
  private turnTraps = 0;
  /** The device reads (entropy, block reads) since the last chunk, and their bytes: the next turn's. */
  private turnReads = 0;
  private turnReadBytes = 0;
  /** What the block holds at position `countedAt`: events logged once there, traps, reads, and harts with a conflicts event. */
  private countedAt = -1;
  private onceHere = 0; // a bit for each kind logged once at a position (onceAtPosition) seen
  private trapsHere = 0;
  private readsHere = 0;
  private conflictsHere = 0;
  /** The block's start, and whether it holds console input or the End (what a block that takes no step must hold). */
  private blockStart = 0;
  private blockHasInput = false;
  ended = false;

  constructor(private readonly header: RecordingHeader, private readonly name: string, start: number) {
    this.position = this.last = start;
  }

  /** A new events block, of number `sequence`, whose payload says it starts at `start`. */
  beginBlock(sequence: number, start: number): void {
    this.blockName = `${this.name}: block ${sequence}`;
    if (this.ended) throw new FormatError(`${this.blockName} comes after the recording's End event`);
    if (start !== this.position) throw new FormatError(`${this.blockName} starts at position ${start}, but the blocks before it end at position ${this.position}`);
    this.blockStart = start;
    this.blockHasInput = false;
    this.countedAt = -1;
  }

  /** One event, read at byte `offset` of the block's payload. */
  check(e: Event, offset: number): void {
    const bad = (field: string, value: number | string, must: string): never => {
      throw new FormatError(`${this.blockName}, byte ${offset}: the ${kindName(e)} event's ${field} is ${value}: must be ${must}`);
    };
    const misplaced = (why: string): never => {
      const name = kindName(e);
      throw new FormatError(`${this.blockName}, byte ${offset}: ${/^[aeiouE]/.test(name) ? 'an' : 'a'} ${name} event, but ${why}`);
    };
    if (this.ended) misplaced('it comes after the End event');
    const harts = this.header.machine.harts;
    if (e.kind === EventKind.Chunk) {
      if (e.hart >= harts) bad('hart', e.hart, `below ${harts} (the header's machine.harts)`);
      if (e.steps > MAX_CHUNK_STEPS) bad('steps', e.steps, `at most ${MAX_CHUNK_STEPS}`);
      if (e.steps === 0) bad('steps', 0, 'at least 1: a turn takes a step (the recorder writes no empty turn)');
      if (this.last > this.position + e.steps) bad('steps', e.steps, `at least ${this.last - this.position}: the events before it at position ${this.last} lie in this turn`);
      if (this.turnTraps > e.steps + 1) bad('steps', e.steps, `at least ${this.turnTraps - 1}: the turn took ${this.turnTraps} traps, at most one per step and one as it began`);
      this.turnTraps = this.turnReads = this.turnReadBytes = 0;
      this.position += e.steps;
      if (this.position > Number.MAX_SAFE_INTEGER) bad('steps', e.steps, 'such that positions stay below 2^53');
      this.lagged = false;
      return;
    }
    const floor = Math.max(this.last, this.position);
    if (e.position > Number.MAX_SAFE_INTEGER) bad('position', e.position, 'below 2^53');
    if (e.position < floor) bad('position', e.position, `at least ${floor}: positions never go back`);
    this.last = e.position;
    if (e.position !== this.countedAt) {
      this.countedAt = e.position;
      this.onceHere = this.trapsHere = this.readsHere = this.conflictsHere = 0;
    }
    if (onceAtPosition(e.kind)) {
      const bit = 1 << e.kind;
      if ((this.onceHere & bit) !== 0) misplaced(`the block has one at position ${e.position} already: the recorder logs one at most`);
      this.onceHere |= bit;
    }
    switch (e.kind) {
      case EventKind.Input:
        this.blockHasInput = true;
        break;
      case EventKind.Trap:
        if (e.hart >= harts) bad('hart', e.hart, `below ${harts} (the header's machine.harts)`);
        if (++this.trapsHere > MAX_TRAPS_AT_POSITION) misplaced(`${MAX_TRAPS_AT_POSITION} traps are at position ${e.position} already: steps there take three at most`);
        if (++this.turnTraps > MAX_TURN_TRAPS) misplaced(`its turn has taken ${MAX_TURN_TRAPS} traps already: a turn of at most ${MAX_CHUNK_STEPS} steps takes at most one per step and one as it begins`);
        break;
      case EventKind.Entropy:
        if (!this.header.machine.entropy) misplaced('the header\'s machine has no entropy device');
        this.deviceRead(e.data.length, misplaced);
        break;
      case EventKind.BlockRead: {
        this.deviceRead(e.data.length, misplaced);
        const drive = this.header.machine.drive;
        if (!drive) misplaced('the header\'s machine has no drive');
        else if (e.offset + e.data.length > drive.size) bad('offset', e.offset, `such that its ${e.data.length} bytes lie inside the drive's ${drive.size}`);
        break;
      }
      case EventKind.End:
        if (e.position !== this.position) bad('position', e.position, `${this.position}, where the chunks end`);
        if (this.lagged) misplaced('the time lag before it has no turn');
        this.ended = true;
        break;
      case EventKind.TimeLag:
        // It belongs to the turn that begins here, and comes before that turn's chunk.
        if (e.position !== this.position) bad('position', e.position, `${this.position}, where the next turn begins`);
        if (this.lagged) misplaced('the turn already has one');
        if (e.position === 0) misplaced('no turn at position 0 can run behind its place');
        if (e.lag < 1 || e.lag > e.position) bad('lag', e.lag, `from 1 to its position, ${e.position}`);
        this.lagged = true;
        break;
      case EventKind.Conflicts:
        if (e.hart >= harts) bad('hart', e.hart, `below ${harts} (the header's machine.harts)`);
        if (this.conflictsHere & (1 << e.hart)) misplaced(`the block has one for hart ${e.hart} at position ${e.position} already: the recorder logs one at most`);
        this.conflictsHere |= 1 << e.hart;
        if (e.reexecuted > e.discarded * MAX_CHUNK_STEPS) bad('reexecuted', e.reexecuted, `at most ${MAX_CHUNK_STEPS} steps for each of its ${e.discarded} discarded chunks`);
        break;
      default:
        break;
    }
  }

  /**
   * A device read of the turn to come: the replayer holds them until the turn takes them, so a turn
   * may have at most MAX_TURN_READS of them, of at most MAX_TURN_READ_BYTES in all.
   */
  private deviceRead(bytes: number, misplaced: (why: string) => never): void {
    if (bytes === 0) misplaced('it carries no bytes: the recorder logs no empty read');
    if (++this.readsHere > MAX_READS_AT_POSITION) misplaced(`${MAX_READS_AT_POSITION} device reads are at position ${this.countedAt} already: more than a step can make`);
    if (++this.turnReads > MAX_TURN_READS) misplaced(`its turn has made ${MAX_TURN_READS} device reads already (entropy and block reads): more than a turn can make`);
    this.turnReadBytes += bytes;
    if (this.turnReadBytes > MAX_TURN_READ_BYTES) misplaced(`its turn's device reads carry more than ${MAX_TURN_READ_BYTES} bytes`);
  }

  /** The block's events are all read: none lies beyond the turns it holds. */
  endBlock(): void {
    if (this.lagged) throw new FormatError(`${this.blockName}: a time lag at position ${this.position} has no turn in the block`);
    if (this.last > this.position) throw new FormatError(`${this.blockName}: an event at position ${this.last} lies beyond the block's last turn (it ends at position ${this.position})`);
    // The recorder writes a block for a slice that ran no turn only when console input came in it
    // (an idle slice's clock re-base waits for the next block), or to end the recording.
    if (this.position === this.blockStart && !this.blockHasInput && !this.ended) {
      throw new FormatError(`${this.blockName}: the block runs no turn and carries no console input: the recorder writes no such block`);
    }
  }
}

const KIND_NAMES = ['', 'chunk', 'clock', 'input', 'entropy', 'block read', 'trap', 'digest', 'End', 'memory digest', 'time lag', 'conflicts'];
const kindName = (e: Event): string => KIND_NAMES[e.kind] ?? `kind ${e.kind}`;
