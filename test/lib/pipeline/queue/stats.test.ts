/** The queue's figures for `bonnie status` and for restore's "not processed yet" limit. */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {JobQueue} from '../../../../src/lib/pipeline/queue/jobs.js';
import {queueCounts, unprocessedAbout} from '../../../../src/lib/pipeline/queue/stats.js';

const SAMPLES = join(import.meta.dirname, '..', '..', '..', '..', 'samples', 'events');
const sample = (name: string): Buffer => readFileSync(join(SAMPLES, name));
// 65 and 67 are about the same folder, 69 about another.
const FOLDER = '76yzkoa5vpplgcimbgeofaee';

let catalog: Catalog;

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  new Ingester(catalog.db).ingest([
    {raw: sample('65-MessageNew.json'), receivedAt: 1000, source: 'stdin'},
    {raw: sample('67-MessageNew.json'), receivedAt: 2000, source: 'stdin'},
    {raw: sample('69-MessageNew.json'), receivedAt: 3000, source: 'stdin'},
    {raw: sample('65-MessageNew.json'), receivedAt: 4000, source: 'stdin'},
    {raw: Buffer.from('{"event":"SomethingNew","timestamp":"2026-11-22T11:53:50.000Z"}'), receivedAt: 5000, source: 'stdin'},
  ]);
});

describe('unprocessedAbout', () => {
  it('counts the folder\'s events received by the instant whose jobs are not done', () => {
    expect(unprocessedAbout(catalog.db, FOLDER, 1999)).toBe(1);
    expect(unprocessedAbout(catalog.db, FOLDER, 10_000)).toBe(2);
    expect(unprocessedAbout(catalog.db, 'no-such-folder', 10_000)).toBe(0);
    const queue = new JobQueue(catalog.db, {maxAttempts: 2, leaseMs: 1000, retryBaseMs: 100});
    const [first] = queue.claim('run', 1, 10_000);
    expect(first?.notificationId).toBe(1);
    queue.complete(1, 'run', 10_001);
    expect(unprocessedAbout(catalog.db, FOLDER, 10_000)).toBe(1);
  });
});

describe('queueCounts', () => {
  it('counts jobs by state, duplicate deliveries, unknown event types and the oldest pending', () => {
    const counts = queueCounts(catalog.db, 10);
    expect(counts.byState).toMatchObject({pending: 4, done: 0, failed: 0, dead: 0});
    expect(counts.duplicateDeliveries).toBe(1);
    expect(counts.unknownTypes).toEqual({SomethingNew: 1});
    expect(counts.oldestPendingReceivedAt).toBe(1000);
    expect(counts.problems).toEqual([]);
  });
});
