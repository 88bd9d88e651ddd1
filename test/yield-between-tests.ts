// vitest setupFiles (vitest.config.ts): between two tests, let the worker's event loop turn once.
//
// A synchronous test (a replay, a seek) blocks the worker's event loop, and vitest moves from one
// test to the next with promises only (microtasks), so a file of synchronous tests blocks it for
// their sum. The worker's calls to vitest's main process ("onTaskUpdate") time out after 60 s on the
// worker's own timer: once the sum passes that, as it did for test/rr/timeline.test.ts on a loaded
// 2-core machine, the run ends with "Timeout calling onTaskUpdate" although every test passed.
// One turn of the event loop after each test lets the answers in before their timers expire.

import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
