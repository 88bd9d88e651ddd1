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

type Fields = Record<string, number | bigint | boolean>;

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
    const f = h as unknown as Fields;
    for (let i = 0; i < NUMBERS.length; i++) this.numbers[i] = Number(f[NUMBERS[i]]);
    for (let i = 0; i < BIGS.length; i++) this.bigs[i] = f[BIGS[i]] as bigint;
    const w = this.words;
    w.set(h.x, 0);
    w.set(h.f, 66);
    w.set(h.pmpcfg, 130);
    w.set(h.pmpaddr, 162);
  }

  /** Put the image into hart h (its TLBs emptied, as Hart.restore does). */
  load(h: Hart): void {
    const f = h as unknown as Fields;
    for (let i = 0; i < NUMBERS.length; i++) {
      const k = NUMBERS[i];
      f[k] = BOOL.has(k) ? this.numbers[i] !== 0 : this.numbers[i];
    }
    for (let i = 0; i < BIGS.length; i++) f[BIGS[i]] = this.bigs[i];
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
