// C programs for the DWARF type and variable tests, compiled into a temporary folder with
// riscv64-unknown-elf-gcc at DWARF 4 and 5, -O0 and -O2 (two files linked: a struct declared in one
// and defined in the other); and gdb-multiarch in batch mode, one answer per command.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const GCC = 'riscv64-unknown-elf-gcc';
export const GDB = 'gdb-multiarch';

export const A_C = `
typedef unsigned long ulong_t;
typedef ulong_t size_type;
typedef const volatile size_type cv_size;
struct decl_elsewhere;
struct decl_elsewhere *g_ptr_decl;
enum color { RED = -2, GREEN = 0, BLUE = 7 };
enum flags { F_A = 1, F_B = 2, F_C = 0x80000000u };
struct bits {
  unsigned a : 3;
  signed b : 5;
  unsigned long c : 40;
  char d;
  unsigned e : 1;
  struct { int x, y; } pos;
  union { int i; float f; };
  int arr[2][3];
  short s : 7, t : 9;
};
struct flex { int n; char data[]; };
struct zero { int n; long z[0]; };
typedef int (*handler_t)(int, char *);
struct ops { handler_t h; void (*v)(void); int (*va)(const char *, ...); int (*np)(); enum color c; };
struct node { struct node *next, *prev; const char *name; char tag[16]; unsigned long m[3][4]; struct node *(*kids)[4];
  int *ptrs[4]; char * const cp; const char * volatile * pp; union { long l; struct { short lo, hi; }; } u; _Bool flag : 1; };
int global_counter = 3;
static int static_counter = 5;
const char *const greeting = "hi";
cv_size cvs;
struct bits g_bits;
struct flex *g_flex;
struct zero g_zero;
struct ops g_ops;
struct node g_node;
enum color g_color = RED;
enum flags g_flags;
_Bool g_bool;
float g_f; double g_d; long double g_ld; signed char g_sc; unsigned char g_uc; short g_s; unsigned short g_us;
long long g_ll; unsigned long long g_ull; long g_l; unsigned g_u;
_Atomic int g_atomic;
int *restrict g_restrict;
extern int g_unknown_bound[];
int g_unknown_bound[5];
char g_matrix[2][3][4];
struct node *(*g_fn_ret_ptr)(struct node *, int);
size_type g_size;
int use_decl(struct decl_elsewhere *p);

static inline int sq(int v) { int r = v * v; return r + static_counter; }
__attribute__((noinline)) int shadow(int x, int y) {
  int s = x;
  { int s = y * 2; global_counter += s; { int s = x + y; global_counter ^= s; } }
  for (int i = 0; i < x; i++) s += sq(i + y);
  return s + use_decl(g_ptr_decl);
}
__attribute__((noinline)) long walk(struct node *n, int limit) {
  long total = 0;
  while (n && limit-- > 0) { const char *p = n->name; while (*p) total += *p++; total += sq(n->tag[0]); n = n->next; }
  return total;
}
int main(void) {
  static int calls;
  calls++;
  return shadow(global_counter, 2) + g_bits.a + g_ops.h(1, 0) + (int)walk(&g_node, 3);
}
`;

const B_C = `
struct decl_elsewhere { int id; const char *label; struct decl_elsewhere *next; };
extern int global_counter;
static const int b_limit = 10;
int use_decl(struct decl_elsewhere *p) { int sum = 0; while (p && sum < b_limit) { sum += p->id + global_counter; p = p->next; } return sum; }
void _start(void) { for (;;) ; }
`;

export interface Fixture { name: string; elf: string; version: 4 | 5; opt: 0 | 2 }

/** The fixture compiled four ways into a new temporary folder. */
export function compileFixtures(): { dir: string; fixtures: Fixture[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dwarf-fixture-'));
  fs.writeFileSync(path.join(dir, 'a.c'), A_C);
  fs.writeFileSync(path.join(dir, 'b.c'), B_C);
  const fixtures: Fixture[] = [];
  for (const version of [4, 5] as const) {
    for (const opt of [0, 2] as const) {
      const name = `dwarf${version}-O${opt}`;
      const elf = path.join(dir, `${name}.elf`);
      const r = spawnSync(GCC, [`-gdwarf-${version}`, `-O${opt}`, '-mcmodel=medany', '-nostdlib', '-ffreestanding', '-Wl,-Ttext=0x80000000', '-o', elf, 'a.c', 'b.c'], { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${GCC} failed for ${name}: ${r.stderr}`);
      fixtures.push({ name, elf, version, opt });
    }
  }
  return { dir, fixtures };
}

/** gdb-multiarch -nx -batch on a file: each command's output (an error message is its output). */
export function gdbBatch(file: string, commands: string[], timeout = 300_000): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dwarf-gdb-'));
  const args = ['set pagination off', 'set width 0', ...commands.flatMap((c, i) => [`echo @@@${i}\\n`, c])].flatMap((c) => ['-ex', c]);
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@" 2>&1', 'sh', GDB, '-nx', '-batch', ...args, file], { cwd: dir, encoding: 'utf8', timeout, maxBuffer: 1 << 28 });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.error) throw r.error;
  const out: string[] = [];
  const parts = r.stdout.split(/^@@@(\d+)$/m);
  for (let i = 1; i < parts.length; i += 2) out[Number(parts[i])] = parts[i + 1].replace(/^\n/, '');
  if (out.length !== commands.length) throw new Error(`gdb answered ${out.length} of ${commands.length} commands:\n${r.stdout.slice(-2000)}`);
  return out;
}
