// What both fuzz drivers share: the CLI's main() (as bin/samsara.js calls it) run in this process
// with process.stdout and process.stderr captured (each kept to its first CAP characters), and the
// first line and frame of an exception, to sort failures by.
'use strict';
const path = require('node:path');
const { main } = require(path.join(__dirname, '../../out/cli/main.js'));

const CAP = 4000;
let out = '';
let err = '';
process.stdout.write = (chunk) => { if (out.length < CAP) out += String(chunk); return true; };
process.stderr.write = (chunk) => { if (err.length < CAP) err += String(chunk); return true; };

/** The first line of an exception and the first frame of its stack. */
function firstOfStack(e) {
  if (!(e instanceof Error)) return `non-Error thrown: ${String(e).slice(0, 200)}`;
  const frames = (e.stack || '').split('\n').filter((l) => /^\s+at /.test(l));
  return `${e.name}: ${e.message.split('\n')[0].slice(0, 300)}${frames[0] ? ` ${frames[0].trim()}` : ''}`;
}

/** `samsara ARGV` in this process: its exit code or what it threw, and what it printed. */
async function runCli(argv) {
  out = '';
  err = '';
  const t = Date.now();
  try {
    const code = await main(argv);
    return { code, out: out.slice(0, 300), err, ms: Date.now() - t };
  } catch (e) {
    return { threw: firstOfStack(e), out: out.slice(0, 300), err, ms: Date.now() - t };
  }
}

module.exports = { firstOfStack, runCli };
