// The host terminal as the guest's console input. On a TTY it is put in raw mode so that every key
// goes to the guest; Ctrl-A is the escape key, as in QEMU: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.

const CTRL_A = 0x01;

export class Terminal {
  quit = false;
  ended = false;
  private escape = false;
  private wake: (() => void) | undefined;
  private readonly tty: boolean;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly deliver: (bytes: Uint8Array) => void) {
    const stdin = process.stdin;
    this.tty = stdin.isTTY === true;
    if (this.tty) stdin.setRawMode(true);
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
    stdin.on('error', this.onEnd);
    stdin.resume();
  }

  private receive(chunk: Buffer): void {
    if (!this.tty) {
      this.deliver(chunk);
    } else {
      const out: number[] = [];
      for (const b of chunk) {
        if (this.escape) {
          this.escape = false;
          if (b === 0x78 /* x */) { this.quit = true; break; }
          if (b === CTRL_A) out.push(CTRL_A);
          continue;
        }
        if (b === CTRL_A) { this.escape = true; continue; }
        out.push(b);
      }
      if (out.length) this.deliver(Uint8Array.from(out));
    }
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
