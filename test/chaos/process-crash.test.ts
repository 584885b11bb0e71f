/**
 * `bonnie process` killed again and again (issue 11): a crash of the run is not a failure of the jobs it
 * held. The same batch killed five times with SIGKILL leaves no job dead; an event that kills every run
 * that parses it is isolated by bisection and is the only job marked dead, with the reason; the record
 * equals that of a run without crashes on the same events minus that one, and the evidence chain is sound.
 *
 * The poison is real: a preload module (helpers/poison-preload.mjs, passed with NODE_OPTIONS to these runs
 * only) makes the process SIGKILL itself when its engine parses the marked notification.
 */
import {spawn} from 'node:child_process';
import {copyFileSync, existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import Database from 'better-sqlite3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {dumpCatalog, queryCatalog} from '../helpers/catalog.js';
import {BIN_RUN, REPO} from '../helpers/paths.js';
import {specimen, SPECIMEN_FILES, variant} from '../helpers/record.js';
import {bonnie, status} from '../helpers/run.js';

const PRELOAD = fileURLToPath(new URL('./helpers/poison-preload.mjs', import.meta.url));
const MARKER = 'bonnie-chaos-poison-7f3a';
const env = {BONNIE_CONFIG: '/dev/null'};
const poisoned = {...env, BONNIE_CHAOS_POISON: MARKER, NODE_OPTIONS: `--import ${PRELOAD}`};
/** Rounds of the 96 specimens: three batches of 1,000 and some. */
const ROUNDS = 25;
/** Where the poison is queued: in the second batch, so the first can be killed from outside first. */
const POISON_AT = 1500;
const EVENTS = ROUNDS * SPECIMEN_FILES.length + 1;
const MAX_ATTEMPTS = 5; // bonnie's default max_attempts
const KILLS = 5;
/** The longest random delay before a kill, per job of the batch: well within a batch's time on a fast machine. */
const KILL_DELAY_MS_PER_JOB = 0.1;
/** Bounds: runs started per phase (each dies or finishes), so a regression fails instead of spinning. */
const MAX_RUNS = 40;

let dir: string;
let template: string;
let expected: string;

/** A copy of the template (the catalog alone: it was closed cleanly, so it has no WAL). */
const copyOf = (name: string) => {
  const path = join(dir, name);
  copyFileSync(template, path);
  return path;
};

/** The specimens round after round, each round a minute later, and the poison (a marked Login) at POISON_AT. */
function backlog(path: string): void {
  const catalog = openCatalog(path, {create: true});
  const raws: Buffer[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let n = 1; n <= SPECIMEN_FILES.length; n++) {
      const event = JSON.parse(specimen(n).toString()) as {timestamp: string};
      event.timestamp = new Date(Date.parse(event.timestamp) + round * 60_000).toISOString();
      raws.push(Buffer.from(JSON.stringify(event)));
    }
  }
  raws.splice(POISON_AT - 1, 0, variant(6, {'vnd.cmu.sessionId': 'poison-session', comment: MARKER}));
  new Ingester(catalog.db).ingest(raws.map((raw, i) => ({raw, receivedAt: 1_000_000 + i, source: 'stdin' as const})));
  catalog.close();
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** `bonnie process --json` with the poison armed, to its end (normal or SIGKILL). */
function processRun(path: string): {pid: number; done: Promise<Run>; kill: () => void} {
  const child = spawn(process.execPath, [BIN_RUN, 'process', '--json', '--catalog', path], {env: {...process.env, ...poisoned}, stdio: ['ignore', 'pipe', 'ignore']});
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({code, signal, stdout})));
  return {pid: child.pid ?? -1, done, kill: () => child.kill('SIGKILL')};
}

/**
 * Kills `bonnie process` on `path` KILLS times, each time while job 1 is claimed by that run (watched
 * read-only), after a random delay scaled to its batch (halved at each crash). Returns the kills that
 * landed, or 0 when job 1 was applied before a kill.
 */
async function killSameBatch(path: string): Promise<number> {
  let kills = 0;
  for (let runs = 0; kills < KILLS; runs++) {
    expect(runs, 'runs started to land the kills').toBeLessThan(MAX_RUNS);
    const run = processRun(path);
    const watch = new Database(path, {readonly: true});
    try {
      const job1 = watch.prepare<[], {state: string; lease_owner: string | null}>('SELECT state, lease_owner FROM job WHERE notification_id = 1');
      const held = watch.prepare<[string], {n: number}>("SELECT count(*) AS n FROM job WHERE state = 'claimed' AND lease_owner = ?");
      let exited = false;
      void run.done.then(() => (exited = true));
      let owner: string | undefined;
      while (!exited && owner === undefined) {
        const row = job1.get();
        if (row?.state === 'done') break;
        // A claim left by the previous (killed) run does not count: this run's own, by its pid.
        if (row?.state === 'claimed' && row.lease_owner?.split(':')[1] === String(run.pid)) owner = row.lease_owner;
        else await sleep(1);
      }
      if (owner !== undefined) await sleep(Math.random() * KILL_DELAY_MS_PER_JOB * (held.get(owner)?.n ?? 0));
      run.kill();
      const ended = await run.done;
      const after = job1.get();
      if (after?.state === 'done') return 0;
      if (owner !== undefined && after?.lease_owner === owner && ended.signal === 'SIGKILL') kills++;
    } finally {
      watch.close();
    }
  }
  return kills;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => rmSync(dir, {recursive: true, force: true}));
beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist', 'commands', 'process.js'))) throw new Error('build the CLI first: npm run build');
  dir = mkdtempSync(join(tmpdir(), 'bonnie-chaos-process-'));
  template = join(dir, 'template.db');
  backlog(template);
  // The reference: the same events without any crash, the poison left out (dead before the run).
  const reference = copyOf('reference.db');
  const db = new Database(reference);
  db.prepare("UPDATE job SET state = 'dead', last_error = 'left out' WHERE notification_id = ?").run(POISON_AT);
  db.close();
  const ran = await bonnie(['process', '--json', '--catalog', reference], {env});
  expect(ran.code, ran.stderr).toBe(0);
  expect(JSON.parse(ran.stdout)).toMatchObject({done: EVENTS - 1, failed: 0, dead: 0, remaining: 0});
  expected = dumpCatalog(reference);
}, 300_000);

describe('bonnie process, killed again and again', () => {
  it('the same batch killed 5 times: 0 dead besides the planted poison, the record of a run without crashes', async () => {
    // 1. SIGKILL from outside, five times, each while the batch holding job 1 is being applied. A kill that
    //    comes too late (the batch was applied first) spoils the experiment: it starts again on a new copy.
    let path = '';
    let kills = 0;
    for (let attempt = 1; kills < KILLS; attempt++) {
      expect(attempt, 'experiments spoiled by a kill that came after the batch').toBeLessThanOrEqual(3);
      path = copyOf(`crashed-${attempt}.db`);
      kills = await killSameBatch(path);
    }
    expect(queryCatalog(path, "SELECT count(*) AS n FROM job WHERE state = 'dead' OR attempts > 0")).toEqual([{n: 0}]);
    // Held by the fifth killed run; the next run counts that crash.
    expect(queryCatalog(path, 'SELECT state, crashes FROM job WHERE notification_id = 1')).toEqual([{state: 'claimed', crashes: KILLS - 1}]);

    // 2. Runs until the queue is empty; each run that parses the poison dies by it.
    const ends: Run[] = [];
    while (ends.at(-1)?.signal !== null || ends.length === 0) {
      expect(ends.length, 'runs started to drain the queue').toBeLessThan(MAX_RUNS);
      ends.push(await processRun(path).done);
    }
    const died = ends.filter((r) => r.signal === 'SIGKILL').length;
    const last = ends.at(-1) as Run;
    // The run that buried the poison applied everything after it, and says so with its exit status.
    expect(last.code).toBe(1);
    expect(JSON.parse(last.stdout)).toMatchObject({dead: 1, failed: 0, remaining: 0});
    expect(died).toBeGreaterThanOrEqual(MAX_ATTEMPTS);

    const jobs = queryCatalog<{state: string; n: number; attempts: number}>(path, 'SELECT state, count(*) AS n, max(attempts) AS attempts FROM job GROUP BY state ORDER BY state');
    expect(jobs).toEqual([
      {state: 'dead', n: 1, attempts: 0},
      {state: 'done', n: EVENTS - 1, attempts: 0},
    ]);
    const dead = queryCatalog<{notification_id: number; last_error: string}>(path, "SELECT notification_id, last_error FROM job WHERE state = 'dead'")[0];
    expect(dead?.notification_id).toBe(POISON_AT);
    expect(dead?.last_error).toMatch(new RegExp(`^the run died ${MAX_ATTEMPTS} times while applying this job alone`));
    expect(dumpCatalog(path)).toEqual(expected);

    const verified = await bonnie(['verify', '--events', '--json', '--catalog', path], {env});
    expect(JSON.parse(verified.stdout)).toMatchObject({sound: true, events: {checked: EVENTS}});
    const s = await status(path, env);
    expect(s.queue.dead).toBe(1);
    expect(s.queue.problems).toContainEqual(expect.objectContaining({notificationId: POISON_AT, state: 'dead', lastError: dead?.last_error}));

    // The figures for bench/README.md.
    const applied = EVENTS - 1;
    process.stderr.write(`chaos process-crash: ${EVENTS} events queued, ${kills} external kills of one batch, ${died} runs killed by the poison (${ends.length} runs after the kills), ${applied} applied, ${EVENTS - applied - 1} lost, 0 duplicated (record = reference), 1 dead (the poison)\n`);
  });
});
