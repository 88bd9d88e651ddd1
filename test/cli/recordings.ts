// Recordings shared between suites: the gdb, debug adapter and timeline tests all debug the same
// recording of the demo (2 harts, virtual clock, seed 5: deterministic, and the race hits). It is
// made once per test run, by the first suite that asks, with `samsara record` as a user makes it.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inject } from 'vitest';
import { ROOT, samsara } from './helpers';

export const DEMO = path.join(ROOT, 'guests/demo/demo.elf');

/** The arguments of the shared demo recording (before the image). */
export const DEMO_RACE_ARGS = ['--harts', '2', '--clock', 'virtual', '--append', 'seed=5'];

export interface SharedRecording {
  file: string;
  /** What `samsara record` printed (the guest's console) and its exit status. */
  stdout: string;
  stderr: string;
  code: number | null;
}

let fallbackDir: string | undefined;

/** The run's shared folder (test/global-setup.ts), or one for this process when run without it. */
function runDir(): string {
  const provided = inject('samsaraRunDir');
  if (provided && fs.existsSync(provided)) return provided;
  return (fallbackDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-test-run-')));
}

/**
 * The recording `samsara record -o FILE ARGS IMAGE` makes, made once per test run: keyed by the
 * image's sha256 and the arguments. Suites in other workers that ask at the same time may record it
 * twice; each writes its own file and renames it into place, so a reader never sees half of one.
 */
export function sharedRecording(args: string[] = DEMO_RACE_ARGS, image = DEMO): SharedRecording {
  const key = crypto.createHash('sha256').update(fs.readFileSync(image)).update(JSON.stringify(args)).digest('hex').slice(0, 16);
  const dir = runDir();
  const file = path.join(dir, `${path.basename(image)}-${key}.rec`);
  const meta = `${file}.json`;
  if (fs.existsSync(meta)) return { file, ...JSON.parse(fs.readFileSync(meta, 'utf8')) };
  const part = `${file}.${process.pid}.part`;
  const r = samsara(['record', '-o', part, ...args, image]);
  if (!/samsara record: wrote /.test(r.stderr)) throw new Error(`samsara record ${args.join(' ')} ${image} failed (${r.code}): ${r.stderr}`);
  fs.renameSync(part, file);
  fs.writeFileSync(`${meta}.${process.pid}.part`, JSON.stringify({ stdout: r.stdout, stderr: r.stderr, code: r.code }));
  fs.renameSync(`${meta}.${process.pid}.part`, meta);
  return { file, stdout: r.stdout, stderr: r.stderr, code: r.code };
}
