import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {listGaps, scanForGaps} from '../../../../src/lib/pipeline/capture/gaps.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {readStatus} from '../../../../src/lib/read/status/status.js';
import {SPECIMENS} from '../../../helpers/paths.js';

const files = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
const specimen = (number: number) => readFileSync(join(SPECIMENS, files[number - 1] as string));
const INBOX = '76yzkoa5vpplgcimbgeofaee';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

/** Delivers specimens (by their 1-based number) in the given order. */
function deliver(numbers: number[]): void {
  new Ingester(catalog.db).ingest(numbers.map((n, i) => ({raw: specimen(n), receivedAt: 1000 + i, source: 'stdin' as const})));
}
const all = () => files.map((_, i) => i + 1);
const reconcile = () => catalog.db.prepare('SELECT mailbox_id, mailbox_name, reason, state FROM reconcile_job').all();

describe('gap detection', () => {
  it('finds no gap in the complete stream Cyrus sent', () => {
    deliver(all());
    expect(scanForGaps(catalog.db)).toEqual({scanned: files.length, opened: 0, closed: 0});
    expect(listGaps(catalog.db, {includeClosed: true})).toEqual([]);
  });

  it('notices a lost APPEND from the next UID, and asks the collector to re-read the folder', () => {
    deliver(all().filter((n) => n !== 17)); // 17: MessageAppend UID 2 to user.alice (e.g. a 30 KB Subject)
    expect(scanForGaps(catalog.db, 5000)).toMatchObject({opened: 1});
    const [gap] = listGaps(catalog.db);
    expect(gap).toMatchObject({mailboxId: INBOX, mailboxName: 'user.alice', kind: 'uid', from: 2, to: 2, state: 'open', noticedAt: new Date(5000).toISOString()});
    // Revealed by the next APPEND (specimen 19, UID 3).
    expect(catalog.db.prepare('SELECT event_type FROM notification WHERE id = ?').get(gap?.noticedBy)).toEqual({event_type: 'MessageAppend'});
    expect(reconcile()).toEqual([{mailbox_id: INBOX, mailbox_name: 'user.alice', reason: 'uid gap 2-2', state: 'pending'}]);
  });

  it('notices a lost multi-message STORE from the modseq of the next event', () => {
    deliver(all().filter((n) => n !== 34 && n !== 35)); // STORE 1:3 +FLAGS: only its MailboxModseq arrives
    scanForGaps(catalog.db);
    expect(listGaps(catalog.db)).toMatchObject([{mailboxName: 'user.alice', kind: 'modseq', from: 12, to: 14}]);
  });

  it('closes a UID gap when the missing event arrives late', () => {
    deliver(all().filter((n) => n !== 17));
    scanForGaps(catalog.db);
    deliver([17]);
    expect(scanForGaps(catalog.db)).toEqual({scanned: 1, opened: 0, closed: 1});
    expect(listGaps(catalog.db)).toEqual([]);
    expect(listGaps(catalog.db, {includeClosed: true})).toMatchObject([{state: 'closed', closedReason: 'the missing events arrived late'}]);
    expect(reconcile()).toMatchObject([{mailbox_id: INBOX, state: 'cancelled'}]);
  });

  it('takes the first event of a folder it never saw created as the baseline', () => {
    deliver([82]); // MessageNew UID 2 into user.alice.Job, whose creation predates the record
    expect(scanForGaps(catalog.db).opened).toBe(0);
  });

  it('is incremental, and bonnie status counts open gaps and unscanned notifications', () => {
    deliver(all().filter((n) => n !== 17));
    expect(readStatus(catalog, '/nonexistent').gaps).toEqual({open: 0, reconciled: 0, unscanned: files.length - 1, reconcilePending: 0, reconcileFailed: 0, reconcileDead: 0});
    scanForGaps(catalog.db);
    expect(scanForGaps(catalog.db).scanned).toBe(0);
    expect(readStatus(catalog, '/nonexistent').gaps).toEqual({open: 1, reconciled: 0, unscanned: 0, reconcilePending: 1, reconcileFailed: 0, reconcileDead: 0});
  });
});

describe('gap detection on huge UID sets (ranges, never expanded)', () => {
  const BOX = 'hugeboxhugeboxhugebox001';
  const uri = (uid?: number) => `imap://imap.lab.test/user.alice.Huge;UIDVALIDITY=7${uid === undefined ? '' : `/;UID=${uid}`}`;
  const source = 'imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438';
  let received = 0;
  /** Ingests events built here, in order, one notification each. */
  const send = (...events: Array<Record<string, unknown>>) =>
    new Ingester(catalog.db).ingest(events.map((e) => ({raw: Buffer.from(JSON.stringify({timestamp: '2026-11-22T11:54:10.859Z', mailboxID: BOX, ...e})), receivedAt: ++received, source: 'stdin' as const})));
  const create = {event: 'MailboxCreate', uri: uri()};
  const append = (uid: number, modseq: number) => ({event: 'MessageAppend', uri: uri(uid), uidnext: uid + 1, modseq});
  const copy = (uidset: string, uidnext: number, modseq: number) => ({event: 'vnd.cmu.MessageCopy', uri: uri(), oldMailboxID: source, 'vnd.cmu.oldUidset': uidset, uidset, uidnext, modseq});
  const gaps = () => listGaps(catalog.db, {includeClosed: true}).map((g) => ({kind: g.kind, from: g.from, to: g.to, state: g.state}));

  it('a COPY of uidset 1:200000 is scanned, and later scans still find gaps', () => {
    send(create, copy('1:200000', 200_001, 2));
    expect(scanForGaps(catalog.db)).toEqual({scanned: 2, opened: 0, closed: 0});
    send(append(200_003, 3)); // the APPEND of UID 200001 and 200002 was lost
    expect(scanForGaps(catalog.db)).toEqual({scanned: 1, opened: 1, closed: 0});
    expect(gaps()).toEqual([{kind: 'uid', from: 200_001, to: 200_002, state: 'open'}]);
  });

  it('a COPY of uidset 1:4294967295 closes the gap it covers, and the scans after it still work', () => {
    send(create, append(1, 2), append(5, 3)); // UIDs 2-4 lost
    expect(scanForGaps(catalog.db)).toEqual({scanned: 3, opened: 1, closed: 0});
    send(copy('1:4294967295', 1, 4));
    expect(scanForGaps(catalog.db)).toEqual({scanned: 1, opened: 0, closed: 1});
    expect(gaps()).toEqual([{kind: 'uid', from: 2, to: 4, state: 'closed'}]);
    // The highest UID is now the largest there is: a later APPEND below it opens nothing, and is scanned.
    send(append(6, 5), {event: 'MessageAppend', mailboxID: INBOX, uri: 'imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=9', uidnext: 10, modseq: 9});
    expect(scanForGaps(catalog.db)).toEqual({scanned: 2, opened: 0, closed: 0});
    expect(readStatus(catalog, '/nonexistent').gaps).toMatchObject({open: 0, unscanned: 0});
  });

  it('late ranges shrink a gap from either end by range arithmetic', () => {
    send(create, append(1, 2), append(10, 3)); // 2-9 lost
    scanForGaps(catalog.db);
    send(copy('1:3,5', 11, 4)); // covers the low end (2:3) and one UID in the middle
    expect(scanForGaps(catalog.db).closed).toBe(0);
    expect(gaps()).toEqual([{kind: 'uid', from: 4, to: 9, state: 'open'}]);
    send(copy('7:4294967295', 11, 5)); // covers the high end, far beyond it
    scanForGaps(catalog.db);
    expect(gaps()).toEqual([{kind: 'uid', from: 4, to: 6, state: 'open'}]);
    send(copy('4:6', 11, 6));
    expect(scanForGaps(catalog.db).closed).toBe(1);
    expect(gaps()).toEqual([{kind: 'uid', from: 4, to: 6, state: 'closed'}]);
  });
});
