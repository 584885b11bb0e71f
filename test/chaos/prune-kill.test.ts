/**
 * `bonnie prune --plan` killed with SIGKILL at random points (issue 17): 20 runs, each on a fresh copy of
 * one archive (3 users x 60 messages, three segments; a 5-year rule lets every tenth message go), each
 * killed once, then run again to the end. Half the kills come from outside after a random delay (up to a
 * whole run's time); the other half from inside at a random write, fsync, rename or unlink of the run
 * (helpers/fs-kill-preload.mjs, loaded with NODE_OPTIONS into these runs only): between any two of the
 * steps that make a repack durable. After the kill and after the re-run: every message that must stay
 * reads back whole (bytes counted), `verify --read-data` is clean, and at the end nothing pruned remains,
 * no segment file is left that the index does not name. The counts are printed.
 */
import {spawn} from 'node:child_process';
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {ArchiveIndex} from '../../src/lib/store/archive/index/repository.js';
import {ArchiveReader} from '../../src/lib/store/archive/reader.js';
import {BIN_RUN} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {buildPruneArchive, type PruneArchive} from '../lib/read/retention/prune-fixture.js';

const PRELOAD = fileURLToPath(new URL('./helpers/fs-kill-preload.mjs', import.meta.url));
const RUNS = 20;

let dir: string;
let template: PruneArchive;
let planId: string;
let calls: number;
let runMs: number;

const envOf = (site: {catalog: string; archive: string}) => ({BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: site.catalog, BONNIE_ARCHIVE: site.archive});

/** A copy of the template (catalog closed cleanly, archive folder) under `name`. */
function copyOf(name: string): {catalog: string; archive: string} {
  const to = join(dir, name);
  cpSync(join(dir, 'template'), to, {recursive: true, filter: (src) => !src.includes(`${join(dir, 'template', 'spool')}`)});
  return {catalog: join(to, 'catalog.db'), archive: join(to, 'archive')};
}

/** `bonnie prune --plan` as its own process; `kill` after `delayMs` from outside, if given. Resolves with its exit (null: killed). */
function prune(site: {catalog: string; archive: string}, env: Record<string, string> = {}, delayMs?: number): Promise<{code: number | null; signal: string | null; stdout: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN_RUN, 'prune', '--plan', planId, '--json'], {env: {...process.env, ...envOf(site), ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    const timer = delayMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({code, signal, stdout});
    });
  });
}

/** Every message that must stay, read back and re-hashed (ArchiveReader does): how many, how many bytes. */
function keptBytes(site: {catalog: string; archive: string}): {messages: number; bytes: number; pruned: number} {
  const catalog = openCatalog(site.catalog);
  const reader = new ArchiveReader(catalog, site.archive);
  try {
    const index = new ArchiveIndex(catalog.db);
    let messages = 0;
    let bytes = 0;
    let pruned = 0;
    for (const m of template.messages) {
      const id = Buffer.from(m.sha256, 'hex');
      if (m.old) {
        if (index.getBlob(id) === undefined) pruned++;
        continue;
      }
      const read = reader.readBlob(id);
      expect(read.length).toBe(m.size);
      messages++;
      bytes += read.length;
    }
    return {messages, bytes, pruned};
  } finally {
    reader.close();
    catalog.close();
  }
}

/** Segment files on disk and in the index. */
function segmentFiles(site: {catalog: string; archive: string}): {files: number; indexed: number} {
  const root = join(site.archive, 'segments');
  const files = readdirSync(root).flatMap((shard) => readdirSync(join(root, shard)).filter((f) => f.endsWith('.tar')));
  const catalog = openCatalog(site.catalog, {readOnly: true});
  try {
    return {files: files.length, indexed: new ArchiveIndex(catalog.db).listSegments().length};
  } finally {
    catalog.close();
  }
}

async function verifySound(site: {catalog: string; archive: string}): Promise<void> {
  const ran = await bonnie(['verify', '--read-data', '--json'], {env: envOf(site)});
  expect(ran.code, ran.stdout).toBe(0);
  expect(JSON.parse(ran.stdout)).toMatchObject({sound: true});
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-prune-chaos-'));
  template = await buildPruneArchive(join(dir, 'template'), {users: 3, perUser: 60, size: 40_000});
  const env = envOf(template);
  expect((await bonnie(['retention', 'add', 'five-years', '--delete', '5y'], {env})).code).toBe(0);
  const plan = await bonnie(['prune', '--dry-run', '--json'], {env});
  planId = (JSON.parse(plan.stdout) as {id: string}).id;
  // Calibration: one run to the end, counting its durable file operations and its time.
  const site = copyOf('calibration');
  const countFile = join(dir, 'count');
  const started = Date.now();
  const ran = await prune(site, {NODE_OPTIONS: `--import ${PRELOAD}`, BONNIE_CHAOS_FS_COUNT_FILE: countFile});
  runMs = Date.now() - started;
  expect(ran.code, ran.stdout).toBe(0);
  calls = Number(readFileSync(countFile, 'utf8'));
  expect(calls).toBeGreaterThan(10);
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, {recursive: true, force: true});
});

describe('bonnie prune --plan, killed with SIGKILL at random points', () => {
  it(`loses nothing that must stay through ${RUNS} killed runs, each run again to the end`, async () => {
    const old = template.messages.filter((m) => m.old).length;
    const mustStay = template.messages.length - old;
    const tally = {killedInside: 0, killedOutside: 0, finishedBeforeKill: 0, prunedWhenKilled: 0, orphansRemoved: 0, retiredRemoved: 0, keptBytesChecked: 0};
    for (let run = 0; run < RUNS; run++) {
      const site = copyOf(`run-${run}`);
      const inside = run % 2 === 0;
      const killed = inside
        ? await prune(site, {NODE_OPTIONS: `--import ${PRELOAD}`, BONNIE_CHAOS_FS_KILL_AT: String(1 + Math.floor(Math.random() * calls))})
        : await prune(site, {}, Math.floor(Math.random() * runMs));
      if (killed.signal === 'SIGKILL') tally[inside ? 'killedInside' : 'killedOutside']++;
      else tally.finishedBeforeKill++;

      // Killed: whatever the point, what must stay is there and verify finds no damage.
      const mid = keptBytes(site);
      expect(mid.messages).toBe(mustStay);
      expect([0, old]).toContain(mid.pruned); // one transaction: all or nothing
      if (mid.pruned === old) tally.prunedWhenKilled++;
      tally.keptBytesChecked += mid.bytes;
      await verifySound(site);

      // Run again, to the end.
      const again = await prune(site);
      expect(again.code, again.stdout).toBe(0);
      const result = JSON.parse(again.stdout) as {recovered: {orphanSegments: number; retiredSegments: number}};
      tally.orphansRemoved += result.recovered.orphanSegments;
      tally.retiredRemoved += result.recovered.retiredSegments;
      const end = keptBytes(site);
      expect(end).toMatchObject({messages: mustStay, pruned: old});
      tally.keptBytesChecked += end.bytes;
      await verifySound(site);
      const files = segmentFiles(site);
      expect(files.files).toBe(files.indexed);
      rmSync(join(site.catalog, '..'), {recursive: true, force: true});
    }
    console.error(
      `prune chaos: ${RUNS} runs (${calls} durable file operations, ${runMs} ms per run): killed inside ${tally.killedInside}, from outside ${tally.killedOutside}, finished before the kill ${tally.finishedBeforeKill}; ` +
        `committed when killed ${tally.prunedWhenKilled}; the re-runs removed ${tally.orphansRemoved} orphan new segment(s) and ${tally.retiredRemoved} old segment file(s); ` +
        `${mustStay} messages that must stay read back after each kill and each re-run (${tally.keptBytesChecked} bytes), none lost; ${old} pruned in the end each time`,
    );
    expect(tally.killedInside + tally.killedOutside).toBeGreaterThanOrEqual(RUNS / 2);
  }, 600_000);
});
