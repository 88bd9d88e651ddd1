// The child process of test/fuzz/recordings.test.ts: runs `samsara replay --quiet FILE` and
// `samsara info FILE` for each case, in process, through the built CLI's own entry point
// (out/cli/main.js main(), the function bin/samsara.js calls), with process.stdout and
// process.stderr captured. Nothing of the CLI is changed or skipped: a replay runs to its end as
// the CLI's does, and the runner (child-cases.ts) bounds it in time by killing this process.
// Usage: node recording-driver.cjs JOBS.json START RSS_LIMIT; one JSON line per case on fd 3.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { main } = require(path.join(__dirname, '../../out/cli/main.js'));

const [jobsFile, startText, rssLimitText] = process.argv.slice(2);
const { jobs } = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const rssLimit = Number(rssLimitText);

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

async function run(argv) {
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

(async () => {
  for (let i = Number(startText); i < jobs.length; i++) {
    const job = jobs[i];
    const t = Date.now();
    const replay = await run(['replay', '--quiet', job.file]);
    const info = await run(['info', job.file]);
    const rss = process.resourceUsage().maxRSS * 1024;
    fs.writeSync(3, JSON.stringify({ i, replay, info, rss, ms: Date.now() - t }) + '\n');
    if (rss > rssLimit) process.exit(0); // the next case is measured in a fresh process
  }
})();
