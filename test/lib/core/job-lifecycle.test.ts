/**
 * The job lifecycle (core/job-lifecycle.ts): its transitions, back-off and give-up rules, then the three
 * repositories that keep jobs (queue, collector, reconcile) checked against it: the same failure gives the
 * same wait and the same give-up in each.
 */
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../src/lib/base/catalog/catalog.js';
import {
  afterCrash,
  afterFailure,
  allows,
  COLLECT_STORED_STATE,
  collectJobState,
  isDue,
  JOB_STATES,
  MAX_RETRY_DELAY_MS,
  postponedUntil,
  retryDelayMs,
  retryPolicy,
  TRANSITIONS,
  type JobState,
  type JobTransition,
} from '../../../src/lib/core/job-lifecycle.js';
import {Ingester} from '../../../src/lib/pipeline/queue/ingest.js';
import {JOB_STATES as QUEUE_STATES, JobQueue} from '../../../src/lib/pipeline/queue/jobs.js';
import {CollectJobs, scanForJobs} from '../../../src/lib/pipeline/collect/jobs.js';
import {ReconcileJobs} from '../../../src/lib/pipeline/capture/reconcile-jobs.js';
import {deliver, variant} from '../../helpers/record.js';

const T0 = 1_800_000_000_000;
const policy = retryPolicy(4, 1000);

describe('job lifecycle: transitions', () => {
  // Every (transition, from, to) the lifecycle allows, written out: a change to the table must change this.
  const allowed: Array<[JobTransition, JobState, JobState]> = [
    ['claim', 'pending', 'claimed'],
    ['claim', 'failed', 'claimed'],
    ...(['claimed', 'pending', 'failed'] as const).flatMap((from): Array<[JobTransition, JobState, JobState]> => [
      ['complete', from, 'done'],
      ['fail', from, 'failed'],
      ['fail', from, 'dead'],
      ['give-up', from, 'dead'],
      ['cancel', from, 'cancelled'],
    ]),
    ['postpone', 'claimed', 'failed'],
    ['crash', 'claimed', 'pending'],
    ['crash', 'claimed', 'dead'],
    ['retry', 'failed', 'pending'],
    ['retry', 'dead', 'pending'],
  ];

  it('allows exactly the listed moves, and nothing leaves done or cancelled', () => {
    const transitions = Object.keys(TRANSITIONS) as JobTransition[];
    const found: Array<[JobTransition, JobState, JobState]> = [];
    for (const t of transitions) for (const from of JOB_STATES) for (const to of JOB_STATES) if (allows(t, from, to)) found.push([t, from, to]);
    expect(found.map((m) => m.join(' ')).sort()).toEqual(allowed.map((m) => m.join(' ')).sort());
    expect(found.filter(([, from]) => from === 'done' || from === 'cancelled')).toEqual([]);
  });

  it('lets only an operator bring a dead job back', () => {
    expect(found('dead')).toEqual(['retry']);
    function found(from: JobState): JobTransition[] {
      return (Object.keys(TRANSITIONS) as JobTransition[]).filter((t) => JOB_STATES.some((to) => allows(t, from, to)));
    }
  });
});

describe('job lifecycle: retry policy', () => {
  it('doubles the wait after each attempt, from the base, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(retryDelayMs(0, policy)).toBe(0);
    expect(retryDelayMs(40, retryPolicy(100, 60_000))).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(10_000, policy)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('retries a failure until the attempt that reaches max_attempts, which gives up with the count', () => {
    expect(afterFailure(0, 'boom', policy, T0)).toEqual({state: 'failed', attempts: 1, retryAt: T0 + 1000, error: 'boom'});
    expect(afterFailure(2, 'boom', policy, T0)).toEqual({state: 'failed', attempts: 3, retryAt: T0 + 4000, error: 'boom'});
    expect(afterFailure(3, 'boom', policy, T0)).toEqual({state: 'dead', attempts: 4, retryAt: null, error: 'gave up after 4 attempts: boom'});
  });

  it('gives up a permanent failure at once, with its reason as is', () => {
    expect(afterFailure(0, 'the message is gone', policy, T0, true)).toEqual({state: 'dead', attempts: 1, retryAt: null, error: 'the message is gone'});
  });

  it('postpones without an attempt for the base wait; a crash alone max_attempts times is dead', () => {
    expect(postponedUntil(policy, T0)).toBe(T0 + 1000);
    expect([1, 3, 4, 5].map((n) => afterCrash(n, policy))).toEqual(['pending', 'pending', 'dead', 'dead']);
  });

  it('runs a pending job at once and a failed one when its wait is over', () => {
    expect(isDue({state: 'pending', attempts: 3, updatedAt: T0}, policy, T0)).toBe(true);
    expect(isDue({state: 'failed', attempts: 2, updatedAt: T0}, policy, T0 + 1999)).toBe(false);
    expect(isDue({state: 'failed', attempts: 2, updatedAt: T0}, policy, T0 + 2000)).toBe(true);
    // Postponed: failed without an attempt waits as long as after the first.
    expect(isDue({state: 'failed', attempts: 0, updatedAt: T0}, policy, T0 + 999)).toBe(false);
    for (const state of ['claimed', 'done', 'dead', 'cancelled'] as const) expect(isDue({state, attempts: 0, updatedAt: 0}, policy, T0), state).toBe(false);
  });

  it('reads collect_job spellings as lifecycle states', () => {
    expect([collectJobState('pending', 0), collectJobState('pending', 2), collectJobState('done', 0), collectJobState('unrecoverable', 1)]).toEqual(['pending', 'failed', 'done', 'dead']);
  });
});

describe('the three job repositories follow it', () => {
  let catalog: Catalog;
  beforeEach(() => {
    catalog = openCatalog(':memory:', {create: true});
  });
  const MAX = 4;

  it('stores no state the lifecycle does not know (the tables\' CHECK constraints)', () => {
    const allowed = (table: string): string[] => {
      const sql = catalog.db.prepare<[string], {sql: string}>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)?.sql ?? '';
      const list = /state\s+TEXT[^,]*CHECK \(state IN \(([^)]*)\)\)/.exec(sql)?.[1] ?? '';
      return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1] as string).sort();
    };
    expect(allowed('job')).toEqual([...QUEUE_STATES].sort());
    expect(allowed('reconcile_job')).toEqual([...JOB_STATES].sort());
    expect(allowed('collect_job')).toEqual([...new Set(Object.values(COLLECT_STORED_STATE))].sort());
  });

  it('queue: waits 30 s, 60 s, 120 s, then gives up at max_attempts', () => {
    new Ingester(catalog.db).ingest([{raw: Buffer.from('{"event":"Login","timestamp":"2026-11-22T11:53:51.000Z"}'), receivedAt: 1, source: 'stdin'}]);
    const queue = new JobQueue(catalog.db, {maxAttempts: MAX});
    const q = retryPolicy(MAX, 30_000);
    let now = T0;
    for (let attempt = 1; attempt < MAX; attempt++) {
      expect(queue.claim('run', 10, now).map((j) => j.notificationId)).toEqual([1]);
      expect(queue.fail(1, 'run', 'boom', now)).toBe('failed');
      expect(queue.claim('run', 10, now + retryDelayMs(attempt, q) - 1)).toEqual([]);
      now += retryDelayMs(attempt, q);
    }
    expect(queue.claim('run', 10, now)).toHaveLength(1);
    expect(queue.fail(1, 'run', 'boom', now)).toBe('dead');
    expect(catalog.db.prepare('SELECT state, attempts, last_error FROM job').get()).toEqual({state: 'dead', attempts: MAX, last_error: `gave up after ${MAX} attempts: boom`});
  });

  it('collector: waits 1, 2, 4 min, then gives up (unrecoverable) at max_attempts; a success is no attempt', () => {
    deliver(catalog.db, [variant(45, {uidset: '7:8', 'vnd.cmu.oldUidset': '7:8', 'vnd.cmu.midset': []})]);
    scanForJobs(catalog.db, T0);
    const jobs = new CollectJobs(catalog.db);
    const [failing, fine] = jobs.pending(0, 10, T0).map((j) => j.id) as [number, number];
    const c = retryPolicy(MAX, 60_000);
    let now = T0;
    jobs.record([{kind: 'done', jobId: fine, sha256: Buffer.alloc(32, 1)}], now, MAX);
    for (let attempt = 1; attempt < MAX; attempt++) {
      jobs.record([{kind: 'failed', jobId: failing, error: 'EIO'}], now, MAX);
      expect(jobs.pending(0, 10, now + retryDelayMs(attempt, c) - 1)).toEqual([]);
      now += retryDelayMs(attempt, c);
      expect(jobs.pending(0, 10, now).map((j) => j.id)).toEqual([failing]);
    }
    jobs.record([{kind: 'failed', jobId: failing, error: 'EIO'}], now, MAX);
    expect(jobs.list().map((j) => [j.state, j.attempts, j.lastError])).toEqual([
      ['unrecoverable', MAX, `gave up after ${MAX} attempts: EIO`],
      ['done', 0, null],
    ]);
  });

  it('reconcile: waits 1, 2, 4 min, then gives up (dead) at max_attempts', () => {
    const jobs = new ReconcileJobs(catalog.db);
    jobs.queueFolder('g4ppy0000000000000000001', 'user.alice.Gappy', 'test', T0);
    const r = retryPolicy(MAX, 60_000);
    let now = T0;
    for (let attempt = 1; attempt < MAX; attempt++) {
      expect(jobs.markFailed([1], 'unreadable', now, MAX)).toBe(0);
      expect(jobs.due(now + retryDelayMs(attempt, r) - 1)).toEqual([]);
      now += retryDelayMs(attempt, r);
      expect(jobs.due(now).map((j) => [j.state, j.attempts])).toEqual([['failed', attempt]]);
    }
    expect(jobs.markFailed([1], 'unreadable', now, MAX)).toBe(1);
    expect(jobs.list().map((j) => [j.state, j.attempts, j.lastError])).toEqual([['dead', MAX, `gave up after ${MAX} attempts: unreadable`]]);
    expect(jobs.countOpen()).toBe(0);
  });
});
