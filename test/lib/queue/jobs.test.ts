import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../src/lib/catalog/catalog.js';
import {Ingester} from '../../../src/lib/queue/ingest.js';
import {JobQueue} from '../../../src/lib/queue/jobs.js';

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
    expect(queue.fail(1, 'run', 'LDAP unreachable', 10_000)).toBe('failed');
    expect(state(1)).toEqual({state: 'failed', attempts: 1, last_error: 'LDAP unreachable'});
    expect(queue.claim('run', 1, 10_050).map((j) => j.notificationId)).toEqual([2]);
    const retried = queue.claim('run', 5, 10_100);
    expect(retried.map((j) => j.notificationId)).toContain(1);
    expect(queue.fail(1, 'run', 'LDAP still unreachable', 10_200)).toBe('dead');
    expect(state(1)).toEqual({state: 'dead', attempts: 2, last_error: 'LDAP still unreachable'});
    expect(queue.claim('run', 5, 1_000_000).map((j) => j.notificationId)).not.toContain(1);
  });

  it('marks dead a job whose every claim expired', () => {
    queue.claim('crash-1', 1, 0);
    queue.claim('crash-2', 1, LEASE);
    expect(queue.claim('run', 3, 2 * LEASE).map((j) => j.notificationId)).toEqual([2, 3]);
    expect(state(1)?.state).toBe('dead');
    expect(state(1)?.last_error).toMatch(/gave up after 2 attempts/);
  });
});
