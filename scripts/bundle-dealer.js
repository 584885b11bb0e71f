#!/usr/bin/env node
// Bundles the dealer (dist/lib/cli/dealer-entry.js: the catalog's schema and pipeline/capture/dealer.js, compiled by tsc, and better-sqlite3's JavaScript) into
// one CommonJS file, dist/bonnie-dealer.cjs, which bin/bonnie-dealer loads.
//
// Why: notifyd runs the dealer once per event and waits for it, so its start-up is the mail server's
// throughput. Loading ~35 module files cost ~20 ms per event, more than the work itself; one file
// brings the dealer within 1.5x of `node -e 0` (bench/dealer.js measures it).
import {build} from 'esbuild';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['dist/lib/cli/dealer-entry.js'],
  outfile: 'dist/bonnie-dealer.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Native code and what loads it on demand stay outside: the addon path is resolved at run time.
  external: ['unix-dgram', 'bindings', '*.node'],
  // The catalog resolves better-sqlite3's addon relative to import.meta.url, which CommonJS lacks.
  define: {'import.meta.url': '__bonnieModuleUrl'},
  banner: {js: 'const __bonnieModuleUrl = require("node:url").pathToFileURL(__filename).href;'},
  legalComments: 'none',
  logLevel: 'warning',
});
