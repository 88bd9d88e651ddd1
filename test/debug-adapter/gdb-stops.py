# gdb's side of the differential test of the adapter's variables (variables-vs-gdb.test.ts): one
# gdb-multiarch run on a recording, sourced after `target remote` with STOPS_CONFIG (a JSON file's
# path) set by the script that sources it. The config names breakpoints (`break` specs: functions,
# inlined ones included, and FILE:LINE), how many stops each may make, and where to write the stops.
#
# It continues forward through the recording. At each breakpoint stop it records the position
# (`monitor when`), the thread (hart + 1), the frame's function and pc, and what `info args`,
# `info locals` and `p *ARG` (for the first argument that is a non-null pointer to a struct or
# union) print, as gdb prints them: the test parses that text. Each breakpoint stops at most `hits`
# times, at the hits 1, 2, 4, 8, ... of its locations (an ignore count that doubles): spread over
# the recording, and never hundreds of stops of one hot function. Stops end at the end of the recording (a stop
# that is no breakpoint's) or at `max_stops`.

import json

import gdb

with open(STOPS_CONFIG) as f:  # noqa: F821 (set by the sourcing script)
    config = json.load(f)

for setting in ('print pretty off', 'print elements 200', 'print repeats 10', 'width 0', 'height 0',
                'print frame-arguments scalars', 'print entry-values no', 'confirm off', 'pagination off'):
    gdb.execute('set ' + setting)


class Limited(gdb.Breakpoint):
    """A breakpoint that stops `hits` times, each time ignoring twice as many hits before the next."""

    def __init__(self, spec, hits):
        super().__init__(spec, internal=False)
        self.spec = spec
        self.limit = hits
        self.stops = 0


breakpoints = []
for b in config['breakpoints']:
    try:
        bp = Limited(b['spec'], b['hits'])
    except gdb.error as e:
        print('SAMSARA-NO-BREAKPOINT %s: %s' % (b['spec'], e))
        continue
    if bp.pending:
        print('SAMSARA-NO-BREAKPOINT %s: pending' % b['spec'])
        bp.delete()
        continue
    breakpoints.append(bp)

last_stop = {'breakpoints': []}


def on_stop(event):
    last_stop['breakpoints'] = list(getattr(event, 'breakpoints', []) or [])


gdb.events.stop.connect(on_stop)


def pointer_to_struct_argument(frame):
    """The name of the frame's first argument that is a pointer to a struct or union and is not
    null (nor optimized out), or None."""
    try:
        block = frame.block()
    except RuntimeError:
        return None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        return None
    for sym in block:
        if not sym.is_argument:
            continue
        t = sym.type.strip_typedefs()
        if t.code != gdb.TYPE_CODE_PTR:
            continue
        target = t.target().strip_typedefs()
        if target.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            continue
        try:
            value = frame.read_var(sym)
            if value.is_optimized_out or int(value) == 0:
                continue
        except (gdb.error, gdb.MemoryError):
            continue
        return sym.name
    return None


def labels(frame):
    """The C labels (DW_TAG_label) in scope: gdb's `info locals` lists them among the variables
    (as `out = <optimized out>`); the adapter's Locals shows variables only."""
    names = []
    try:
        block = frame.block()
    except RuntimeError:
        return names
    while block is not None:
        for sym in block:
            # A label with an address is LOC_LABEL; one without (optimized out) is LOC_OPTIMIZED_OUT
            # with gdb's label type, __CORE_ADDR (dwarf2/read.c new_symbol, DW_TAG_label).
            if sym.addr_class == gdb.SYMBOL_LOC_LABEL or (sym.type is not None and str(sym.type) == '__CORE_ADDR'):
                names.append(sym.name)
        if block.function is not None:
            break
        block = block.superblock
    return names


def run(command):
    try:
        return gdb.execute(command, to_string=True)
    except gdb.error as e:
        return 'SAMSARA-ERROR %s' % e


out = open(config['output'], 'w')
stops = 0
while stops < config['max_stops'] and any(bp.enabled for bp in breakpoints):
    last_stop['breakpoints'] = []
    try:
        gdb.execute('continue', to_string=True)
    except gdb.error as e:
        print('SAMSARA-CONTINUE-FAILED %s' % e)
        break
    hit = [bp for bp in last_stop['breakpoints'] if isinstance(bp, Limited)]
    if not hit:
        break  # the end of the recording (or a signal): no more stops
    frame = gdb.selected_frame()
    thread = gdb.selected_thread().num
    pointer = pointer_to_struct_argument(frame)
    record = {
        'breakpoints': [bp.spec for bp in hit],
        'when': run('monitor when'),
        'thread': thread,
        'function': frame.name(),
        'pc': '0x%x' % frame.pc(),
        'inlined': frame.type() == gdb.INLINE_FRAME,
        'args': run('info args'),
        'locals': run('info locals'),
        'labels': labels(frame),
        'pointer': pointer,
        'deref': run('print *' + pointer) if pointer else None,
    }
    out.write(json.dumps(record) + '\n')
    out.flush()
    stops += 1
    for bp in hit:
        bp.stops += 1
        if bp.stops >= bp.limit:
            bp.enabled = False
        else:
            bp.ignore_count = 2 ** bp.stops - 1
out.close()
print('SAMSARA-STOPS %d' % stops)
for bp in breakpoints:
    print('SAMSARA-BREAKPOINT %s stops=%d hits=%d' % (bp.spec, bp.stops, bp.hit_count))
