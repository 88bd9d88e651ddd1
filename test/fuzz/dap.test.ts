// A seeded, time-bounded fuzz of the real `samsara dap` over stdio (issue 12): random bytes and
// structure-aware streams (headers with random lengths and values, split packets, random JSON bodies
// with random commands, Object.prototype names among them, and random arguments). After each case
// a filler longer than any declared body, then a probe request: it must be answered (the adapter
// never goes silent), the process must not die before the end of its input, nothing may carry a
// stack trace, and the peak RSS stays under 512 MB. SAMSARA_FUZZ_SEED and SAMSARA_FUZZ_MS
// reproduce or lengthen a run; a failure names the seed and the case and saves the input.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DapClient } from '../debug-adapter/client';
import { rng, runSeed } from './seed';

const SEED = runSeed();
const BUDGET_MS = Number(process.env.SAMSARA_FUZZ_MS ?? 15_000);
/** Declared lengths of structure-aware headers stay under this; the filler after each case is longer. */
const MAX_DECLARED = 8192;

/** Values in [0, 1) from the fuzz suites' seeded generator. */
function generator(seed: number): () => number {
  const next = rng(seed);
  return () => next() / 2 ** 32;
}

const COMMANDS = [
  'initialize', 'launch', 'configurationDone', 'setBreakpoints', 'setFunctionBreakpoints', 'setInstructionBreakpoints',
  'setExceptionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints', 'threads', 'stackTrace', 'scopes', 'variables',
  'evaluate', 'readMemory', 'disassemble', 'continue', 'reverseContinue', 'next', 'stepIn', 'stepBack', 'stepOut',
  'samsara/reverseStepOut', 'samsara/seek', 'samsara/position', 'samsara/timeline', 'pause', 'setVariable',
  'setExpression', 'writeMemory', 'terminate', 'restart', 'attach', 'goto', 'source',
  // Object.prototype's names (issue 12, item 8).
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', '',
  // `disconnect` is left out: it ends the session, as it should.
];

function fuzzer(random: () => number) {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0: return null;
      case 1: return random() < 0.5;
      case 2: return pick([0, -1, 1, 2 ** 31, 2 ** 53 + 1, 1e308, -0, 0.5, 4096]);
      case 3: return pick(['', 'x', '0x80000000', '/dev/zero', '../../etc/passwd', '__proto__', '{_message}', 'é✓', '\u0000']);
      case 4: return pick(COMMANDS);
      case 5: return int(1000);
      case 6: return Array.from({ length: int(4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(['threadId', 'frameId', 'variablesReference', 'expression', 'source', 'lines', 'breakpoints', 'memoryReference', 'count', 'offset', 'position', '__proto__', 'constructor', 'buckets', 'recording', 'program']), value(depth + 1)]));
    }
  };
  const body = (): string => {
    const m: Record<string, unknown> = {};
    if (random() < 0.9) m.seq = random() < 0.8 ? 1 + int(100_000) : value(3);
    if (random() < 0.9) m.type = random() < 0.8 ? 'request' : value(3);
    if (random() < 0.9) m.command = random() < 0.85 ? pick(COMMANDS) : value(3);
    if (random() < 0.7) m.arguments = random() < 0.8 ? value(1) : value(5);
    const text = JSON.stringify(m);
    // Sometimes not the JSON it was: cut, or nested, or bytes flipped.
    switch (int(8)) {
      case 0: return text.slice(0, int(text.length));
      case 1: return '['.repeat(int(200)) + text;
      case 2: return text.replace(/./g, (c) => (random() < 0.05 ? String.fromCharCode(int(128)) : c));
      default: return text;
    }
  };
  const header = (length: number): string => {
    const v = pick([String(length), String(length), String(length), String(int(MAX_DECLARED)), 'abc', '-5', '9007199254740993', String(2 ** 31), '', ' 12 ', '1e3', '0x10']);
    return pick(['Content-Length: ', 'Content-Length:', 'content-length: ', 'Content-Length:  ']) + v + pick(['\r\n\r\n', '\r\n\r\n', '\r\n', '\n\n', '\r\nX-A: b\r\n\r\n', '\r\n\r\r\n']);
  };
  /** One case: a few pieces, each random bytes, a framed random body, or a header alone. */
  return (): Buffer => {
    const pieces: Buffer[] = [];
    for (let n = 1 + int(5); n > 0; n--) {
      const kind = int(10);
      if (kind === 0) pieces.push(bytes(int(2000)));
      else if (kind === 1) pieces.push(Buffer.from(header(int(MAX_DECLARED))));
      else if (kind === 2) pieces.push(Buffer.alloc(int(300_000), pick(['x', '\r\n', 'Content-Length: ', '{'])));
      else {
        const b = Buffer.from(body(), 'utf8');
        pieces.push(Buffer.from(header(b.length), 'latin1'), b);
      }
    }
    return Buffer.concat(pieces);
  };
}

const STACK = /\n\s+at |\bat [\w.<>]+ \(.*:\d+:\d+\)/;
const saved = path.join(os.tmpdir(), `samsara-dap-fuzz-${SEED}.bin`);
let client: DapClient | undefined;
afterAll(() => client?.process.kill('SIGKILL'));

describe('DAP fuzz: samsara dap over stdio', () => {
  it(`seed ${SEED}, ${BUDGET_MS} ms: never dies before the end of input, never goes silent, no stack trace, bounded RSS`, async () => {
    const next = fuzzer(generator(SEED));
    const c = (client = new DapClient());
    const responses: any[] = [];
    let all: Buffer = Buffer.alloc(0);
    c.process.stdout!.on('data', (d: Buffer) => {
      // Every message's text, for stack traces (DapClient keeps the events; this sees responses too).
      if (STACK.test(d.toString())) responses.push(d.toString());
    });
    const filler = Buffer.alloc(MAX_DECLARED + 16, '\n');
    const start = Date.now();
    let cases = 0;
    let bytes = 0;
    while (Date.now() - start < BUDGET_MS) {
      const input = next();
      all = input; // the last case (with the filler) is what a failure saves
      c.process.stdin!.write(input);
      c.process.stdin!.write(filler);
      bytes += input.length + filler.length;
      try {
        const r = await c.send('samsara/position', {}, 20_000);
        expect(r.command).toBe('samsara/position');
      } catch (e) {
        fs.writeFileSync(saved, Buffer.concat([all, filler]));
        throw new Error(`seed ${SEED}, case ${cases}: ${(e as Error).message} (the case is in ${saved})`);
      }
      cases++;
    }
    const peak = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${c.process.pid}/status`, 'utf8'))![1]) / 1024;
    console.log(`DAP fuzz, seed ${SEED}: ${cases} cases, ${(bytes / 2 ** 20).toFixed(1)} MB in ${Date.now() - start} ms; peak RSS ${peak.toFixed(0)} MB`);
    expect(cases).toBeGreaterThan(20);
    expect(peak).toBeLessThan(512);
    expect(responses, 'stack traces in messages').toEqual([]);
    expect(c.output()).not.toMatch(STACK);
    expect(c.stderr).toBe('');
    c.process.stdin!.end();
    const code = await new Promise((resolve) => c.process.once('exit', resolve));
    expect(code).toBe(0);
  }, BUDGET_MS + 60_000);
});
