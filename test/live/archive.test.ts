/**
 * `bonnie archive` against a live Cyrus: a folder of alice's (`Archive<timestamp>`) filled over IMAP with
 * flags, keywords and internal dates, one message expunged (its file stays until cyr_expire), is archived
 * from the real spool and over IMAP. The snapshot must say what IMAP says, the archive must hold the
 * bytes IMAP serves, and a second run must read and store nothing.
 */
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {ArchiveReader} from '../../src/lib/store/archive/store.js';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {imapClient, rawImap} from '../harness/imap.js';
import {testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const folder = `Archive${stamp}`;
const mailbox = `user.alice.${folder}`;
const dir = mkdtempSync(join(tmpdir(), 'bonnie-archive-live-'));
const passwordFile = join(dir, 'imap.password');
writeFileSync(passwordFile, `${lab.admin.password}\n`, {mode: 0o600});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const env = {
  BONNIE_CONFIG: '/dev/null',
  BONNIE_SPOOL: join(lab.dir, 'var/spool/mail'),
  BONNIE_IMAP_URL: `imap://${lab.imap.host}:${lab.imap.port}`,
  BONNIE_IMAP_USER: lab.admin.user,
  BONNIE_IMAP_PASSWORD_FILE: passwordFile,
  BONNIE_FOLDER_METADATA: '/shared/comment /private/comment',
};

interface Summary {
  folders: number;
  foldersUnchanged: number;
  snapshots: number;
  messages: number;
  read: number;
  stored: number;
  alreadyStored: number;
  alreadyArchived: number;
  unrecoverable: number;
  checksumMismatches: number;
}

/** `bonnie init` once per catalog: only init creates one. */
async function init(catalog: string): Promise<void> {
  if (existsSync(catalog)) return;
  const ran = await bonnie(['init', '--catalog', catalog], {env});
  expect(ran.code, ran.stderr).toBe(0);
}

async function archive(name: string, args: string[]): Promise<Summary> {
  await init(join(dir, `${name}.db`));
  const ran = await bonnie(['archive', ...args, '--catalog', join(dir, `${name}.db`), '--archive', join(dir, name), '--json'], {env});
  expect(ran.code, ran.stderr + ran.stdout).toBe(0);
  return JSON.parse(ran.stdout) as Summary;
}

interface Row {
  uid: number;
  flags: string;
  internal_date: number;
  size: number;
  expunged: number;
}

function snapshots(name: string): {id: number; uid_validity: number; source: string; metadata: string | null; rows: Row[]}[] {
  const catalog = openCatalog(join(dir, `${name}.db`), {readOnly: true});
  try {
    const shots = catalog.db.prepare<[string], {id: number; uid_validity: number; source: string; metadata: string | null}>('SELECT id, uid_validity, source, metadata FROM snapshot WHERE mailbox_name = ? ORDER BY id').all(mailbox);
    return shots.map((s) => ({...s, rows: catalog.db.prepare<[number], Row>('SELECT uid, flags, internal_date, size, expunged FROM snapshot_message WHERE snapshot_id = ? ORDER BY uid').all(s.id)}));
  } finally {
    catalog.close();
  }
}

function archivedBytes(name: string, mailboxUid: number): Buffer | undefined {
  const catalog = openCatalog(join(dir, `${name}.db`), {readOnly: true});
  try {
    const row = catalog.db
      .prepare<[string, number], {sha256: Buffer}>('SELECT a.sha256 FROM archived_message a JOIN snapshot s ON s.mailbox_id = a.mailbox_id AND s.uid_validity = a.uid_validity WHERE s.mailbox_name = ? AND a.uid = ? LIMIT 1')
      .get(mailbox, mailboxUid);
    return row === undefined ? undefined : new ArchiveReader(catalog, join(dir, name)).readBlob(row.sha256);
  } finally {
    catalog.close();
  }
}

/** What IMAP shows of the folder: UID -> flags (sorted), internal date, size, bytes. */
const imap = new Map<number, {flags: string[]; internalDate: number; size: number; bytes: Buffer}>();
const dates = [new Date('2019-03-04T05:06:07Z'), new Date('2021-11-12T13:14:15Z'), new Date('2023-01-02T03:04:05Z'), new Date('2024-06-07T08:09:10Z')];

beforeAll(async () => {
  const alice = await imapClient(lab, 'alice');
  try {
    const path = `INBOX.${folder}`;
    await alice.mailboxCreate(path);
    const flags = [['\\Seen'], ['\\Answered', '$Label1'], [], ['\\Seen', 'Doomed']];
    for (const [i, date] of dates.entries()) {
      const body = i === 1 ? 'With an attachment.\r\n' + 'A'.repeat(3000) + '\r\n' : `Message ${i + 1}.\r\n`;
      await alice.append(path, testMessage({from: 'bob@lab.test', to: 'alice@lab.test', subject: `archive test ${i + 1}`, messageId: `archive-${stamp}-${i}@lab.test`, body, date}), flags[i], date);
    }
    const lock = await alice.getMailboxLock(path);
    try {
      await alice.messageFlagsAdd('3', ['\\Flagged'], {uid: true});
      for await (const m of alice.fetch('1:*', {uid: true, flags: true, internalDate: true, size: true, source: true}, {uid: true})) {
        imap.set(m.uid, {flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), internalDate: new Date(m.internalDate ?? 0).getTime(), size: m.size ?? 0, bytes: m.source as Buffer});
      }
      await alice.messageDelete('4', {uid: true});
    } finally {
      lock.release();
    }
  } finally {
    await alice.logout();
  }
  const raw = await rawImap(lab, 'alice');
  await raw.command(`SETMETADATA INBOX.${folder} (/shared/comment "kept for audit")`);
  await raw.logout();
});

describe('bonnie archive on a live Cyrus', () => {
  it('archives a folder from the spool: its snapshot says what IMAP says, its bytes are what IMAP serves', async () => {
    const summary = await archive('spool', ['--mailbox', mailbox]);
    expect(summary).toMatchObject({folders: 1, snapshots: 1, messages: 4, read: 4, stored: 4, unrecoverable: 0, checksumMismatches: 0});

    const [shot] = snapshots('spool');
    expect(shot?.source).toBe('spool');
    const rows = shot?.rows ?? [];
    expect(rows.map((r) => r.uid)).toEqual([1, 2, 3, 4]);
    for (const r of rows.slice(0, 3)) {
      const seen = imap.get(r.uid);
      expect({flags: r.flags.split(' ').filter(Boolean).sort(), internalDate: r.internal_date, size: r.size, expunged: r.expunged}).toEqual({flags: seen?.flags, internalDate: seen?.internalDate, size: seen?.size, expunged: 0});
    }
    // UID 4 was expunged: no longer in the folder, still archived (and marked so).
    expect(rows[3]).toMatchObject({uid: 4, expunged: 1, internal_date: dates[3]?.getTime()});
    expect(rows[3]?.flags.split(' ')).toContain('Doomed');
    for (const uid of [1, 2, 3, 4]) expect(archivedBytes('spool', uid)?.equals(imap.get(uid)?.bytes as Buffer), `UID ${uid}`).toBe(true);
  });

  it('stores nothing new on a second run, and only a new snapshot after a flag change', async () => {
    const again = await archive('spool', ['--mailbox', mailbox]);
    expect(again).toMatchObject({folders: 1, snapshots: 0, foldersUnchanged: 1, read: 0, stored: 0, alreadyArchived: 4});

    const alice = await imapClient(lab, 'alice');
    const lock = await alice.getMailboxLock(`INBOX.${folder}`);
    await alice.messageFlagsRemove('1', ['\\Seen'], {uid: true});
    lock.release();
    await alice.logout();
    const changed = await archive('spool', ['--mailbox', mailbox]);
    expect(changed).toMatchObject({snapshots: 1, read: 0, stored: 0});
    const shots = snapshots('spool');
    expect(shots).toHaveLength(2);
    expect(shots[1]?.rows[0]?.flags).not.toContain('\\Seen');
    expect(shots[0]?.rows[0]?.flags).toContain('\\Seen');
  });

  it('archives the same folder over IMAP, with its metadata, as the spool gave it', async () => {
    const summary = await archive('imap', ['--mailbox', mailbox, '--from', 'imap']);
    expect(summary).toMatchObject({folders: 1, snapshots: 1, messages: 3, read: 3, stored: 3, unrecoverable: 0});
    const [shot] = snapshots('imap');
    expect(shot?.source).toBe('imap');
    expect(JSON.parse(shot?.metadata ?? 'null')).toEqual({'/shared/comment': 'kept for audit', '/private/comment': null});
    const fromSpool = snapshots('spool').at(-1);
    expect(shot?.uid_validity).toBe(fromSpool?.uid_validity);
    const norm = (rows: Row[]) => rows.filter((r) => r.expunged === 0).map((r) => ({...r, flags: r.flags.split(' ').filter(Boolean).sort()}));
    expect(norm(shot?.rows ?? [])).toEqual(norm(fromSpool?.rows ?? []));
    for (const uid of [1, 2, 3]) expect(archivedBytes('imap', uid)?.equals(imap.get(uid)?.bytes as Buffer), `UID ${uid}`).toBe(true);
  });

  it('archives one message, and every folder of a user', async () => {
    const one = await archive('one', ['--message', `${mailbox}:2`]);
    expect(one).toMatchObject({folders: 1, snapshots: 0, messages: 1, read: 1, stored: 1});
    expect(archivedBytes('one', 2)).toBeUndefined(); // no snapshot: look the link up directly
    const catalog = openCatalog(join(dir, 'one.db'), {readOnly: true});
    const links = catalog.db.prepare<[], {uid: number}>('SELECT uid FROM message_link').all();
    catalog.close();
    expect(links).toEqual([{uid: 2}]);

    const user = await archive('user', ['--user', 'alice']);
    expect(user.folders).toBeGreaterThanOrEqual(2); // INBOX and this folder at least
    expect(user.unrecoverable).toBe(0);
    expect(snapshots('user')).toHaveLength(1);
  });

  it('says clearly when nothing matches or the message does not exist', async () => {
    await init(join(dir, 'none.db'));
    const none = await bonnie(['archive', '--mailbox', 'user.nobody.Nothing', '--catalog', join(dir, 'none.db'), '--archive', join(dir, 'none')], {env});
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no folder named user.nobody.Nothing was found in the spool');
    const missing = await bonnie(['archive', '--message', `${mailbox}:999`, '--catalog', join(dir, 'none.db'), '--archive', join(dir, 'none')], {env});
    expect(missing.stderr).toContain(`${mailbox} has no message with UID 999`);
  });
});
