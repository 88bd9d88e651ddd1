// Test helpers: building DWARF expressions byte by byte (DWARF 5, 7.6 LEB128; 7.7.1 operations).

export function uleb(v: number | bigint): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

export function sleb(v: number | bigint): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** `size` bytes little-endian. */
export function le(v: number | bigint, size: number): number[] {
  const x = BigInt.asUintN(size * 8, BigInt(v));
  return Array.from({ length: size }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));
}

/** An expression from operations given as byte arrays (or single opcodes). */
export function expr(...ops: Array<number | number[]>): Uint8Array {
  return Uint8Array.from(ops.flatMap((o) => (typeof o === 'number' ? [o] : o)));
}

/** A seeded pseudo-random generator (mulberry32), for reproducible fuzzing. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
