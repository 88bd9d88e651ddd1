// C type names as gdb prints them (c-typeprint.c): `struct file *`, `int (*)(int)`, `char (*)[16]`,
// `const char *`, `char * const`; the declarator built inside out, as C declares it.

import { CType } from '../dwarf/model';

const MAX_DEPTH = 64;
const QUALIFIER: Record<string, string> = { const: 'const', volatile: 'volatile', restrict: 'restrict', atomic: '_Atomic' };

/** The name of a type as gdb's `ptype`/`whatis` and `print`'s `(type)` prefix spell it. */
export function typeName(t: CType): string {
  return declare(t, '', 0);
}

function join(base: string, inner: string): string {
  return inner === '' ? base : `${base} ${inner}`;
}

function declare(t: CType, inner: string, depth: number): string {
  if (depth > MAX_DEPTH) return '<type nested too deep>';
  switch (t.kind) {
    case 'void': return join('void', inner);
    case 'base': case 'typedef': case 'unspecified': return join(t.name, inner);
    case 'struct': case 'union': case 'class': return join(`${t.kind} ${t.name ?? '{...}'}`, inner);
    case 'enum': return join(`enum ${t.name ?? '{...}'}`, inner);
    case 'const': case 'volatile': case 'restrict': case 'atomic': {
      // Qualifiers of a pointer follow its star (`char * const`); others lead (`const char`).
      const words: string[] = [];
      let target: CType = t;
      while (target.kind === 'const' || target.kind === 'volatile' || target.kind === 'restrict' || target.kind === 'atomic') {
        words.push(QUALIFIER[target.kind]);
        target = target.target;
      }
      const q = words.join(' ');
      if (target.kind === 'pointer') return declarePointer(target.target, `* ${q}${inner === '' ? '' : ` ${inner}`}`, depth);
      return `${q} ${declare(target, inner, depth + 1)}`;
    }
    case 'pointer': return declarePointer(t.target, `*${inner}`, depth);
    case 'array': return declare(t.element, `${inner}[${t.count ?? ''}]`, depth + 1);
    case 'function': {
      const params = t.params.map((p) => declare(p, '', depth + 1));
      if (t.variadic) params.push('...');
      const list = params.length === 0 ? (t.prototyped ? 'void' : '') : params.join(', ');
      return declare(t.returns, `${inner}(${list})`, depth + 1);
    }
  }
}

function declarePointer(target: CType, inner: string, depth: number): string {
  let s = target;
  while (s.kind === 'const' || s.kind === 'volatile' || s.kind === 'restrict' || s.kind === 'atomic') s = s.target;
  const needsParens = s.kind === 'array' || s.kind === 'function';
  return declare(target, needsParens ? `(${inner})` : inner, depth + 1);
}

