// The adapter's Arguments and Locals against gdb-multiarch's `info args` and `info locals`, on the
// same recordings at the same positions (issue 11, "A differential test against gdb itself").
//
// gdb runs once per recording (gdb-stops.py) with breakpoints on kernel functions of several
// subsystems, inlined ones among them, and on lines deep inside -O2 functions (where arguments are
// optimized out); it stops a few times at each and prints the position, the hart, the variables
// and `p *ARG` for one pointer-to-struct argument. Then one adapter session seeks to each of those
// positions and shows the same frame's Arguments and Locals (frame 0's name is compared with gdb's
// and reported apart); structs, unions and arrays are rebuilt from their children into gdb's text, and `p *ARG` is
// compared with ARG expanded. Formatting only is normalised (gdb-values.ts). Every disagreement is printed; the test fails under 99% agreement,
// when a variable gdb lists is missing, or when gdb's side is too thin (stops, functions).

import { beforeAll, describe, expect, it } from 'vitest';
import { requireLinuxGuest, requireTool } from '../cli/helpers';
import { DEMO, sharedRecording } from '../cli/recordings';
import { DapClient } from './client';
import { Breakpoint, gdbStops, GdbRun, Stop } from './gdb-stops';
import { DapVariable, gdbText, Named, normalise, plainName } from './gdb-values';

const NO_GDB = requireTool('gdb-multiarch', 'the differential test of the variables asks it; scripts/setup-debian installs it (gdb-multiarch)');
const guest = NO_GDB ? undefined : requireLinuxGuest('the differential test of the variables records it');

const fns = (names: string[], hits: number): Breakpoint[] => names.map((spec) => ({ spec, hits }));

/** Functions of the Linux guest that its recording reaches (checked with gdb), by subsystem. */
const LINUX_BREAKPOINTS: Breakpoint[] = [
  // fs
  ...fns(['do_sys_openat2', 'getname_flags', 'path_openat', 'do_filp_open', 'do_dentry_open', 'link_path_walk', 'walk_component',
    'lookup_fast', 'vfs_read', 'vfs_write', 'ksys_read', 'ksys_write'], 8),
  // mm: do_anonymous_page, do_fault and rmqueue are inlined (no symbol of their own); alloc_pages
  // is inlined in 15 places
  ...fns(['__kmalloc', 'kmem_cache_alloc', 'handle_mm_fault', '__handle_mm_fault', 'do_anonymous_page', 'do_fault', '__do_fault',
    'filemap_fault', 'alloc_pages', '__alloc_pages', 'get_page_from_freelist', 'rmqueue', 'free_unref_page', 'do_mmap', 'mmap_region',
    'wp_page_copy'], 8),
  // kernel, kernel/sched
  ...fns(['try_to_wake_up', '__schedule', 'schedule', 'enqueue_task_fair', 'dequeue_task_fair', 'update_curr', 'select_task_rq_fair',
    'pick_next_task_fair', 'set_next_entity', 'wake_up_new_task', 'kernel_clone', 'copy_process', 'vprintk_emit', 'console_unlock'], 8),
  // drivers, block
  ...fns(['serial8250_tx_chars', 'serial8250_start_tx', 'uart_write', 'tty_write', 'n_tty_write', 'virtqueue_add_sgs', 'virtio_queue_rq',
    'vring_interrupt', 'submit_bio', 'blk_mq_submit_bio'], 8),
  // lib
  ...fns(['strncpy_from_user', 'vsnprintf', 'format_decode', 'number', 'string', 'kstrdup', 'idr_alloc', 'kobject_add'], 8),
  // Lines deep inside functions, where -O2 has moved or dropped arguments.
  ...fns(['fs/namei.c:2275', 'fs/open.c:1318', 'fs/read_write.c:584', 'mm/page_alloc.c:4355', 'kernel/sched/core.c:4224',
    'kernel/sched/fair.c:4753', 'kernel/fork.c:2371', 'drivers/tty/serial/8250/8250_port.c:1827', 'lib/vsprintf.c:2757',
    'fs/namei.c:2279', 'fs/namei.c:2002', 'kernel/sched/fair.c:891', 'kernel/sched/core.c:6547', 'kernel/fork.c:2778', 'lib/vsprintf.c:2805',
    'mm/memory.c:4190', 'lib/strncpy_from_user.c:139'], 6),
];

/** Functions of the demo kernel (guests/demo) its recording reaches; console_lock_acquire and lrsc_try are inlined. */
const DEMO_BREAKPOINTS: Breakpoint[] = fns([
  'obj_alloc', 'obj_free', 'obj_publish', 'obj_lookup', 'obj_put', 'obj_reap', 'obj_use', 'create_one', 'lookup_and_use', 'random_u64',
  'vsnprintf_ap', 'snprintf', 'printk', 'console_putc', 'console_puts', 'put', 'put_num', 'strlen', 'strcmp', 'handle_trap', 'timer_tick',
  'amo_lock', 'amo_unlock', 'lrsc_lock', 'lrsc_unlock', 'lrsc_try', 'console_lock_acquire', 'uart_putc_raw', 'hart_setup', 'splitmix64',
  'kallsyms_lookup', 'symbolize', 'show_regs', 'backtrace', 'die', 'fdt_parse', 'vdev_init', 'bootarg', 'seed_harts',
], 6);

interface Target {
  name: string;
  recording: () => string;
  program: string;
  breakpoints: Breakpoint[];
  minStops: number;
  minFunctions: number;
}

const targets: Target[] = [
  { name: 'demo', recording: () => sharedRecording().file, program: DEMO, breakpoints: DEMO_BREAKPOINTS, minStops: 150, minFunctions: 10 },
];
if (guest) {
  targets.push({
    name: 'Linux (2 harts, vmlinux)',
    recording: () => sharedRecording(['--harts', '2', '--append', 'console=ttyS0', '--drive', guest.disk], guest.image).file,
    program: guest.vmlinux,
    breakpoints: LINUX_BREAKPOINTS,
    minStops: 300,
    minFunctions: 30,
  });
}

/** Scopes the adapter did not have at some stop, said once at the end. */
const missingScopes = new Set<string>();

/** One comparison: a variable at a stop, gdb's text and the adapter's (undefined: the adapter has no such variable). */
interface Comparison {
  stop: Stop;
  variable: string;
  gdb: string;
  adapter: string | undefined;
}

for (const target of targets) describe.skipIf(NO_GDB)(`variables against gdb-multiarch: ${target.name}`, () => {
  let recording = '';
  let run: GdbRun;
  beforeAll(async () => {
    recording = target.recording();
    run = await gdbStops(recording, target.program, target.breakpoints, 1000);
  }, 900_000);

  it(`gdb stops often enough, in enough functions, and its output parses`, () => {
    const functions = new Set(run.stops.map((s) => s.function));
    const perFunction = new Map<string, number>();
    for (const s of run.stops) perFunction.set(s.function, (perFunction.get(s.function) ?? 0) + 1);
    const args = run.stops.reduce((n, s) => n + s.args.length, 0);
    const locals = run.stops.reduce((n, s) => n + s.locals.length, 0);
    const optimizedOut = run.stops.reduce((n, s) => n + [...s.args, ...s.locals].filter((v) => v.value === '<optimized out>').length, 0);
    const inlined = run.stops.filter((s) => s.inlined).length;
    console.log([
      `gdb on ${target.name}: ${run.stops.length} stops in ${functions.size} functions in ${(run.ms / 1000).toFixed(1)} s;`,
      `${args} arguments, ${locals} locals (${optimizedOut} optimized out), ${run.stops.filter((s) => s.deref).length} p *ARG;`,
      `${inlined} stops in inlined frames; harts ${[...new Set(run.stops.map((s) => s.hart))].sort().join(', ')}`,
      `breakpoints not set: ${run.unset.join(', ') || 'none'}; never hit: ${[...run.counts].filter(([, c]) => c.hits === 0).map(([s]) => s).join(', ') || 'none'}`,
      `stops per function: ${[...perFunction].map(([f, n]) => `${f} ${n}`).join(', ')}`,
    ].join('\n'));
    if (process.env.SAMSARA_SHOW_GDB_STOPS) for (const s of run.stops) console.log(showStop(s));
    expect(run.stops.length).toBeGreaterThanOrEqual(target.minStops);
    expect(functions.size).toBeGreaterThanOrEqual(target.minFunctions);
    expect(inlined).toBeGreaterThan(0);
    expect(optimizedOut).toBeGreaterThan(0);
    expect(run.unset).toEqual([]);
    // The lists name only what the recording reaches.
    expect([...run.counts].filter(([, c]) => c.hits === 0).map(([spec]) => spec)).toEqual([]);
  });

  it('the adapter shows the same Arguments and Locals, and the same struct behind a pointer argument', async () => {
    const client = new DapClient();
    const comparisons: Comparison[] = [];
    missingScopes.clear();
    const t0 = Date.now();
    try {
      await client.start({ recording, program: target.program });
      await client.waitFor('stopped');
      const children = async (v: DapVariable): Promise<DapVariable[]> =>
        (await client.request('variables', { variablesReference: v.variablesReference })).variables;
      // Forward through the recording, as gdb went.
      for (const stop of [...run.stops].sort((a, b) => a.position - b.position)) {
        comparisons.push(...(await compareStop(client, stop, children)));
      }
    }
    finally {
      await client.close();
    }
    const ms = Date.now() - t0;
    // Which function frame 0 is, where gdb hides calls inlined at their first instruction (its
    // skip_inline_frames, after a breakpoint stop) and the adapter shows every frame at the pc: a
    // difference of presentation, reported apart from the variables (compared in gdb's function).
    const frames = comparisons.filter((c) => c.variable === '(frame 0)');
    const frameDiffers = frames.filter((c) => c.adapter !== c.gdb);
    for (const f of frameDiffers) console.log(`FRAME 0 at position ${f.stop.position} hart ${f.stop.hart}: gdb ${f.gdb}, the adapter ${f.adapter} (a call inlined at the pc)`);
    console.log(`frame 0: the same function at ${frames.length - frameDiffers.length} of ${frames.length} stops`);
    comparisons.splice(0, comparisons.length, ...comparisons.filter((c) => c.variable !== '(frame 0)'));
    const disagreements = comparisons.filter((c) => c.adapter === undefined || normalise(c.adapter) !== normalise(c.gdb));
    const missing = comparisons.filter((c) => c.adapter === undefined);
    for (const d of disagreements) {
      console.log(`DISAGREE ${d.stop.function} at position ${d.stop.position} hart ${d.stop.hart}: ${d.variable}\n  gdb:     ${d.gdb}\n  adapter: ${d.adapter ?? '(missing)'}`);
    }
    for (const m of missingScopes) console.log(`NO SCOPE ${m}`);
    const agreement = comparisons.length === 0 ? 0 : (comparisons.length - disagreements.length) / comparisons.length;
    // Where gdb has a value (not "<optimized out>"), for a view of the harder part alone.
    const valued = comparisons.filter((c) => c.gdb !== '<optimized out>');
    const valuedAgree = valued.filter((c) => c.adapter !== undefined && normalise(c.adapter) === normalise(c.gdb)).length;
    console.log(`adapter vs gdb on ${target.name}: ${run.stops.length} stops, ${new Set(run.stops.map((s) => s.function)).size} functions, `
      + `${comparisons.length} variables compared, ${disagreements.length} disagree (${missing.length} missing on the adapter's side), `
      + `agreement ${(agreement * 100).toFixed(2)}%; where gdb has a value (${valued.length}): ${valued.length ? ((valuedAgree / valued.length) * 100).toFixed(2) : '-'}%; `
      + `adapter side ${(ms / 1000).toFixed(1)} s`);
    expect(missing.map((c) => `${c.stop.function}@${c.stop.position}: ${c.variable}`)).toEqual([]);
    expect(agreement).toBeGreaterThanOrEqual(0.99);
  }, 900_000);
});

/**
 * The adapter at a stop of gdb: seek there, take the hart's frame that gdb showed, its Arguments and
 * Locals, and the expansion of the pointer argument gdb printed.
 */
async function compareStop(client: DapClient, stop: Stop, children: (v: DapVariable) => Promise<DapVariable[]>): Promise<Comparison[]> {
  const out: Comparison[] = [];
  await client.request('samsara/seek', { position: stop.position });
  await client.waitFor('stopped');
  // gdb's frame 0 is never a function inlined at its first instruction (gdb hides those frames
  // until a step enters them), unless the breakpoint was on that function. Where the adapter's
  // frame 0 is another function than gdb's, that is reported ("(frame 0)", apart from the
  // variables), and the variables compared are those of the adapter's frame of gdb's function.
  const { stackFrames } = await client.request('stackTrace', { threadId: stop.hart + 1, levels: 8 });
  const name = (f: { name?: string } | undefined): string => String(f?.name ?? '').replace(/\s*\[inlined\]$/, '');
  out.push({ stop, variable: '(frame 0)', gdb: stop.function, adapter: name(stackFrames[0]) });
  const frame = stackFrames.find((f: { name?: string }) => name(f) === stop.function) ?? stackFrames[0];
  const scopes: { name: string; variablesReference: number }[] = frame ? (await client.request('scopes', { frameId: frame.id })).scopes : [];
  const scope = async (name: string): Promise<DapVariable[]> => {
    const s = scopes.find((x) => x.name === name);
    if (!s) missingScopes.add(`${name} (the adapter's scopes: ${scopes.map((x) => x.name).join(', ')})`);
    return s ? children({ name, value: '', variablesReference: s.variablesReference }) : [];
  };
  const args = await scope('Arguments');
  const locals = await scope('Locals');
  out.push(...(await compareList(stop, 'argument', stop.args, args, children)));
  out.push(...(await compareList(stop, 'local', stop.locals, locals, children)));
  if (stop.deref) {
    const pointer = args.find((a) => plainName(a.name) === stop.deref!.name);
    let text: string | undefined;
    if (pointer && pointer.variablesReference > 0) {
      const kids = await children(pointer);
      // Through the pointer to the struct's members; or one child "*ARG" that is the struct.
      text = kids.length === 1 && kids[0].name.startsWith('*')
        ? await gdbText(kids[0], children)
        : await gdbText({ ...pointer, value: '{' }, async (v) => (v.variablesReference === pointer.variablesReference ? kids : children(v)));
    }
    else if (pointer) text = `(not expandable) ${pointer.value}`;
    out.push({ stop, variable: `*${stop.deref.name}`, gdb: stop.deref.value, adapter: text });
  }
  return out;
}

/** gdb's variables paired with the adapter's by name and occurrence (the k-th `x` with the k-th `x`: shadowed ones). */
async function compareList(stop: Stop, kind: string, gdb: Named[], adapter: DapVariable[], children: (v: DapVariable) => Promise<DapVariable[]>): Promise<Comparison[]> {
  const seen = new Map<string, number>();
  const out: Comparison[] = [];
  for (const g of gdb) {
    const k = seen.get(g.name) ?? 0;
    seen.set(g.name, k + 1);
    const ours = adapter.filter((a) => plainName(a.name) === g.name)[k];
    out.push({ stop, variable: `${kind} ${g.name}${k > 0 ? ` (#${k + 1})` : ''}`, gdb: g.value, adapter: ours ? await gdbText(ours, children) : undefined });
  }
  return out;
}

function showStop(s: Stop): string {
  const list = (vs: Named[]): string => vs.map((v) => `    ${v.name} = ${v.value}`).join('\n');
  return `${s.function}${s.inlined ? ' [inlined]' : ''} position ${s.position} hart ${s.hart} pc 0x${s.pc.toString(16)} (${s.breakpoints.join(', ')})\n`
    + `  args:\n${list(s.args)}\n  locals:\n${list(s.locals)}${s.deref ? `\n  *${s.deref.name} = ${s.deref.value}` : ''}`;
}
