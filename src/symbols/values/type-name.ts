// C type names as gdb prints them (c-typeprint.c): one printer, dwarf/types.ts's typeName, checked
// against gdb's whatis and ptype; the value layer and the C evaluator name types through it.

export { typeName } from '../dwarf/types';
