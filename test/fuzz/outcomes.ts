// What a fuzz case may end in, and the one-line summary of one that ended otherwise.

import { recordedStatus } from '../../src/cli/replay';
import { EndReason } from '../../src/rr/format';

/** What one run of `samsara CMD` gave: its exit code and output, or the exception that escaped main(). */
export interface CommandRun {
  code?: number;
  out?: string;
  err?: string;
  threw?: string;
  ms?: number;
}

export type Outcome =
  /** Allowed: */
  | 'end' | 'prefix' | 'diverged' | 'error' | 'ok'
  /** Failures: */
  | 'stack' | 'not-one-line' | 'wrong-exit' | 'unexpected' | 'hang' | 'died' | 'rss';

export const FAILURES: ReadonlySet<Outcome> = new Set(['stack', 'not-one-line', 'wrong-exit', 'unexpected', 'hang', 'died', 'rss']);

const lines = (text = ''): string[] => text.split('\n').filter((l) => l !== '');

/** A stack frame anywhere in stderr means a stack trace reached the user. */
const looksLikeStack = (text: string): boolean => /^\s+at |node:internal/m.test(text);

/**
 * `samsara replay --quiet FILE`: a replay to the end with the exit status its End event gives, a
 * prefix with the cut-off message (exit 0), a divergence (exit 3) or an error (exit 2), each in one
 * line on stderr.
 */
export function replayOutcome(r: CommandRun): Outcome {
  if (r.threw) return 'stack';
  const err = lines(r.err);
  if (err.length !== 1 || looksLikeStack(r.err ?? '')) return 'not-one-line';
  const line = err[0];
  if (!line.startsWith('samsara replay: ')) return 'unexpected';
  const end = /^samsara replay: replayed \d+ steps(?: \(positions \d+\.\.\d+\))? to the end \((\w+)(?:, code (\d+))?\)$/.exec(line);
  if (end) return r.code === recordedStatus(end[1] as EndReason, Number(end[2] ?? 0)) ? 'end' : 'wrong-exit';
  if (/ is cut off.*; replayed up to position \d+$/.test(line)) return r.code === 0 ? 'prefix' : 'wrong-exit';
  if (/replay diverged at /.test(line)) return r.code === 3 ? 'diverged' : 'wrong-exit';
  return r.code === 2 ? 'error' : 'wrong-exit';
}

/** `samsara info FILE`: exit 0 with nothing on stderr, or exit 2 with one line (after what could be read). */
export function infoOutcome(r: CommandRun): Outcome {
  if (r.threw) return 'stack';
  const err = lines(r.err);
  if (r.code === 0) return err.length === 0 ? 'ok' : 'unexpected';
  if (err.length !== 1 || looksLikeStack(r.err ?? '')) return 'not-one-line';
  if (!err[0].startsWith('samsara info: ')) return 'unexpected';
  return r.code === 2 ? 'error' : 'wrong-exit';
}

/**
 * A failure's signature, the same for every case that hits the same bug: the outcome and the first
 * line of the exception or of stderr with numbers and quoted values blanked.
 */
export function signature(command: string, outcome: Outcome, r: CommandRun | undefined, detail = ''): string {
  // From a stack trace printed by node, the exception's own line (the first is where it was thrown).
  const thrown = lines(r?.err).find((l) => /^[A-Z]\w*(Error|Exception)\b/.test(l));
  const text = r?.threw ?? thrown ?? lines(r?.err)[0] ?? detail;
  const general = text
    .replace(/\(\/[^)]*\/out\//g, '(out/').replace(/:\d+:\d+\)/g, ')')
    .replace(/'[^']*'|"[^"]*"/g, 'Q').replace(/\/\S+\.rec/g, 'FILE').replace(/0x[0-9a-f]+|\d+/gi, 'N');
  return `${command} ${outcome}: ${general.slice(0, 240)}`;
}
