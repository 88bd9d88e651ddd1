// A bounds-checked little-endian reader over one DWARF section (DWARF 5, section 7: "Data
// Representation"). Every read past the end throws a DwarfError that names the section and offset,
// so a cut-off or corrupt section is reported, never read as zeros.

/** An offset or address as DWARF tools print it in messages: 0x1a3. */
export const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

export class DwarfError extends Error {
  override readonly name = 'DwarfError';
}

/** 2^53: offsets and lengths above this cannot be numbers, and no real section is that large. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class Reader {
  /** Made on the first multi-byte read: most readers (an entry, a string) only read bytes and LEB128s. */
  private dataView?: DataView;

  /**
   * @param bytes  the whole section
   * @param section  its name, for error messages
   * @param offset  where reading starts
   * @param end  where reading must stop (default: the end of the section)
   */
  constructor(readonly bytes: Uint8Array, readonly section: string, public offset = 0, readonly end = bytes.length) {
    if (end > bytes.length || offset > end) throw this.error(`range ${offset}..${end} outside the section (${bytes.length} bytes)`);
  }

  private get view(): DataView {
    return (this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }

  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  error(message: string, at = this.offset): DwarfError {
    return new DwarfError(`${this.section}+0x${at.toString(16)}: ${message}`);
  }

  /** A reader of the next `length` bytes, which this reader skips. */
  sub(length: number): Reader {
    this.need(length);
    const r = new Reader(this.bytes, this.section, this.offset, this.offset + length);
    this.offset += length;
    return r;
  }

  /** A reader over [offset, end) of the same section. */
  at(offset: number, end = this.bytes.length): Reader {
    return new Reader(this.bytes, this.section, offset, end);
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) throw this.error(`unexpected end of data (need ${n} bytes, ${this.end - this.offset} left)`);
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }

  s8(): number {
    this.need(1);
    return this.view.getInt8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u24(): number {
    return this.u16() | (this.u8() << 16);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** An unsigned value of 1, 2, 4 or 8 bytes. */
  unsigned(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.u8());
      case 2: return BigInt(this.u16());
      case 4: return BigInt(this.u32());
      case 8: return this.u64();
      default: throw this.error(`unsupported value size ${size}`);
    }
  }

  /** A target address of `size` bytes (4 or 8). */
  address(size: number): bigint {
    return this.unsigned(size);
  }

  /** A 4- or 8-byte offset (32- or 64-bit DWARF), as a number. */
  sectionOffset(is64: boolean): number {
    return is64 ? this.safe(this.u64()) : this.u32();
  }

  safe(v: bigint, at = this.offset): number {
    if (v > MAX_SAFE) throw this.error(`value 0x${v.toString(16)} too large`, at);
    return Number(v);
  }

  /** Unsigned LEB128 as a bigint (section 7.6). */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
      if (shift > 70n) throw this.error('LEB128 longer than 10 bytes');
    }
  }

  /** Signed LEB128 as a bigint. */
  slebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) throw this.error('LEB128 longer than 10 bytes');
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  /** Unsigned LEB128 as a number (the fast path: up to 4 bytes without BigInt). */
  uleb(): number {
    const start = this.offset;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
    this.offset = start;
    return this.safe(this.ulebBig(), start);
  }

  /** Signed LEB128 as a number. */
  sleb(): number {
    const start = this.offset;
    const v = this.slebBig();
    if (v > MAX_SAFE || v < -MAX_SAFE) throw this.error(`value ${v} too large`, start);
    return Number(v);
  }

  /** A NUL-terminated string (UTF-8). */
  cstring(): string {
    const start = this.offset;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) throw this.error('string without its terminating NUL');
    this.offset = nul + 1;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, nul - start).toString('utf8');
  }

  block(length: number): Uint8Array {
    this.need(length);
    const b = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return b;
  }

  /**
   * An initial length field (section 7.4): 0xffffffff then a 64-bit length selects the 64-bit
   * format; 0xfffffff0-0xfffffffe are reserved.
   */
  initialLength(): { length: number; is64: boolean } {
    const v = this.u32();
    if (v === 0xffffffff) return { length: this.safe(this.u64()), is64: true };
    if (v >= 0xfffffff0) throw this.error(`reserved initial length 0x${v.toString(16)}`, this.offset - 4);
    return { length: v, is64: false };
  }
}

/** The string at `offset` of a string section (.debug_str, .debug_line_str). */
export function stringAt(section: Uint8Array, name: string, offset: number): string {
  if (offset >= section.length) throw new DwarfError(`${name}: string offset 0x${offset.toString(16)} outside the section (${section.length} bytes)`);
  const nul = section.indexOf(0, offset);
  if (nul < 0) throw new DwarfError(`${name}+0x${offset.toString(16)}: string without its terminating NUL`);
  return Buffer.from(section.buffer, section.byteOffset + offset, nul - offset).toString('utf8');
}
