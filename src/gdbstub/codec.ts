// Framing of the gdb remote serial protocol, knowing nothing of any target (gdb manual, "Remote
// Protocol": "Overview", "Binary Data", "Run-length encoding", "Packet Acknowledgment", "Interrupts").
//
//   $packet-data#checksum   "the modulo 256 sum of all characters between the leading '$' and the
//                           trailing '#'", as two hex digits
//   + / -                   acknowledgments
//   0x03                    an interrupt (Ctrl-C), outside a packet
//
// Inside packet data, two encodings are undone here, in the order gdb's own reader (remote.c
// read_frame, then remote_unescape_input) undoes them:
//   1. run-length: 'x*c' stands for 'x' followed by (c - 29) more 'x' ("0* " is "0000");
//   2. escapes: '}' followed by a byte stands for that byte XOR 0x20.
// Both are applied to every packet: gdb escapes '$', '#', '}' and '*' in binary data and never
// sends them otherwise, so text packets pass through unchanged.

/** Largest packet data accepted, after decoding. A longer packet is reported as a malformed frame. */
export const MAX_PACKET_SIZE = 1 << 20;

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

export type Frame =
  | { kind: 'packet'; payload: Uint8Array; checksumOk: boolean }
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'interrupt' }
  /** A packet that cannot be delivered: too long, cut short, or with broken run-length or escapes. */
  | { kind: 'malformed'; reason: string };

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d; // '}'
const STAR = 0x2a;
const PLUS = 0x2b;
const MINUS = 0x2d;
const CTRL_C = 0x03;
/** Run-length counts are sent as n + 29. */
const RLE_BIAS = 29;
/** gdb accepts repeat counts 1..255 minus the bias (remote.c read_frame); we accept the same. */
const RLE_MAX_DECODE = 255 - RLE_BIAS;

const IDLE = 0;
const DATA = 1;
const CHECKSUM_1 = 2;
const CHECKSUM_2 = 3;

const INITIAL_CAPACITY = 256;
/** After a packet larger than this, the buffer goes back to its initial size. */
const KEEP_CAPACITY = 64 * 1024;

export class PacketDecoder {
  private state = IDLE;
  private buf = new Uint8Array(INITIAL_CAPACITY);
  private len = 0;
  private sum = 0;
  private checksumHigh = 0;
  /** The last byte received before run-length expansion, or -1 at the start of a packet. */
  private lastRaw = -1;
  private repeatPending = false;
  private escapePending = false;
  /** Why the packet being read cannot be delivered (its bytes are then no longer stored). */
  private error: string | undefined;
  private tooLong = false;

  constructor(private readonly maxPacketSize = MAX_PACKET_SIZE) {}

  /** Bytes of memory held for the packet being read: never more than the size limit. */
  get bufferCapacity(): number {
    return this.buf.length;
  }

  /** Feed bytes as they arrive; returns the frames they complete, in order. */
  push(data: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      switch (this.state) {
        case IDLE:
          if (b === DOLLAR) this.begin();
          else if (b === PLUS) frames.push({ kind: 'ack' });
          else if (b === MINUS) frames.push({ kind: 'nak' });
          else if (b === CTRL_C) frames.push({ kind: 'interrupt' });
          // Anything else between packets is noise and is dropped.
          break;
        case DATA:
          if (b === HASH) this.state = CHECKSUM_1;
          else if (b === DOLLAR) {
            frames.push({ kind: 'malformed', reason: "packet cut short by a new '$'" });
            this.begin();
          } else {
            this.sum = (this.sum + b) & 0xff;
            this.data(b);
          }
          break;
        case CHECKSUM_1:
        case CHECKSUM_2: {
          if (b === DOLLAR) {
            frames.push({ kind: 'malformed', reason: "checksum cut short by a new '$'" });
            this.begin();
            break;
          }
          const digit = hexDigit(b);
          if (this.state === CHECKSUM_1) {
            this.checksumHigh = digit;
            this.state = CHECKSUM_2;
            break;
          }
          const checksumOk = this.checksumHigh >= 0 && digit >= 0 && ((this.checksumHigh << 4) | digit) === this.sum;
          frames.push(this.finish(checksumOk));
          break;
        }
      }
    }
    return frames;
  }

  private begin(): void {
    this.state = DATA;
    if (this.buf.length > KEEP_CAPACITY) this.buf = new Uint8Array(INITIAL_CAPACITY);
    this.len = 0;
    this.sum = 0;
    this.lastRaw = -1;
    this.repeatPending = false;
    this.escapePending = false;
    this.error = undefined;
    this.tooLong = false;
  }

  private finish(checksumOk: boolean): Frame {
    this.state = IDLE;
    if (this.tooLong) return { kind: 'malformed', reason: `packet longer than ${this.maxPacketSize} bytes` };
    if (checksumOk) {
      if (this.repeatPending) this.error ??= "run-length '*' without a count";
      if (this.escapePending) this.error ??= "escape '}' at the end of the packet";
      if (this.error !== undefined) return { kind: 'malformed', reason: this.error };
    }
    // A bad checksum wins over a decoding error: the packet was damaged on the way and is to be
    // sent again (the payload is then only what could be decoded).
    return { kind: 'packet', payload: this.buf.slice(0, this.len), checksumOk };
  }

  /** Step 1: run-length expansion of the bytes as sent. */
  private data(b: number): void {
    if (this.error !== undefined) return;
    if (this.repeatPending) {
      this.repeatPending = false;
      const n = b - RLE_BIAS;
      if (n < 1 || n > RLE_MAX_DECODE) {
        this.error = `bad run-length count 0x${b.toString(16)}`;
        return;
      }
      for (let k = 0; k < n; k++) this.unescape(this.lastRaw);
    } else if (b === STAR) {
      if (this.lastRaw < 0) this.error = "run-length '*' with nothing to repeat";
      else this.repeatPending = true;
    } else {
      this.lastRaw = b;
      this.unescape(b);
    }
  }

  /** Step 2: '}' escapes. */
  private unescape(b: number): void {
    if (this.escapePending) {
      this.escapePending = false;
      this.store(b ^ 0x20);
    } else if (b === ESCAPE) {
      this.escapePending = true;
    } else {
      this.store(b);
    }
  }

  private store(b: number): void {
    if (this.len >= this.maxPacketSize) {
      this.error = 'too long';
      this.tooLong = true;
      return;
    }
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(Math.min(this.buf.length * 2, this.maxPacketSize));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }
}

export interface EncodeOptions {
  /** Run-length encode runs of four or more identical bytes (valid in replies to gdb). */
  rle?: boolean;
}

/**
 * Frame a payload: `$data#xx`, with '$', '#', '}' and '*' escaped, optionally run-length encoded.
 * gdb undoes escapes only in replies that carry binary data (qXfer, vFile, x); text replies (hex,
 * stop replies, OK) never contain those four characters, so escaping everything is safe.
 */
export function encodePacket(payload: Uint8Array | string, options: EncodeOptions = {}): Uint8Array {
  const data = typeof payload === 'string' ? latin1Bytes(payload) : payload;
  // Escape first: the wire form, over which run-length encoding and the checksum are computed.
  const escaped: number[] = [];
  for (const b of data) {
    if (b === DOLLAR || b === HASH || b === ESCAPE || b === STAR) escaped.push(ESCAPE, b ^ 0x20);
    else escaped.push(b);
  }
  const wire = options.rle ? runLengthEncode(escaped) : escaped;
  const out = new Uint8Array(wire.length + 4);
  out[0] = DOLLAR;
  let sum = 0;
  for (let i = 0; i < wire.length; i++) {
    out[i + 1] = wire[i];
    sum += wire[i];
  }
  out[wire.length + 1] = HASH;
  out[wire.length + 2] = HEX_DIGITS.charCodeAt((sum >> 4) & 0xf);
  out[wire.length + 3] = HEX_DIGITS.charCodeAt(sum & 0xf);
  return out;
}

/** Longest repeat written per '*': count char 126 ('~'), the last printable one. */
const RLE_MAX_ENCODE = 126 - RLE_BIAS;

/**
 * A count char must not be '#' or '$' (6 and 7 repeats; the manual: "can be expanded using a repeat
 * count of only five"), nor, to keep the wire form plain, '*' or '}'.
 */
function countAllowed(n: number): boolean {
  const c = n + RLE_BIAS;
  return c !== HASH && c !== DOLLAR && c !== STAR && c !== ESCAPE;
}

function runLengthEncode(wire: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < wire.length) {
    const b = wire[i];
    let run = 1;
    while (i + run < wire.length && wire[i + run] === b) run++;
    i += run;
    // Each group is the byte itself, then '*' and a count of 3 or more further copies.
    while (run > 0) {
      out.push(b);
      let more = run - 1;
      if (more < 3) {
        for (let k = 0; k < more; k++) out.push(b);
        break;
      }
      more = Math.min(more, RLE_MAX_ENCODE);
      while (!countAllowed(more)) more--;
      out.push(STAR, more + RLE_BIAS);
      run -= 1 + more;
    }
  }
  return out;
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new CodecError(`packet text has a character beyond one byte (U+${c.toString(16)})`);
    out[i] = c;
  }
  return out;
}

/** Bytes as text, one character per byte (latin1, without TextDecoder's windows-1252 mapping). */
export function bytesToLatin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192)));
  }
  return s;
}

const HEX_DIGITS = '0123456789abcdef';
const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 0xf]);

/** -1 if `c` is not a hex digit. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Lower-case hex, two digits per byte. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_HEX[b];
  return s;
}

/** Strict: throws a CodecError on an odd length or a character that is not a hex digit. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new CodecError(`odd-length hex (${text.length} digits)`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(text.charCodeAt(2 * i));
    const lo = hexDigit(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new CodecError(`bad hex digit at ${hi < 0 ? 2 * i : 2 * i + 1}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** A 64-bit register value as gdb sends it for a little-endian target: 16 hex digits, low byte first. */
export function u64ToHexLe(value: bigint): string {
  let v = BigInt.asUintN(64, value);
  let s = '';
  for (let i = 0; i < 8; i++) {
    s += BYTE_HEX[Number(v & 0xffn)];
    v >>= 8n;
  }
  return s;
}

/** Inverse of u64ToHexLe; strict: exactly 16 hex digits, or a CodecError. */
export function u64FromHexLe(text: string): bigint {
  if (text.length !== 16) throw new CodecError(`a 64-bit register is 16 hex digits, not ${text.length}`);
  const bytes = fromHex(text);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}
