// Run many fuzz cases in one child process, as a driver script (test/fuzz/*-driver.cjs) runs them
// against the built out/ modules, bounded in time and memory: the driver reports one JSON line per
// case on fd 3 with its peak RSS so far (process.resourceUsage().maxRSS); a case that does not report
// within `caseMs` is a hang: the child is killed and a new one goes on with the next case. A child
// that dies (V8 out of memory, a signal) is reported against the case it was running, and a case
// that takes the child's peak RSS over `rssLimit` makes the driver exit after reporting it, so that
// the next case is measured in a fresh process.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** What a driver reports for a case, plus what the runner adds for hangs and dead children. */
export interface CaseReport {
  /** The case's index in the job list. */
  i: number;
  /** Set by the runner: the child did not report within the bound, or died. */
  runner?: 'hang' | 'died';
  /** For `died`: the child's exit code or signal and the end of its stderr. */
  detail?: string;
  /** The child's peak RSS in bytes after the case (maxRSS is a peak: a jump shows the case that made it). */
  rss?: number;
  ms?: number;
  [key: string]: unknown;
}

export interface RunOptions {
  /** The driver script, run with `node`. */
  driver: string;
  /** The jobs, written to a file the driver reads (JSON: { shared, jobs }). */
  jobs: unknown[];
  /** What every job shares (the base file, the addresses to ask about). */
  shared?: unknown;
  dir: string;
  caseMs: number;
  rssLimit: number;
  /** Extra node flags for the child (e.g. a heap limit). */
  nodeFlags?: string[];
}

export interface RunResult {
  reports: CaseReport[];
  /** Children started (1 + restarts after hangs, deaths and RSS over the limit). */
  children: number;
  /** The highest peak RSS any child reported. */
  peakRss: number;
}

/** Run every job through the driver, restarting it after a hang or a death. */
export async function runCases(options: RunOptions): Promise<RunResult> {
  const jobsFile = path.join(options.dir, `jobs-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(jobsFile, JSON.stringify({ shared: options.shared, jobs: options.jobs }));
  const reports: CaseReport[] = [];
  let next = 0;
  let children = 0;
  let peakRss = 0;
  try {
    while (next < options.jobs.length) {
      children++;
      const got = await runChild(options, jobsFile, next);
      for (const r of got.reports) {
        reports.push(r);
        peakRss = Math.max(peakRss, r.rss ?? 0);
      }
      next = got.reports.length ? got.reports[got.reports.length - 1].i + 1 : next;
      if (got.stopped && next < options.jobs.length) {
        reports.push({ i: next, runner: got.stopped, detail: got.detail });
        next++;
      }
    }
  } finally {
    fs.rmSync(jobsFile, { force: true });
  }
  return { reports, children, peakRss };
}

function runChild(options: RunOptions, jobsFile: string, start: number): Promise<{ reports: CaseReport[]; stopped?: 'hang' | 'died'; detail?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.driver, jobsFile, String(start), String(options.rssLimit)], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const reports: CaseReport[] = [];
    let stderr = '';
    let stopped: 'hang' | 'died' | undefined;
    let hwm = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stopped = 'hang';
        hwm = peakOf(child.pid);
        child.kill('SIGKILL');
      }, options.caseMs);
    };
    arm();
    const lines = readline.createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      arm();
      reports.push(JSON.parse(line) as CaseReport);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const detail = stopped === 'hang' ? `no report within ${options.caseMs} ms (killed${hwm})` : `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}`;
      // Exit 0: done, or left after a case over the RSS limit (the runner goes on with the next case).
      if (!stopped && code !== 0) stopped = 'died';
      resolve({ reports, stopped, detail });
    });
  });
}

/** The peak RSS of a process that is about to be killed (Linux's VmHWM), as ", peak RSS N MB". */
function peakOf(pid: number | undefined): string {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? `, peak RSS ${Math.round(Number(m[1]) / 1024)} MB` : '';
  } catch {
    return '';
  }
}
