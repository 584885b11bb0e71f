/**
 * Benchmark: `bonnie archive --all` on a Cyrus spool of realistic mail. The corpus (bench/lib/mail-corpus.ts:
 * a simulated company's mail in five languages, threads with quoted replies, text and HTML, PDFs, photos,
 * screenshots, office documents, CSV and logs in base64, mailing lists, newsletters, meeting requests,
 * forwards; ~100 kB a message on average) is generated once per seed and size and kept in the temporary
 * folder, then archived by the BUILT command line (dist/) in a child process:
 *   run 1   an empty archive: messages/s, MB/s, stored bytes / source bytes, RSS sampled from /proc every
 *           100 ms (peak, and at each tenth of the messages, from the catalog's message_link rows)
 *   run 2   the same spool again: incremental, it must read nothing
 * Baselines on the same spool, from the same page cache (every file is read once before anything is timed):
 *   read    every file read with readFileSync, one thread (the floor)
 *   tar     `tar -cf - <spool> | zstd -3 -T0` (one stream, both cores)
 *   zstd    readFileSync + zstd-napi level 3, one frame per file, one thread (what bonnie does per message,
 *           without hashing, dedup, tar, fsync, verification or the catalog)
 * Targets (the issue): >= 2,500 msg/s; stored <= 40% of the source (issue 19); RSS flat. PASS or MISS, never a failure.
 * The results must be sound or the benchmark exits 1: run 1 reads every file, stores each distinct
 * message once and finds no checksum mismatch; run 2 reads nothing.
 *
 * `--levels` adds the zstd baseline at levels 1, 2, 3 and 6; `--profile` a third, profiled run
 * (`node --cpu-prof`) summarised by function for each thread.
 *
 * Needs `npm run build`. Usage:
 *   node --import tsx bench/archive.ts [--messages N] [--users N] [--seed N] [--dir DIR] [--cli PATH] [--rounds R] [--levels] [--profile] [--json] [--keep]
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {dirname, join, relative, resolve} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import Database from 'better-sqlite3';
import {Compressor} from 'zstd-napi';
import type {ArchiveSummary} from '../dist/lib/pipeline/snapshot/archiver.js';
import {CORPUS_VERSION, buildCorpus, describeComposition, type Composition} from './lib/mail-corpus.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = dirname(dirname(SELF));
const DEFAULT_CLI = join(ROOT, 'bin', 'run.js');

/** The issue's targets. */
const TARGET_MESSAGES_PER_SECOND = 2500;
/** Issue 19: stored / source <= 40% (issue 9 had asked 35%, which zstd alone cannot reach on this corpus). */
const TARGET_STORED_SHARE = 0.4;
/** RSS counts as flat when the RSS at the end is at most this much above the RSS at a tenth of the run. */
const FLAT_RSS_GROWTH = 1.2;
const DEFAULT_MESSAGES = 20_000;
const DEFAULT_USERS = 50;
const DEFAULT_SEED = 0x626f6e;
const RSS_SAMPLE_MS = 100;
const TENTHS = 10;
const LEVELS = [1, 2, 3, 6];

const USAGE = `usage: node --import tsx bench/archive.ts [--messages N] [--users N] [--seed N] [--dir DIR] [--cli PATH] [--rounds R] [--levels] [--profile] [--json] [--keep]
Archives a generated Cyrus spool of realistic mail with the built \`bonnie archive --all\`: msg/s, MB/s, stored/source, RSS.
  --messages N  message files in the spool (default ${DEFAULT_MESSAGES.toLocaleString('en')}; ~100 kB each on average)
  --users N     users, each with INBOX, Sent and Archive (default ${DEFAULT_USERS})
  --seed N      seed of the corpus (default ${DEFAULT_SEED}): the same seed and size make the same spool
  --dir DIR     where the corpus is cached and the archive written (default ${tmpdir()})
  --cli PATH    the bonnie to run (default ${relative(process.cwd(), DEFAULT_CLI) || DEFAULT_CLI}): another build's bin/run.js, to compare
  --rounds R    run 1 R times, each on an empty archive (default 1); the figures are the median round's
  --levels      also measure zstd-napi at levels ${LEVELS.join(', ')} on the corpus (one thread)
  --profile     also a profiled run (node --cpu-prof), summarised by function per thread
  --json        print one JSON object (type "benchmark", name "archive") instead of the report
  --keep        keep the archives and catalogs (the corpus is always kept)
Needs \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed or results not sound, 2 bad usage.
`;

class UsageError extends Error {}
class BenchError extends Error {}

interface Options {
  messages: number;
  users: number;
  seed: number;
  dir: string;
  cli: string;
  rounds: number;
  levels: boolean;
  profile: boolean;
  json: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {messages: DEFAULT_MESSAGES, users: DEFAULT_USERS, seed: DEFAULT_SEED, dir: tmpdir(), cli: DEFAULT_CLI, rounds: 1, levels: false, profile: false, json: false, keep: false};
  const count = (name: string, value: string | undefined, min: number) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} needs a whole number of at least ${min}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--messages') options.messages = count(name, value(), 100);
    else if (name === '--users') options.users = count(name, value(), 2);
    else if (name === '--seed') options.seed = count(name, value(), 0);
    else if (name === '--rounds') options.rounds = count(name, value(), 1);
    else if (name === '--dir' || name === '--cli') {
      const path = value();
      if (path === undefined || path === '') throw new UsageError(`${name} needs a path`);
      options[name === '--dir' ? 'dir' : 'cli'] = path;
    } else if (name === '--levels' || name === '--profile' || name === '--json' || name === '--keep') options[name.slice(2) as 'levels' | 'profile' | 'json' | 'keep'] = true;
    else if (name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------
// The corpus, cached by generator version, seed and size

interface Corpus {
  dir: string;
  spool: string;
  composition: Composition;
  /** Every message file, in the order of the spool's folders. */
  files: string[];
  /** Seconds it took to generate, or undefined when it came from the cache. */
  builtSeconds: number | undefined;
}

function loadCorpus(options: Options, log: (line: string) => void): Corpus {
  const dir = join(options.dir, `bonnie-bench-archive-v${CORPUS_VERSION}-s${options.seed}-m${options.messages}-u${options.users}`);
  const spool = join(dir, 'spool');
  const marker = join(dir, 'corpus.json');
  let builtSeconds: number | undefined;
  if (!existsSync(marker)) {
    const partial = `${dir}.partial`;
    rmSync(partial, {recursive: true, force: true});
    mkdirSync(join(partial, 'spool'), {recursive: true});
    log(`generating the corpus in ${dir} (once per seed and size)...`);
    const start = performance.now();
    const composition = buildCorpus(join(partial, 'spool'), partial, {seed: options.seed, messages: options.messages, users: options.users});
    writeFileSync(join(partial, 'corpus.json'), `${JSON.stringify(composition, null, 2)}\n`);
    rmSync(dir, {recursive: true, force: true});
    renameSync(partial, dir);
    builtSeconds = (performance.now() - start) / 1000;
  }
  const composition = JSON.parse(readFileSync(marker, 'utf8')) as Composition;
  return {dir, spool, composition, files: messageFiles(spool), builtSeconds};
}

/** The `<UID>.` files of every folder under the partition root `spool` (uuid/<a>/<b>/<mailboxID>/). */
function messageFiles(spool: string): string[] {
  const files: string[] = [];
  const uuid = join(spool, 'uuid');
  for (const a of readdirSync(uuid).sort())
    for (const b of readdirSync(join(uuid, a)).sort())
      for (const id of readdirSync(join(uuid, a, b)).sort()) {
        const folder = join(uuid, a, b, id);
        for (const name of readdirSync(folder)) if (/^\d+\.$/.test(name)) files.push(join(folder, name));
      }
  return files;
}

// ---------------------------------------------------------------------------------------------------------
// Baselines

interface ZstdBaseline {
  level: number;
  seconds: number;
  /** CPU time of this thread (user + system): steadier than wall time on a busy machine. */
  cpuSeconds: number;
  bytes: number;
  stored: number;
  /** Files with an attachment file (a Content-Disposition: attachment part) and without, separately. */
  withAttachments: {files: number; bytes: number; stored: number};
  withoutAttachments: {files: number; bytes: number; stored: number};
}

const ATTACHMENT_PART = Buffer.from('Content-Disposition: attachment');

/** readFileSync + one zstd frame per file (content size and checksum on, as bonnie writes them), one thread. */
function zstdBaseline(files: string[], level: number): ZstdBaseline {
  const compressor = new Compressor();
  compressor.setParameters({compressionLevel: level, checksumFlag: true, contentSizeFlag: true, dictIDFlag: false});
  const result: ZstdBaseline = {level, seconds: 0, cpuSeconds: 0, bytes: 0, stored: 0, withAttachments: {files: 0, bytes: 0, stored: 0}, withoutAttachments: {files: 0, bytes: 0, stored: 0}};
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (const file of files) {
    const bytes = readFileSync(file);
    const stored = compressor.compress(bytes).length;
    result.bytes += bytes.length;
    result.stored += stored;
    const part = bytes.includes(ATTACHMENT_PART) ? result.withAttachments : result.withoutAttachments;
    part.files++;
    part.bytes += bytes.length;
    part.stored += stored;
  }
  result.seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  result.cpuSeconds = (used.user + used.system) / 1e6;
  return result;
}

function readBaseline(files: string[]): {seconds: number; bytes: number} {
  const start = performance.now();
  let bytes = 0;
  for (const file of files) bytes += readFileSync(file).length;
  return {seconds: (performance.now() - start) / 1000, bytes};
}

function tarBaseline(spool: string): {seconds: number; cpuSeconds: number; stored: number} {
  const start = performance.now();
  // bash's `time` reports the pipeline's CPU (user and system of tar, zstd and wc) on stderr.
  const run = spawnSync('bash', ['-c', 'set -o pipefail; TIMEFORMAT="%U %S"; time (tar -cf - -C "$1" . | zstd -3 -T0 -q -c | wc -c)', 'tar-zstd', spool], {encoding: 'utf8'});
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new BenchError(`tar | zstd failed: ${run.stderr.trim() || `exit status ${run.status}`}`);
  const [user, system] = run.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  return {seconds, cpuSeconds: (user ?? 0) + (system ?? 0), stored: Number(run.stdout.trim())};
}

// ---------------------------------------------------------------------------------------------------------
// bonnie archive, sampled

interface Sample {
  ms: number;
  rssKb: number;
  linked: number;
}

interface Run {
  summary: ArchiveSummary;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssKb: number;
  /** VmHWM, the kernel's peak RSS, as last read. */
  highWaterKb: number;
  /** RSS when the catalog first held a tenth, two tenths... of the messages' links. */
  tenths: Array<{share: number; seconds: number; rssMb: number}>;
  samples: number;
}

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

const children = new Set<number>();

/** Runs `bonnie archive --all --json` on the spool into `work`, sampling RSS and progress. */
/**
 * `--no-index` when the CLI has it: bonnie archive then leaves the search index alone (it has a benchmark
 * of its own); older builds do not index and do not know the flag.
 */
function archiveFlags(cli: string): string[] {
  let flags = flagsOf.get(cli);
  if (flags === undefined) {
    const help = spawnSync(process.execPath, [cli, 'archive', '--help'], {encoding: 'utf8', env: {...process.env, BONNIE_CONFIG: '/dev/null'}});
    flags = help.stdout.includes('--[no-]index') ? ['--no-index'] : [];
    flagsOf.set(cli, flags);
  }
  return flags;
}
const flagsOf = new Map<string, string[]>();

async function runArchive(cli: string, spool: string, work: string, expected: number, nodeFlags: string[] = []): Promise<Run> {
  const catalog = join(work, 'catalog.db');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BONNIE_')));
  env.BONNIE_CONFIG = '/dev/null';
  // Only init creates a catalog (a baseline bonnie older than that rule creates it either way).
  if (!existsSync(catalog)) spawnSync(process.execPath, [cli, 'init', '--catalog', catalog], {cwd: work, env, stdio: 'ignore'});
  const argv = [...nodeFlags, cli, 'archive', '--all', ...archiveFlags(cli), '--spool', spool, '--catalog', catalog, '--archive', join(work, 'archive'), '--json'];
  const start = performance.now();
  const child = spawn(process.execPath, argv, {cwd: work, env, stdio: ['ignore', 'pipe', 'pipe']});
  const pid = child.pid as number;
  children.add(pid);
  const samples: Sample[] = [];
  let highWaterKb = 0;
  let cpuTicks = 0;
  let db: Database.Database | undefined;
  const linked = () => {
    try {
      db ??= existsSync(catalog) ? new Database(catalog, {readonly: true, fileMustExist: true}) : undefined;
      return (db?.prepare<[], {n: number}>('SELECT count(*) AS n FROM message_link').get()?.n ?? 0) as number;
    } catch {
      return samples.at(-1)?.linked ?? 0; // not migrated yet, or busy: the previous count
    }
  };
  const sample = () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks = Math.max(cpuTicks, Number(fields[11]) + Number(fields[12]));
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      highWaterKb = Math.max(highWaterKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      samples.push({ms: performance.now() - start, rssKb: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0), linked: linked()});
    } catch {
      // It has exited.
    }
  };
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => out.push(data));
  child.stderr.on('data', (data: Buffer) => err.push(data));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  }).finally(() => {
    clearInterval(timer);
    children.delete(pid);
    db?.close();
  });
  const wallSeconds = (performance.now() - start) / 1000;
  if (code !== 0) throw new BenchError(`bonnie archive failed (${signal ?? `exit status ${code}`}): ${Buffer.concat(err).toString('utf8').trim() || Buffer.concat(out).toString('utf8').trim()}`);
  const summary = JSON.parse(Buffer.concat(out).toString('utf8')) as ArchiveSummary;
  const tenths: Run['tenths'] = [];
  for (let k = 1; k <= TENTHS; k++) {
    const share = k / TENTHS;
    const at = samples.find((s) => s.linked >= share * expected) ?? (k === TENTHS ? samples.at(-1) : undefined);
    if (at !== undefined) tenths.push({share, seconds: round(at.ms / 1000, 2), rssMb: round(at.rssKb / 1024, 1)});
  }
  return {
    summary,
    wallSeconds,
    cpuSeconds: cpuTicks / CLOCK_TICKS_PER_SECOND,
    peakRssKb: Math.max(0, ...samples.map((s) => s.rssKb)),
    highWaterKb,
    tenths,
    samples: samples.length,
  };
}

/** Bytes of the segment files under the archive folder, and of the catalog with its WAL. */
function storedBytes(work: string): {segments: number; catalog: number} {
  let segments = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.tar')) segments += statSync(join(dir, entry.name)).size;
    }
  };
  walk(join(work, 'archive'));
  let catalog = 0;
  for (const suffix of ['', '-wal']) if (existsSync(join(work, `catalog.db${suffix}`))) catalog += statSync(join(work, `catalog.db${suffix}`)).size;
  return {segments, catalog};
}

// ---------------------------------------------------------------------------------------------------------
// CPU profiles

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

interface ThreadProfile {
  file: string;
  totalMs: number;
  byFunction: Array<{fn: string; ms: number}>;
}

function placeOf(url: string): string {
  if (url.includes('/node_modules/')) {
    const parts = (url.split('/node_modules/').pop() as string).split('/');
    return (parts[0] as string).startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
  }
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  return url;
}

/** Self time by function; a native frame (zstd, hashing, fs) is named with its nearest JavaScript caller. */
function summarizeProfile(file: string): ThreadProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]};
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    total += delta;
  });
  const name = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${placeOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const node = nodes.get(id) as ProfileNode;
    let fn: string;
    if (node.callFrame.url !== '') fn = name(node);
    else if (node.callFrame.functionName.startsWith('(')) fn = node.callFrame.functionName;
    else {
      let from: ProfileNode | undefined;
      for (let at = parent.get(id); at !== undefined && from === undefined; at = parent.get(at)) if ((nodes.get(at) as ProfileNode).callFrame.url !== '') from = nodes.get(at);
      fn = `${node.callFrame.functionName} [native] <- ${from === undefined ? '?' : name(from)}`;
    }
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  return {
    file,
    totalMs: round(total / 1000, 1),
    byFunction: [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, 25).map(([fn, us]) => ({fn, ms: round(us / 1000, 1)})),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Report

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const thousands = (value: number) => Math.round(value).toLocaleString('en');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const mbps = (bytes: number, seconds: number) => `${thousands(bytes / 1e6 / seconds)} MB/s`;

interface Result {
  type: 'benchmark';
  name: 'archive';
  cli: string;
  node: string;
  cpus: number;
  loadAverage: number[];
  corpus: Composition & {dir: string; builtSeconds: number | null};
  baselines: {read: {seconds: number; bytes: number}; tar: {seconds: number; cpuSeconds: number; stored: number}; zstd: ZstdBaseline[]};
  run1: Run & {messagesPerSecond: number; bytesPerSecond: number; segmentsBytes: number; catalogBytes: number; storedOverSource: number; storedOverUnique: number; rssGrowth: number};
  /** Every round of run 1 (run1 is the median one). */
  rounds: Array<{seconds: number; messagesPerSecond: number; cpuSeconds: number; peakRssMb: number}>;
  run2: Run;
  ratios: {timeOverTar: number; timeOverZstd: number; cpuOverZstd: number; storedOverTar: number; storedOverZstd: number};
  targets: {messagesPerSecond: boolean; storedShare: boolean; rssFlat: boolean};
  profile: ThreadProfile[] | null;
}

function render(r: Result): string {
  const c = r.corpus;
  const run1 = r.run1;
  const zstd3 = r.baselines.zstd.find((z) => z.level === 3) as ZstdBaseline;
  const s = run1.summary;
  const lines = [
    `bench/archive: node ${r.node}, ${r.cpus} CPUs, load average ${r.loadAverage.join(' -> ')}; corpus in ${c.dir}${c.builtSeconds === null ? ' (cached)' : ` (generated in ${c.builtSeconds.toFixed(0)} s)`}`,
    ...describeComposition(c),
    '',
    'baselines (same files, warm page cache):',
    `  read every file, one thread          ${r.baselines.read.seconds.toFixed(2).padStart(6)} s  ${mbps(r.baselines.read.bytes, r.baselines.read.seconds)}`,
    `  tar -cf - | zstd -3 -T0 (2 threads)  ${r.baselines.tar.seconds.toFixed(2).padStart(6)} s  ${mbps(c.bytes, r.baselines.tar.seconds)}, ${thousands(c.files / r.baselines.tar.seconds)} files/s, CPU ${r.baselines.tar.cpuSeconds.toFixed(1)} s, stored ${pct(r.baselines.tar.stored / c.bytes)} of the source`,
    ...r.baselines.zstd.map(
      (z) =>
        `  read + zstd-napi level ${z.level}, per file   ${z.seconds.toFixed(2).padStart(6)} s  ${mbps(z.bytes, z.seconds)}, ${thousands(c.files / z.seconds)} files/s, CPU ${z.cpuSeconds.toFixed(1)} s, stored ${pct(z.stored / z.bytes)} (files with attachments ${pct(z.withAttachments.stored / z.withAttachments.bytes)}, without ${pct(z.withoutAttachments.stored / z.withoutAttachments.bytes)})`,
    ),
    '',
    `run 1, empty archive: ${relative(ROOT, r.cli) || r.cli} ${['archive', '--all', ...archiveFlags(r.cli), '--json'].join(' ')} (wall ${run1.wallSeconds.toFixed(2)} s, of which archiving ${(s.elapsedMs / 1000).toFixed(2)} s; CPU ${run1.cpuSeconds.toFixed(1)} s = ${(run1.cpuSeconds / (s.elapsedMs / 1000)).toFixed(2)} cores)`,
    `  ${thousands(s.read)} messages read (${thousands(s.stored)} stored, ${thousands(s.alreadyStored)} already in the archive), ${(s.bytesRead / 1e6).toFixed(0)} MB: ${thousands(run1.messagesPerSecond)} msg/s, ${mbps(s.bytesRead, s.elapsedMs / 1000)}`,
    `  stored: segments ${(run1.segmentsBytes / 1e6).toFixed(0)} MB = ${pct(run1.storedOverSource)} of the source, ${pct(run1.storedOverUnique)} of the distinct messages' bytes (frames ${(s.bytesStored / 1e6).toFixed(0)} MB; catalog ${(run1.catalogBytes / 1e6).toFixed(1)} MB)`,
    ...(r.rounds.length > 1 ? [`  rounds (the median one is shown): ${r.rounds.map((x) => `${thousands(x.messagesPerSecond)} msg/s (${x.seconds.toFixed(2)} s, CPU ${x.cpuSeconds.toFixed(1)} s)`).join(', ')}`] : []),
    `  RSS: peak ${(run1.peakRssKb / 1024).toFixed(0)} MB (VmHWM ${(run1.highWaterKb / 1024).toFixed(0)} MB); at each tenth of the messages: ${run1.tenths.map((t) => `${(t.share * 100).toFixed(0)}% ${t.rssMb.toFixed(0)}`).join(', ')} MB`,
    `run 2, nothing new: ${thousands(r.run2.summary.read)} read, ${thousands(r.run2.summary.alreadyArchived)} archived before, ${r.run2.summary.snapshots} new snapshots; ${(r.run2.summary.elapsedMs / 1000).toFixed(2)} s (wall ${r.run2.wallSeconds.toFixed(2)} s, peak RSS ${(r.run2.peakRssKb / 1024).toFixed(0)} MB)`,
    '',
    `bonnie / baseline: time ${r.ratios.timeOverTar.toFixed(2)} x tar|zstd -T0, ${r.ratios.timeOverZstd.toFixed(2)} x zstd-napi level 3 one thread (CPU ${r.ratios.cpuOverZstd.toFixed(2)} x); size ${r.ratios.storedOverTar.toFixed(2)} x tar|zstd, ${r.ratios.storedOverZstd.toFixed(2)} x zstd-napi per file`,
    `targets: >= ${thousands(TARGET_MESSAGES_PER_SECOND)} msg/s: ${r.targets.messagesPerSecond ? 'PASS' : 'MISS'} (${thousands(run1.messagesPerSecond)});` +
      ` <= ${TARGET_STORED_SHARE * 100}% of the source: ${r.targets.storedShare ? 'PASS' : 'MISS'} (${pct(run1.storedOverSource)}; without the duplicate copies: ${pct(run1.storedOverUnique)}; zstd alone per file: ${pct(zstd3.stored / zstd3.bytes)});` +
      ` RSS flat: ${r.targets.rssFlat ? 'PASS' : 'MISS'} (end / first tenth = ${run1.rssGrowth.toFixed(2)}, limit ${FLAT_RSS_GROWTH})`,
  ];
  if (r.profile !== null) {
    lines.push('', 'profile (a third run with node --cpu-prof; self time, native frames named with their JavaScript caller):');
    for (const thread of r.profile) {
      // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
      const threadId = Number(/\.(\d+)\.\d+\.cpuprofile$/.exec(thread.file)?.[1] ?? -1);
      lines.push(`  ${threadId === 0 ? 'main thread' : `worker thread ${threadId}`}: ${(thread.totalMs / 1000).toFixed(2)} s sampled`);
      for (const f of thread.byFunction.slice(0, 15)) lines.push(`    ${f.ms.toFixed(0).padStart(7)} ms ${((f.ms / thread.totalMs) * 100).toFixed(1).padStart(5)}%  ${f.fn}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  options.cli = resolve(options.cli);
  if (!existsSync(join(dirname(dirname(options.cli)), 'dist', 'commands', 'archive.js'))) throw new BenchError(`${options.cli}: no dist/commands/archive.js next to it: run \`npm run build\` first`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadAtStart = round(loadavg()[0] ?? 0);
  const corpus = loadCorpus(options, log);
  const c = corpus.composition;
  if (corpus.files.length !== c.files) throw new BenchError(`the spool in ${corpus.spool} holds ${corpus.files.length} message files, its corpus.json says ${c.files}: remove ${corpus.dir} to regenerate it`);
  const work = mkdtempSync(join(options.dir, 'bonnie-bench-archive-run-'));
  try {
    log('reading the spool once (page cache), then the baselines...');
    readBaseline(corpus.files);
    const read = readBaseline(corpus.files);
    const tar = tarBaseline(corpus.spool);
    const zstd = (options.levels ? LEVELS : [3]).map((level) => zstdBaseline(corpus.files, level));
    const zstd3 = zstd.find((z) => z.level === 3) as ZstdBaseline;

    const first = join(work, 'run');
    const rounds: Run[] = [];
    let stored = {segments: 0, catalog: 0};
    for (let k = 0; k < options.rounds; k++) {
      log(`run 1${options.rounds > 1 ? `, round ${k + 1} of ${options.rounds}` : ''}: bonnie archive --all on an empty archive...`);
      const dir = k === 0 ? first : join(work, `round-${k + 1}`);
      mkdirSync(dir);
      const run = await runArchive(options.cli, corpus.spool, dir, c.files);
      const s = run.summary;
      if (s.read !== c.files || s.stored !== c.unique || s.alreadyStored !== c.files - c.unique || s.unrecoverable !== 0 || s.checksumMismatches !== 0) {
        throw new BenchError(`run 1 is not sound: read ${s.read} (expected ${c.files}), stored ${s.stored} (expected ${c.unique} distinct), already stored ${s.alreadyStored}, unrecoverable ${s.unrecoverable}, checksum mismatches ${s.checksumMismatches}`);
      }
      if (k === 0) stored = storedBytes(dir);
      else rmSync(dir, {recursive: true, force: true});
      rounds.push(run);
    }
    const run1 = [...rounds].sort((a, b) => a.summary.elapsedMs - b.summary.elapsedMs)[Math.floor((rounds.length - 1) / 2)] as Run;
    const s = run1.summary;
    log('run 2: the same spool again (incremental)...');
    const run2 = await runArchive(options.cli, corpus.spool, first, c.files);
    if (run2.summary.read !== 0 || run2.summary.alreadyArchived !== c.files) throw new BenchError(`run 2 is not sound: it read ${run2.summary.read} messages (expected 0) and found ${run2.summary.alreadyArchived} archived before (expected ${c.files})`);

    let profile: ThreadProfile[] | null = null;
    if (options.profile) {
      log('run 3: profiled (node --cpu-prof)...');
      const third = join(work, 'profiled');
      const profiles = join(work, 'cpu-profiles');
      mkdirSync(third);
      await runArchive(options.cli, corpus.spool, third, c.files, ['--cpu-prof', '--cpu-prof-dir', profiles]);
      profile = readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => summarizeProfile(join(profiles, f)));
    }

    const seconds = s.elapsedMs / 1000;
    const last = run1.tenths.at(-1)?.rssMb ?? 0;
    const firstTenth = run1.tenths[0]?.rssMb ?? last;
    const result: Result = {
      type: 'benchmark',
      name: 'archive',
      cli: options.cli,
      node: process.version,
      cpus: availableParallelism(),
      loadAverage: [loadAtStart, round(loadavg()[0] ?? 0)],
      corpus: {...c, dir: corpus.dir, builtSeconds: corpus.builtSeconds === undefined ? null : round(corpus.builtSeconds, 1)},
      baselines: {read: {seconds: round(read.seconds, 3), bytes: read.bytes}, tar: {seconds: round(tar.seconds, 3), cpuSeconds: round(tar.cpuSeconds, 2), stored: tar.stored}, zstd: zstd.map((z) => ({...z, seconds: round(z.seconds, 3), cpuSeconds: round(z.cpuSeconds, 2)}))},
      run1: {
        ...run1,
        messagesPerSecond: round(s.read / seconds, 0),
        bytesPerSecond: round(s.bytesRead / seconds, 0),
        segmentsBytes: stored.segments,
        catalogBytes: stored.catalog,
        storedOverSource: round(stored.segments / c.bytes, 4),
        storedOverUnique: round(stored.segments / c.uniqueBytes, 4),
        rssGrowth: round(firstTenth === 0 ? 0 : last / firstTenth, 3),
      },
      rounds: rounds.map((r) => ({seconds: round(r.summary.elapsedMs / 1000, 2), messagesPerSecond: round(r.summary.read / (r.summary.elapsedMs / 1000), 0), cpuSeconds: round(r.cpuSeconds, 2), peakRssMb: round(r.peakRssKb / 1024, 1)})),
      run2,
      ratios: {
        timeOverTar: round(seconds / tar.seconds, 3),
        timeOverZstd: round(seconds / zstd3.seconds, 3),
        cpuOverZstd: round(run1.cpuSeconds / zstd3.cpuSeconds, 3),
        storedOverTar: round(stored.segments / tar.stored, 3),
        storedOverZstd: round(stored.segments / zstd3.stored, 3),
      },
      targets: {messagesPerSecond: false, storedShare: false, rssFlat: false},
      profile,
    };
    result.targets = {
      messagesPerSecond: result.run1.messagesPerSecond >= TARGET_MESSAGES_PER_SECOND,
      storedShare: result.run1.storedOverSource <= TARGET_STORED_SHARE,
      rssFlat: result.run1.rssGrowth > 0 && result.run1.rssGrowth <= FLAT_RSS_GROWTH,
    };
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : render(result));
  } finally {
    if (!options.keep) rmSync(work, {recursive: true, force: true});
    else log(`kept ${work}`);
  }
}

process.once('SIGINT', () => {
  for (const pid of children) process.kill(pid, 'SIGTERM');
  process.exit(130);
});

main().catch((error: unknown) => {
  for (const pid of children) process.kill(pid, 'SIGTERM');
  if (error instanceof UsageError) {
    console.error(`bench/archive.ts: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`bench/archive.ts: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
});
