/**
 * `bonnie process` as cron runs it: killed with SIGKILL mid-way then run again, or started twice at once,
 * it must leave exactly the record an uninterrupted run leaves.
 */
import {spawn} from 'node:child_process';
import {copyFileSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {BIN_RUN} from '../helpers/paths.js';
import {specimen, SPECIMEN_FILES} from '../helpers/record.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';
import {dumpCatalog} from '../helpers/catalog.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null'};
/** Rounds of the 96 specimens: enough work that a kill lands in the middle. */
const ROUNDS = 250;

let template: string;
let expected: string;

/** The specimens, round after round, each round a second later (distinct bytes, same story). */
function backlog(path: string): void {
  const catalog = openCatalog(path, {create: true});
  const deliveries = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let n = 1; n <= SPECIMEN_FILES.length; n++) {
      const event = JSON.parse(specimen(n).toString()) as {timestamp: string};
      event.timestamp = new Date(Date.parse(event.timestamp) + round * 60_000).toISOString();
      deliveries.push({raw: Buffer.from(JSON.stringify(event)), receivedAt: 1_000_000 + deliveries.length, source: 'stdin' as const});
    }
  }
  new Ingester(catalog.db).ingest(deliveries);
  catalog.close();
}

const doneJobs = (path: string) => {
  const db = new Database(path, {readonly: true});
  try {
    return (db.prepare("SELECT count(*) AS n FROM job WHERE state = 'done'").get() as {n: number}).n;
  } finally {
    db.close();
  }
};
const copyOf = (name: string) => {
  const path = join(tempDir(), name);
  copyFileSync(template, path);
  return path;
};

let dir: string;
afterAll(() => rmSync(dir, {recursive: true, force: true}));
beforeAll(async () => {
  // Not tempDir(): those go after each test, and this one serves every test.
  dir = mkdtempSync(join(tmpdir(), 'bonnie-process-'));
  template = join(dir, 'template.db');
  backlog(template);
  const reference = join(dir, 'reference.db');
  copyFileSync(template, reference);
  const ran = await bonnie(['process', '--catalog', reference, '--json'], {env});
  expect(ran.code, ran.stderr).toBe(0);
  expect(JSON.parse(ran.stdout)).toMatchObject({done: ROUNDS * SPECIMEN_FILES.length, failed: 0, dead: 0, remaining: 0});
  expected = dumpCatalog(reference);
}, 300_000);

describe('bonnie process', () => {
  it('completes a run killed with SIGKILL mid-way, with the same record as an uninterrupted run', async () => {
    const path = copyOf('killed.db');
    const child = spawn(process.execPath, [BIN_RUN, 'process', '--catalog', path], {env: {...process.env, ...env}, stdio: 'ignore'});
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let done = 0;
    while (done === 0 && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done = doneJobs(path);
    }
    child.kill('SIGKILL');
    await exited;
    const atKill = doneJobs(path);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(ROUNDS * SPECIMEN_FILES.length); // killed mid-way, or the test proves nothing

    const again = await bonnie(['process', '--catalog', path, '--json'], {env});
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({remaining: 0, failed: 0, dead: 0, lockedBy: null});
    expect(dumpCatalog(path)).toEqual(expected);
    const verified = await bonnie(['verify', '--events', '--catalog', path, '--json'], {env});
    expect(JSON.parse(verified.stdout)).toMatchObject({sound: true, events: {checked: ROUNDS * SPECIMEN_FILES.length}});
  });

  it('with --follow, processes events as they arrive and stops cleanly on SIGTERM', async () => {
    const path = join(tempDir(), 'follow.db');
    openCatalog(path, {create: true}).close();
    const child = spawn(process.execPath, [BIN_RUN, 'process', '--follow', '--json', '--catalog', path], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const catalog = openCatalog(path);
    new Ingester(catalog.db).ingest(SPECIMEN_FILES.map((_, i) => ({raw: specimen(i + 1), receivedAt: 1_000 + i, source: 'stdin' as const})));
    catalog.close();
    while (doneJobs(path) < SPECIMEN_FILES.length) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // JSON Lines: the last one is the summary of the whole run.
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as {type: string});
    expect(lines[0]).toMatchObject({type: 'started', command: 'process'});
    expect(lines.at(-1)).toMatchObject({type: 'stopped', done: SPECIMEN_FILES.length, failed: 0, remaining: 0});
  });

  it('started twice at once, applies each event once', async () => {
    const path = copyOf('twice.db');
    const [a, b] = await Promise.all([bonnie(['process', '--catalog', path, '--json'], {env}), bonnie(['process', '--catalog', path, '--json'], {env})]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const results = [JSON.parse(a.stdout), JSON.parse(b.stdout)] as Array<{done: number; lockedBy: unknown}>;
    expect(results.reduce((sum, r) => sum + r.done, 0)).toBe(ROUNDS * SPECIMEN_FILES.length);
    if (results.some((r) => r.done < ROUNDS * SPECIMEN_FILES.length)) await bonnie(['process', '--catalog', path], {env});
    expect(dumpCatalog(path)).toEqual(expected);
  });
});
