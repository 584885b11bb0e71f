#!/usr/bin/env node
/**
 * Runs the benchmarks: every bench/*.js except this file, or only those named, one after the other, each
 * in its own process (a benchmark must not share a warm process with another).
 *
 *   npm run bench                              # all of them
 *   npm run bench -- dealer --rounds 50 --json # only bench/dealer.js, with these options
 *
 * Names come first (`dealer`, `dealer.js` or `bench/dealer.js`); the first word starting with `-` and
 * everything after it is passed to each benchmark. Benchmarks report, they do not gate: the exit status is
 * non-zero only when a benchmark failed to run (its own status), never because a target was missed.
 */
import {spawnSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const SELF = basename(fileURLToPath(import.meta.url));

const argv = process.argv.slice(2);
const firstOption = argv.findIndex((arg) => arg.startsWith('-'));
const names = firstOption === -1 ? argv : argv.slice(0, firstOption);
const passed = firstOption === -1 ? [] : argv.slice(firstOption);

const available = readdirSync(BENCH_DIR)
  .filter((name) => name.endsWith('.js') && name !== SELF)
  .sort();
const wanted = names.length === 0 ? available : names.map((name) => `${basename(name).replace(/\.js$/, '')}.js`);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`bench/run.js: no benchmark ${unknown.join(', ')}; available: ${available.map((n) => n.replace(/\.js$/, '')).join(', ') || 'none'}`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted) {
  if (wanted.length > 1) process.stderr.write(`== bench/${name}\n`);
  const result = spawnSync(process.execPath, [join(BENCH_DIR, name), ...passed], {stdio: 'inherit'});
  if (result.error || result.status !== 0) {
    failed++;
    console.error(`bench/run.js: bench/${name} failed (${result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`)})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
