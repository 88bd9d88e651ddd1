// The child process of test/fuzz/recordings.test.ts: runs `samsara replay --quiet FILE` and
// `samsara info FILE` for each case, in process, through the built CLI's own entry point
// (out/cli/main.js main(), the function bin/samsara.js calls), with process.stdout and
// process.stderr captured. Nothing of the CLI is changed or skipped: a replay runs to its end as
// the CLI's does, and the runner (child-cases.ts) bounds it in time by killing this process.
// Usage: node recording-driver.cjs JOBS.json START RSS_LIMIT; one JSON line per case on fd 3.
'use strict';
const fs = require('node:fs');
const { runCli } = require('./driver-cli.cjs');

const [jobsFile, startText, rssLimitText] = process.argv.slice(2);
const { jobs } = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const rssLimit = Number(rssLimitText);

(async () => {
  for (let i = Number(startText); i < jobs.length; i++) {
    const job = jobs[i];
    const t = Date.now();
    const replay = await runCli(['replay', '--quiet', job.file]);
    const info = await runCli(['info', job.file]);
    const rss = process.resourceUsage().maxRSS * 1024;
    fs.writeSync(3, JSON.stringify({ i, replay, info, rss, ms: Date.now() - t }) + '\n');
    if (rss > rssLimit) process.exit(0); // the next case is measured in a fresh process
  }
})();
