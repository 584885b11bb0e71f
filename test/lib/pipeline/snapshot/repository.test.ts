import {createHash} from 'node:crypto';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {SnapshotRepository, unchangedSince} from '../../../../src/lib/pipeline/snapshot/repository.js';
import type {FolderState} from '../../../../src/lib/pipeline/snapshot/source.js';

const MAILBOX = 'a11ce0000000000000000001';
const blob = (text: string): Buffer => createHash('sha256').update(text).digest();

const state = (overrides: Partial<FolderState> = {}): FolderState => ({
  mailboxId: MAILBOX,
  name: 'user.alice',
  uidValidity: 1795348438,
  highestModseq: 6n,
  messages: [
    {uid: 1, flags: ['\\Seen'], internalDate: 1_772_000_000_000, size: 100, modseq: 3n, expunged: false},
    {uid: 2, flags: ['\\Flagged', 'custom1'], internalDate: 1_772_100_000_000, size: 250, modseq: 4n, expunged: false},
    {uid: 3, flags: ['\\Deleted'], internalDate: 1_772_200_000_000, size: 4000, modseq: 6n, expunged: true},
  ],
  ...overrides,
});

describe('SnapshotRepository', () => {
  let catalog: Catalog;
  let repo: SnapshotRepository;
  beforeEach(() => {
    catalog = openCatalog(':memory:', {create: true});
    repo = new SnapshotRepository(catalog.db);
  });
  afterEach(() => catalog.close());

  it("records a folder's state; its size counts only messages not expunged", () => {
    const id = repo.record({...state(), metadata: {'/shared/comment': 'Invoices', '/private/color': null}}, 'imap', 5000);
    expect(catalog.db.prepare('SELECT * FROM snapshot WHERE id = ?').get(id)).toEqual({
      id,
      mailbox_id: MAILBOX,
      mailbox_name: 'user.alice',
      uid_validity: 1795348438,
      highest_modseq: 6,
      source: 'imap',
      taken_at: 5000,
      messages: 3,
      bytes: 350,
      metadata: '{"/shared/comment":"Invoices","/private/color":null}',
    });
    expect(catalog.db.prepare('SELECT uid, flags, size, modseq, expunged FROM snapshot_message WHERE snapshot_id = ? ORDER BY uid').all(id)).toEqual([
      {uid: 1, flags: '\\Seen', size: 100, modseq: 3, expunged: 0},
      {uid: 2, flags: '\\Flagged custom1', size: 250, modseq: 4, expunged: 0},
      {uid: 3, flags: '\\Deleted', size: 4000, modseq: 6, expunged: 1},
    ]);
    expect(repo.latest(MAILBOX)).toEqual({id, uidValidity: 1795348438, highestModseq: 6n, messages: 3, takenAt: 5000, name: state().name});
  });

  it('keeps modseqs beyond 2^53 exact', () => {
    const big = 2n ** 63n - 1n;
    repo.record(state({highestModseq: big}), 'spool', 1);
    expect(repo.latest(MAILBOX)?.highestModseq).toBe(big);
  });

  it('gives the latest snapshot of a folder, none for a folder never snapshotted', () => {
    repo.record(state(), 'spool', 1);
    const second = repo.record(state({highestModseq: 9n}), 'spool', 2);
    expect(repo.latest(MAILBOX)).toMatchObject({id: second, highestModseq: 9n, takenAt: 2});
    expect(repo.latest('other')).toBeUndefined();
  });

  it('never replaces a stored link by a failure, and replaces a failure by a stored link', () => {
    repo.link(MAILBOX, 7, 'spool', [{uid: 1, sha256: blob('one'), reason: null}, {uid: 2, sha256: null, reason: 'gone'}], 10);
    repo.link(MAILBOX, 7, 'imap', [{uid: 1, sha256: null, reason: 'gone'}, {uid: 2, sha256: blob('two'), reason: null}], 20);
    expect(catalog.db.prepare('SELECT uid, sha256, reason, source, linked_at FROM message_link ORDER BY uid').all()).toEqual([
      {uid: 1, sha256: blob('one'), reason: null, source: 'spool', linked_at: 10},
      {uid: 2, sha256: blob('two'), reason: null, source: 'imap', linked_at: 20},
    ]);
    expect(repo.links(MAILBOX, 7)).toEqual(
      new Map([
        [1, blob('one')],
        [2, blob('two')],
      ]),
    );
    expect(repo.links(MAILBOX, 8).size).toBe(0); // another UIDVALIDITY: other messages
  });

  it("counts the collector's done jobs as links", () => {
    catalog.db
      .prepare("INSERT INTO notification (id, sha256, raw, received_at, source, event_type, last_delivered_at) VALUES (1, ?, X'7B7D', 1, 'stdin', 'MessageAppend', 1)")
      .run(blob('notification'));
    catalog.db
      .prepare("INSERT INTO collect_job (mailbox_id, mailbox_name, uid_validity, uid, notification_id, state, attempts, sha256, created_at, updated_at) VALUES (?, 'user.alice', 7, 5, 1, 'done', 1, ?, 1, 1)")
      .run(MAILBOX, blob('five'));
    expect(repo.links(MAILBOX, 7)).toEqual(new Map([[5, blob('five')]]));
  });

  it('calls a folder unchanged only with the same name, UIDVALIDITY, HIGHESTMODSEQ and number of messages', () => {
    const id = repo.record(state(), 'spool', 1);
    const last = repo.latest(MAILBOX);
    expect(last?.id).toBe(id);
    expect(unchangedSince(last, state())).toBe(true);
    expect(unchangedSince(undefined, state())).toBe(false);
    expect(unchangedSince(last, state({highestModseq: 7n}))).toBe(false);
    expect(unchangedSince(last, state({uidValidity: 1}))).toBe(false);
    // A rename moves no modseq, but the folder's state (its name) changed: DELETED.user... after a delete.
    expect(unchangedSince(last, state({name: `DELETED.${state().name}.5F1234AB`}))).toBe(false);
    // cyr_expire removed the expunged record: HIGHESTMODSEQ does not move, the count does.
    expect(unchangedSince(last, state({messages: state().messages.slice(0, 2)}))).toBe(false);
  });
});
