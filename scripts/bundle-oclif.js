#!/usr/bin/env node
/**
 * Bundles @oclif/core into one ES module, dist/oclif/lib/index.mjs, which the built CLI loads through the
 * package's `#oclif` import (package.json "imports"). oclif's index is ~120 CommonJS files (its own and
 * small dependencies: debug, minimatch, picomatch, ejs, wrap-ansi...); Node 20 has no compile cache, and
 * resolving, reading and compiling them one by one cost ~60 ms of CPU on every `bonnie` call, about as much
 * as Node's own start-up. One file costs a fraction (bench/startup.js).
 *
 * The bundle is oclif's own code, unchanged. What a bundle changes is provided by the banner: `require`
 * (oclif requires packages it may not need, e.g. typescript, lazily and at run time), `__dirname` and
 * `__filename`. oclif reads `../package.json` beside its code for its name, version and engines: a copy of
 * those fields is written to dist/oclif/package.json.
 *
 * Development and tests use node_modules/@oclif/core itself: "imports" maps `#oclif` to it under the
 * `development` condition (vitest sets it; bin/dev.js passes `-C development`), and TypeScript reads its
 * types from there too.
 *
 *   node scripts/bundle-oclif.js    (run by `npm run build`)
 */
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const OUT_DIR = join(root, 'dist', 'oclif');
/** What bonnie imports from `#oclif`: the bundle exports exactly these, so a name missing here fails the build. */
const EXPORTS = ['Args', 'Command', 'CommandHelp', 'Config', 'Errors', 'Flags', 'Help', 'Interfaces', 'Plugin', 'execute', 'settings'];

const pjson = JSON.parse(readFileSync(require.resolve('@oclif/core/package.json'), 'utf8'));

/**
 * The one change made to oclif's code. Every start sorts the commands with `localeCompare`, whose first
 * call loads ICU's collator: ~7 ms of CPU per call of bonnie (bench/startup.js, A/B). Command ids are lower
 * case ASCII words and colons, which the collator orders as their code points do: the same order, without
 * ICU. The build fails if oclif's text changed and the replacement no longer applies.
 */
const SORT_BY_ID = '.sort((a, b) => a.id.localeCompare(b.id))';
const codePointSort = {
  name: 'oclif-sort-without-icu',
  setup(plugin) {
    plugin.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (text.split(SORT_BY_ID).length !== 2) throw new Error(`bundle-oclif: ${args.path} no longer sorts commands with "${SORT_BY_ID}" once: check the replacement`);
      return {contents: text.replace(SORT_BY_ID, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))'), loader: 'js'};
    });
  },
};

await build({
  absWorkingDir: root,
  plugins: [codePointSort],
  stdin: {contents: `export {${EXPORTS.join(', ')}} from '@oclif/core';`, resolveDir: root, sourcefile: 'oclif-entry.js', loader: 'js'},
  outfile: join(OUT_DIR, 'lib', 'index.mjs'),
  bundle: true,
  platform: 'node',
  // ESM, not CommonJS: Node would scan a CommonJS file this size for its export names on every import.
  format: 'esm',
  target: 'node20',
  // Loaded by oclif only to run TypeScript sources, which the built CLI never does (bin/run.js).
  external: ['typescript', 'tsx', 'ts-node', 'pnpapi'],
  banner: {
    js: [
      "import {createRequire as __bonnieCreateRequire} from 'node:module';",
      "import {dirname as __bonnieDirname} from 'node:path';",
      "import {fileURLToPath as __bonnieFileURLToPath} from 'node:url';",
      'const require = __bonnieCreateRequire(import.meta.url);',
      'const __filename = __bonnieFileURLToPath(import.meta.url);',
      'const __dirname = __bonnieDirname(__filename);',
    ].join('\n'),
  },
  legalComments: 'none',
  logLevel: 'warning',
});

mkdirSync(OUT_DIR, {recursive: true});
writeFileSync(join(OUT_DIR, 'package.json'), `${JSON.stringify({name: pjson.name, version: pjson.version, engines: pjson.engines, license: pjson.license}, null, 2)}\n`);
// oclif's licence (MIT) travels with its code.
copyFileSync(join(dirname(require.resolve('@oclif/core/package.json')), 'LICENSE'), join(OUT_DIR, 'LICENSE'));
