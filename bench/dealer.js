#!/usr/bin/env node
/**
 * Benchmark: wall time per event of the dealer, the program Cyrus' notifyd runs once per event, serially,
 * waiting for each to exit (../shared/cyrus/FACTS.md). Its start-up time throttles the mail server.
 *
 * Each round spawns three fresh processes, as notifyd would (argv `-c EVENT -p '' -u '' -m '' -f`, stdin
 * one JSON line then EOF, stdout and stderr not read, CYRUS_SERVICE=notify):
 *   a. `node -e 0`                (baseline: what Node itself costs)
 *   b. `node bin/bonnie-dealer`   (what Cyrus should run)
 *   c. `node bin/run.js dealer`   (the same through the oclif CLI)
 * All three use this process' node binary, so the ratios measure what bonnie adds, not a PATH lookup.
 * The order rotates each round (abc, bca, cab) so that no variant always follows the one that fsyncs.
 * Wall time is process.hrtime.bigint() around spawnSync(): fork, exec, run, exit, reap. spawnSync's stdin
 * is a blocking socketpair (libuv), not a pipe(2), which reads the same for one line and EOF.
 *
 * Target (the issue): median(b) <= 1.5 x median(a). A miss is reported, never a failure: the exit status is
 * non-zero only when something failed to run or the events did not all land in the catalog.
 *
 * Usage: node bench/dealer.js [--rounds N] [--warmup N] [--json] [--profile] [--keep] [--dir DIR] [--specimens DIR]
 */
import {spawnSync} from 'node:child_process';
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {availableParallelism, tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DEALER_BIN = join(ROOT, 'bin', 'bonnie-dealer');
const CLI_BIN = join(ROOT, 'bin', 'run.js');
const DEALER_MODULE = join(ROOT, 'dist', 'lib', 'pipeline', 'capture', 'dealer.js');
/** Real events as Cyrus wrote them (../shared/cyrus/specimens next to the project); --specimens overrides. */
const DEFAULT_SPECIMENS = join(dirname(ROOT), 'shared', 'cyrus', 'specimens');

/** The issue's target: bin/bonnie-dealer's median at most this many times `node -e 0`'s. */
const TARGET_RATIO = 1.5;
const DEFAULT_ROUNDS = 30;
const MIN_SOUND_ROUNDS = 20;
const DEFAULT_WARMUP_ROUNDS = 3;
/** A dealer run that takes longer than this is hung (its busy timeout is 2 s). */
const RUN_TIMEOUT_MS = 30 * 1000;
/** notifyd's argv: the class is always EVENT; priority, user and mailbox are empty; `-f` has no value. */
const NOTIFYD_ARGV = ['-c', 'EVENT', '-p', '', '-u', '', '-m', '', '-f'];
/** Unique timestamps start here, one millisecond apart: every run stores a new row (repeats are only counted). */
const TIMESTAMP_BASE_MS = Date.UTC(2001, 0, 1);
const TIMESTAMP_FIELD = /"timestamp":"[^"]*"/;
/** Runs of the phase probe in --profile (their median is shown). */
const PROFILE_PROBE_RUNS = 5;

const USAGE = `usage: node bench/dealer.js [--rounds N] [--warmup N] [--json] [--profile] [--keep] [--dir DIR] [--specimens DIR]
Per-event wall time of \`node -e 0\`, bin/bonnie-dealer and \`bonnie dealer\`, spawned as Cyrus' notifyd does.
  --rounds N       measured rounds, each running all three once (default ${DEFAULT_ROUNDS}; use at least ${MIN_SOUND_ROUNDS})
  --warmup N       rounds run first and discarded (default ${DEFAULT_WARMUP_ROUNDS})
  --json           print one JSON object (type "benchmark") instead of the table
  --profile        also show where bin/bonnie-dealer's time goes (phases, CPU profile, module graph)
  --keep           keep the temporary catalog folder
  --dir DIR        create the temporary catalog folder under DIR (default ${tmpdir()}); its file system matters: each event is fsynced
  --specimens DIR  Cyrus events (*.json, one each) used as stdin in turn (default ${DEFAULT_SPECIMENS})
Run \`npm run build\` first. Exit status: 0 measured (PASS or MISS), 1 something failed, 2 bad usage.
`;

class BenchError extends Error {}

function parseArgs(argv) {
  const options = {rounds: DEFAULT_ROUNDS, warmup: DEFAULT_WARMUP_ROUNDS, json: false, profile: false, keep: false, dir: tmpdir(), specimens: DEFAULT_SPECIMENS};
  const count = (name, value, min) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} needs a whole number of at least ${min}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--rounds': options.rounds = count(name, value(), 1); break;
      case '--warmup': options.warmup = count(name, value(), 0); break;
      case '--dir': options.dir = value() ?? ''; if (options.dir === '') throw new UsageError('--dir needs a folder'); break;
      case '--specimens': options.specimens = value() ?? ''; if (options.specimens === '') throw new UsageError('--specimens needs a folder'); break;
      case '--json': options.json = true; break;
      case '--profile': options.profile = true; break;
      case '--keep': options.keep = true; break;
      case '--help': case '-h': process.stdout.write(USAGE); process.exit(0); break;
      default: throw new UsageError(`unknown argument "${argv[i]}"`);
    }
  }
  return options;
}

class UsageError extends Error {}

/** The specimens, in arrival order, each with exactly one `timestamp` to rewrite. */
function loadSpecimens(dir) {
  if (!existsSync(dir)) throw new BenchError(`no specimens at ${dir}`);
  const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  if (files.length === 0) throw new BenchError(`no *.json specimens in ${dir}`);
  return files.map((name) => {
    const text = readFileSync(join(dir, name), 'utf8').trim();
    if (!TIMESTAMP_FIELD.test(text)) throw new BenchError(`specimen ${name} has no "timestamp" field to make it unique`);
    return {name, text};
  });
}

/** Hands out stdin payloads: specimens in turn, each with a timestamp no other run used. */
function eventSource(specimens) {
  let next = 0;
  return () => {
    const n = next++;
    const {name, text} = specimens[n % specimens.length];
    const timestamp = new Date(TIMESTAMP_BASE_MS + n).toISOString();
    return {name, input: `${text.replace(TIMESTAMP_FIELD, `"timestamp":"${timestamp}"`)}\n`};
  };
}

/** The environment notifyd gives its child: cyrmaster's plus CYRUS_SERVICE; none of the caller's bonnie settings. */
function childEnvironment() {
  const env = {...process.env, CYRUS_SERVICE: 'notify'};
  for (const key of Object.keys(env)) if (key.startsWith('BONNIE_')) delete env[key];
  return env;
}

/**
 * Spawns one process as notifyd would and returns its wall time in ms. Throws when it did not exit 0:
 * node -e 0 and the dealer both exit 0 whenever the event was kept somewhere.
 */
function timeRun(variant, input, context) {
  const stderrFd = openSync(context.stderrFile, 'a');
  let result;
  let elapsed;
  try {
    const start = process.hrtime.bigint();
    result = spawnSync(variant.argv[0], variant.argv.slice(1), {
      cwd: context.workDir,
      env: context.env,
      input,
      stdio: ['pipe', 'ignore', stderrFd],
      timeout: RUN_TIMEOUT_MS,
    });
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    closeSync(stderrFd);
  }
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
    throw new BenchError(`${variant.label} failed (${why}); its stderr is in ${context.stderrFile}`);
  }
  return elapsed;
}

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summarize(samples) {
  const sorted = [...samples].sort((x, y) => x - y);
  return {
    medianMs: round(median(sorted)),
    p90Ms: round(percentile(sorted, 90)),
    minMs: round(sorted[0]),
    maxMs: round(sorted[sorted.length - 1]),
    samplesMs: samples.map(round),
  };
}

function round(value, digits = 2) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function runCli(args, context) {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {cwd: context.workDir, env: {...context.env, CYRUS_SERVICE: undefined}, encoding: 'utf8'});
  if (result.error || result.status !== 0) {
    throw new BenchError(`bonnie ${args.join(' ')} failed (${result.error?.message ?? `exit status ${result.status}`}): ${(result.stderr ?? '').trim()}`);
  }
  return result.stdout;
}

/** Every dealer run must have stored exactly one new pending row in the catalog; nothing spilled, nothing quarantined. */
function verifyLanded(context, expected) {
  const stdout = runCli(['status', '--catalog', context.catalog, '--json'], context);
  let status;
  try {
    status = JSON.parse(stdout);
  } catch {
    throw new BenchError(`bonnie status --json printed something that is not JSON: ${stdout.slice(0, 200)}`);
  }
  const landed = {
    dealerRuns: expected,
    pending: status.queue?.pending,
    duplicateDeliveries: status.queue?.duplicateDeliveries,
    quarantined: status.queue?.quarantined,
    spillFiles: status.spill?.files,
  };
  const problems = [];
  if (landed.pending !== expected) problems.push(`queue.pending is ${landed.pending}, expected ${expected} (one per dealer run)`);
  if (landed.duplicateDeliveries !== 0) problems.push(`queue.duplicateDeliveries is ${landed.duplicateDeliveries}, expected 0 (every event was made unique)`);
  if (landed.quarantined !== 0) problems.push(`queue.quarantined is ${landed.quarantined}, expected 0`);
  if (landed.spillFiles !== 0) problems.push(`spill.files is ${landed.spillFiles}, expected 0: the dealer could not use the catalog (see ${context.stderrFile} and syslog)`);
  if (problems.length > 0) throw new BenchError(`the events did not all land in the catalog ${context.catalog}:\n  ${problems.join('\n  ')}`);
  return landed;
}

/** File system type of a folder, for the report: fsync cost depends on it (tmpfs vs ext4 vs overlay). */
function fileSystemOf(dir) {
  const result = spawnSync('stat', ['-f', '-c', '%T', dir], {encoding: 'utf8'});
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}

/** Warns on stderr when src/ has a file newer than the build: the benchmark would measure old code. */
function warnIfStale() {
  const built = statSync(DEALER_MODULE).mtimeMs;
  const walk = (dir) => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const newer = walk(join(ROOT, 'src')).filter((file) => file.endsWith('.ts') && statSync(file).mtimeMs > built);
  if (newer.length > 0) process.stderr.write(`warning: ${newer.length} file(s) in src/ are newer than dist/ (e.g. ${relative(ROOT, newer[0])}); run "npm run build" to measure the current code\n`);
}

function measure(options, context, nextEvent) {
  const variants = [
    {key: 'a', label: 'node -e 0', argv: [process.execPath, '-e', '0'], dealer: false},
    {key: 'b', label: 'bin/bonnie-dealer', argv: [process.execPath, DEALER_BIN, '--catalog', context.catalog, ...NOTIFYD_ARGV], dealer: true},
    {key: 'c', label: 'node bin/run.js dealer', argv: [process.execPath, CLI_BIN, 'dealer', '--catalog', context.catalog, ...NOTIFYD_ARGV], dealer: true},
  ];
  const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
  const total = options.warmup + options.rounds;
  const progress = process.stderr.isTTY && !options.json;
  for (let round = 0; round < total; round++) {
    const measured = round >= options.warmup;
    if (progress) process.stderr.write(`\r${measured ? `round ${round - options.warmup + 1}/${options.rounds}` : `warm-up ${round + 1}/${options.warmup}`}   `);
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length];
      // node -e 0 gets an event too: every variant pays the same pipe set-up.
      const {input} = nextEvent();
      const ms = timeRun(variant, input, context);
      if (variant.dealer) context.dealerRuns++;
      if (measured) samples[variant.key].push(ms);
    }
  }
  if (progress) process.stderr.write('\r\x1b[K');
  return variants.map((v) => ({key: v.key, label: v.label, command: v.argv.map((arg) => (arg === process.execPath ? 'node' : relativeToRoot(arg))), ...summarize(samples[v.key])}));
}

function relativeToRoot(arg) {
  return arg.startsWith(ROOT) ? relative(ROOT, arg) : arg;
}

// ---------------------------------------------------------------------------------------------------------
// --profile: where the dealer's time goes. Short on purpose: it guides optimisation, it does not replace a profiler.

/**
 * Phases of one dealer run, measured inside the child with performance.now() (0 = process start):
 * Node's bootstrap until user code runs, importing dealer.js (its whole module graph), main() (read stdin,
 * settings, open catalog + dlopen of the addon, migrate check, insert, fsync, close), and what the rest of
 * the wall time is (exit, reap, spawn).
 */
const PROBE = `
import {performance} from 'node:perf_hooks';
import {createRequire} from 'node:module';
const started = performance.now();
const dealer = await import(process.env.BENCH_DEALER_MODULE);
const imported = performance.now();
const status = await dealer.main(process.argv.slice(1));
const dealt = performance.now();
const cjs = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({bootstrapMs: started, importMs: imported - started, mainMs: dealt - imported, status, cjs}));
`;

function probePhases(context, nextEvent) {
  const runs = [];
  for (let i = 0; i < PROFILE_PROBE_RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, '--', '--catalog', context.catalog, ...NOTIFYD_ARGV], {
      cwd: context.workDir,
      env: {...context.env, BENCH_DEALER_MODULE: pathToFileURL(DEALER_MODULE).href},
      input: nextEvent().input,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    context.dealerRuns++;
    if (result.status !== 0) throw new BenchError(`profile probe failed (exit status ${result.status}): ${result.stderr}`);
    const phase = JSON.parse(result.stdout);
    if (phase.status !== 0) throw new BenchError(`profile probe: the dealer's main() returned ${phase.status}`);
    runs.push({...phase, restMs: wallMs - phase.bootstrapMs - phase.importMs - phase.mainMs});
  }
  const pick = (key) => round(median(runs.map((r) => r[key])), 1);
  const cjs = runs[0].cjs.map((file) => relative(ROOT, file));
  return {bootstrapMs: pick('bootstrapMs'), importMs: pick('importMs'), mainMs: pick('mainMs'), restMs: pick('restMs'), commonJsFiles: cjs};
}

/** The static ESM graph under dist/ that dealer.js pulls in, and the packages and builtins it names. */
function moduleGraph() {
  const seen = new Set();
  const packages = new Set();
  const builtins = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
      const spec = match[1] ?? match[2];
      if (spec.startsWith('.')) visit(join(dirname(file), spec));
      else if (spec.startsWith('node:')) builtins.add(spec);
      else packages.add(spec);
    }
  };
  visit(DEALER_MODULE);
  return {esmFiles: [...seen].map((f) => relative(ROOT, f)), packages: [...packages], builtins: [...builtins].sort()};
}

/**
 * Where a profile frame's code lives. Generic built-ins (path, url, fs...) and unnamed native calls return
 * undefined: their time is charged to the nearest caller that has a place (a loader, a package, bonnie).
 */
function profilePlace(url, functionName) {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8 outside JS (compiling, parsing, native)';
    if (functionName === '(idle)') return 'idle (event loop waiting: Node 20\'s ESM loader reads each file asynchronously)';
    if (functionName === 'dlopen') return 'dlopen of better_sqlite3.node';
    return undefined;
  }
  if (url.includes('/node_modules/')) {
    const parts = url.split('/node_modules/').pop().split('/');
    return `package ${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]} (JS)`;
  }
  if (url.startsWith('file://')) return fileURLToPath(url).startsWith(join(ROOT, 'dist')) ? 'bonnie code (dist/)' : relative(ROOT, fileURLToPath(url));
  if (/^node:internal\/(modules\/esm|vm)/.test(url)) return 'node: ESM loader';
  if (/^node:internal\/(modules\/cjs|deps\/cjs-module-lexer|modules\/package_json_reader|modules\/helpers)/.test(url)) return 'node: CommonJS loader (+ lexer)';
  if (/^node:internal\/(bootstrap|process|main|modules\/run_main|per_context|options)/.test(url)) return 'node: bootstrap';
  return undefined;
}

function cpuProfile(context, nextEvent) {
  const dir = join(context.workDir, 'cpu-profile');
  mkdirSync(dir, {recursive: true});
  const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, DEALER_BIN, '--catalog', context.catalog, ...NOTIFYD_ARGV], {
    cwd: context.workDir,
    env: context.env,
    input: nextEvent().input,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  context.dealerRuns++;
  if (result.status !== 0) throw new BenchError(`node --cpu-prof bin/bonnie-dealer failed (exit status ${result.status}): ${result.stderr}`);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new BenchError(`node --cpu-prof wrote no profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i]);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const placeOf = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const place = profilePlace(nodes.get(at).callFrame.url, nodes.get(at).callFrame.functionName);
      if (place !== undefined) return place;
    }
    return 'node: other built-ins';
  };
  const places = new Map();
  for (const [id, us] of selfUs) {
    const place = placeOf(id);
    places.set(place, (places.get(place) ?? 0) + us);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const byPlace = [...places].map(([place, us]) => ({place, selfMs: round(us / 1000, 1)})).sort((x, y) => y.selfMs - x.selfMs);
  return {file: join(dir, file), totalMs: round(totalMs, 1), byPlace};
}

function profileDealer(context, nextEvent) {
  return {phases: probePhases(context, nextEvent), graph: moduleGraph(), cpu: cpuProfile(context, nextEvent)};
}

// ---------------------------------------------------------------------------------------------------------
// Output

function renderTable(result) {
  const lines = [];
  const fmt = (ms) => ms.toFixed(1).padStart(8);
  lines.push(`dealer start-up: ${result.rounds} rounds (+${result.warmupRounds} warm-up), node ${result.node}, ${result.cpus} CPU(s), catalog on ${result.fileSystem}`);
  lines.push('');
  lines.push(`   ${'per event, wall ms'.padEnd(26)}${'median'.padStart(8)}${'p90'.padStart(8)}${'min'.padStart(8)}${'max'.padStart(8)}${'x (a)'.padStart(8)}`);
  const ratios = {a: 1, b: result.ratios.bOverA, c: result.ratios.cOverA};
  for (const v of result.variants) {
    const ratio = ratios[v.key];
    lines.push(`${v.key}  ${v.label.padEnd(26)}${fmt(v.medianMs)}${fmt(v.p90Ms)}${fmt(v.minMs)}${fmt(v.maxMs)}${ratio.toFixed(2).padStart(8)}`);
  }
  lines.push('');
  const t = result.target;
  lines.push(`target: bin/bonnie-dealer <= ${t.maxRatio} x node -e 0 (${t.budgetMs.toFixed(1)} ms here): ${t.result} at ${t.ratio.toFixed(2)} x (b/a); bonnie dealer via oclif: ${result.ratios.cOverA.toFixed(2)} x (c/a)`);
  lines.push(`events: ${result.events.dealerRuns} dealer runs, ${result.events.pending} pending in the catalog, ${result.events.spillFiles} spilled, ${result.events.quarantined} quarantined`);
  if (result.profile) lines.push('', ...renderProfile(result.profile, result.workDir !== undefined));
  else if (t.result === 'MISS') lines.push(`what dominates: run with --profile (bin/bonnie-dealer spends ${(result.variants[1].medianMs - result.variants[0].medianMs).toFixed(1)} ms more than node -e 0 per event)`);
  return `${lines.join('\n')}\n`;
}

function renderProfile(profile, keep) {
  const {phases, graph, cpu} = profile;
  const lines = ['where bin/bonnie-dealer spends its time (--profile):'];
  const ms = (value) => value.toFixed(1);
  lines.push(`  phases, median of ${PROFILE_PROBE_RUNS} runs (ms): node bootstrap ${ms(phases.bootstrapMs)} | import dealer.js ${ms(phases.importMs)} | main() ${ms(phases.mainMs)} | exit+spawn ${ms(phases.restMs)}`);
  lines.push(`  module graph: ${graph.esmFiles.length} ESM files from dist/, ${phases.commonJsFiles.length} CommonJS files (${summarizeCjs(phases.commonJsFiles)}), builtins ${graph.builtins.join(' ')}`);
  lines.push(`  CPU profile of one run, ${cpu.totalMs} ms (self time; built-ins charged to their caller), ms:`);
  for (const {place, selfMs} of cpu.byPlace) lines.push(`    ${selfMs.toFixed(1).padStart(6)}  ${place}`);
  lines.push(`  profile: ${keep ? cpu.file : 'rerun with --keep to keep the .cpuprofile'}`);
  return lines;
}

function summarizeCjs(files) {
  const counts = new Map();
  for (const file of files) {
    const pkg = file.includes('node_modules/') ? file.split('node_modules/')[1].split('/')[0] : file;
    counts.set(pkg, (counts.get(pkg) ?? 0) + 1);
  }
  return [...counts].map(([pkg, n]) => `${pkg} ${n}`).join(', ') || 'none';
}

// ---------------------------------------------------------------------------------------------------------

async function main(argv) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench/dealer.js: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (!existsSync(DEALER_MODULE)) {
    process.stderr.write(`bench/dealer.js: ${relative(ROOT, DEALER_MODULE)} is missing; run "npm run build" first\n`);
    return 1;
  }
  if (options.rounds < MIN_SOUND_ROUNDS) process.stderr.write(`warning: ${options.rounds} rounds is too few on a noisy machine; use at least ${MIN_SOUND_ROUNDS}\n`);
  warnIfStale();

  mkdirSync(options.dir, {recursive: true});
  const workDir = mkdtempSync(join(options.dir, 'bonnie-bench-dealer-'));
  const context = {workDir, catalog: join(workDir, 'catalog.db'), stderrFile: join(workDir, 'stderr.log'), env: childEnvironment(), dealerRuns: 0};
  let ok = false;
  try {
    const nextEvent = eventSource(loadSpecimens(options.specimens));
    runCli(['init', '--catalog', context.catalog], context);
    const variants = measure(options, context, nextEvent);
    const profile = options.profile ? profileDealer(context, nextEvent) : undefined;
    const events = verifyLanded(context, context.dealerRuns);
    const [a, b, c] = variants;
    const ratio = b.medianMs / a.medianMs;
    const result = {
      type: 'benchmark',
      name: 'dealer',
      node: process.version,
      cpus: availableParallelism(),
      fileSystem: fileSystemOf(workDir),
      rounds: options.rounds,
      warmupRounds: options.warmup,
      variants,
      ratios: {bOverA: round(ratio, 3), cOverA: round(c.medianMs / a.medianMs, 3)},
      target: {variant: 'b', maxRatio: TARGET_RATIO, ratio: round(ratio, 3), budgetMs: round(TARGET_RATIO * a.medianMs), result: round(ratio, 3) <= TARGET_RATIO ? 'PASS' : 'MISS'},
      events,
      ...(profile ? {profile} : {}),
      workDir: options.keep ? workDir : undefined,
    };
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : renderTable(result));
    ok = true;
    return 0;
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    process.stderr.write(`bench/dealer.js: ${error.message}\n`);
    return 1;
  } finally {
    if (options.keep || !ok) process.stderr.write(`${ok ? 'kept' : 'left for inspection'}: ${workDir}\n`);
    else rmSync(workDir, {recursive: true, force: true});
  }
}

process.exitCode = await main(process.argv.slice(2));
