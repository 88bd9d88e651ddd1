// `samsara symbolize ELF [ADDRESS...]`: kernel addresses to functions and source lines, as
// addr2line -f -i does, or a whole oops read from standard input decoded line by line, as Linux's
// scripts/decode_stacktrace.sh does.

import { parseArgs } from 'node:util';
import { readStandardInput } from '../files/input-file';
import { decodeBacktrace } from '../symbols/decode';
import { KernelSymbols } from '../symbols';
import { formatSymbol } from '../symbols/symtab';
import { UsageError } from './main';

/** An oops or a dmesg on standard input is a few MB at most: more is not a log. */
const LOG_LIMIT = 64 * 2 ** 20;

export const SYMBOLIZE_HELP = `usage: samsara symbolize [--base PATH] <vmlinux or ELF> [ADDRESS | SYMBOL+0xOFF ...]

With addresses (hex, with or without 0x) or symbol+offset names, print for each the symbol, and
the function, file and line from DWARF, with one "inlined by" line for each call it was inlined
into. Without them, read a kernel log (an oops, a panic, a backtrace) from standard input and
print it with the source line of every address it names appended.

  --base PATH   strip this directory from file names (e.g. the kernel source tree)
`;

export async function symbolizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { base: { type: 'string' } } });
  if (positionals.length < 1) throw new UsageError('an ELF file expected (usage: samsara symbolize <vmlinux> [ADDRESS...])');
  const [file, ...queries] = positionals;
  let symbols: KernelSymbols;
  try {
    symbols = KernelSymbols.open(file);
  } catch (e) {
    if ((e as Error).name === 'InputFileError') throw new UsageError((e as Error).message);
    if ((e as Error).name === 'ElfError' || (e as Error).name === 'DwarfError') throw new UsageError(`${file}: ${(e as Error).message}`);
    throw e;
  }
  const basePath = values.base;
  const strip = (f: string | undefined): string => (f && basePath && f.startsWith(basePath) ? f.slice(basePath.length).replace(/^\/+/, '') : f ?? '??');
  if (queries.length === 0) {
    let input: string;
    try {
      input = await readStandardInput(LOG_LIMIT);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    process.stdout.write(decodeBacktrace(input, symbols, { basePath }));
    return 0;
  }
  let failed = 0;
  for (const q of queries) {
    const address = /^(0x)?[0-9a-f]+$/i.test(q) ? BigInt(q.startsWith('0x') ? q : `0x${q}`) : symbols.resolve(q);
    if (address === undefined) {
      process.stderr.write(`samsara symbolize: ${q}: no such symbol (or the offset is past its end)\n`);
      failed++;
      continue;
    }
    const l = symbols.locate(address);
    const head = `0x${address.toString(16).padStart(16, '0')} ${l.symbol ? formatSymbol(l.symbol) : '??'}`;
    if (l.frames.length === 0) {
      process.stdout.write(`${head}\n`);
      continue;
    }
    process.stdout.write(`${head}: ${l.frames[0].function ?? '??'} ${strip(l.frames[0].file)}:${l.frames[0].line ?? '?'}\n`);
    for (const f of l.frames.slice(1)) process.stdout.write(`  inlined by ${f.function ?? '??'} ${strip(f.file)}:${f.line ?? '?'}\n`);
  }
  return failed ? 1 : 0;
}
