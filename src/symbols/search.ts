// Binary search over sorted tables (symbols, line rows, sequences).

/**
 * The last index in [lo, hi] at which `holds` is true, for a predicate that is true up to some
 * index and false after it (such as "starts at or below the address"); lo - 1 if it holds nowhere.
 */
export function lastWhere(lo: number, hi: number, holds: (i: number) => boolean): number {
  let found = lo - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(mid)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
