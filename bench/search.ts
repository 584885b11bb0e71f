/**
 * Benchmark: `bonnie search` on an index of 1,000,000 realistic messages (bench/README.md, "search").
 *
 * The index is built once per corpus version, seed, size and user count, and kept (see --dir); a re-run only
 * queries. Building it:
 *   corpus   bench/lib/search-corpus.ts: ~1,000 users' mail over three years, generated on a worker thread
 *            (search-worker.ts) as distinct messages with their places (folder, UID, flags, expunged).
 *            Attached files are stubs with their real names and headers; sizes count them at their real size.
 *   catalog  a real catalog (openCatalog, every migration) holding one snapshot per folder, as
 *            `bonnie archive` records it (written here row by row, as the stream goes), then
 *            `updateSearch` once, so that the index's watermarks are those of a catalog up to date.
 *   index    every message through `indexLocations` (the writers' hook: postal-mime, facts from the
 *            snapshots, one transaction per 200 messages); search_doc.size is then set to the size with
 *            real attachments. That index, FTS5 segments as its automerge left them, is what a site whose
 *            mail the collector indexed as it came has: it is kept as a copy ("hook"). Then FTS5's segments
 *            are merged in steps, as after a `bonnie search --reindex` ("merged").
 *   rate     the first --sample messages again, with their real attachment bytes (slow to generate, not
 *            timed), through indexLocations into a scratch catalog: the indexer's rate on real bytes.
 * Queries (bench/lib/search-queries.ts), on each of the two indexes, in process with searchMessages (dist/)
 * on a read-only catalog:
 *   cold     each query once on a new connection, after the catalog's pages were dropped from the page cache
 *            (dd iflag=nocache)
 *   warm     --runs rounds of every query (order rotated each round) on one connection, after a warm-up round
 *   targets  p50 <= 50 ms and p99 <= 200 ms over every warm run: PASS or MISS
 * Baselines on the same connection: FTS5's MATCH alone (rowids, newest first, no places or planner), and a
 * LIKE scan of search_doc.subject. The built CLI (`node bin/run.js search ... --no-update --json`) a few
 * times, to show its start-up apart.
 *
 * Exit status: 0 measured (PASS or MISS), 1 failed or results not sound, 2 bad usage. Needs `npm run build`.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import type {Catalog, Db} from '../dist/lib/base/catalog/catalog.js';
import type {IndexSummary} from '../dist/lib/read/search/indexer.js';
import {CODE_NAME, SEARCH_CORPUS_VERSION, SearchCorpus, emptyFigures, tally, type CorpusFigures, type CorpusFolder, type CorpusMessage, type SearchCorpusOptions} from './lib/search-corpus.js';
import {NOTHING, benchQueries, type BenchQuery} from './lib/search-queries.js';
import type {GeneratorSpec, WireMessage} from './lib/search-worker.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = dirname(dirname(SELF));
const CLI = join(ROOT, 'bin', 'run.js');

/** The issue's targets, over every warm run of every query. */
const TARGET_P50_MS = 50;
const TARGET_P99_MS = 200;
const DEFAULT_MESSAGES = 1_000_000;
const DEFAULT_USERS = 1000;
const DEFAULT_SEED = 0x736561;
const DEFAULT_RUNS = 20;
const DEFAULT_CLI_RUNS = 3;
const DEFAULT_SAMPLE = 5000;
const LIMIT = 50;
/** Messages per indexLocations call (update.ts's catch-up uses the same). */
const BATCH = 200;
/** update.ts's merge step after a rebuild. */
const MERGE_PAGES = 500;
/** The snapshots' date: after the last message. */
const SNAPSHOT_AT = Date.UTC(2026, 0, 15, 3);
const PROGRESS_MS = 15_000;
/** The index as indexLocations left it (before the merge), beside catalog.db. */
const HOOK_CATALOG = 'hook.db';

const USAGE = `usage: node --import tsx bench/search.ts [--messages N] [--users N] [--seed N] [--dir DIR] [--runs R] [--cli-runs R] [--sample N] [--rebuild] [--json]
Builds (once, cached) a search index of N generated messages and times a fixed set of queries: p50, p99, index size.
  --messages N  places (message files in folders) in the corpus (default ${DEFAULT_MESSAGES.toLocaleString('en')})
  --users N     users (default ${DEFAULT_USERS})
  --seed N      seed of the corpus (default ${DEFAULT_SEED})
  --dir DIR     where the built catalog is cached (default ${tmpdir()}); ~3 GB for the default size
  --runs R      warm runs of every query (default ${DEFAULT_RUNS})
  --cli-runs R  runs of each CLI command (default ${DEFAULT_CLI_RUNS}; 0: none)
  --sample N    messages with real attachments indexed to measure the indexer's rate on real bytes (default ${DEFAULT_SAMPLE}; at build only)
  --rebuild     build the index again even if it is cached
  --json        print one JSON object (type "benchmark", name "search") instead of the report
Needs \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed or results not sound, 2 bad usage.
`;

class UsageError extends Error {}
class BenchError extends Error {}

interface Options {
  messages: number;
  users: number;
  seed: number;
  dir: string;
  runs: number;
  cliRuns: number;
  sample: number;
  rebuild: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {messages: DEFAULT_MESSAGES, users: DEFAULT_USERS, seed: DEFAULT_SEED, dir: tmpdir(), runs: DEFAULT_RUNS, cliRuns: DEFAULT_CLI_RUNS, sample: DEFAULT_SAMPLE, rebuild: false, json: false};
  const count = (name: string, value: string | undefined, min: number) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} needs a whole number of at least ${min}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--messages') options.messages = count(name, value(), 1000);
    else if (name === '--users') options.users = count(name, value(), 2);
    else if (name === '--seed') options.seed = count(name, value(), 0);
    else if (name === '--runs') options.runs = count(name, value(), 1);
    else if (name === '--cli-runs') options.cliRuns = count(name, value(), 0);
    else if (name === '--sample') options.sample = count(name, value(), 0);
    else if (name === '--dir') {
      const path = value();
      if (path === undefined || path === '') throw new UsageError('--dir needs a path');
      options.dir = path;
    } else if (name === '--rebuild' || name === '--json') options[name.slice(2) as 'rebuild' | 'json'] = true;
    else if (name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return options;
}

/** bonnie's modules, from dist/ (benchmarks measure what ships). */
async function loadBonnie() {
  await import('../dist/lib/cli/schema.js'); // the catalog's schema, as bonnie's entry points set it
  const [catalog, indexer, update, searchIndex, search, query, compile, plan] = await Promise.all([
    import('../dist/lib/base/catalog/catalog.js'),
    import('../dist/lib/read/search/indexer.js'),
    import('../dist/lib/read/search/update.js'),
    import('../dist/lib/read/search/search-index.js'),
    import('../dist/lib/read/search/search.js'),
    import('../dist/lib/read/search/query.js'),
    import('../dist/lib/read/search/compile.js'),
    import('../dist/lib/read/search/plan.js'),
  ]);
  return {
    openCatalog: catalog.openCatalog,
    indexLocations: indexer.indexLocations,
    updateSearch: update.updateSearch,
    SearchIndex: searchIndex.SearchIndex,
    searchMessages: search.searchMessages,
    parseQuery: query.parseQuery,
    compileQuery: compile.compileQuery,
    planQuery: plan.planQuery,
  };
}
type Bonnie = Awaited<ReturnType<typeof loadBonnie>>;

// ---------------------------------------------------------------------------------------------------------
// Building the index

interface TableSize {
  /** A table or index of the catalog (FTS5's shadow tables by their own names). */
  name: string;
  /** The table it belongs to. */
  table: string;
  bytes: number;
}

interface IndexRate {
  docs: number;
  places: number;
  /** Bytes indexLocations read. */
  bytes: number;
  seconds: number;
  docsPerSecond: number;
  mbPerSecond: number;
}

interface Build {
  version: number;
  builtAt: string;
  node: string;
  cpus: number;
  loadAverage: number[];
  corpus: CorpusFigures;
  /** Wall time of the whole build, and where it went. */
  seconds: {total: number; generatorWait: number; snapshotRows: number; index: number; sizes: number; merge: number};
  /** What indexLocations did over the whole corpus (attachments as stubs); its time only. */
  rate: IndexRate;
  /**
   * The first --sample messages with real attachments, and the same with stubs, each into an empty catalog;
   * the stubs' sizes (attachments counted at the size drawn) over the real messages' bytes.
   */
  sample: {full: IndexRate; stub: IndexRate; sizeRatio: number} | null;
  summary: IndexSummary;
  /** search_fts segments before the merge (FTS5's structure record): the "hook" copy's. */
  segmentsBeforeMerge: number;
  /** The merged index. */
  sizes: {tables: TableSize[]; search: number; fts: number; catalog: number};
  /** The copy taken before the merge. */
  hookSizes: {search: number; fts: number; catalog: number};
}

function cacheDir(options: Options): string {
  return join(options.dir, `bonnie-bench-search-v${SEARCH_CORPUS_VERSION}-s${options.seed}-m${options.messages}-u${options.users}`);
}

/** A fresh catalog with one snapshot per folder and the index's watermarks set; returns each folder's snapshot id. */
async function prepareCatalog(bonnie: Bonnie, path: string, folders: readonly CorpusFolder[]): Promise<{catalog: Catalog; snapshots: number[]}> {
  const catalog = bonnie.openCatalog(path, {create: true});
  const insert = catalog.db.prepare<[string, string, number, number]>("INSERT INTO snapshot (mailbox_id, mailbox_name, uid_validity, highest_modseq, source, taken_at, messages, bytes) VALUES (?, ?, ?, 1, 'spool', ?, 0, 0)");
  const snapshots = catalog.db.transaction(() => folders.map((f) => Number(insert.run(f.mailboxId, f.name, f.uidValidity, SNAPSHOT_AT).lastInsertRowid)))();
  // What `bonnie search` would do next: nothing to index yet (no blobs, no links), watermarks past the snapshots.
  await bonnie.updateSearch(catalog, join(dirname(path), 'archive'));
  return {catalog, snapshots};
}

/** The snapshot rows of these messages' places (what `bonnie archive` records of each folder). */
function snapshotWriter(db: Db, snapshots: readonly number[]): (messages: readonly CorpusMessage[]) => void {
  const insert = db.prepare<[number, number, string, number, number, number, number]>('INSERT INTO snapshot_message (snapshot_id, uid, flags, internal_date, size, modseq, expunged) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return db.transaction((messages: readonly CorpusMessage[]) => {
    for (const m of messages) for (const p of m.places) insert.run(snapshots[p.folder] as number, p.uid, p.flags.join(' '), p.internalDate, m.size, p.uid, p.expunged ? 1 : 0);
  });
}

/** Runs indexLocations on these messages (every place of each); returns what it did and its time. */
async function indexMessages(bonnie: Bonnie, db: Db, folders: readonly CorpusFolder[], messages: readonly CorpusMessage[]): Promise<{summary: IndexSummary; ms: number}> {
  const rows = messages.flatMap((m) =>
    m.places.map((p) => {
      const f = folders[p.folder] as CorpusFolder;
      return {mailboxId: f.mailboxId, uidValidity: f.uidValidity, uid: p.uid, sha256: m.sha256, bytes: m.bytes};
    }),
  );
  const start = performance.now();
  const summary = await bonnie.indexLocations(db, rows, SNAPSHOT_AT);
  return {summary, ms: performance.now() - start};
}

function rateOf(docs: number, places: number, bytes: number, ms: number): IndexRate {
  const seconds = ms / 1000;
  return {docs, places, bytes, seconds: round(seconds, 2), docsPerSecond: round(docs / seconds, 0), mbPerSecond: round(bytes / 1e6 / seconds, 1)};
}

/** Streams the corpus from a generator thread, `batch` messages at a time. */
async function* generate(spec: GeneratorSpec, onFolders: (folders: CorpusFolder[]) => void): AsyncGenerator<CorpusMessage[]> {
  const script = new URL('./lib/search-worker.ts', import.meta.url);
  // A worker thread does not inherit tsx's loader: register it first (as src/lib/store/archive/blob/pool.ts does).
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({register}) => { register(); return import(${JSON.stringify(script.href)}); })`;
  const worker = new Worker(boot, {eval: true, workerData: spec});
  const queue: Array<{type: 'folders'; folders: CorpusFolder[]} | {type: 'batch'; messages: WireMessage[]} | {type: 'end'}> = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (m: (typeof queue)[number]) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0) failure ??= new BenchError(`the generator thread exited with status ${code}`);
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      const next = queue.shift();
      if (next === undefined) throw failure as Error;
      if (next.type === 'end') return;
      if (next.type === 'folders') {
        onFolders(next.folders);
        continue;
      }
      worker.postMessage('more');
      yield next.messages.map((m) => ({...m, bytes: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), sha256: Buffer.from(m.sha256.buffer, m.sha256.byteOffset, m.sha256.byteLength)}));
    }
  } finally {
    await worker.terminate();
  }
}

async function build(bonnie: Bonnie, options: Options, dir: string, log: (line: string) => void): Promise<Build> {
  const started = performance.now();
  const loadAtStart = round(loadavg()[0] ?? 0);
  const partial = `${dir}.partial`;
  rmSync(partial, {recursive: true, force: true});
  mkdirSync(partial, {recursive: true});
  const corpusOptions: SearchCorpusOptions = {seed: options.seed, messages: options.messages, users: options.users, attachments: 'stub'};
  const seconds = {total: 0, generatorWait: 0, snapshotRows: 0, index: 0, sizes: 0, merge: 0};
  const summary: IndexSummary = {locations: 0, docs: 0, problems: 0};
  let figures: CorpusFigures | undefined;
  let folders: CorpusFolder[] = [];
  let prepared: {catalog: Catalog; snapshots: number[]; write: (messages: readonly CorpusMessage[]) => void} | undefined;
  let indexMs = 0;
  let lastProgress = performance.now();
  log(`building the index in ${dir} (once per seed and size): ${options.messages.toLocaleString('en')} messages of ${options.users} users...`);
  try {
    const stream = generate({options: corpusOptions, batch: BATCH}, (f) => {
      folders = f;
      figures = emptyFigures(corpusOptions, f);
    });
    let waitFrom = performance.now();
    for await (const batch of stream) {
      seconds.generatorWait += (performance.now() - waitFrom) / 1000;
      if (prepared === undefined) {
        const fresh = await prepareCatalog(bonnie, join(partial, 'catalog.db'), folders);
        prepared = {...fresh, write: snapshotWriter(fresh.catalog.db, fresh.snapshots)};
      }
      const {db} = prepared.catalog;
      let t = performance.now();
      prepared.write(batch);
      seconds.snapshotRows += (performance.now() - t) / 1000;
      const {summary: added, ms} = await indexMessages(bonnie, db, folders, batch);
      indexMs += ms;
      summary.locations += added.locations;
      summary.docs += added.docs;
      summary.problems += added.problems;
      t = performance.now();
      setSizes(db, batch);
      seconds.sizes += (performance.now() - t) / 1000;
      for (const m of batch) tally(figures as CorpusFigures, folders, m);
      if (performance.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = performance.now();
        const done = (figures as CorpusFigures).places;
        const elapsed = (lastProgress - started) / 1000;
        log(`  ${done.toLocaleString('en')} places (${((done / options.messages) * 100).toFixed(0)}%), ${summary.docs.toLocaleString('en')} messages, ${(summary.docs / elapsed).toFixed(0)} msg/s, ~${((elapsed * (options.messages - done)) / done / 60).toFixed(0)} min left`);
      }
      waitFrom = performance.now();
    }
    if (prepared === undefined || figures === undefined) throw new BenchError('the generator produced nothing');
    const {catalog} = prepared;
    const db = catalog.db;
    db.prepare('UPDATE snapshot SET messages = (SELECT count(*) FROM snapshot_message m WHERE m.snapshot_id = snapshot.id), bytes = (SELECT coalesce(sum(size), 0) FROM snapshot_message m WHERE m.snapshot_id = snapshot.id AND expunged = 0), highest_modseq = (SELECT coalesce(max(modseq), 1) FROM snapshot_message m WHERE m.snapshot_id = snapshot.id)').run();
    const segmentsBeforeMerge = ftsSegments(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(join(partial, 'catalog.db'), join(partial, HOOK_CATALOG));
    log(`  indexed; kept a copy (${HOOK_CATALOG}); merging FTS5's segments (${segmentsBeforeMerge} now) as after a rebuild...`);
    let t = performance.now();
    const index = new bonnie.SearchIndex(db);
    while (db.transaction(() => index.mergeText(MERGE_PAGES)).immediate());
    seconds.merge = (performance.now() - t) / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    t = performance.now();
    const sizes = indexSizes(db, join(partial, 'catalog.db'));
    catalog.close();
    prepared = undefined;
    const hook = bonnie.openCatalog(join(partial, HOOK_CATALOG), {readOnly: true});
    const {search, fts, catalog: catalogBytes} = indexSizes(hook.db, join(partial, HOOK_CATALOG));
    hook.close();
    log(`  sizes read in ${((performance.now() - t) / 1000).toFixed(0)} s`);

    const sample = options.sample > 0 ? await measureSample(bonnie, options, partial, log) : null;
    rmSync(join(partial, 'sample'), {recursive: true, force: true});
    seconds.index = indexMs / 1000;
    seconds.total = (performance.now() - started) / 1000;
    const result: Build = {
      version: SEARCH_CORPUS_VERSION,
      builtAt: new Date().toISOString(),
      node: process.version,
      cpus: availableParallelism(),
      loadAverage: [loadAtStart, round(loadavg()[0] ?? 0)],
      corpus: figures,
      seconds: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, round(v, 1)])) as Build['seconds'],
      rate: rateOf(summary.docs, summary.locations, figures.indexedBytes, indexMs),
      sample,
      summary,
      segmentsBeforeMerge,
      sizes,
      hookSizes: {search, fts, catalog: catalogBytes},
    };
    if (summary.docs !== figures.distinct || summary.locations !== figures.places || summary.problems !== 0) {
      throw new BenchError(`the index is not sound: ${summary.docs} messages indexed (generated ${figures.distinct}), ${summary.locations} places (generated ${figures.places}), ${summary.problems} unreadable`);
    }
    writeFileSync(join(partial, 'build.json'), `${JSON.stringify(result, null, 2)}\n`);
    rmSync(dir, {recursive: true, force: true});
    renameSync(partial, dir);
    return result;
  } finally {
    prepared?.catalog.close();
  }
}

/** search_doc.size from the size with real attachments (indexLocations took the stubs' length). */
function setSizes(db: Db, messages: readonly CorpusMessage[]): void {
  const update = db.prepare<[number, Buffer]>('UPDATE search_doc SET size = ? WHERE sha256 = ?');
  db.transaction(() => {
    for (const m of messages) if (m.size !== m.bytes.length) update.run(m.size, m.sha256);
  })();
}

/** The number of segments in search_fts's structure record (FTS5's %_data row 10). */
function ftsSegments(db: Db): number {
  const row = db.prepare<[], {block: Buffer}>('SELECT block FROM search_fts_data WHERE id = 10').get();
  if (row === undefined) return 0;
  // fts5_index.c, fts5StructureDecode: a 4-byte cookie, the V2 marker (contentless_delete tables write it), then varints nLevel, nSegment...
  let at = row.block.subarray(4, 8).equals(Buffer.from([0xff, 0x00, 0x00, 0x01])) ? 8 : 4;
  const varint = () => {
    let value = 0;
    for (let shift = 0; at < row.block.length; shift += 7) {
      const byte = row.block[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    return value;
  };
  varint(); // nLevel
  return varint();
}

/** Pages of every table and index (dbstat), by table; the search index's share and the file's size. */
function indexSizes(db: Db, path: string): Build['sizes'] {
  const owners = new Map(db.prepare<[], {name: string; tbl_name: string}>("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')").all().map((r) => [r.name, r.tbl_name]));
  const tables = db
    .prepare<[], {name: string; bytes: number}>('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
    .all()
    .map((r) => ({name: r.name, table: r.name.startsWith('search_fts_') ? 'search_fts' : (owners.get(r.name) ?? r.name), bytes: r.bytes}));
  const search = tables.filter((t) => t.table.startsWith('search_')).reduce((n, t) => n + t.bytes, 0);
  const fts = tables.filter((t) => t.table === 'search_fts').reduce((n, t) => n + t.bytes, 0);
  return {tables, search, fts, catalog: statSync(path).size};
}

/**
 * The indexer's rate on the first N messages, with real attachments and with stubs, each into an empty
 * catalog. The two take turns batch by batch (in alternating order), so that warm-up and the machine's load
 * weigh on both alike.
 */
async function measureSample(bonnie: Bonnie, options: Options, partial: string, log: (line: string) => void): Promise<Build['sample']> {
  log(`  the indexer's rate on real bytes: the first ${options.sample} messages, with their real attachments (generating them takes a while) and with stubs...`);
  const modes = (['full', 'stub'] as const).map((attachments) => {
    const corpus = new SearchCorpus({seed: options.seed, messages: options.messages, users: options.users, attachments});
    const messages: CorpusMessage[] = [];
    for (const m of corpus.messages()) if (messages.push(m) >= options.sample) break;
    return {attachments, corpus, messages, ms: 0, total: {locations: 0, docs: 0, problems: 0} as IndexSummary};
  });
  const opened: Array<{catalog: Catalog; write: (messages: readonly CorpusMessage[]) => void}> = [];
  try {
    for (const mode of modes) {
      const dir = join(partial, 'sample', mode.attachments);
      mkdirSync(dir, {recursive: true});
      const {catalog, snapshots} = await prepareCatalog(bonnie, join(dir, 'catalog.db'), mode.corpus.folders);
      opened.push({catalog, write: snapshotWriter(catalog.db, snapshots)});
    }
    for (let at = 0, turn = 0; at < options.sample; at += BATCH, turn++) {
      for (const k of turn % 2 === 0 ? [0, 1] : [1, 0]) {
        const mode = modes[k] as (typeof modes)[number];
        const {catalog, write} = opened[k] as (typeof opened)[number];
        const batch = mode.messages.slice(at, at + BATCH);
        write(batch);
        const {summary, ms} = await indexMessages(bonnie, catalog.db, mode.corpus.folders, batch);
        mode.ms += ms;
        mode.total.docs += summary.docs;
        mode.total.locations += summary.locations;
      }
    }
    // Stubs must not change the index: the same documents, and FTS5's pages byte for byte.
    const [withFiles, withStubs] = opened.map((o) => indexDigest(o.catalog.db));
    if (withFiles !== withStubs) throw new BenchError(`the first ${options.sample} messages give another index with stub attachments than with the real files: the stubs do not stand for them`);
  } finally {
    for (const o of opened) o.catalog.close();
  }
  const [full, stub] = modes.map((m) => rateOf(m.total.docs, m.total.locations, m.messages.reduce((n, x) => n + x.bytes.length, 0), m.ms)) as [IndexRate, IndexRate];
  const [fullModes, stubModes] = modes as [(typeof modes)[number], (typeof modes)[number]];
  const sizeRatio = stubModes.messages.reduce((n, m) => n + m.size, 0) / fullModes.messages.reduce((n, m) => n + m.bytes.length, 0);
  return {full, stub, sizeRatio: round(sizeRatio, 4)};
}

/** A digest of what the index holds of the messages' text: search_doc's fields but sha256 and size, and FTS5's pages. */
function indexDigest(db: Db): string {
  const hash = createHash('sha256');
  for (const row of db.prepare<[], Record<string, unknown>>('SELECT id, date, date_source, from_display, subject, message_id, has_attachment, problem FROM search_doc ORDER BY id').iterate()) hash.update(JSON.stringify(row));
  for (const row of db.prepare<[], {id: number; block: Buffer}>('SELECT id, block FROM search_fts_data ORDER BY id').iterate()) hash.update(`${row.id}:`).update(row.block);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------------------
// Queries

interface QueryResult extends BenchQuery {
  /** The index that drives it (plan.ts). */
  driver: string;
  rows: number;
  more: boolean;
  coldMs: number;
  warmMs: number[];
  p50: number;
  p99: number;
  max: number;
}

interface Baseline {
  what: string;
  sql: string;
  param: string;
  rows: number;
  p50: number;
  p99: number;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** Drops the catalog's pages from the page cache (posix_fadvise DONTNEED, through dd). */
function dropCache(path: string): boolean {
  let ok = true;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    ok = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0 && ok;
  }
  return ok;
}

interface StateResult {
  /** "merged": FTS5 segments merged as after --reindex; "hook": as indexLocations and FTS5's automerge left them. */
  state: 'merged' | 'hook';
  path: string;
  queries: QueryResult[];
  /** Whether the page cache could be dropped before each cold run. */
  coldDropped: boolean;
  overall: {runs: number; p50: number; p99: number; max: number; coldP50: number; coldMax: number};
  baselines: Baseline[];
  targets: {p50: boolean; p99: boolean};
}

function runQueries(bonnie: Bonnie, state: StateResult['state'], path: string, queries: readonly BenchQuery[], runs: number, log: (line: string) => void): StateResult {
  const search = (db: Db, q: BenchQuery) => {
    const start = performance.now();
    const results = bonnie.searchMessages(db, q.query, {limit: LIMIT, includeDeleted: q.includeDeleted});
    return {ms: performance.now() - start, results};
  };
  log(`${state} index: cold, each query once on a new connection, the catalog dropped from the page cache...`);
  let coldDropped = true;
  const cold = queries.map((q) => {
    coldDropped = dropCache(path) && coldDropped;
    const catalog = bonnie.openCatalog(path, {readOnly: true});
    try {
      return search(catalog.db, q);
    } finally {
      catalog.close();
    }
  });
  log(`${state} index: warm, ${runs} rounds of ${queries.length} queries on one connection (after a warm-up round)...`);
  const catalog = bonnie.openCatalog(path, {readOnly: true});
  try {
    const db = catalog.db;
    for (const q of queries) search(db, q);
    const warm = queries.map(() => [] as number[]);
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < queries.length; k++) {
        const i = (k + round) % queries.length;
        warm[i]?.push(search(db, queries[i] as BenchQuery).ms);
      }
    }
    const results = queries.map((q, i): QueryResult => {
      const {results: r, ms} = cold[i] as {ms: number; results: {hits: unknown[]; more: boolean}};
      const samples = warm[i] as number[];
      const plan = bonnie.planQuery(db, bonnie.compileQuery(db, bonnie.parseQuery(q.query), {includeDeleted: q.includeDeleted}), 'i.id', LIMIT + 1);
      return {...q, driver: plan.driver, rows: r.hits.length, more: r.more, coldMs: round(ms, 2), warmMs: samples.map((x) => round(x, 3)), p50: round(percentile(samples, 50), 2), p99: round(percentile(samples, 99), 2), max: round(Math.max(...samples), 2)};
    });
    log(`${state} index: baselines, FTS5 MATCH alone and a LIKE scan of subjects...`);
    const baselines = [
      ...['Rechnung', CODE_NAME, '"quarterly report"'].map((text) => baseline(db, runs, `FTS5 MATCH alone: ${text}`, 'SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?', text)),
      ...['Rechnung', CODE_NAME].map((word) => baseline(db, runs, `LIKE on search_doc.subject: ${word}`, 'SELECT id FROM search_doc WHERE subject LIKE ? ORDER BY id DESC LIMIT ?', `%${word}%`)),
    ];
    const warmAll = results.flatMap((q) => q.warmMs);
    const colds = results.map((q) => q.coldMs);
    const overall = {runs: warmAll.length, p50: round(percentile(warmAll, 50), 2), p99: round(percentile(warmAll, 99), 2), max: round(Math.max(...warmAll), 2), coldP50: round(percentile(colds, 50), 2), coldMax: round(Math.max(...colds), 2)};
    return {state, path, queries: results, coldDropped, overall, baselines, targets: {p50: overall.p50 <= TARGET_P50_MS, p99: overall.p99 <= TARGET_P99_MS}};
  } finally {
    catalog.close();
  }
}

function baseline(db: Db, runs: number, what: string, sql: string, param: string): Baseline {
  const statement = db.prepare<[string, number], unknown>(sql);
  let rows = statement.all(param, LIMIT + 1).length;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    rows = statement.all(param, LIMIT + 1).length;
    samples.push(performance.now() - start);
  }
  return {what, sql, param, rows, p50: round(percentile(samples, 50), 2), p99: round(percentile(samples, 99), 2)};
}

interface CliRun {
  args: string[];
  /** Wall ms of each run (spawn to exit). */
  ms: number[];
  median: number;
  rows: number | null;
}

/** The built CLI, a few times per command: its start-up apart from the query. */
function runCli(path: string, queries: readonly BenchQuery[], runs: number, log: (line: string) => void): CliRun[] {
  if (runs === 0) return [];
  log(`the CLI: ${runs} runs of each command...`);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BONNIE_')));
  env.BONNIE_CONFIG = '/dev/null';
  const archive = join(dirname(path), 'archive');
  const pick = (id: string) => queries.find((q) => q.id === id) as BenchQuery;
  const commands: Array<[string[], boolean]> = [
    [['--version'], false],
    ...['common', 'rare', 'user-word'].map((id): [string[], boolean] => [['search', pick(id).query, '--no-update', '--json', '--limit', String(LIMIT), '--catalog', path, '--archive', archive], true]),
    // Without --no-update: the catch-up first (nothing new here, so a few reads), on a writable catalog.
    [['search', pick('rare').query, '--json', '--limit', String(LIMIT), '--catalog', path, '--archive', archive], true],
  ];
  return commands.map(([args, json]) => {
    const ms: number[] = [];
    let rows: number | null = null;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const run = spawnSync(process.execPath, [CLI, ...args], {cwd: dirname(path), env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
      ms.push(performance.now() - start);
      if (run.status !== 0) throw new BenchError(`bonnie ${args.join(' ')} failed (exit status ${run.status}): ${run.stderr.trim()}`);
      if (json) rows = (JSON.parse(run.stdout) as {hits: unknown[]}).hits.length;
    }
    return {args, ms: ms.map((x) => round(x, 1)), median: round(percentile(ms, 50), 1), rows};
  });
}

// ---------------------------------------------------------------------------------------------------------
// Report

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const thousands = (value: number) => Math.round(value).toLocaleString('en');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

interface Result {
  type: 'benchmark';
  name: 'search';
  node: string;
  cpus: number;
  loadAverage: number[];
  dir: string;
  cached: boolean;
  build: Build;
  /** Index size over corpus size: the merged index's search tables / the bytes the places represent. */
  indexOverCorpus: number;
  /** indexLocations' messages/s over the corpus, scaled by what real attachment bytes cost on the sample. */
  realBytesRate: number;
  /** The merged index first, then the copy taken before the merge. */
  states: StateResult[];
  cli: CliRun[];
  /** Both indexes within both targets. */
  targets: {p50: boolean; p99: boolean};
}

function renderState(s: StateResult, segments: number): string[] {
  const title = s.state === 'merged' ? 'merged index (FTS5 segments merged, as after bonnie search --reindex): 1 segment' : `hook index (as indexLocations and FTS5's automerge left it, as on a site the collector indexes): ${segments} segments`;
  return [
    `${title}`,
    `  searchMessages (dist/), limit ${LIMIT}, read-only connection, ms. cold: new connection, page cache ${s.coldDropped ? 'dropped' : 'NOT dropped (dd failed)'}; warm: ${s.overall.runs / s.queries.length} runs`,
    `  ${'id'.padEnd(14)} ${'driver'.padEnd(7)} ${'rows'.padStart(5)} ${'cold'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}  query`,
    ...s.queries.map((q) => `  ${q.id.padEnd(14)} ${q.driver.padEnd(7)} ${`${q.rows}${q.more ? '+' : ''}`.padStart(5)} ${q.coldMs.toFixed(1).padStart(8)} ${q.p50.toFixed(2).padStart(8)} ${q.p99.toFixed(2).padStart(8)}  ${q.query}${q.includeDeleted ? '  (--include-deleted)' : ''}`),
    `  every warm run (${s.overall.runs}): p50 ${s.overall.p50.toFixed(2)} ms, p99 ${s.overall.p99.toFixed(2)} ms, max ${s.overall.max.toFixed(1)} ms; cold: median ${s.overall.coldP50.toFixed(1)} ms, max ${s.overall.coldMax.toFixed(1)} ms`,
    `  targets: p50 <= ${TARGET_P50_MS} ms: ${s.targets.p50 ? 'PASS' : 'MISS'} (${s.overall.p50.toFixed(2)}); p99 <= ${TARGET_P99_MS} ms: ${s.targets.p99 ? 'PASS' : 'MISS'} (${s.overall.p99.toFixed(2)})`,
    '  baselines (warm, same connection):',
    ...s.baselines.map((x) => `    ${x.what.padEnd(44)} ${String(x.rows).padStart(3)} rows  p50 ${x.p50.toFixed(2).padStart(8)} ms  p99 ${x.p99.toFixed(2).padStart(8)} ms`),
    '',
  ];
}

/** indexLocations' rate over the whole corpus, scaled by what real attachment bytes cost on the sample. */
function realRate(b: Build): number {
  return b.sample === null ? b.rate.docsPerSecond : (b.rate.docsPerSecond * b.sample.full.docsPerSecond) / b.sample.stub.docsPerSecond;
}

function render(r: Result): string {
  const b = r.build;
  const c = b.corpus;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const role = c.placesByRole;
  const lines = [
    `bench/search: node ${r.node}, ${r.cpus} CPUs, load average ${r.loadAverage.join(' -> ')}; index in ${r.dir} (${r.cached ? `cached, built ${b.builtAt}` : 'built now'})`,
    `corpus (seed ${c.seed}, v${c.version}): ${thousands(c.places)} messages (places) in ${Object.values(c.folders).reduce((n, x) => n + x, 0)} folders of ${c.users} users, ${day(c.from)} to ${day(c.to)}; ${thousands(c.distinct)} distinct`,
    `  ${gb(c.bytes)} as stored in the folders (attachments at their real size; distinct messages ${gb(c.distinctBytes)}); the index read ${gb(c.indexedBytes)} (attachments as 57-byte stubs)`,
    `  places: INBOX ${thousands(role.INBOX ?? 0)}, Sent ${thousands(role.Sent ?? 0)}, Archive ${thousands(role.Archive ?? 0)}, Trash ${thousands(role.Trash ?? 0)}, project folders ${thousands(role.project ?? 0)}, deleted folders ${thousands(role.deleted ?? 0)}; gone (expunged or folder deleted) ${thousands(c.gone)}`,
    `  kinds (distinct / places): ${Object.entries(c.byKind).map(([k, v]) => `${k} ${thousands(v.distinct)}/${thousands(v.places)}`).join(', ')}`,
    `  languages: ${Object.entries(c.languages).map(([l, n]) => `${l} ${pct(n / c.distinct)}`).join(', ')}; with attached files ${pct(c.withFiles / c.distinct)}; flags ${Object.entries(c.flags).map(([f, n]) => `${f} ${thousands(n)}`).join(', ')}; "${CODE_NAME}" in ${c.codeName.distinct} messages (${c.codeName.places} places)`,
    '',
    `build: ${(b.seconds.total / 60).toFixed(1)} min (load average ${b.loadAverage.join(' -> ')}): indexLocations ${b.seconds.index.toFixed(0)} s, waiting for the generator ${b.seconds.generatorWait.toFixed(0)} s, snapshot rows ${b.seconds.snapshotRows.toFixed(0)} s, sizes ${b.seconds.sizes.toFixed(0)} s, FTS5 merge ${b.seconds.merge.toFixed(0)} s (${b.segmentsBeforeMerge} segments before)`,
    `  indexLocations over the corpus (stubs): ${thousands(b.rate.docsPerSecond)} msg/s, ${thousands(b.rate.places / b.rate.seconds)} places/s, ${b.rate.mbPerSecond} MB/s`,
    ...(b.sample === null
      ? []
      : [
          `  the first ${b.sample.full.docs} messages into an empty catalog: with real attachments ${thousands(b.sample.full.docsPerSecond)} msg/s (${b.sample.full.mbPerSecond} MB/s of ${mb(b.sample.full.bytes)}); with stubs ${thousands(b.sample.stub.docsPerSecond)} msg/s (${b.sample.stub.mbPerSecond} MB/s of ${mb(b.sample.stub.bytes)}); the same index from both; stub sizes ${pct(b.sample.sizeRatio)} of the real bytes`,
          `  real attachment bytes take ${(b.sample.stub.docsPerSecond / b.sample.full.docsPerSecond).toFixed(2)} x the stubs' time: over the whole corpus that would be ~${thousands(realRate(b))} msg/s, ~${(c.distinct / realRate(b) / 60).toFixed(0)} min for its ${thousands(c.distinct)} distinct messages`,
        ]),
    `index: search tables ${mb(b.sizes.search)} (FTS5 ${mb(b.sizes.fts)}) = ${pct(r.indexOverCorpus)} of the corpus, ${pct(b.sizes.search / c.distinctBytes)} of the distinct messages, ${pct(b.sizes.search / c.indexedBytes)} of the bytes indexed; catalog file ${mb(b.sizes.catalog)}`,
    `  ${b.sizes.tables.filter((t) => t.table.startsWith('search_')).slice(0, 12).map((t) => `${t.name} ${mb(t.bytes)}`).join(', ')}`,
    `  before the merge: search tables ${mb(b.hookSizes.search)} (FTS5 ${mb(b.hookSizes.fts)})`,
    '',
    ...r.states.flatMap((s) => renderState(s, b.segmentsBeforeMerge)),
    ...(r.cli.length === 0 ? [] : ['the CLI on the merged index (node bin/run.js, wall time per run, median):', ...r.cli.map((x) => `  ${x.median.toFixed(0).padStart(6)} ms  bonnie ${x.args.slice(0, x.args[0] === 'search' ? 3 : 1).map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}${x.rows === null ? '' : ` (${x.rows} rows)`}`), '']),
    `targets (both indexes): p50 <= ${TARGET_P50_MS} ms: ${r.targets.p50 ? 'PASS' : 'MISS'}; p99 <= ${TARGET_P99_MS} ms: ${r.targets.p99 ? 'PASS' : 'MISS'}`,
  ];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'lib', 'read', 'search', 'search.js'))) throw new BenchError('no dist/lib/read/search/search.js: run `npm run build` first');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadAtStart = round(loadavg()[0] ?? 0);
  const bonnie = await loadBonnie();
  const dir = cacheDir(options);
  const marker = join(dir, 'build.json');
  const cached = !options.rebuild && existsSync(marker);
  const built = cached ? (JSON.parse(readFileSync(marker, 'utf8')) as Build) : await build(bonnie, options, dir, log);
  const path = join(dir, 'catalog.db');
  const queries = benchQueries(new SearchCorpus({seed: options.seed, messages: options.messages, users: options.users, attachments: 'stub'}));
  const states = [runQueries(bonnie, 'merged', path, queries, options.runs, log), runQueries(bonnie, 'hook', join(dir, HOOK_CATALOG), queries, options.runs, log)];

  // Soundness: both indexes find the planted word exactly where it was planted, the absent one nowhere, and agree.
  for (const s of states) {
    const check = bonnie.openCatalog(s.path, {readOnly: true});
    try {
      const planted = check.db.prepare<[string], {n: number}>('SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ?').get(CODE_NAME)?.n ?? 0;
      if (planted !== built.corpus.codeName.distinct) throw new BenchError(`the ${s.state} index finds "${CODE_NAME}" in ${planted} messages; it was planted in ${built.corpus.codeName.distinct}`);
    } finally {
      check.close();
    }
    const nothing = s.queries.find((q) => q.query === NOTHING);
    if (nothing === undefined || nothing.rows !== 0) throw new BenchError(`"${NOTHING}" found ${nothing?.rows} messages: it is in no generated message`);
  }
  const [merged, hook] = states as [StateResult, StateResult];
  for (const [i, q] of merged.queries.entries()) {
    const other = hook.queries[i] as QueryResult;
    if (other.rows !== q.rows || other.more !== q.more) throw new BenchError(`"${q.query}": ${q.rows} results on the merged index, ${other.rows} before the merge`);
  }
  const cli = runCli(path, queries, options.cliRuns, log);
  for (const run of cli) {
    const q = merged.queries.find((x) => x.query === run.args[1]);
    if (run.rows !== null && q !== undefined && run.rows !== q.rows) throw new BenchError(`bonnie ${run.args.slice(0, 2).join(' ')} printed ${run.rows} results; searchMessages found ${q.rows}`);
  }

  const result: Result = {
    type: 'benchmark',
    name: 'search',
    node: process.version,
    cpus: availableParallelism(),
    loadAverage: [loadAtStart, round(loadavg()[0] ?? 0)],
    dir,
    cached,
    build: built,
    indexOverCorpus: round(built.sizes.search / built.corpus.bytes, 5),
    realBytesRate: round(realRate(built), 0),
    states,
    cli,
    targets: {p50: states.every((s) => s.targets.p50), p99: states.every((s) => s.targets.p99)},
  };
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : render(result));
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`bench/search.ts: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`bench/search.ts: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
});
