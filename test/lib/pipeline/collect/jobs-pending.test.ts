/**
 * CollectJobs.pending: pages of due jobs in id order, a failed job skipped until its back-off (the job
 * lifecycle's) is over, without losing or repeating a job across pages.
 */
import {expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {CollectJobs, RETRY_STEP_MS, scanForJobs} from '../../../../src/lib/pipeline/collect/jobs.js';
import {deliver, variant} from '../../../helpers/record.js';

const T0 = 1_800_000_000_000;

it('pages through due jobs, skipping a failed one until its back-off is over', () => {
  const catalog = openCatalog(':memory:', {create: true});
  deliver(catalog.db, [variant(45, {uidset: '1:6', 'vnd.cmu.oldUidset': '1:6', 'vnd.cmu.midset': []})]);
  scanForJobs(catalog.db, T0);
  const jobs = new CollectJobs(catalog.db);
  const ids = jobs.pending(0, 10, T0).map((j) => j.id);
  expect(ids).toHaveLength(6);
  const [a, b, c, d, e, f] = ids as [number, number, number, number, number, number];
  jobs.record([{kind: 'failed', jobId: b, error: 'EIO'}, {kind: 'failed', jobId: c, error: 'EIO'}], T0, 5);

  const walk = (now: number, limit: number): number[][] => {
    const pages: number[][] = [];
    for (let after = 0; ; ) {
      const page = jobs.pending(after, limit, now).map((j) => j.id);
      if (page.length === 0) return pages;
      pages.push(page);
      after = page.at(-1) as number;
    }
  };
  expect(walk(T0 + RETRY_STEP_MS - 1, 2)).toEqual([[a, d], [e, f]]);
  expect(walk(T0 + RETRY_STEP_MS, 4)).toEqual([[a, b, c, d], [e, f]]);
  catalog.close();
});
