/** `bonnie queue list|retry` on an in-memory catalog: what an operator sees, and what an auditor finds after. */
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {listJobs, retryJobs} from '../../../../src/lib/pipeline/queue/job-admin.js';
import {JobQueue} from '../../../../src/lib/pipeline/queue/jobs.js';
import {renderJobs} from '../../../../src/lib/pipeline/queue/render.js';

let catalog: Catalog;
const NOW = Date.parse('2026-03-04T12:00:00.000Z');
const URI = 'imap://mail.example.com/user.alice.Archive;UIDVALIDITY=1';

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  const events = [
    `{"event":"MailboxCreate","timestamp":"2026-03-04T11:00:00.000Z","uri":"${URI}","mailboxID":"aaaa-1111"}`,
    '{"event":"Login","timestamp":"2026-03-04T11:00:01.000Z"}',
    '{"event":"Logout","timestamp":"2026-03-04T11:00:02.000Z"}',
  ].map((raw, i) => ({raw: Buffer.from(raw), receivedAt: NOW - 3_600_000 + i, source: 'stdin' as const}));
  new Ingester(catalog.db).ingest(events);
  // Job 1 dies (2 own failures), job 2 fails once and waits for its retry, job 3 stays pending.
  const queue = new JobQueue(catalog.db, {maxAttempts: 2, retryBaseMs: 1000});
  for (const at of [NOW - 10_000, NOW - 5_000]) {
    queue.claim('run', 1, at);
    queue.fail(1, 'run', 'folder user.alice.Archive: no such folder', at);
  }
  queue.claim('run', 2, NOW - 4_000);
  queue.fail(2, 'run', 'disk full', NOW - 4_000);
  queue.complete(3, 'run', NOW - 4_000);
  catalog.db.prepare("UPDATE job SET state = 'pending', lease_owner = NULL WHERE notification_id = 3").run();
});

const job = (id: number) =>
  catalog.db.prepare<[number], {state: string; attempts: number; crashes: number; crashes_alone: number; last_error: string | null}>('SELECT state, attempts, crashes, crashes_alone, last_error FROM job WHERE notification_id = ?').get(id);

describe('listJobs', () => {
  it('lists failed and dead jobs with their event, folder, attempts and last error', () => {
    const listing = listJobs(catalog.db, ['failed', 'dead'], 100);
    expect(listing.total).toBe(2);
    expect(listing.jobs.map((j) => [j.notificationId, j.state, j.eventType, j.attempts, j.lastError])).toEqual([
      [1, 'dead', 'MailboxCreate', 2, 'gave up after 2 attempts: folder user.alice.Archive: no such folder'],
      [2, 'failed', 'Login', 1, 'disk full'],
    ]);
    expect(listing.jobs[0]).toMatchObject({mailbox: 'user.alice.Archive', mailboxId: 'aaaa-1111', eventTime: '2026-03-04T11:00:00.000Z', receivedAt: '2026-03-04T11:00:00.000Z', retryAt: null});
    expect(listing.jobs[1]?.retryAt).toBe(new Date(NOW - 4_000 + 1000).toISOString());
    const text = renderJobs(listing);
    expect(text).toMatch(/^#1 {2}dead {2}MailboxCreate {2}user\.alice\.Archive {2}received 2026-03-04T11:00:00\.000Z {2}2 attempt\(s\)/m);
    expect(text).toMatch(/^ {4}last error: disk full$/m);
  });

  it('lists the states asked for, at most the limit', () => {
    expect(listJobs(catalog.db, ['pending'], 100).jobs.map((j) => j.notificationId)).toEqual([3]);
    const limited = listJobs(catalog.db, ['failed', 'dead', 'pending'], 1);
    expect(limited).toMatchObject({total: 3, jobs: [{notificationId: 1}]});
    expect(renderJobs(listJobs(catalog.db, ['claimed'], 10))).toBe('No job is claimed.');
  });
});

describe('retryJobs', () => {
  it('returns dead and failed jobs to pending with their counters reset, and records who did it', () => {
    catalog.db.prepare('UPDATE job SET crashes = 3, crashes_alone = 1 WHERE notification_id = 1').run();
    const summary = retryJobs(catalog.db, [1, 2, 3], {actor: 'root (sudo by alice)', reason: 'fixed in 0.2.1', now: NOW});
    expect(summary.retried.map((r) => [r.notificationId, r.fromState])).toEqual([
      [1, 'dead'],
      [2, 'failed'],
    ]);
    expect(summary.skipped).toEqual([{notificationId: 3, state: 'pending'}]);
    expect(job(1)).toEqual({state: 'pending', attempts: 0, crashes: 0, crashes_alone: 0, last_error: null});
    // The next run claims them at once: no back-off left over.
    expect(new JobQueue(catalog.db, {maxAttempts: 2}).claim('next', 10, NOW).map((j) => j.notificationId)).toEqual([1, 2, 3]);

    const [retried] = listJobs(catalog.db, ['claimed'], 10).jobs;
    expect(retried?.retries).toEqual([
      {
        at: new Date(NOW).toISOString(),
        actor: 'root (sudo by alice)',
        action: 'job-retry',
        notificationId: 1,
        quarantineId: null,
        fromState: 'dead',
        detail: 'returned to pending from dead after 2 attempt(s) and 3 crash(es); last error: gave up after 2 attempts: folder user.alice.Archive: no such folder',
        reason: 'fixed in 0.2.1',
      },
    ]);
  });

  it('takes every dead job with all-dead, and nothing else', () => {
    expect(retryJobs(catalog.db, 'all-dead', {actor: 'cyrus', now: NOW}).retried.map((r) => r.notificationId)).toEqual([1]);
    expect(job(2)?.state).toBe('failed');
  });

  it('changes nothing when a job does not exist', () => {
    expect(() => retryJobs(catalog.db, [1, 99], {actor: 'cyrus', now: NOW})).toThrow(expect.objectContaining({code: 'JobNotFound', exit: 2}));
    expect(job(1)?.state).toBe('dead');
    expect(catalog.db.prepare('SELECT count(*) AS n FROM queue_action').get()).toEqual({n: 0});
  });

  it('keeps the record of retries: it cannot be changed or deleted', () => {
    retryJobs(catalog.db, [1], {actor: 'cyrus', now: NOW});
    expect(() => catalog.db.prepare("UPDATE queue_action SET actor = 'someone else'").run()).toThrow(/cannot be changed/);
    expect(() => catalog.db.prepare('DELETE FROM queue_action').run()).toThrow(/cannot be deleted/);
  });
});
