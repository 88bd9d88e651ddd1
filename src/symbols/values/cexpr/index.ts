// C expressions as a debugger's watch, hover, console and breakpoint conditions take them.

export type { Expression, TypeName } from './ast';
export { ExpressionError } from './lexer';
export { parse, parseTypeName, ParseContext } from './parser';
export { evaluate, evaluateText, ExpressionScope, typeOfExpression } from './evaluate';
export { resolveTypeName, standardType, typeToString } from './types';
