#!/usr/bin/env node
/**
 * Runs the benchmarks: every bench/*.js and bench/*.ts except this file, or only those named, one after the
 * other, each in its own process (a benchmark must not share a warm process with another). TypeScript
 * benchmarks (those that reuse test/harness/) run under tsx: `node --import tsx <file>`.
 *
 *   npm run bench                              # all of them
 *   npm run bench -- dealer --rounds 50 --json # only bench/dealer.js, with these options
 *
 * Names come first (`dealer`, `dealer.js` or `bench/dealer.js`; `capture`, `capture.ts`); the first word
 * starting with `-` and everything after it is passed to each benchmark. Benchmarks report, they do not gate: the exit status is
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

const BENCH_FILE = /\.(js|ts)$/;
/** tsx's loader, resolved from here so that `--import` works whatever the working folder (Node >= 20.6, as `--import`). */
const tsxLoader = () => import.meta.resolve?.('tsx') ?? 'tsx';
const stem = (name) => basename(name).replace(BENCH_FILE, '');

const available = readdirSync(BENCH_DIR)
  .filter((name) => BENCH_FILE.test(name) && !name.endsWith('.d.ts') && name !== SELF)
  .sort();
const wanted = names.length === 0 ? available : names.map((name) => available.find((file) => stem(file) === stem(name)) ?? name);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`bench/run.js: no benchmark ${unknown.join(', ')}; available: ${available.map(stem).join(', ') || 'none'}`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted) {
  if (wanted.length > 1) process.stderr.write(`== bench/${name}\n`);
  const loader = name.endsWith('.ts') ? ['--import', tsxLoader()] : [];
  const result = spawnSync(process.execPath, [...loader, join(BENCH_DIR, name), ...passed], {stdio: 'inherit'});
  if (result.error || result.status !== 0) {
    failed++;
    console.error(`bench/run.js: bench/${name} failed (${result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`)})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
