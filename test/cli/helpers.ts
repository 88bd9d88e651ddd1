// Running the `samsara` command line as a user would, from tests.

import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import { findLinuxGuest, LinuxGuest } from '../../src/cli/linux-guest';

export const ROOT = path.resolve(__dirname, '../..');
export const SAMSARA = path.join(ROOT, 'bin/samsara.js');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `samsara ARGS` to its end; throws when it does not end within `timeoutMs` (default 120 s). */
export function samsara(args: string[], options: { input?: string; timeoutMs?: number } = {}): Result {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [SAMSARA, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.error) {
    const timedOut = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    throw new Error(`samsara ${args.join(' ')}: ${timedOut ? `did not finish in ${timeoutMs} ms (killed)` : r.error.message}; stderr: ${r.stderr ?? ''}`);
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * How long a process may take to end where it must end promptly (an input refused, a signal): far
 * more than it takes (well under a second here), so that a loaded machine never fails a test, and far
 * less than never, which is what a hang, an endless read or an ignored signal takes. Tests assert
 * behaviour, not speed: this bound only tells "ended" from "hung".
 */
export const PROMPT_MS = 10_000;

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

/** Whether the tests run in CI (CI=true, as CI services and .ci/run set it; not CI=false or CI=0). */
export function inCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Whether a test that needs `name` must be skipped because it is missing: use it as
 * `describe.skipIf(requireTool(...))`. `present` defaults to `name` being a command on PATH; pass
 * your own check for a file or a build. `why` says what needs it and how to get it (the set-up
 * script that installs it). A missing tool is said with console.warn, so a skipped test never
 * passes unnoticed; in CI it throws instead (the test file fails): CI runs the set-up (.ci/run), and
 * on a machine that ran the set-up nothing is skipped.
 */
export function requireTool(name: string, why: string, present: boolean = hasCommand(name)): boolean {
  if (present) return false;
  const message = `${name} is missing: ${why}`;
  if (inCI()) throw new Error(`${message} (CI is set: on a machine that ran the set-up nothing may be skipped)`);
  console.warn(`skipped: ${message}`);
  return true;
}

/** The Linux test guest that guests/linux/build.sh built, or undefined when it is not built (requireTool: a warning, or an error in CI). */
export function requireLinuxGuest(why: string): LinuxGuest | undefined {
  const found = findLinuxGuest();
  if (typeof found !== 'string') return found;
  requireTool('the Linux guest', `${why}; ${found} (about 4 minutes on 2 cores)`, false);
  return undefined;
}

/**
 * As samsara(), without blocking the test worker's event loop (for long runs). Rejects, naming the
 * command, when it does not finish in `timeoutMs` (default 300 s: give the test more than that).
 */
export function samsaraAsync(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const child = spawn(process.execPath, [SAMSARA, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  return exitOf(child, `samsara ${args.join(' ')}`, timeoutMs, () => stderr).then((code) => ({ code, stdout, stderr }));
}

/** The end of some output, for error messages. */
const tail = (text: string, n = 2000): string => (text.length > n ? `...${text.slice(-n)}` : text);

/**
 * The exit code of `child` once it has closed (its output is all in). Call it right after spawning:
 * when `child` is still running `timeoutMs` later it is killed, and the promise rejects naming
 * `what` (and with `output()`, the end of what it printed), instead of hanging until the test's
 * own timeout.
 */
export function exitOf(child: ChildProcess, what: string, timeoutMs: number, output?: () => string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: still running after ${timeoutMs} ms (killed)${output ? `; output so far:\n${tail(output())}` : ''}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${what}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Wait until `ready()` holds (polled every 20 ms). Throws, naming `what` it waited for, when it does
 * not hold within `timeoutMs`, or as soon as `child` (the process that should make it hold) exits.
 */
export async function waitUntil(what: string, ready: () => boolean, options: { timeoutMs: number; child?: ChildProcess; output?: () => string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const said = (): string => (options.output ? `; output so far:\n${tail(options.output())}` : '');
  while (!ready()) {
    const c = options.child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) {
      throw new Error(`waiting for ${what}: the process exited (${c.exitCode ?? c.signalCode}) first${said()}`);
    }
    if (Date.now() > deadline) throw new Error(`waited ${options.timeoutMs} ms for ${what}; it did not come${said()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
