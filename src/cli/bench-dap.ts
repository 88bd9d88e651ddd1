// Debug adapter figures for `samsara bench`: how long VS Code's Step Back (back one source line in
// this frame, over calls) and Step Over take on a Linux recording with vmlinux's DWARF, at stops
// spread over the recording, measured on the adapter's debuggee (the motion itself, no protocol).

import { Debuggee } from '../debug-adapter/debuggee';
import { ParsedRecording } from '../rr/format';
import { DebugTarget } from '../rr/debug-target';
import { KernelSymbols } from '../symbols';
import { median, p99, positions, seconds } from './bench-gdb';

export async function benchDap(name: string, recording: ParsedRecording, vmlinux: string): Promise<void> {
  const symbols = KernelSymbols.open(vmlinux);
  const d = new Debuggee(DebugTarget.open(recording), symbols);
  const back: number[] = [];
  const over: number[] = [];
  let skipped = 0;
  for (const p of positions(40, d.target.start + 1_000_000, d.target.end - 1_000_000, 11)) {
    d.seek(p);
    const h = d.currentHart();
    if (!d.lineAt(d.pc(h))) {
      skipped++; // no line information here (user space, or assembly without DWARF lines)
      continue;
    }
    let t0 = process.hrtime.bigint();
    await d.stepLine(h, 'forward', true);
    over.push(seconds(t0) * 1000);
    t0 = process.hrtime.bigint();
    await d.stepLine(h, 'backward', true);
    back.push(seconds(t0) * 1000);
  }
  const figure = (xs: number[]): string => `median ${median(xs).toFixed(0)} ms, p99 ${p99(xs).toFixed(0)} ms`;
  console.log(`${name} debug adapter: Step Over ${figure(over)}; Step Back ${figure(back)} (over ${back.length} stops in kernel code with lines; ${skipped} positions without lines skipped)`);
}
