// The child process of test/fuzz/elf-dwarf.test.ts: for each mutant of an ELF (byte patches over the
// base file), writes it to a file and runs what users run on a program: `samsara symbolize FILE
// ADDRESS...` through the built CLI's main() (output captured), and in process through
// src/symbols' public API (out/symbols/index.js): KernelSymbols.open, locate, line, stopLine,
// functionEntry, describe, the source files and a line's addresses, the program's scopes and
// variables at each pc (their locations, type declarations and sizes), and one unwinding step from
// each pc over a made-up memory. The runner (child-cases.ts) bounds each case in time by killing
// this process.
// Usage: node elf-driver.cjs JOBS.json START RSS_LIMIT; one JSON line per case on fd 3.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { firstOfStack, runCli } = require('./driver-cli.cjs');
const { KernelSymbols } = require(path.join(__dirname, '../../out/symbols/index.js'));
const { declaration, sizeOf } = require(path.join(__dirname, '../../out/symbols/dwarf/types.js'));

const [jobsFile, startText, rssLimitText] = process.argv.slice(2);
const { shared: base, jobs } = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const baseData = fs.readFileSync(base.file);
const rssLimit = Number(rssLimitText);
const file = path.join(os.tmpdir(), `samsara-fuzz-elf-${process.pid}.elf`);
process.on('exit', () => fs.rmSync(file, { force: true }));

function applyPatches(patches) {
  const cut = patches.find((p) => p.at < 0 || (p.at === 0 && p.bytes.length === 0));
  if (cut) return baseData.subarray(0, -cut.at);
  const end = Math.max(baseData.length, ...patches.map((p) => p.at + p.bytes.length));
  const data = Buffer.alloc(end);
  baseData.copy(data);
  for (const p of patches) data.set(p.bytes, p.at);
  return data;
}

async function symbolize() {
  const r = await runCli(['symbolize', file, ...base.addresses, ...base.names]);
  return r.threw ? { threw: r.threw, err: r.err } : { code: r.code, out: r.out, err: r.err };
}

/** Everything the API answers at the base's pcs; an exception ends it, and says which call threw. */
function api() {
  let step = 'KernelSymbols.open';
  let answers = 0;
  try {
    const ks = KernelSymbols.open(file);
    for (const text of base.addresses) {
      const pc = BigInt(text);
      step = `locate(${text})`; ks.locate(pc, true); ks.locate(pc);
      step = `line(${text})`; ks.line(pc); ks.stopLine(pc);
      step = `functionEntry(${text})`; ks.functionEntry(pc);
      step = `describe(${text})`; ks.describe(pc);
      step = `program.scopesAt(${text})`;
      const program = ks.program;
      for (const scope of program ? program.scopesAt(pc) : []) {
        for (const v of scope.variables || []) {
          step = `variable ${v.name} at ${text}`;
          if (v.location) program.locationAt(v.location, pc);
          step = `type of ${v.name} at ${text}`;
          declaration(v.type, v.name);
          sizeOf(v.type);
          answers++;
        }
      }
      step = `unwind(${text})`;
      const registers = new Map([[1, pc + 64n], [2, 0x80100000n], [8, 0x80100040n]]);
      ks.unwind({ pc, registers }, (a) => (a >= 0x80000000n && a < 0x80200000n ? a ^ 0x55n : undefined));
      step = `unwindRow(${text})`; ks.unwindRow(pc);
      answers++;
    }
    step = 'sourceFiles'; const files = ks.sourceFiles();
    if (files.length) { step = 'lineAddresses'; ks.lineAddresses(files[0], 10); }
    for (const n of base.names) { step = `resolve(${n})`; ks.resolve(n); }
    return { ok: true, answers, dwarfError: ks.debugInfoError ? ks.debugInfoError.message.slice(0, 200) : undefined };
  } catch (e) {
    const named = e && (e.name === 'ElfError' || e.name === 'DwarfError');
    return { ok: false, step, errorName: e && e.name, message: named ? String(e.message).slice(0, 300) : firstOfStack(e), answers };
  }
}

(async () => {
  for (let i = Number(startText); i < jobs.length; i++) {
    const t = Date.now();
    fs.writeFileSync(file, applyPatches(jobs[i].patches));
    const cli = await symbolize();
    const inProcess = api();
    const rss = process.resourceUsage().maxRSS * 1024;
    fs.writeSync(3, JSON.stringify({ i, cli, api: inProcess, rss, ms: Date.now() - t }) + '\n');
    if (rss > rssLimit) process.exit(0);
  }
})();
