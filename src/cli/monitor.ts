// The console monitor of `samsara run` and `samsara record`, entered with Ctrl-A c as in QEMU:
// one command per Ctrl-A c. Several recordings can be made one after another in one run.

import { RecordingHeader } from '../rr/format';
import { Session } from '../rr/session';
import { fileSink } from './recording-file';

export const MONITOR_HELP = `monitor commands (Ctrl-A c, then a command and Enter):
  record start FILE   start recording into FILE from the machine as it is now
  record stop         end the recording being made
  info                the position, each hart's pc, and the recording's statistics
  quit                stop the machine and exit
  help                this list
`;

export class Monitor {
  quit = false;

  constructor(
    private readonly session: Session,
    private readonly header: () => RecordingHeader,
    private readonly print: (text: string) => void = (t) => process.stderr.write(t),
  ) {}

  execute(line: string): void {
    const words = line.split(/\s+/).filter(Boolean);
    const s = this.session;
    try {
      switch (words[0]) {
        case undefined:
          return;
        case 'help':
          this.print(MONITOR_HELP);
          return;
        case 'quit': case 'q':
          this.quit = true;
          return;
        case 'info': {
          const m = s.machine;
          const harts = m.harts.map((h) => `hart ${h.id}: pc 0x${BigInt.asUintN(64, BigInt(h.pc)).toString(16)} ${h.stopped ? 'stopped' : h.wfi ? 'wfi' : 'running'}, ${h.steps} steps`);
          this.print(`position ${m.position}\n${harts.join('\n')}\n`);
          if (s.recorder) this.print(`recording since position ${s.recorder.startPosition}, ${s.recorder.bytes} bytes so far\n${s.recorder.stats.format()}\n`);
          else this.print('not recording\n');
          return;
        }
        case 'record':
          if (words[1] === 'start' && words.length === 3) {
            s.startRecording(fileSink(words[2], 'record start'), this.header());
            this.print(`recording into ${words[2]} from position ${s.machine.position}\n`);
            return;
          }
          if (words[1] === 'stop' && words.length === 2) {
            const r = s.stopRecording('stopped');
            this.print(r ? `recording stopped at position ${s.machine.position}: ${r.stats.steps} steps, ${r.bytes} bytes\n` : 'not recording\n');
            return;
          }
          break;
      }
      this.print(`unknown monitor command '${line}' (try 'help')\n`);
    } catch (e) {
      this.print(`${(e as Error).message}\n`);
    }
  }
}
