// The recording format's building blocks: varints, CRC-32, exact JSON, event records and blocks.

import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, crc32, decodeJson, encodeJson } from '../../src/rr/codec';
import { decodeEvent, encodeEvent, Event, EventKind } from '../../src/rr/format';

describe('codec', () => {
  it('varints round-trip from 0 to 2^53 - 1', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];
    const w = new ByteWriter();
    values.forEach((v) => w.varint(v));
    const r = new ByteReader(w.take(), 'test');
    expect(values.map(() => r.varint())).toEqual(values);
    expect(r.done).toBe(true);
  });

  it('a reader past the end throws a FormatError naming the place', () => {
    const r = new ByteReader(new Uint8Array([0x80, 0x80]), 'block 7');
    expect(() => r.varint()).toThrow(/block 7: unexpected end of data at byte 2/);
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('JSON keeps bigints, infinities, NaN and typed arrays exact', () => {
    const value = { a: 2n ** 64n - 1n, b: -5n, t: [Infinity, -Infinity, NaN, 1.5], i: new Int32Array([-1, 2, 0x7fffffff]), u: new Uint8Array([0, 255]) };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back.a).toBe(value.a);
    expect(back.b).toBe(value.b);
    expect(back.t).toEqual([Infinity, -Infinity, NaN, 1.5]);
    expect(Array.from(back.i)).toEqual([-1, 2, 0x7fffffff]);
    expect(Array.from(back.u)).toEqual([0, 255]);
  });

  it('every event kind round-trips', () => {
    const events: Event[] = [
      { kind: EventKind.Chunk, hart: 3, steps: 1000 },
      { kind: EventKind.Clock, position: 123456789, mtime: 987654321 },
      { kind: EventKind.Input, position: 5, data: new Uint8Array([104, 105, 10]) },
      { kind: EventKind.Entropy, position: 6, data: new Uint8Array(16).fill(9) },
      { kind: EventKind.BlockRead, position: 7, offset: 512 * 3, data: new Uint8Array(512).fill(1) },
      { kind: EventKind.Trap, position: 8, hart: 1, cause: 13, interrupt: false },
      { kind: EventKind.Trap, position: 9, hart: 0, cause: 5, interrupt: true },
      { kind: EventKind.Digest, position: 10, digest: 0xdeadbeef },
      { kind: EventKind.End, position: 11, reason: 'poweroff', code: 3, memoryDigest: 0x12345678 },
    ];
    const w = new ByteWriter();
    events.forEach((e) => encodeEvent(w, e));
    const r = new ByteReader(w.take(), 'events');
    const back = events.map(() => decodeEvent(r));
    expect(back).toEqual(events);
  });

  it('an unknown event kind is a FormatError', () => {
    expect(() => decodeEvent(new ByteReader(new Uint8Array([99]), 'x'))).toThrow(/unknown event kind 99/);
  });
});
