import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {JobQueue} from '../../../../src/lib/pipeline/queue/jobs.js';

let catalog: Catalog;
let queue: JobQueue;
const LEASE = 1000;

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  const events = [1, 2, 3].map((n) => ({raw: Buffer.from(`{"event":"Login","timestamp":"2026-11-22T11:53:5${n}.000Z"}`), receivedAt: n, source: 'stdin' as const}));
  new Ingester(catalog.db).ingest(events);
  queue = new JobQueue(catalog.db, {maxAttempts: 2, leaseMs: LEASE, retryBaseMs: 100});
});

const state = (id: number) => catalog.db.prepare<[number], {state: string; attempts: number; last_error: string | null}>('SELECT state, attempts, last_error FROM job WHERE notification_id = ?').get(id);

const crashes = (id: number) =>
  catalog.db.prepare<[number], {state: string; attempts: number; crashes: number; crashes_alone: number}>('SELECT state, attempts, crashes, crashes_alone FROM job WHERE notification_id = ?').get(id);

describe('JobQueue', () => {
  it('hands each job to one claimant only, oldest first', () => {
    const a = queue.claim('run-a', 2, 10_000);
    const b = queue.claim('run-b', 5, 10_000);
    expect(a.map((j) => j.notificationId)).toEqual([1, 2]);
    expect(b.map((j) => j.notificationId)).toEqual([3]);
    expect(a[0]?.raw.toString()).toContain('"Login"');
  });

  it('completes a job only for the lease holder', () => {
    queue.claim('run-a', 1, 10_000);
    expect(queue.complete(1, 'run-b', 10_001)).toBe(false);
    expect(queue.complete(1, 'run-a', 10_001)).toBe(true);
    expect(state(1)?.state).toBe('done');
  });

  it('gives an expired lease to the next claimant', () => {
    queue.claim('crashed', 1, 10_000);
    expect(queue.claim('next', 1, 10_000 + LEASE - 1).map((j) => j.notificationId)).toEqual([2]);
    expect(queue.claim('next', 1, 10_000 + LEASE).map((j) => j.notificationId)).toEqual([1]);
    expect(queue.complete(1, 'crashed')).toBe(false);
  });

  it('retries a failed job after a back-off, then marks it dead with the last error', () => {
    queue.claim('run', 1, 10_000);
    expect(state(1)?.attempts).toBe(0); // a claim is not an attempt
    expect(queue.fail(1, 'run', 'LDAP unreachable', 10_000)).toBe('failed');
    expect(state(1)).toEqual({state: 'failed', attempts: 1, last_error: 'LDAP unreachable'});
    expect(queue.claim('run', 1, 10_050).map((j) => j.notificationId)).toEqual([2]);
    const retried = queue.claim('run', 5, 10_100);
    expect(retried.map((j) => j.notificationId)).toContain(1);
    expect(queue.fail(1, 'run', 'LDAP still unreachable', 10_200)).toBe('dead');
    expect(state(1)).toEqual({state: 'dead', attempts: 2, last_error: 'gave up after 2 attempts: LDAP still unreachable'});
    expect(queue.claim('run', 5, 1_000_000).map((j) => j.notificationId)).not.toContain(1);
  });

  it('counts a dead run against the jobs it held as a crash, not an attempt, and halves their next claim', () => {
    queue.claim('crashed', 3, 10_000);
    expect(queue.releaseOrphans(10_001)).toEqual({released: 3, dead: 0});
    expect(crashes(1)).toEqual({state: 'pending', attempts: 0, crashes: 1, crashes_alone: 0});
    expect(queue.claim('next', 4, 10_002).map((j) => j.notificationId)).toEqual([1, 2]);
  });

  it('returns an expired lease to the queue as a crash, and marks dead the job that was alone in every expired claim', () => {
    queue.claim('hung-1', 1, 0);
    queue.claim('hung-2', 1, LEASE);
    expect(crashes(1)).toMatchObject({state: 'claimed', attempts: 0, crashes: 1, crashes_alone: 1});
    expect(queue.claim('run', 3, 2 * LEASE).map((j) => j.notificationId)).toEqual([2, 3]);
    expect(state(1)).toMatchObject({state: 'dead', attempts: 0});
    expect(state(1)?.last_error).toMatch(/^the run died 2 times while applying this job alone \(last: hung-2\)$/);
  });
});

describe('JobQueue when runs keep dying', () => {
  const JOBS = 100;
  const MAX = 5;
  let big: Catalog;
  let q: JobQueue;
  beforeEach(() => {
    big = openCatalog(':memory:', {create: true});
    const events = Array.from({length: JOBS}, (_, i) => ({raw: Buffer.from(`{"event":"Login","n":${i + 1}}`), receivedAt: i, source: 'stdin' as const}));
    new Ingester(big.db).ingest(events);
    q = new JobQueue(big.db, {maxAttempts: MAX});
  });
  const states = () => big.db.prepare<[], {state: string; n: number; attempts: number}>('SELECT state, count(*) AS n, max(attempts) AS attempts FROM job GROUP BY state ORDER BY state').all();

  /** Runs until the queue is empty; a run dies (its claims stay) whenever its batch holds `poison`. */
  function drain(limit: number, poison: number | undefined): {applied: number[]; crashes: number} {
    const applied: number[] = [];
    let crashes = 0;
    for (let run = 0; run < 1000; run++) {
      q.releaseOrphans();
      const owner = `run-${run}`;
      for (;;) {
        const batch = q.claim(owner, limit);
        if (batch.length === 0) return {applied, crashes};
        if (batch.some((j) => j.notificationId === poison)) break; // killed mid-batch
        for (const job of batch) {
          expect(q.complete(job.notificationId, owner)).toBe(true);
          applied.push(job.notificationId);
        }
      }
      crashes++;
    }
    throw new Error('the queue never drained');
  }

  it('after the same batch was killed five times, applies every job and marks none dead', () => {
    for (let kill = 0; kill < MAX; kill++) {
      expect(q.claim(`killed-${kill}`, JOBS).length).toBeGreaterThan(0);
      expect(q.releaseOrphans().dead).toBe(0);
    }
    const {applied} = drain(JOBS, undefined);
    expect(applied).toEqual(Array.from({length: JOBS}, (_, i) => i + 1));
    expect(states()).toEqual([{state: 'done', n: JOBS, attempts: 0}]);
  });

  it('bisects a batch that keeps killing its run down to the one job that does, and marks only it dead', () => {
    const {applied, crashes} = drain(64, 37);
    expect(applied).toEqual(Array.from({length: JOBS}, (_, i) => i + 1).filter((n) => n !== 37)); // arrival order
    // 64 -> 32 -> 16 -> 8 -> 4 -> 2 -> 1: six crashes to isolate it, then MAX alone.
    expect(crashes).toBe(6 + MAX);
    expect(states()).toEqual([
      {state: 'dead', n: 1, attempts: 0},
      {state: 'done', n: JOBS - 1, attempts: 0},
    ]);
    const dead = big.db.prepare<[], {notification_id: number; last_error: string}>("SELECT notification_id, last_error FROM job WHERE state = 'dead'").get();
    expect(dead?.notification_id).toBe(37);
    expect(dead?.last_error).toMatch(/^the run died 5 times while applying this job alone/);
  });
});
