# For gdb-values.test.ts: each global named in GLOBALS (set by the sourcing script), printed whole by
# `print`, and as a tree of its parts the way the adapter gives them (members by name, anonymous ones
# as "<anonymous union>", array elements as "[i]", char arrays and scalars as text), as JSON lines
# in OUTPUT. The test checks that rebuilding gdb's text from the tree gives what `print` printed.

import json

import gdb

for setting in ('print pretty off', 'print elements 200', 'print repeats 10', 'width 0', 'height 0'):
    gdb.execute('set ' + setting)

AGGREGATES = (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION)


def is_char(t):
    t = t.strip_typedefs()
    return t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR) and t.sizeof == 1


def tree(value, name):
    t = value.type.strip_typedefs()
    if t.code in AGGREGATES:
        children = []
        for f in t.fields():
            inner = f.type.strip_typedefs()
            label = f.name or '<anonymous %s>' % ('union' if inner.code == gdb.TYPE_CODE_UNION else 'struct')
            children.append(tree(value[f], label))
        return {'name': name, 'value': '{...}', 'children': children}
    if t.code == gdb.TYPE_CODE_ARRAY and not is_char(t.target()):
        low, high = t.range()
        return {'name': name, 'value': '{...}', 'children': [tree(value[i], '[%d]' % i) for i in range(low, high + 1)]}
    return {'name': name, 'value': value.format_string(), 'children': []}


with open(OUTPUT, 'w') as out:  # noqa: F821 (set by the sourcing script)
    for name in GLOBALS:  # noqa: F821
        value = gdb.parse_and_eval(name)
        out.write(json.dumps({'name': name, 'print': gdb.execute('print ' + name, to_string=True), 'tree': tree(value, name)}) + '\n')
