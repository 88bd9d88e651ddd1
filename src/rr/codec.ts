// Byte-level building blocks of the recording format: a growable byte writer and a bounds-checked
// reader with LEB128 varints, CRC-32, and a JSON encoding that keeps bigints and typed arrays exact.

export class FormatError extends Error {
  override name = 'FormatError';
}

export class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.room(4);
    const b = this.buf;
    b[this.length++] = v;
    b[this.length++] = v >>> 8;
    b[this.length++] = v >>> 16;
    b[this.length++] = v >>> 24;
  }

  /** An unsigned integer below 2^53, as unsigned LEB128. */
  varint(v: number): void {
    if (!(v >= 0 && Number.isSafeInteger(v))) throw new RangeError(`varint out of range: ${v}`);
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.raw(data);
  }

  raw(data: Uint8Array): void {
    this.room(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** The bytes written so far (a copy), and reset. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

export class ByteReader {
  pos = 0;
  /** `what` names the data in errors ("rec: block 3"). */
  constructor(private readonly buf: Uint8Array, readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new FormatError(`${this.what}: unexpected end of data at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const v = (b[this.pos] | (b[this.pos + 1] << 8) | (b[this.pos + 2] << 16) | (b[this.pos + 3] << 24)) >>> 0;
    this.pos += 4;
    return v;
  }

  /** An unsigned LEB128 of at most 8 bytes, below 2^53 (what ByteWriter.varint writes). */
  varint(): number {
    const at = this.pos;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (v > Number.MAX_SAFE_INTEGER) throw new FormatError(`${this.what}, byte ${at}: a number of 2^53 or more`);
        return v;
      }
      scale *= 0x80;
    }
    throw new FormatError(`${this.what}, byte ${at}: a number (varint) longer than 8 bytes`);
  }

  bytes(): Uint8Array {
    const n = this.varint();
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), continuing from `crc` over `data`. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** JSON that keeps bigints, non-finite numbers, Int32Array and Uint8Array exact. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === 'bigint') return { $big: raw.toString() };
    if (typeof raw === 'number' && !Number.isFinite(raw)) return { $num: String(raw) };
    if (raw instanceof Int32Array) return { $i32: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (raw instanceof Uint8Array) return { $u8: Buffer.from(raw).toString('base64') };
    return v;
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof v.$big === 'string') return BigInt(v.$big);
      if (typeof v.$num === 'string') return Number(v.$num);
      if (typeof v.$i32 === 'string') {
        const b = Buffer.from(v.$i32, 'base64');
        return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      }
      if (typeof v.$u8 === 'string') return new Uint8Array(Buffer.from(v.$u8, 'base64'));
    }
    return v;
  });
}
