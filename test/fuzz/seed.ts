// The fuzz suites' randomness: one seed per run, printed, and settable with SAMSARA_FUZZ_SEED to
// replay a run; every case draws from its own generator made from (seed, case number), so that
// SAMSARA_FUZZ_CASE=N makes case N alone, exactly as the run that reported it made it.

/** mulberry32: a small seeded generator of 32-bit values. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Random choices for one case. */
export class Dice {
  private readonly next: () => number;
  constructor(seed: number, caseNumber: number) {
    this.next = rng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(caseNumber + 1, 0xc2b2ae35));
  }

  u32(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** The seed when none is given: CI and `npm test` run the same cases every time (main stays green). */
const DEFAULT_SEED = 12;

/**
 * The run's seed: SAMSARA_FUZZ_SEED (an integer, or `random` for a new one, printed by the suite so
 * that the run can be replayed), else DEFAULT_SEED.
 */
export function runSeed(): number {
  const given = process.env.SAMSARA_FUZZ_SEED;
  if (given === undefined || given === '') return DEFAULT_SEED;
  if (given !== 'random') {
    const n = Number(given);
    if (!Number.isInteger(n)) throw new Error(`SAMSARA_FUZZ_SEED=${given}: an integer expected`);
    return n >>> 0;
  }
  return (Math.random() * 2 ** 32) >>> 0;
}

/** SAMSARA_FUZZ_CASE: the one case to run (to reproduce it), if set. */
export function onlyCase(): number | undefined {
  const given = process.env.SAMSARA_FUZZ_CASE;
  return given === undefined || given === '' ? undefined : Number(given);
}
