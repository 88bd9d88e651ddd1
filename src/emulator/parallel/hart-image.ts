// A hart's architectural state as a flat image in shared memory (the same fields as Hart.snapshot),
// so that the parallel engine and a worker hand a hart over without a message to serialize: a
// chunk's order carries the hart as committed, and its result the hart as its turn began and as it
// ended.

import { Hart, HART_SCALARS } from '../hart/hart';

/** The scalars that are bigints (cold: counter offsets), and those that are booleans. */
const BIG = new Set(['instretOffset', 'cycleOffset']);
const BOOL = new Set(['wfi', 'stopped']);
const NUMBERS = HART_SCALARS.filter((k) => !BIG.has(k));
const BIGS = HART_SCALARS.filter((k) => BIG.has(k));
/** Int32 words: x (66), f (64), pmpcfg (32), pmpaddr (128). */
const WORDS = 66 + 64 + 32 + 128;

/** Bytes an image takes, a multiple of 8. */
export const HART_IMAGE_BYTES = 8 * NUMBERS.length + 8 * BIGS.length + 4 * WORDS + 8;

// The scalars are copied by functions made once from the field names (our own identifiers, never
// input), so that each copy is a run of monomorphic property accesses: a loop over the names with
// keyed accesses cost about 5 us an image, which the engine pays five times a chunk.
const checkName = (k: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`hart-image: ${k} is not a field name`);
  return k;
};
const saveScalars = new Function('h', 'n', 'b', [
  ...NUMBERS.map((k, i) => `n[${i}] = +h.${checkName(k)};`),
  ...BIGS.map((k, i) => `b[${i}] = h.${checkName(k)};`),
].join('\n')) as (h: Hart, n: Float64Array, b: BigInt64Array) => void;
const loadScalars = new Function('h', 'n', 'b', [
  ...NUMBERS.map((k, i) => (BOOL.has(k) ? `h.${checkName(k)} = n[${i}] !== 0;` : `h.${checkName(k)} = n[${i}];`)),
  ...BIGS.map((k, i) => `h.${checkName(k)} = b[${i}];`),
].join('\n')) as (h: Hart, n: Float64Array, b: BigInt64Array) => void;

export class HartImage {
  private readonly numbers: Float64Array;
  private readonly bigs: BigInt64Array;
  private readonly words: Int32Array;

  /** The image at `byteOffset` (a multiple of 8) of `buffer`. */
  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.numbers = new Float64Array(buffer, byteOffset, NUMBERS.length);
    this.bigs = new BigInt64Array(buffer, byteOffset + 8 * NUMBERS.length, BIGS.length);
    this.words = new Int32Array(buffer, byteOffset + 8 * (NUMBERS.length + BIGS.length), WORDS);
  }

  save(h: Hart): void {
    saveScalars(h, this.numbers, this.bigs);
    const w = this.words;
    w.set(h.x, 0);
    w.set(h.f, 66);
    w.set(h.pmpcfg, 130);
    w.set(h.pmpaddr, 162);
  }

  /** Put the image into hart h (its TLBs emptied, as Hart.restore does). */
  load(h: Hart): void {
    loadScalars(h, this.numbers, this.bigs);
    const w = this.words;
    h.x.set(w.subarray(0, 66));
    h.f.set(w.subarray(66, 130));
    h.pmpcfg.set(w.subarray(130, 162));
    h.pmpaddr.set(w.subarray(162, 290));
    h.flushTlb();
  }

  /** Whether two images hold the same state. */
  equals(o: HartImage): boolean {
    for (let i = 0; i < this.numbers.length; i++) if (this.numbers[i] !== o.numbers[i]) return false;
    for (let i = 0; i < this.bigs.length; i++) if (this.bigs[i] !== o.bigs[i]) return false;
    for (let i = 0; i < WORDS; i++) if (this.words[i] !== o.words[i]) return false;
    return true;
  }
}
