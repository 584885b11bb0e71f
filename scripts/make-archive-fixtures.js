#!/usr/bin/env node
// Builds the archive fixtures of test/fixtures/archive/ (its README.md says what each one is): a Cyrus spool
// of three folders (alice's INBOX and Sent, bob's INBOX, seven small messages, one of them in two
// mailboxes), archived with the real `bonnie archive` code (SpoolSource + archiveFolders, one run per user,
// so one segment per user) into a catalog and an archive folder: the `sound` case. Each damaged case is a
// copy of it with one damage applied, described in its damage.json. The `carried` case is `sound` with what
// only the catalog held before migration 22 entered before the runs (a retention rule, a legal hold, a DLP
// alert and its acknowledgement, a quarantined delivery), so that its segments carry every member type
// (archive format 2: blobs, snapshot, links, policy, alerts, alert-acks, quarantine). The archive format 1
// fixtures of bonnie 0.1.0 are kept, frozen, in format-1/ (this script no longer writes them).
//
// Deterministic: a fixed clock, fixed segment ids (the writer draws random ones; they are renamed
// afterwards, in the index and on disk), fixed migration times, the catalog vacuumed with small pages and
// no WAL. Same code, same bytes (the catalog: same rows; its header carries SQLite's version).
//
// Usage (after `npm run build`): node scripts/make-archive-fixtures.js [OUT]   (default test/fixtures/archive)
// Replaces OUT's spool/ and case folders, nothing else.
import {cpSync, mkdirSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, rmdirSync, truncateSync, writeFileSync, writeSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import Database from 'better-sqlite3';
import '../dist/lib/cli/schema.js'; // the catalog's schema, as bonnie's entry points set it
import {openCatalog} from '../dist/lib/base/catalog/catalog.js';
import {segmentRelativePath} from '../dist/lib/store/archive/segment/segment-file.js';
import {archiveFolders} from '../dist/lib/pipeline/snapshot/archiver.js';
import {SpoolSource} from '../dist/lib/pipeline/snapshot/spool-source.js';
import {Alerts} from '../dist/lib/pipeline/dlp/alerts.js';
import {Ingester} from '../dist/lib/pipeline/queue/ingest.js';
import {Policy} from '../dist/lib/pipeline/retention/policy.js';
import {writeMailbox} from './lib/cyrus-spool.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? join(REPO, 'test/fixtures/archive');

/** The cases, in the order the README lists them. */
const CASES = ['sound', 'flipped-byte', 'truncated-segment', 'missing-segment', 'wrong-offset', 'carried'];

// Fixed times, ms since the epoch: migrations applied, alice's folders archived, bob's an hour later.
const T0 = Date.UTC(2026, 2, 3, 9, 0, 0);
const T_ALICE = Date.UTC(2026, 2, 3, 10, 0, 0);
const T_BOB = Date.UTC(2026, 2, 3, 11, 0, 0);
// Segment ids (32 hex digits), one per archive run: alice's, then bob's.
const SEGMENT_IDS = ['a11ce000000000000000000000000001', 'b0b00000000000000000000000000002'];

const FOLDERS = {
  aliceInbox: {mailboxId: 'a1icein8ox00000000000001', name: 'user.alice', uidValidity: 1772528400},
  aliceSent: {mailboxId: 'a1icesent000000000000002', name: 'user.alice.Sent', uidValidity: 1772528401},
  bobInbox: {mailboxId: 'b0bin8ox0000000000000003', name: 'user.bob', uidValidity: 1772528402},
};

function mail(from, to, subject, day, body) {
  return Buffer.from(
    [
      `From: ${from}`,
      `To: ${to}`,
      `Subject: ${subject}`,
      `Date: ${day} Mar 2026 09:${String(day).padStart(2, '0')}:00 +0100`,
      `Message-ID: <${subject.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@example.org>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

const contract = mail('Alice <alice@example.org>', 'Bob <bob@example.org>', 'Contract draft', 2, 'Bob,\r\nthe draft is below; the figures in section 3 are final.\r\nAlice');
const MESSAGES = {
  aliceInbox: [
    mail('Bob <bob@example.org>', 'Alice <alice@example.org>', 'Lunch on Friday', 1, 'Shall we meet at noon, at the usual place?'),
    mail('Carol <carol@example.org>', 'Alice <alice@example.org>', 'Quarterly figures', 2, 'The quarter closed 4 % above plan. Details on Monday.'),
    mail('Bob <bob@example.org>', 'Alice <alice@example.org>', 'Re: Lunch on Friday', 3, 'Noon is fine. I will book a table.'),
  ],
  // The same bytes as bob's UID 2: stored once, in alice's segment.
  aliceSent: [contract],
  bobInbox: [mail('Postmaster <postmaster@example.org>', 'Bob <bob@example.org>', 'Welcome', 1, 'Your mailbox is ready.'), contract, mail('Dave <dave@example.org>', 'Bob <bob@example.org>', 'Holiday', 4, 'Back on the 20th.')],
};

/** Lays out the spool: three folders, messages dated a day apart. */
function writeSpool(root) {
  for (const [key, folder] of Object.entries(FOLDERS)) {
    const messages = MESSAGES[key].map((bytes, i) => ({uid: i + 1, bytes, flags: i === 0 ? ['\\Seen'] : [], internalDate: Date.UTC(2026, 2, i + 1, 8, 0, 0), modseq: i + 1}));
    writeMailbox(root, {...folder, highestModseq: messages.length, messages});
  }
}

/** What only the catalog held before migration 22, entered in `catalog` before the archive runs (the `carried` case). */
function enterCarried(catalog) {
  const policy = new Policy(catalog.db);
  policy.addRule({name: 'mail-10y', periodMs: 3650 * 86_400_000, basis: 'date', action: 'delete'}, 'root', T0 + 1000);
  policy.addHold({caseId: 'CASE-1', users: ['alice'], since: Date.UTC(2026, 2, 2), until: Date.UTC(2026, 2, 2, 23, 59, 59), reason: 'litigation'}, 'root', T0 + 2000);
  const alerts = new Alerts(catalog.db);
  const alert = alerts.raise(
    {dedupKey: 'content/results-early/a1icein8ox00000000000001/2', at: Date.UTC(2026, 2, 2, 8), rule: 'results-early', severity: 'high', kind: 'content', direction: 'in', login: 'alice', mailboxId: FOLDERS.aliceInbox.mailboxId, folder: 'INBOX', count: 2, hits: [{detector: 'keywords', count: 1, confidence: 'medium', samples: ['quarter']}], notificationIds: []},
    T0 + 3000,
  );
  alerts.acknowledge(alert.id, 'secops', 'seen: published on Monday', T0 + 4000);
  new Ingester(catalog.db).ingest([{raw: Buffer.from('{"event": "MessageNew", truncated'), receivedAt: T0 + 5000, source: 'stdin'}]);
}

/** Archives alice's folders, then bob's (two writer runs: two segments), with a fixed clock. */
async function archive(caseDir, spool, prepare) {
  const catalog = openCatalog(join(caseDir, 'catalog.db'), {create: true});
  try {
    prepare?.(catalog);
    const archiveDir = join(caseDir, 'archive');
    for (const [login, at] of [['alice', T_ALICE], ['bob', T_BOB]]) {
      await archiveFolders(catalog, new SpoolSource([spool]), {kind: 'user', login}, {archiveDir, now: () => at});
    }
  } finally {
    catalog.close();
  }
}

/** Fixed segment ids and migration times; the catalog vacuumed into one small self-contained file. */
function normalize(caseDir) {
  const db = new Database(join(caseDir, 'catalog.db'));
  try {
    db.pragma('foreign_keys = OFF');
    const segments = db.prepare('SELECT id, path FROM segment ORDER BY created_at, id').all();
    if (segments.length !== SEGMENT_IDS.length) throw new Error(`expected ${SEGMENT_IDS.length} segments, the writer made ${segments.length}`);
    db.transaction(() => {
      segments.forEach((segment, i) => {
        const id = SEGMENT_IDS[i];
        const path = segmentRelativePath(id);
        db.prepare('UPDATE segment SET id = ?, path = ? WHERE id = ?').run(id, path, segment.id);
        db.prepare('UPDATE blob SET segment_id = ? WHERE segment_id = ?').run(id, segment.id);
        db.prepare('UPDATE segment_member SET segment_id = ? WHERE segment_id = ?').run(id, segment.id);
        mkdirSync(dirname(join(caseDir, 'archive', path)), {recursive: true});
        renameSync(join(caseDir, 'archive', segment.path), join(caseDir, 'archive', path));
        rmdirSync(dirname(join(caseDir, 'archive', segment.path)));
      });
      db.prepare('UPDATE schema_migration SET applied_at = ?').run(T0);
    })();
    db.pragma('journal_mode = DELETE');
    // The version file's creation time (the writer's clock is the system's there): alice's run.
    const version = join(caseDir, 'archive', 'bonnie-archive.json');
    writeFileSync(version, `${JSON.stringify({...JSON.parse(readFileSync(version, 'utf8')), createdAt: new Date(T_ALICE).toISOString()})}\n`);
    db.pragma('page_size = 512');
    db.exec('VACUUM');
  } finally {
    db.close();
  }
}

/** The index row of the message `uid` of `folder` (its blob, segment and offsets). */
function blobOf(caseDir, folder, uid) {
  const db = new Database(join(caseDir, 'catalog.db'), {readonly: true});
  try {
    return db
      .prepare(
        `SELECT lower(hex(b.sha256)) AS blob, s.path, b.header_offset AS headerOffset, b.data_offset AS dataOffset, b.stored_length AS storedLength
           FROM message_link l JOIN blob b ON b.sha256 = l.sha256 JOIN segment s ON s.id = b.segment_id
          WHERE l.mailbox_id = ? AND l.uid = ?`,
      )
      .get(folder.mailboxId, uid);
  } finally {
    db.close();
  }
}

/** Each damaged case: what is done to a copy of `sound`, recorded in its damage.json. */
const DAMAGE = {
  'flipped-byte': (dir) => {
    // One byte in the middle of the zstd frame of alice's UID 2: only --read-data can tell.
    const at = blobOf(dir, FOLDERS.aliceInbox, 2);
    const offset = at.dataOffset + Math.floor(at.storedLength / 2);
    const file = join('archive', at.path);
    const fd = openSync(join(dir, file), 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, offset);
    writeSync(fd, Buffer.of(byte[0] ^ 0xff), 0, 1, offset);
    closeSync(fd);
    return {file, offset, xor: 0xff, expect: {kind: 'BlobCorrupt', blobs: [at.blob], messages: ['user.alice UID 2']}};
  },
  'truncated-segment': (dir) => {
    // bob's segment cut 100 bytes into the frame of its last blob (bob's UID 3); the snapshot and links members after it go too.
    const at = blobOf(dir, FOLDERS.bobInbox, 3);
    const file = join('archive', at.path);
    const truncateTo = at.dataOffset + 100;
    truncateSync(join(dir, file), truncateTo);
    return {file, truncateTo, expect: {kind: 'SegmentTruncated', blobs: [at.blob], messages: ['user.bob UID 3']}};
  },
  'missing-segment': (dir) => {
    // alice's segment is gone: her four messages, and bob's UID 2 (the same bytes as her Sent UID 1).
    const ids = [[FOLDERS.aliceInbox, 1], [FOLDERS.aliceInbox, 2], [FOLDERS.aliceInbox, 3], [FOLDERS.aliceSent, 1]].map(([f, uid]) => blobOf(dir, f, uid));
    const file = join('archive', ids[0].path);
    rmSync(join(dir, file));
    rmdirSync(dirname(join(dir, file)));
    return {file, removed: true, expect: {kind: 'SegmentMissing', blobs: ids.map((b) => b.blob).sort(), messages: ['user.alice UID 1', 'user.alice UID 2', 'user.alice UID 3', 'user.alice.Sent UID 1', 'user.bob UID 2']}};
  },
  'wrong-offset': (dir) => {
    // The index row of alice's UID 3 points at the member of her UID 1.
    const victim = blobOf(dir, FOLDERS.aliceInbox, 3);
    const other = blobOf(dir, FOLDERS.aliceInbox, 1);
    const db = new Database(join(dir, 'catalog.db'));
    try {
      db.prepare('UPDATE blob SET header_offset = ?, data_offset = ? WHERE sha256 = ?').run(other.headerOffset, other.dataOffset, Buffer.from(victim.blob, 'hex'));
      db.exec('VACUUM');
    } finally {
      db.close();
    }
    return {
      blob: victim.blob,
      was: {headerOffset: victim.headerOffset, dataOffset: victim.dataOffset},
      now: {headerOffset: other.headerOffset, dataOffset: other.dataOffset},
      expect: {kind: 'MemberMismatch', blobs: [victim.blob], messages: ['user.alice UID 3']},
    };
  },
};

async function main() {
  for (const name of [...CASES, 'spool']) rmSync(join(out, name), {recursive: true, force: true});
  const spool = join(out, 'spool');
  writeSpool(spool);
  const sound = join(out, 'sound');
  mkdirSync(sound, {recursive: true});
  await archive(sound, spool);
  normalize(sound);
  for (const [name, damage] of Object.entries(DAMAGE)) {
    const dir = join(out, name);
    cpSync(sound, dir, {recursive: true});
    const described = damage(dir);
    writeFileSync(join(dir, 'damage.json'), `${JSON.stringify({case: name, ...described}, null, 2)}\n`);
  }
  const carried = join(out, 'carried');
  mkdirSync(carried, {recursive: true});
  await archive(carried, spool, enterCarried);
  normalize(carried);
  console.error(`archive fixtures written to ${out}`);
}

await main();
