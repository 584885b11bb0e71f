/**
 * The collector's spool reader and its decision table: which partition holds a folder, which files this
 * host can read, and what happens to a job the spool cannot serve, with and without imap_url.
 */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {SPOOL_GONE_REASON, SpoolReader, openSpool, routeRead, type SpoolRead} from '../../../../src/lib/pipeline/collect/spool.js';
import {mailboxDir, messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {writeMailbox} from '../../sources/cyrus/cyrus-spool.js';

const tempDir = useTempDirs();
const isRoot = process.getuid?.() === 0;
const INBOX = '76yzkoa5vpplgcimbgeofaee';
const BOB = 'cu0g4lc9qdp3vrer52mfw1h9';
const GONE = 'mznp8pk5el51frirx1qi7ovg';

/**
 * Two partitions: alice's INBOX on the default one (UIDs 1, 2; UID 3's file only on the second root, as
 * Cyrus' archive partition keeps older files), bob's INBOX on the second.
 */
function twoPartitions(): {main: string; second: string} {
  const dir = tempDir();
  const main = join(dir, 'mail');
  const second = join(dir, 'mail2');
  writeMailbox(main, {mailboxId: INBOX, name: 'user.alice', uidValidity: 1, messages: [1, 2].map((uid) => ({uid, bytes: Buffer.from(`alice ${uid}`)}))});
  writeMailbox(second, {mailboxId: BOB, name: 'user.bob', uidValidity: 2, messages: [{uid: 1, bytes: Buffer.from('bob 1')}]});
  mkdirSync(mailboxDir(second, INBOX), {recursive: true});
  writeFileSync(messagePath(second, INBOX, 3), 'alice 3 (archive partition)');
  return {main, second};
}

const text = (read: SpoolRead) => (read.kind === 'bytes' ? read.bytes.toString() : read.kind);

describe('the spool reader', () => {
  it('reads each folder from the first partition that holds it, and a file the folder lacks from another root', () => {
    const {main, second} = twoPartitions();
    const reader = new SpoolReader([main, second]);
    expect(text(reader.read(INBOX, 1))).toBe('alice 1');
    expect(text(reader.read(BOB, 1))).toBe('bob 1');
    expect(text(reader.read(INBOX, 3))).toBe('alice 3 (archive partition)');
    expect(reader.locate(BOB)).toEqual({kind: 'here', dir: mailboxDir(second, BOB)});
  });

  it('tells a file gone from a folder that is here from a folder that is in no partition', () => {
    const {main, second} = twoPartitions();
    const reader = new SpoolReader([main, second]);
    expect(reader.read(INBOX, 9)).toEqual({kind: 'gone'});
    expect(reader.read(GONE, 1)).toMatchObject({kind: 'unreachable', why: 'no-folder'});
    expect(new SpoolReader([]).read(INBOX, 1)).toMatchObject({kind: 'unreachable', why: 'no-partition'});
  });

  it('returns other errors for a retry', () => {
    const {main} = twoPartitions();
    mkdirSync(messagePath(main, INBOX, 5));
    expect(new SpoolReader([main]).read(INBOX, 5)).toMatchObject({kind: 'error', error: expect.stringMatching(/EISDIR/)});
  });

  it.skipIf(isRoot)('says "denied", not "gone", for a folder this user may not look into', () => {
    const {main} = twoPartitions();
    const parent = join(main, 'uuid', '7');
    chmodSync(parent, 0o000);
    try {
      expect(new SpoolReader([main]).read(INBOX, 1)).toMatchObject({kind: 'unreachable', why: 'denied'});
    } finally {
      chmodSync(parent, 0o700);
    }
  });
});

describe('what the collector does after the spool', () => {
  const bytes = Buffer.from('x');
  const cases: [SpoolRead, boolean, string][] = [
    [{kind: 'bytes', bytes}, false, 'store'],
    [{kind: 'bytes', bytes}, true, 'store'],
    // The folder is here and the file is not: cleaned by cyr_expire; IMAP cannot serve it either.
    [{kind: 'gone'}, false, 'unrecoverable'],
    [{kind: 'gone'}, true, 'unrecoverable'],
    [{kind: 'error', error: 'EIO'}, false, 'failed'],
    [{kind: 'error', error: 'EIO'}, true, 'failed'],
    // Without IMAP: a folder in no partition was deleted and cleaned; with IMAP it may be on another host.
    [{kind: 'unreachable', why: 'no-folder', detail: ''}, false, 'unrecoverable'],
    [{kind: 'unreachable', why: 'no-folder', detail: ''}, true, 'imap'],
    [{kind: 'unreachable', why: 'denied', detail: 'cannot read x'}, false, 'stop'],
    [{kind: 'unreachable', why: 'denied', detail: 'cannot read x'}, true, 'imap'],
    [{kind: 'unreachable', why: 'no-partition', detail: 'none'}, false, 'stop'],
    [{kind: 'unreachable', why: 'no-partition', detail: 'none'}, true, 'imap'],
  ];
  it.each(cases)('%j with imap %s: %s', (read, imap, expected) => {
    expect(routeRead(read, imap).kind).toBe(expected);
  });

  it('records a vanished file with the reason, and stops with the hints (cyrus user, imap_url) when denied', () => {
    expect(routeRead({kind: 'gone'}, true)).toEqual({kind: 'unrecoverable', reason: SPOOL_GONE_REASON});
    const stop = routeRead({kind: 'unreachable', why: 'denied', detail: 'cannot read /x: EACCES'}, false);
    expect(stop.kind === 'stop' && {code: stop.error.code, message: stop.error.message}).toEqual({code: 'SpoolUnreadable', message: 'cannot read /x: EACCES'});
    expect(stop.kind === 'stop' && stop.error.hint).toMatch(/sudo -u cyrus bonnie collector.*imap_url/);
  });
});

describe('opening the partitions for a run', () => {
  it('without imap_url, refuses a root that is not a Cyrus partition, naming imap_url for another host', () => {
    const {main} = twoPartitions();
    const error = thrownBonnieError(() => openSpool([main, join(main, 'nowhere')], false));
    expect(error.code).toBe('SpoolNotFound');
    expect(error.message).toContain(join(main, 'nowhere'));
    expect(error.hint).toMatch(/partitions.*imap_url/);
  });

  it('with imap_url, uses the roots that are partitions here, and warns only about a root missing among present ones', () => {
    const {main, second} = twoPartitions();
    const warnings: string[] = [];
    const reader = openSpool([main, join(main, 'nowhere'), second], true, (m) => warnings.push(m));
    expect(reader.roots).toEqual([main, second]);
    expect(warnings).toEqual([`${join(main, 'nowhere')} is not a Cyrus partition (it has no "uuid" folder): its messages are read over IMAP`]);

    // A collector on another host: no partition at all, nothing to warn about, everything over IMAP.
    const remote: string[] = [];
    const none = openSpool([join(main, 'nowhere')], true, (m) => remote.push(m));
    expect(none.roots).toEqual([]);
    expect(remote).toEqual([]);
    expect(routeRead(none.read(INBOX, 1), true).kind).toBe('imap');
  });

  it.skipIf(isRoot)('with imap_url, warns that an unreadable partition is read over IMAP', () => {
    const {main} = twoPartitions();
    chmodSync(main, 0o000);
    try {
      const warnings: string[] = [];
      expect(openSpool([main], true, (m) => warnings.push(m)).roots).toEqual([]);
      expect(warnings).toEqual([expect.stringMatching(/permission denied.*over IMAP.*cyrus user/)]);
    } finally {
      chmodSync(main, 0o755);
    }
  });
});

describe('mailbox IDs that are not', () => {
  it('never turns them into paths: unrecoverable with the reason, with or without IMAP', () => {
    const {main} = twoPartitions();
    const reader = new SpoolReader([main]);
    for (const id of ['../../outside', '..', 'a/b', '.hidden', '', 'x'.repeat(65), 'abc\0def']) {
      const read = reader.read(id, 1);
      expect(read).toMatchObject({kind: 'unreachable', why: 'invalid-id'});
      for (const imap of [false, true]) {
        expect(routeRead(read, imap)).toEqual({kind: 'unrecoverable', reason: expect.stringContaining('is not a Cyrus mailbox ID')});
      }
    }
    expect(thrownBonnieError(() => mailboxDir(main, '../../outside')).code).toBe('MailboxIdInvalid');
    // Cyrus 3.6 ids, older hex and UUID ids still pass.
    for (const id of [INBOX, '5f1234ab9c0d1e2f', '3f2504e0-4f89-11d3-9a0c-0305e82c3301']) expect(() => mailboxDir(main, id)).not.toThrow();
  });
});
