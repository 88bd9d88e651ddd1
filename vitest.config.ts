import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests import `../src/...` for types, but run against the compiled `out/` (npm test builds first):
// TypeScript inlines `const enum` ids there, which the interpreter's dispatch needs to be fast
// (research/perf.md); vitest's per-file transform cannot inline them across files.
export default defineConfig({
  resolve: {
    alias: [{ find: /^(?:\.\.\/)+src\/(.*)$/, replacement: path.join(__dirname, 'out/$1') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // A folder per run for what suites share (recordings made once per run: test/cli/recordings.ts).
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/yield-between-tests.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
