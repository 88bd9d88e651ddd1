// The layers of ARCHITECTURE.md ("Layers and data flow"), checked on the sources: every import of
// every src/**/*.ts file (static `import ... from`, `export ... from`, `import x = require()`,
// `import()` calls and types, `require()`) is found with the TypeScript parser and checked against
// the rules below. A failure names the file, the line and the import.
//
// Low to high:
//   src/elf          the ELF reader, a leaf (imports only Node)
//   src/files        reading the input files a user names (regular files only, each within a size
//                    limit for its use), a leaf (imports only Node); for src/symbols, the frontends
//                    and the CLI. The emulator and rr do no host I/O, so they never import it
//   src/symbols      ELF symbols and DWARF; beside the frontends: never the emulator, rr or a frontend
//   src/emulator     the machine; knows nothing about recording, debugging or protocols
//   src/rr           recording, replay, the timeline
//   src/gdbstub, src/debug-adapter   the frontends; neither imports the other
//   src/extension    VS Code: imports only `vscode` and Node (the adapter is the CLI, spawned)
//   src/cli          the command line, on top: anything but the extension

import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');

interface Import {
  /** The module named, as written. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
}

/** The modules a TypeScript source imports, in order (comments and strings are not imports). */
function importsOf(source: string, fileName = 'source.ts'): Import[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (lit: ts.Node | undefined): void => {
    if (lit && ts.isStringLiteralLike(lit)) found.push({ specifier: lit.text, line: sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      // import('x'), and require('x') called by that name (not obj.require('x'))
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every .ts file under a folder, recursively (absolute paths, sorted). */
function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  }).sort();
}

/** What an import names: a file of the repository (relative to it) or a package / Node module. */
type Target = { kind: 'file'; file: string } | { kind: 'package'; name: string } | { kind: 'unresolved' };

function resolve(from: string, specifier: string): Target {
  if (!specifier.startsWith('.')) {
    return { kind: 'package', name: specifier };
  }
  const base = path.resolve(path.dirname(from), specifier);
  for (const f of [`${base}.ts`, `${base}.d.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(f) && fs.statSync(f).isFile()) return { kind: 'file', file: path.relative(ROOT, f).split(path.sep).join('/') };
  }
  return { kind: 'unresolved' };
}

/** The layer (top folder under src/) of a repository file, or '' for a file outside src/. */
function layerOf(file: string): string {
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? m[1] : '';
}

interface Edge {
  from: string; // repository-relative, e.g. src/rr/replayer.ts
  layer: string;
  line: number;
  specifier: string;
  target: Target;
}

const edges: Edge[] = tsFiles(SRC).flatMap((abs) => {
  const from = path.relative(ROOT, abs).split(path.sep).join('/');
  return importsOf(fs.readFileSync(abs, 'utf8'), abs).map((i) => ({ from, layer: layerOf(from), line: i.line, specifier: i.specifier, target: resolve(abs, i.specifier) }));
});

const fileIn = (t: Target, ...prefixes: string[]): boolean => t.kind === 'file' && prefixes.some((p) => t.file.startsWith(p));
const isNode = (t: Target): boolean => t.kind === 'package' && isBuiltin(t.name);
const isProtocol = (t: Target): boolean =>
  (t.kind === 'package' && (t.name === 'vscode' || t.name.startsWith('@vscode/'))) || fileIn(t, 'src/gdbstub/', 'src/debug-adapter/');

/** The imports from `layers` that `allowed` refuses, one line each: "file:line imports 'x' (target)". */
function violations(layers: string[], allowed: (t: Target, e: Edge) => boolean): string[] {
  return edges
    .filter((e) => layers.includes(e.layer) && !allowed(e.target, e))
    .map((e) => `${e.from}:${e.line} imports '${e.specifier}'${e.target.kind === 'file' ? ` (${e.target.file})` : ''}`);
}

describe('the import parser', () => {
  it('finds static imports and exports, type imports, side-effect imports, import = require, import() and require()', () => {
    const source = [
      "import a from 'a';",
      'import {',
      '  b1,',
      '  b2,',
      '} from "b";',
      "import type { C } from './c';",
      "import './side-effect';",
      "export * from './star';",
      "export { d } from './d';",
      "import f = require('f');",
      "const g = require('g');",
      "async function h() { return import('h'); }",
      "function k(x: import('../hart/hart').Hart): void {}",
      "const t = `${require('in-template-expression')}`;",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      { specifier: 'a', line: 1 },
      { specifier: 'b', line: 5 },
      { specifier: './c', line: 6 },
      { specifier: './side-effect', line: 7 },
      { specifier: './star', line: 8 },
      { specifier: './d', line: 9 },
      { specifier: 'f', line: 10 },
      { specifier: 'g', line: 11 },
      { specifier: 'h', line: 12 },
      { specifier: '../hart/hart', line: 13 },
      { specifier: 'in-template-expression', line: 14 },
    ]);
  });

  it('ignores comments, strings, templates, regular expressions and methods called require', () => {
    const source = [
      "// import x from 'line-comment';",
      "/* require('block-comment') */",
      'const s = "import z from \'in-string\'";',
      "const t = `require('in-template')`;",
      "const r = /['\"]/.test(s); const after = require('after-regex');",
      "loader.require('method');",
      "export const x = 1;",
    ].join('\n');
    expect(importsOf(source)).toEqual([{ specifier: 'after-regex', line: 5 }]);
  });

  it('finds the imports of the real sources (the test below is not vacuous)', () => {
    // src/elf imports nothing at all, so no edge starts there.
    expect(new Set(edges.map((e) => e.layer))).toEqual(new Set(['cli', 'debug-adapter', 'emulator', 'extension', 'files', 'gdbstub', 'rr', 'symbols']));
    expect(edges.find((e) => e.from === 'src/emulator/loader/boot.ts' && e.specifier === '../../elf/elf')?.target).toEqual({ kind: 'file', file: 'src/elf/elf.ts' });
    expect(edges.find((e) => e.from === 'src/rr/replayer.ts' && e.specifier === '../emulator/machine')?.target).toEqual({ kind: 'file', file: 'src/emulator/machine.ts' });
    expect(edges.find((e) => e.from === 'src/extension/extension.ts' && e.specifier === 'vscode')?.target).toEqual({ kind: 'package', name: 'vscode' });
  });

  it('resolves every relative import of src to a file', () => {
    expect(edges.filter((e) => e.target.kind === 'unresolved').map((e) => `${e.from}:${e.line} imports '${e.specifier}'`)).toEqual([]);
  });
});

describe('layers: imports only go down (ARCHITECTURE.md)', () => {
  it('src/elf (the ELF reader) is a leaf: only Node', () => {
    expect(violations(['elf'], (t) => isNode(t) || fileIn(t, 'src/elf/'))).toEqual([]);
  });

  it('src/files (reading input files) is a leaf: only Node', () => {
    expect(violations(['files'], (t) => isNode(t) || fileIn(t, 'src/files/'))).toEqual([]);
  });

  it('src/symbols imports only src/elf, src/files and itself: never the emulator, rr, a frontend, the extension or the CLI', () => {
    expect(violations(['symbols'], (t) => t.kind === 'package' || fileIn(t, 'src/symbols/', 'src/elf/', 'src/files/'))).toEqual([]);
  });

  it('src/emulator imports only itself and the ELF reader (the loader reads the kernel\'s ELF)', () => {
    expect(violations(['emulator'], (t) => t.kind === 'package' || fileIn(t, 'src/emulator/', 'src/elf/'))).toEqual([]);
  });

  it('src/rr imports only itself, src/emulator and src/elf', () => {
    expect(violations(['rr'], (t) => t.kind === 'package' || fileIn(t, 'src/rr/', 'src/emulator/', 'src/elf/'))).toEqual([]);
  });

  it('src/emulator and src/rr import no protocol code (vscode, @vscode/*, src/gdbstub, src/debug-adapter)', () => {
    expect(violations(['emulator', 'rr'], (t) => !isProtocol(t))).toEqual([]);
  });

  it('src/gdbstub and src/debug-adapter import neither each other, nor the extension, nor the CLI', () => {
    const below = ['src/elf/', 'src/files/', 'src/symbols/', 'src/emulator/', 'src/rr/'];
    expect(violations(['gdbstub'], (t) => t.kind === 'package' || fileIn(t, 'src/gdbstub/', ...below))).toEqual([]);
    expect(violations(['debug-adapter'], (t) => t.kind === 'package' || fileIn(t, 'src/debug-adapter/', ...below))).toEqual([]);
  });

  it('src/gdbstub and src/debug-adapter import nothing from src/emulator (they see harts through the debug target in src/rr)', () => {
    expect(violations(['gdbstub', 'debug-adapter'], (t) => !fileIn(t, 'src/emulator/'))).toEqual([]);
  });

  it('src/extension imports only vscode, Node and itself (it runs the adapter as `samsara dap`, a process)', () => {
    expect(violations(['extension'], (t) => isNode(t) || (t.kind === 'package' && t.name === 'vscode') || fileIn(t, 'src/extension/'))).toEqual([]);
  });

  it('src/cli imports anything but src/extension', () => {
    expect(violations(['cli'], (t) => !fileIn(t, 'src/extension/'))).toEqual([]);
  });

  it('no file outside src/cli imports from outside src (package.json is for the command line)', () => {
    expect(violations(['elf', 'files', 'symbols', 'emulator', 'rr', 'gdbstub', 'debug-adapter', 'extension'], (t) => t.kind !== 'file' || t.file.startsWith('src/'))).toEqual([]);
  });
});
