// Source paths between the DWARF (as the compiler saw them: relative to the build folder, or absolute
// on the build machine) and the client (absolute paths on this machine).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelSymbols } from '../symbols';

export class SourceMap {
  /** Longest prefix first, so that the most specific mapping wins. */
  private readonly prefixes: [string, string][];

  constructor(private readonly root: string, map: Record<string, string> = {}) {
    this.prefixes = Object.entries(map).sort((a, b) => b[0].length - a[0].length);
  }

  /** Where a DWARF path is on this machine (it may not exist: the client then shows it as missing). */
  toClient(dwarfPath: string): string {
    for (const [from, to] of this.prefixes) {
      if (dwarfPath === from || dwarfPath.startsWith(from.endsWith('/') ? from : `${from}/`)) return path.join(to, dwarfPath.slice(from.length));
    }
    return path.isAbsolute(dwarfPath) ? dwarfPath : path.join(this.root, dwarfPath);
  }

  /**
   * The names a client path may have in the DWARF, most specific first: itself, mapped back through
   * the source map, and relative to the root. The line table matches each as a path suffix.
   */
  toDwarf(clientPath: string): string[] {
    const out = [clientPath];
    for (const [from, to] of this.prefixes) {
      const rel = path.relative(to, clientPath);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) out.push(path.join(from, rel));
    }
    const rel = path.relative(this.root, clientPath);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) out.push(rel);
    return [...new Set(out)];
  }
}

/**
 * Where relative DWARF paths are found when the launch gives no sourceRoot: the nearest folder, from
 * the program's own upwards, in which the first relative source file exists (the demo's paths are
 * relative to the repository); else the adapter's working folder.
 */
export function defaultSourceRoot(symbols: KernelSymbols | undefined, program: string | undefined, cwd: string): string {
  const relative = symbols?.sourceFiles().find((f) => !path.isAbsolute(f));
  if (!relative || !program) return cwd;
  for (let dir = path.dirname(program); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, relative))) return dir;
    if (path.dirname(dir) === dir) return cwd;
  }
}
