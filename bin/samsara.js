#!/usr/bin/env node
'use strict';
let cli;
try {
  cli = require('../out/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('out/cli/main.js')) {
    process.stderr.write('samsara: not built yet: run `npm ci` (or `npm run build`) in ' + require('path').resolve(__dirname, '..') + '\n');
    process.exit(2);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
