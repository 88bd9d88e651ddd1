// Decoding a kernel's console output (an oops, a panic, a WARN backtrace) into source lines, as
// Linux's scripts/decode_stacktrace.sh does with addr2line: each address or "symbol+0xoff/0xsize"
// gets the file and line it came from, and the functions inlined there.

/** One frame at an address, innermost (inlined) first; the last is the real function. */
export interface SourceFrame {
  function?: string;
  file?: string;
  line?: number;
}

export interface Symbolizer {
  /** "name+0xoff[/0xsize]" -> address. */
  resolve(text: string): bigint | undefined;
  /** The frames at an address, innermost first (empty if nothing is known). */
  frames(address: bigint): SourceFrame[];
}

/** "[<ffffffff802025b6>]", as dump_backtrace/print_ip_sym print a frame. */
const BRACKETED = /\[<([0-9a-f]{8,16})>\]/i;
/** "obj_put+0x2c/0x2e" (%pS, and %pB for return addresses). */
const SYMBOL = /([A-Za-z_.$][\w.$]*\+0x[0-9a-f]+\/0x[0-9a-f]+)/i;

export interface DecodeOptions {
  /** Strip this prefix from file names (e.g. the kernel source tree), as decode_stacktrace.sh's basepath. */
  basePath?: string;
}

/**
 * Decode every line of `text` that names a code address: append "file:line" of the address, and
 * for functions inlined there, one "(inlined by)" line per caller. Return addresses (the frames of
 * a call trace after its first, and "ra :") are looked up one byte back, so that the line is the
 * call's own and not the next statement's, as gdb does for caller frames.
 */
export function decodeBacktrace(text: string, symbols: Symbolizer, options: DecodeOptions = {}): string {
  const out: string[] = [];
  let inTrace = false;
  let traceFrames = 0;
  const where = (f: SourceFrame): string => {
    let file = f.file ?? '??';
    if (options.basePath && file.startsWith(options.basePath)) file = file.slice(options.basePath.length).replace(/^\/+/, '');
    return `${file}:${f.line ?? '?'}`;
  };
  for (const line of text.split('\n')) {
    if (/Call Trace:|Backtrace:/.test(line)) {
      inTrace = true;
      traceFrames = 0;
      out.push(line);
      continue;
    }
    let address: bigint | undefined;
    const b = BRACKETED.exec(line);
    if (b) address = BigInt(`0x${b[1]}`);
    else {
      const s = SYMBOL.exec(line);
      if (s) address = symbols.resolve(s[1]);
    }
    if (address === undefined) {
      if (inTrace && /---\[ end trace|^\s*$/.test(line)) inTrace = false;
      out.push(line);
      continue;
    }
    const isReturn = /\bra\s*:/.test(line) || (inTrace && traceFrames++ > 0);
    const frames = symbols.frames(isReturn ? address - 1n : address);
    if (frames.length === 0) {
      out.push(line);
      continue;
    }
    const prefix = /^\[\s*[\d.]+\]\s/.exec(line)?.[0] ?? '';
    out.push(`${line.replace(/\s+$/, '')} ${where(frames[0])}`);
    for (let i = 1; i < frames.length; i++) {
      out.push(`${prefix}  (inlined by) ${frames[i].function ?? '??'} ${where(frames[i])}`);
    }
  }
  return out.join('\n');
}
