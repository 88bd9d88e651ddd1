// Source paths between the DWARF (as the compiler saw them: relative to the build folder, or absolute
// on the build machine) and the client (absolute paths on this machine).

import * as path from 'node:path';

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
