// The host terminal as the guest's console input. On a TTY it is put in raw mode so that every key
// goes to the guest. Ctrl-A is the escape key, as in QEMU, on a terminal or a pipe alike: Ctrl-A x
// quits, Ctrl-A c reads one monitor command (ended by Enter), Ctrl-A Ctrl-A sends Ctrl-A.

const CTRL_A = 0x01;

export type MonitorHandler = (line: string) => void;

export class Terminal {
  quit = false;
  ended = false;
  private escape = false;
  /** The monitor command being typed, or undefined when keys go to the guest. */
  private command: string | undefined;
  private wake: (() => void) | undefined;
  private readonly tty: boolean;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly deliver: (bytes: Uint8Array) => void, private readonly monitor?: MonitorHandler) {
    const stdin = process.stdin;
    this.tty = stdin.isTTY === true;
    if (this.tty) stdin.setRawMode(true);
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
    stdin.on('error', this.onEnd);
    stdin.resume();
  }

  private receive(chunk: Buffer): void {
    const out: number[] = [];
    const flush = (): void => {
      if (out.length) this.deliver(Uint8Array.from(out));
      out.length = 0;
    };
    for (const b of chunk) {
      if (this.quit) break;
      if (this.command !== undefined) {
        if (b === 0x0d || b === 0x0a) {
          const line = this.command.trim();
          this.command = undefined;
          if (this.tty) process.stderr.write('\r\n');
          this.monitor?.(line);
        } else if (b === 0x7f || b === 0x08) {
          if (this.command.length > 0) {
            this.command = this.command.slice(0, -1);
            if (this.tty) process.stderr.write('\b \b');
          }
        } else if (b >= 0x20) {
          this.command += String.fromCharCode(b);
          if (this.tty) process.stderr.write(String.fromCharCode(b));
        }
        continue;
      }
      if (this.escape) {
        this.escape = false;
        if (b === 0x78 /* x */) { flush(); this.quit = true; break; }
        if (b === 0x63 /* c */ && this.monitor) {
          flush();
          this.command = '';
          process.stderr.write(this.tty ? '\r\n(samsara) ' : '(samsara) ');
          continue;
        }
        if (b === CTRL_A) out.push(CTRL_A);
        continue;
      }
      if (b === CTRL_A) { this.escape = true; continue; }
      out.push(b);
    }
    flush();
    this.wake?.();
  }

  /**
   * Stop reading input for a while (`on`), or read on: the machine holds only so much input, and a
   * file or a pipe as stdin would otherwise be read whole into memory. Its writer waits meanwhile and
   * nothing is lost. A terminal is always read, so that Ctrl-A x still quits: what is typed or pasted
   * there waits on the host side (Session.heldInput).
   */
  hold(on: boolean): void {
    if (this.tty || this.held === on) return;
    this.held = on;
    if (on) process.stdin.pause();
    else process.stdin.resume();
  }

  /** Whether input is being held back (see hold()). */
  held = false;

  /** Stop waiting and quit (a signal asked the run to end). */
  interrupt(): void {
    this.quit = true;
    this.wake?.();
  }

  /** Wait up to `ms` for input (Infinity: until input or end of input); false if input has ended. */
  waitForInput(ms: number): Promise<boolean> {
    if (this.ended) {
      return ms === Infinity ? Promise.resolve(false) : new Promise((r) => setTimeout(() => r(true), ms));
    }
    return new Promise((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(done, ms);
      const self = this;
      function done(): void {
        if (timer) clearTimeout(timer);
        self.wake = undefined;
        resolve(!self.ended || ms !== Infinity);
      }
      this.wake = done;
    });
  }

  close(): void {
    const stdin = process.stdin;
    stdin.off('data', this.onData);
    stdin.off('end', this.onEnd);
    stdin.off('error', this.onEnd);
    if (this.tty) stdin.setRawMode(false);
    stdin.pause();
  }
}
