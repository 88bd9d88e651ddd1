// `samsara gdb REC ELF`: the stub in-process and gdb-multiarch connected to it, with the time-travel
// commands of src/gdbstub/gdb-script.ts. After a jump in time gdb's caches hold registers, frames
// and stack memory from before: `monitor seek` with `flushregs` leaves the stack memory, and a
// backtrace unwinds through it; `seek` flushes everything. And `samsara gdbserver` prints the line
// that starts gdb on it.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, ROOT, samsara, SAMSARA } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { mark, sections } from './gdb-listing';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-command-'));
/** The shared demo recording (test/cli/recordings.ts: seed 5, the race hits), set in beforeAll. */
let REC = '';

/**
 * A command in the way test/gdbstub/gdb-batch.ts's runGdb runs gdb: in a temporary folder, with
 * core dumps off; it fails if it cannot be started or exits with a non-zero status. Its standard
 * error goes with its output, in order (gdb prints a monitor command's reply on standard error).
 */
function runChecked(command: string, args: string[]): string {
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@" 2>&1', 'sh', command, ...args], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** `samsara gdb REC DEMO -- -nx -batch -ex C...`: gdb's and the command's output. */
function samsaraGdb(commands: string[]): string {
  return runChecked(process.execPath, [SAMSARA, 'gdb', REC, DEMO, '--', '-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set width 0', ...commands.flatMap((c) => ['-ex', c])]);
}

/** The frames of a backtrace (#N lines), and its complaints. */
const frames = (bt: string): string[] => bt.split('\n').filter((l) => /^#\d+ |previous frame|corrupt stack/.test(l));

describe.skipIf(requireTool('gdb-multiarch', 'scripts/setup-debian installs it (gdb-multiarch)'))('samsara gdb', () => {
  beforeAll(() => {
    const r = sharedRecording();
    REC = r.file;
    expect(r.stdout).toContain('kernel BUG');
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("seek then bt shows the stack there; monitor seek with flushregs unwinds through the old position's stack", () => {
    // Two stops of one hart at the same stack depth in different calls: in obj_free (from obj_reap),
    // then in obj_use (from lookup_and_use). The backtrace at the second, where gdb stopped (its
    // caches fresh), is the right one.
    const find = samsaraGdb([
      'break obj_free', 'continue', 'when', 'delete', 'p $_thread',
      'eval "break obj_use thread %d", $_thread', 'continue', 'when', mark('FRESH'), 'bt', mark('END'),
    ]);
    const [from, to] = [...find.matchAll(/^position (\d+) \(of/gm)].map((m) => Number(m[1]));
    const thread = Number(/^\$1 = (\d+)$/m.exec(find)![1]);
    const fresh = frames(sections(find).get('FRESH')!);
    expect(from).toBeLessThan(to);
    expect(fresh.join('\n')).toMatch(/^#0 +obj_use [^]*\n#1 .* in lookup_and_use [^]*\n#2 .* in worker /);

    const out = samsaraGdb([
      // The old way: the stub's own seek, and gdb's flushregs. gdb unwinds through stack memory it
      // read at `from` (its dcache): a wrong frame, or "previous frame inner to this frame".
      `seek ${from}`, `thread ${thread}`, 'bt', `monitor seek ${to}`, 'flushregs', mark('OLD'), 'bt', mark('END'),
      // samsara gdb's seek.
      `seek ${from}`, `thread ${thread}`, 'bt', mark('SEEK'), `seek ${to}`, 'bt', mark('END'),
      // And at the oops, the end of the recording: hart 0 in die(), from the trap.
      mark('OOPS'), 'seek 1000000000000', 'thread 1', 'bt', mark('END'),
    ]);
    const s = sections(out);
    const old = frames(s.get('OLD')!);
    expect(old.join('\n')).not.toBe(fresh.join('\n'));
    const seek = s.get('SEEK')!;
    expect(seek).toMatch(new RegExp(`^position ${to} \\(of`, 'm'));
    expect(frames(seek).slice(1)).toEqual(fresh); // after seek's own frame line (#0 ...), the same backtrace
    expect(seek).not.toMatch(/corrupt stack|previous frame inner/);
    const oops = s.get('OOPS')!;
    expect(oops).toMatch(/#\d+ +.*die \(/);
    expect(oops).toMatch(/#\d+ +.*handle_trap \(/);
    expect(oops).not.toMatch(/corrupt stack|previous frame inner/);
  });

  it('when, checkpoints, recording-info, samsara-help, and seek without a position', () => {
    const out = samsaraGdb(['when', 'checkpoints', 'recording-info', 'samsara-help', 'seek', 'help seek']);
    expect(out).toMatch(/position \d+ \(of 0\.\.\d+\)/);
    expect(out).toMatch(/\d+ checkpoints?, \d+\.\d MiB, at positions 0/);
    expect(out).toMatch(/Event Stats:\n\s+instructions \(steps\)\s+\d+/);
    expect(out).toMatch(/samsara gdb commands:\n {2}seek POSITION +go to POSITION/);
    expect(out).toContain('commands: when (the current position), seek POSITION');
    expect(out).toContain('usage: seek POSITION');
    expect(out).toContain('Go to POSITION in the recording, then empty gdb\'s caches and show the frame there.');
  });

  it('samsara --help lists it; its --help lists the commands; --help after -- is gdb\'s', () => {
    expect(samsara(['--help']).stdout).toMatch(/^ +gdb +gdb-multiarch on a recording/m);
    const help = samsara(['gdb', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: samsara gdb /);
    for (const c of ['seek POSITION', 'when', 'checkpoints', 'recording-info', 'samsara-help']) expect(help.stdout).toContain(`  ${c} `);
    const passed = spawnSync(process.execPath, [SAMSARA, 'gdb', REC, DEMO, '--', '--help'], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
    expect(passed.stdout).toMatch(/This is the GNU debugger/);
    expect(passed.stdout).not.toContain('usage: samsara gdb');
  });

  it("exits with gdb's status, and says so when gdb-multiarch is missing", () => {
    const failed = spawnSync(process.execPath, [SAMSARA, 'gdb', REC, DEMO, '--', '-nx', '-batch', '-ex', 'p no_such_symbol'], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('No symbol "no_such_symbol" in current context.');
    const empty = fs.mkdtempSync(path.join(tmp, 'path-'));
    const missing = spawnSync(process.execPath, [SAMSARA, 'gdb', REC], { cwd: tmp, encoding: 'utf8', env: { ...process.env, PATH: empty }, timeout: 120_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('samsara gdb: gdb-multiarch not found: install it (Debian: apt-get install gdb-multiarch)');
  });

  it('samsara gdbserver prints the line that starts gdb on it, and the samsara gdb line', async () => {
    const server: ChildProcess = spawn(process.execPath, [SAMSARA, 'gdbserver', '--port', '0', REC], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let err = '';
      const lines = await new Promise<string>((resolve, reject) => {
        server.stderr!.setEncoding('utf8').on('data', (d) => {
          err += d;
          if (/run instead: .*\n/.test(err)) resolve(err);
        });
        server.on('exit', (code) => reject(new Error(`gdbserver exited ${code}: ${err}`)));
        setTimeout(() => reject(new Error(`gdbserver printed no samsara gdb line in 60 s: ${err}`)), 60_000).unref();
      });
      const port = /on 127\.0\.0\.1:(\d+)/.exec(lines)![1];
      const paste = /start gdb with: (.*)$/m.exec(lines)![1];
      expect(paste).toBe(`gdb-multiarch ${DEMO} -ex 'target remote 127.0.0.1:${port}'`);
      expect(lines).toContain(`run instead: samsara gdb ${REC} ${DEMO}`);
      // The line works as pasted.
      const out = runChecked('sh', ['-c', `${paste} -nx -batch -ex 'monitor when' -ex 'info symbol obj_put'`]);
      expect(out).toMatch(/position \d+ \(of 0\.\.\d+\)/);
      expect(out).toContain('obj_put in section .text');
    } finally {
      server.kill();
    }
  });
});
