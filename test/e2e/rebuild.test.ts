/**
 * Issue 19, as an administrator who lost the catalog would check it (the built CLI): a format 1 archive
 * (the `sound` fixture) with the 97 sample Cyrus events still reads; after `process`, `collector` and
 * `archive` it is format 2 (bonnie-archive.json, the record and snapshots in the segments); `bonnie
 * rebuild` makes a new catalog from the archive folder alone on which `verify` passes and `history`,
 * `audit`, `search` and `restore --at --dry-run` answer exactly as on the original; a rebuild killed with
 * SIGKILL and run again gives the same answers; an existing catalog and an unknown archive format are refused.
 * What only the catalog held before migration 22 is carried too: a retention rule, a legal hold, a DLP alert
 * (and its acknowledgement) and a quarantined delivery entered before the writers ran are listed alike on
 * the rebuilt catalog, their chains verify, and a prune plan made there keeps the held message.
 */
import {spawn} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {copyArchiveFixture, type FixtureCopy} from '../fixtures/archive/fixtures.js';
import {bonnie} from '../helpers/run.js';
import {BIN_RUN, REPO} from '../helpers/paths.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const EVENTS = join(REPO, 'samples/events');

/** What the compared commands print (--json), run on `catalog`: timings left out, everything else as printed. */
const QUESTIONS: string[][] = [
  ['history', '--folder', 'user.alice'],
  ['history', '--folder', 'user.bob'],
  ['audit', '--user', 'alice', '--since', '2000-01-01'],
  ['audit', '--user', 'bob', '--since', '2000-01-01'],
  ['search', 'user:alice'],
  ['search', 'subject:lunch OR from:bob'],
  ['restore', '--user', 'alice', '--at', '2026-03-03T10:30Z', '--dry-run'],
  ['restore', '--user', 'bob', '--at', '2026-03-04T00:00Z', '--dry-run'],
  ['retention', 'list', '--all'],
  ['hold', 'list', '--all'],
  ['dlp', 'alerts'],
  ['quarantine', 'list', '--all'],
];

function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'elapsedMs').map(([k, v]) => [k, withoutTimings(v)]));
  return value;
}

async function answers(site: FixtureCopy, catalog: string): Promise<Array<{args: string[]; code: number | null; out: unknown}>> {
  const env = {BONNIE_CONFIG: '/dev/null', BONNIE_ARCHIVE: site.archive};
  const out = [];
  for (const args of QUESTIONS) {
    const ran = await bonnie([...args, '--catalog', catalog, '--json'], {env});
    out.push({args, code: ran.code, out: withoutTimings(JSON.parse(ran.stdout) as unknown)});
  }
  return out;
}

let home: string;
let site: FixtureCopy;
let original: Awaited<ReturnType<typeof answers>>;
let rebuilt: string;
let rules: string;
const env = () => ({BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: site.catalog, BONNIE_ARCHIVE: site.archive, BONNIE_DLP_RULES: rules});

async function json<T>(args: string[], code = 0, environment: NodeJS.ProcessEnv = env()): Promise<T> {
  const ran = await bonnie([...args, '--json'], {env: environment});
  expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}${ran.stdout}`).toBe(code);
  return JSON.parse(ran.stdout) as T;
}

beforeAll(async () => {
  // Not useTempDirs (removed after each test): the site lives for the whole file.
  home = mkdtempSync(join(tmpdir(), 'bonnie-rebuild-'));
  // The frozen format 1 fixture (bonnie 0.1.0's): the writers turn it into format 2.
  site = copyArchiveFixture('sound', home, {format: 1});
  const catalog = openCatalog(site.catalog);
  const files = readdirSync(EVENTS).sort();
  new Ingester(catalog.db).ingest(files.map((f, i) => ({raw: readFileSync(join(EVENTS, f)), receivedAt: 1_772_000_000_000 + i * 1000, source: 'stdin' as const})));
  // Input that is not an event: quarantined, kept as evidence.
  new Ingester(catalog.db).ingest([{raw: Buffer.from('{"event": "MessageNew", truncated'), receivedAt: 1_772_000_500_000, source: 'stdin'}]);
  catalog.close();
  // "The quarter closed 4 % above plan." is in alice's INBOX UID 2 only (as test/e2e/dlp-scan.test.ts).
  rules = join(home, 'dlp.yaml');
  writeFileSync(rules, "rules:\n  - name: results-early\n    severity: high\n    condition:\n      all:\n        - {detector: keywords, words: [quarter]}\n        - {detector: regex, pattern: '\\d+ % above plan'}\n");
}, 60_000);
afterAll(() => {
  if (home !== undefined) rmSync(home, {recursive: true, force: true});
});

describe('archive format 2 and bonnie rebuild', () => {
  it('reads the format 1 fixture as it is, then writes format 2 from the next writer on', async () => {
    expect(existsSync(join(site.archive, 'bonnie-archive.json'))).toBe(false);
    expect(await json(['verify', '--read-data'])).toMatchObject({sound: true, archive: {segments: 2, blobs: 6}});
    const restore = await json<{folders: unknown[]}>(['restore', '--user', 'alice', '--dry-run']);
    expect(restore.folders.length).toBeGreaterThan(0);

    // What only the catalog held before migration 22: a rule, a hold (alice's mail of 2 March), an alert and its acknowledgement.
    await json(['retention', 'add', 'short', '--delete', '30d']);
    await json(['hold', 'add', 'CASE-1', '--user', 'alice', '--since', '2026-03-02', '--until', '2026-03-02T23:59:59Z', '--reason', 'litigation']);
    expect(await json(['dlp', 'scan'])).toMatchObject({alerts: 1});
    await json(['dlp', 'ack', '1', '--note', 'seen']);

    await json(['process']);
    await json(['collector', '--spool', site.spool]);
    await json(['archive', '--all', '--spool', site.spool]);
    const version = JSON.parse(readFileSync(join(site.archive, 'bonnie-archive.json'), 'utf8')) as {format: number};
    expect(version.format).toBe(3);
    // The collector's run wrote the record (96 chained notifications), the snapshots and links into a new segment.
    expect(await json(['verify', '--read-data', '--events'])).toMatchObject({sound: true, events: {checked: 96}, policyLog: {checked: 2, firstBreak: null}, dlpAlerts: {checked: 1, firstProblem: null}, archive: {segments: 3, blobs: 6}});
    original = await answers(site, site.catalog);
    expect(original.every((a) => a.code === 0)).toBe(true);
    const listed = (args: string[]) => original.find((a) => a.args.join(' ') === args.join(' '))?.out;
    expect(listed(['hold', 'list', '--all'])).toMatchObject({holds: [expect.objectContaining({caseId: 'CASE-1'})]});
    expect(listed(['dlp', 'alerts'])).toMatchObject({alerts: [expect.objectContaining({rule: 'results-early', acks: [expect.objectContaining({note: 'seen'})]})]});
    // One of the 97 sample events is not a valid event, and the line above.
    expect(listed(['quarantine', 'list', '--all'])).toMatchObject({total: 2});
  }, 120_000);

  it('rebuilds a catalog from the segments alone that verify passes and that answers as the original', async () => {
    // Not tempDir(): the next test makes a prune plan on it.
    const target = join(home, 'rebuilt.db');
    rebuilt = target;
    const summary = await json<{notifications: number; chainLinks: number; blobs: number; snapshots: number; links: number; process: {done: number; dead: number}}>(['rebuild', '--catalog', target], 0, {
      BONNIE_CONFIG: '/dev/null',
      BONNIE_ARCHIVE: site.archive,
    });
    expect(summary).toMatchObject({notifications: 96, chainLinks: 96, blobs: 6, snapshots: 3, process: {done: 96, dead: 0}, carried: {logEntries: 2, rules: 1, holds: 1, alerts: 1, alertAcks: 1, quarantine: 2}});
    expect(await json(['verify', '--read-data', '--events', '--catalog', target])).toMatchObject({sound: true, events: {checked: 96, firstProblem: null}, policyLog: {checked: 2, firstBreak: null}, dlpAlerts: {checked: 1, firstProblem: null}});
    expect(await answers(site, target)).toEqual(original);

    const again = await json<{error: {code: string; hint: string}}>(['rebuild', '--catalog', target], 2, {BONNIE_CONFIG: '/dev/null', BONNIE_ARCHIVE: site.archive});
    expect(again.error).toMatchObject({code: 'RebuildTargetExists', hint: expect.stringContaining('--catalog')});
  }, 120_000);

  it('a prune plan on the rebuilt catalog keeps the held message, as one on the original does', async () => {
    const withoutTime = (plan: Record<string, unknown>) => Object.fromEntries(Object.entries(plan).filter(([k]) => k !== 'at'));
    const onRebuilt = await json<{held: number; expired: number; holds: Array<{caseId: string; messages: number}>} & Record<string, unknown>>(['prune', '--dry-run', '--catalog', rebuilt]);
    // alice's two messages of 2 March (INBOX UID 2, Sent UID 1) are held (CASE-1); the four others are past the 30-day rule.
    expect(onRebuilt).toMatchObject({messages: 6, held: 2, expired: 4, holds: [{caseId: 'CASE-1', messages: 2}]});
    const onOriginal = await json<Record<string, unknown>>(['prune', '--dry-run']);
    expect(withoutTime(onRebuilt)).toEqual(withoutTime(onOriginal));
  }, 120_000);

  it('a rebuild killed with SIGKILL leaves no catalog, and run again answers as the original', async () => {
    const dir = tempDir();
    let cut = 0;
    for (const [i, delayMs] of [150, 250, 350, 450, 600].entries()) {
      const target = join(dir, `killed-${i}.db`);
      const child = spawn(process.execPath, [BIN_RUN, 'rebuild', '--catalog', target, '--json'], {env: {...process.env, BONNIE_CONFIG: '/dev/null', BONNIE_ARCHIVE: site.archive}, stdio: 'ignore'});
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill('SIGKILL');
      const code = await exited;
      // Killed before the rename: no catalog (maybe a .rebuilding file). Killed after it (between the rename
      // and the exit, a window a loaded machine widens) or finished: the whole catalog, answered below.
      if (existsSync(target)) expect(existsSync(`${target}.rebuilding`)).toBe(false);
      else cut++;
      if (code === 0) expect(existsSync(target)).toBe(true);
      if (!existsSync(target)) await json(['rebuild', '--catalog', target], 0, {BONNIE_CONFIG: '/dev/null', BONNIE_ARCHIVE: site.archive});
      expect(await answers(site, target), `killed after ${delayMs} ms`).toEqual(original);
    }
    console.error(`rebuild killed with SIGKILL: ${cut} runs cut short (of 5), each run again with the original's answers`);
  }, 240_000);

  it('refuses an archive whose version file names a format it does not know, before reading anything', async () => {
    const dir = tempDir();
    const archive = join(dir, 'archive');
    cpSync(site.archive, archive, {recursive: true});
    writeFileSync(join(archive, 'bonnie-archive.json'), '{"format": 99}\n');
    const environment = {BONNIE_CONFIG: '/dev/null', BONNIE_ARCHIVE: archive};
    const rebuild = await json<{error: {code: string; hint: string}}>(['rebuild', '--catalog', join(dir, 'new.db')], 1, environment);
    expect(rebuild.error).toMatchObject({code: 'ArchiveFormatUnknown', hint: expect.stringContaining('upgrade bonnie')});
    expect(existsSync(join(dir, 'new.db'))).toBe(false);
    const verify = await json<{error: {code: string}}>(['verify', '--catalog', site.catalog], 1, environment);
    expect(verify.error.code).toBe('ArchiveFormatUnknown');
    const archiveRun = await json<{error: {code: string}}>(['archive', '--all', '--spool', site.spool, '--catalog', site.catalog], 1, environment);
    expect(archiveRun.error.code).toBe('ArchiveFormatUnknown');
  }, 120_000);
});
