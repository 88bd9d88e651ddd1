// vitest's globalSetup (vitest.config.ts): one folder per test run, under the system's temporary
// folder, for what the suites share within the run (recordings: test/cli/recordings.ts). It is
// removed at the end of the run.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder this test run shares between its suites. */
    samsaraRunDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-test-run-'));
  project.provide('samsaraRunDir', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
