// The machine must be a pure function of its inputs: nothing in src/emulator may read a host clock,
// host randomness, files or the terminal. Every such input comes through a port (ports.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const EMULATOR = path.resolve(__dirname, '../../src/emulator');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(|\bnew Date\s*\(/, 'the host clock (Date)'],
  [/\bperformance\.now\s*\(|\bprocess\.hrtime\b/, 'the host clock (hrtime/performance)'],
  [/\bMath\.random\s*\(/, 'host randomness (Math.random)'],
  [/from ['"](node:)?(fs|crypto|child_process|net|tty|readline|os)['"]/, 'host I/O modules'],
  [/\bprocess\.(stdin|stdout|stderr|env)\b/, 'the host process'],
  [/\bsetTimeout\s*\(|\bsetInterval\s*\(|\bsetImmediate\s*\(/, 'host timers'],
];

describe('src/emulator reads no host input except through ports', () => {
  const files = sources(EMULATOR);
  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });
  it.each(files.map((f) => [path.relative(EMULATOR, f), f]))('%s', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [pattern, what] of FORBIDDEN) {
      expect(pattern.test(text), `${path.basename(file)} uses ${what}`).toBe(false);
    }
  });
});
