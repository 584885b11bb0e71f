#!/usr/bin/env node
/**
 * Writes oclif.manifest.json: every command's id, summary, flags and arguments, read once from dist/ at
 * build time. Without it oclif imports every command module (and everything they import) on each start,
 * only to learn their flags; with it a call loads the one command it runs, and `--version` or `--help`
 * load none.
 *
 * The manifest is computed by @oclif/core's own Plugin, with the options `oclif manifest` (the oclif CLI
 * package, which bonnie does not depend on) passes: ignore any existing manifest, fail on a command that
 * does not load, honour `--no-` defaults. Auto-transpiling is off so the manifest always describes dist/,
 * whatever NODE_ENV says (oclif would otherwise look for src/ under NODE_ENV=test or development).
 *
 *   node scripts/build-manifest.js    (run by `npm run build`, after tsc)
 *
 * Exit status: 0 written, 1 a command did not load or the package is not an oclif CLI.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Plugin, settings} from '@oclif/core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MANIFEST = join(ROOT, 'oclif.manifest.json');

async function main() {
  settings.enableAutoTranspile = false;
  const plugin = new Plugin({root: ROOT, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true});
  await plugin.load();
  if (!plugin.valid) throw new Error(`${ROOT}package.json has no "oclif" section`);
  const count = Object.keys(plugin.manifest.commands).length;
  if (count === 0) throw new Error(`no commands found in ${plugin.pjson.oclif.commands}; run tsc first`);
  // Same layout as `oclif manifest`, so a diff between two builds reads well.
  writeFileSync(MANIFEST, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
  console.error(`oclif.manifest.json: ${count} commands, version ${plugin.manifest.version}`);
}

try {
  await main();
} catch (error) {
  console.error(`scripts/build-manifest.js: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
