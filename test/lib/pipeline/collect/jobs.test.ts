/**
 * The collector's job scan (scanForJobs) on arrivals naming many UIDs: one job per UID up to
 * MAX_UIDSET_UIDS; beyond, a reconcile job of the folder whose reason names the event, and the scan goes on.
 */
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {CollectJobs, scanForJobs} from '../../../../src/lib/pipeline/collect/jobs.js';
import {ReconcileJobs} from '../../../../src/lib/pipeline/capture/reconcile-jobs.js';
import {deliver, variant} from '../../../helpers/record.js';

const ARCHIVE = '8ebtmyxwubx2tgm3yxhzqbcl';
const T0 = 1_800_000_000_000;

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

/** Specimen 45: alice's COPY of INBOX 1:2 to user.alice.Archive, here with another uidset. */
const copy = (uidset: string) => variant(45, {uidset, 'vnd.cmu.oldUidset': uidset, 'vnd.cmu.midset': []});

describe('collector job scan', () => {
  it('gives one job per UID of a COPY of 200000 messages', () => {
    deliver(catalog.db, [copy('1:100000,100001:200000')]);
    expect(scanForJobs(catalog.db, T0)).toEqual({scanned: 1, created: 200_000, folders: 0});
    expect(catalog.db.prepare('SELECT count(*) AS n, min(uid) AS low, max(uid) AS high FROM collect_job WHERE mailbox_id = ?').get(ARCHIVE)).toEqual({n: 200_000, low: 1, high: 200_000});
  });

  it('re-reads the folder instead of making 4294967295 jobs, and goes on with the next event', () => {
    deliver(catalog.db, [copy('1:4294967295'), copy('7:8')]);
    expect(scanForJobs(catalog.db, T0)).toEqual({scanned: 2, created: 2, folders: 1});
    expect(new CollectJobs(catalog.db).list().map((j) => [j.mailboxId, j.uid])).toEqual([
      [ARCHIVE, 7],
      [ARCHIVE, 8],
    ]);
    expect(new ReconcileJobs(catalog.db).list().map((j) => [j.mailboxId, j.mailboxName, j.state, j.reason])).toEqual([
      [
        ARCHIVE,
        'user.alice.Archive',
        'pending',
        'vnd.cmu.MessageCopy (notification 1): the UID set 1:4294967295 names 4294967295 messages, more than the 1000000 one event can really concern; the folder is re-read instead',
      ],
    ]);
    // The next scan starts after them: nothing again.
    expect(scanForJobs(catalog.db, T0)).toEqual({scanned: 0, created: 0, folders: 0});
  });
});
