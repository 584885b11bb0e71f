/**
 * `bonnie collector` against a live Cyrus when the spool is not at hand, and its reconcile jobs:
 * - messages collected over IMAP (imap_url, the lab admin acting as alice) when the spool given is not this
 *   Cyrus' (a partition without the folder, or no partition at all), byte for byte as IMAP serves them,
 *   without a flag changed; a folder renamed before collection found by its newest name;
 * - a message expunged before collection: unrecoverable over IMAP, with the reason, although the real
 *   spool still holds its file; a folder deleted and its name reused: unrecoverable, saying so;
 * - a real gap (a 30 KB Subject makes Cyrus drop the APPEND's event), found by `bonnie gaps`: its reconcile
 *   job ends done with a snapshot of the folder, from the spool and over IMAP;
 * - folder metadata: a folder created over IMAP with /shared/comment set gets a snapshot recording it.
 *
 * Each scenario copies the lab's notifications about its own folders of alice's (`Cimap<stamp>`...) into a
 * catalog of its own, byte for byte, so that its counts are exact whatever else the lab holds.
 */
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {ArchiveReader} from '../../src/lib/store/archive/store.js';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {NOT_ON_IMAP_REASON} from '../../src/lib/pipeline/collect/collector.js';
import {CollectJobs} from '../../src/lib/pipeline/collect/jobs.js';
import {ReconcileJobs} from '../../src/lib/pipeline/capture/reconcile-jobs.js';
import {messagePath} from '../../src/lib/sources/cyrus/partition.js';
import {Ingester, type DeliverySource} from '../../src/lib/pipeline/queue/ingest.js';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient, rawImap} from '../harness/imap.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bonnie-collector-imap-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const passwordFile = join(dir, 'imap.password');
writeFileSync(passwordFile, `${lab.admin.password}\n`, {mode: 0o600});
const realSpool = join(lab.dir, 'var/spool/mail');
/** A Cyrus partition, but not this Cyrus': it holds none of its folders. */
const otherPartition = join(dir, 'other-host/mail');
mkdirSync(join(otherPartition, 'uuid'), {recursive: true});
const env = {
  BONNIE_CONFIG: '/dev/null',
  BONNIE_IMAP_URL: `imap://${lab.imap.host}:${lab.imap.port}`,
  BONNIE_IMAP_USER: lab.admin.user,
  BONNIE_IMAP_PASSWORD_FILE: passwordFile,
};

interface Summary {
  scan: {scanned: number; created: number; folders: number};
  collected: number;
  alreadyStored: number;
  overImap: number;
  unrecoverable: number;
  failed: number;
  remaining: number;
  reconcile: {done: number; failed: number; dead: number; remaining: number; snapshots: number; collected: number; alreadyStored: number; unrecoverable: number};
}

/** A catalog of its own holding the lab's notifications about these mailboxes, as the dealer stored them. */
function privateCatalog(name: string, mailboxIds: readonly string[]): string {
  const path = join(dir, `${name}.db`);
  const source = openCatalog(lab.catalog, {readOnly: true});
  const rows = source.db
    .prepare<string[], {raw: Buffer; received_at: number; source: DeliverySource}>(`SELECT raw, received_at, source FROM notification WHERE mailbox_id IN (${mailboxIds.map(() => '?').join(', ')}) ORDER BY id`)
    .all(...mailboxIds);
  source.close();
  const catalog = openCatalog(path, {create: true});
  new Ingester(catalog.db).ingest(rows.map((r) => ({raw: r.raw, receivedAt: r.received_at, source: r.source})));
  catalog.close();
  return path;
}

async function collector(catalog: string, spool: string, extraEnv: Record<string, string> = {}): Promise<Summary> {
  const ran = await bonnie(['collector', '--catalog', catalog, '--spool', spool, '--archive', `${catalog}.archive`, '--json'], {env: {...env, ...extraEnv}});
  expect(ran.code, ran.stderr + ran.stdout).toBe(0);
  return JSON.parse(ran.stdout) as Summary;
}

/** What IMAP serves for these UIDs of one of alice's folders (BODY.PEEK[]: no flag changes, no event). */
async function imapBytes(path: string, uids: readonly number[]): Promise<Map<number, Buffer>> {
  const alice = await imapClient(lab, 'alice');
  const got = new Map<number, Buffer>();
  try {
    const lock = await alice.getMailboxLock(path, {readOnly: true});
    try {
      for (const uid of uids) {
        const message = await alice.fetchOne(String(uid), {source: true}, {uid: true});
        if (message === false || message.source === undefined) throw new Error(`no UID ${uid} in ${path}`);
        got.set(uid, message.source);
      }
    } finally {
      lock.release();
    }
  } finally {
    await alice.logout();
  }
  return got;
}

function archived(catalog: string, mailboxId: string): Map<number, Buffer> {
  const db = openCatalog(catalog, {readOnly: true});
  const reader = new ArchiveReader(db, `${catalog}.archive`);
  try {
    const rows = db.db.prepare<[string], {uid: number; sha256: Buffer}>('SELECT uid, sha256 FROM archived_message WHERE mailbox_id = ? ORDER BY uid').all(mailboxId);
    return new Map(rows.map((r) => [r.uid, reader.readBlob(r.sha256)]));
  } finally {
    reader.close();
    db.close();
  }
}

function collectJobs(catalog: string) {
  const db = openCatalog(catalog, {readOnly: true});
  try {
    return new CollectJobs(db.db).list();
  } finally {
    db.close();
  }
}

const arrivalsIn = (name: string) => (e: CapturedEvent) => e.event.mailbox?.name === name && (e.type === 'MessageAppend' || e.type === 'MessageNew');

describe('bonnie collector over IMAP on a live Cyrus', () => {
  it('collects over IMAP what a partition without the folder cannot give, byte for byte, without touching a flag; an expunged message is unrecoverable with the reason', async () => {
    const folder = `Cimap${stamp}`;
    const name = `user.alice.${folder}`;
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.${folder}`);
    const raw = await rawImap(lab, 'alice');
    await raw.command(`SETACL INBOX.${folder} anyone p`);
    await raw.logout();
    const delivered = await lmtpDeliver(lab, {from: 'x@lab.test', to: [`alice+${folder}`], message: testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: 'over IMAP by LMTP', messageId: `cimap-lmtp-${stamp}@lab.test`})});
    expect(delivered.map((r) => r.code)).toEqual([250]);
    await alice.append(`INBOX.${folder}`, testMessage({from: 'alice@lab.test', to: 'bob@lab.test', subject: 'over IMAP by APPEND', messageId: `cimap-append-${stamp}@lab.test`, body: 'Exact bytes,\r\nplease: \u00e9t\u00e9.\r\n'}));
    await alice.append(`INBOX.${folder}`, testMessage({from: 'alice@lab.test', to: 'carol@lab.test', subject: 'expunged before collection', messageId: `cimap-gone-${stamp}@lab.test`}));
    const events = await waitForEvents(lab, (es) => es.filter(arrivalsIn(name)).length === 3, {after});
    const mailboxId = events.find(arrivalsIn(name))?.mailboxId as string;

    const served = await imapBytes(`INBOX.${folder}`, [1, 2]);
    const lock = await alice.getMailboxLock(`INBOX.${folder}`);
    try {
      await alice.messageDelete('3', {uid: true});
    } finally {
      lock.release();
    }
    await alice.logout();
    await waitForEvents(lab, (es) => es.some((e) => e.event.mailbox?.name === name && e.type === 'MessageExpunge'), {after});
    // Cyrus keeps the expunged file until cyr_expire -X: the spool has it, IMAP does not.
    expect(existsSync(messagePath(realSpool, mailboxId, 3))).toBe(true);

    // A partition of another Cyrus, and no partition at all: both leave it to IMAP.
    for (const [label, spool] of [['other-partition', otherPartition], ['no-partition', join(dir, 'nothing-here')]] as const) {
      const catalog = privateCatalog(`cimap-${label}`, [mailboxId]);
      const summary = await collector(catalog, spool);
      expect(summary, label).toMatchObject({scan: {created: 3}, collected: 2, alreadyStored: 0, overImap: 2, unrecoverable: 1, failed: 0, remaining: 0});
      expect(collectJobs(catalog).map((j) => [j.uid, j.state, j.lastError])).toEqual([
        [1, 'done', null],
        [2, 'done', null],
        [3, 'unrecoverable', NOT_ON_IMAP_REASON],
      ]);
      const bytes = archived(catalog, mailboxId);
      for (const uid of [1, 2]) expect(bytes.get(uid)?.equals(served.get(uid) as Buffer), `${label} UID ${uid}`).toBe(true);
    }

    // EXAMINE and BODY.PEEK[]: nothing was marked read.
    const check = await imapClient(lab, 'alice');
    const status = await check.status(`INBOX.${folder}`, {unseen: true, messages: true});
    await check.logout();
    expect(status).toMatchObject({messages: 2, unseen: 2});
    expect(NOT_ON_IMAP_REASON).toMatch(/IMAP cannot serve expunged messages/);
  });

  it('follows a folder renamed before collection, and says so when a folder was deleted and its name reused', async () => {
    const moved = `Cmoved${stamp}`;
    const reused = `Creused${stamp}`;
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.${moved}`);
    await alice.append(`INBOX.${moved}`, testMessage({from: 'bob@lab.test', to: 'alice@lab.test', subject: 'in a folder renamed later', messageId: `cmoved-${stamp}@lab.test`}));
    await alice.mailboxCreate(`INBOX.${reused}`);
    await alice.append(`INBOX.${reused}`, testMessage({from: 'bob@lab.test', to: 'alice@lab.test', subject: 'in a folder deleted later', messageId: `creused-${stamp}@lab.test`}));
    const arrivals = await waitForEvents(lab, (es) => es.filter(arrivalsIn(`user.alice.${moved}`)).length + es.filter(arrivalsIn(`user.alice.${reused}`)).length === 2, {after});
    const movedId = arrivals.find(arrivalsIn(`user.alice.${moved}`))?.mailboxId as string;
    const reusedId = arrivals.find(arrivalsIn(`user.alice.${reused}`))?.mailboxId as string;
    await alice.mailboxRename(`INBOX.${moved}`, `INBOX.${moved}Now`);
    await alice.mailboxDelete(`INBOX.${reused}`);
    await alice.mailboxCreate(`INBOX.${reused}`);
    await alice.logout();
    await waitForEvents(lab, (es) => es.some((e) => e.type === 'MailboxRename' && e.mailboxId === movedId) && es.filter((e) => e.type === 'MailboxCreate' && e.event.mailbox?.name === `user.alice.${reused}`).length === 2, {after});
    const served = await imapBytes(`INBOX.${moved}Now`, [1]);

    const catalog = privateCatalog('renamed', [movedId, reusedId]);
    const summary = await collector(catalog, otherPartition);
    expect(summary).toMatchObject({collected: 1, overImap: 1, unrecoverable: 1, failed: 0, remaining: 0});
    const jobs = collectJobs(catalog);
    expect(jobs.find((j) => j.mailboxId === movedId)).toMatchObject({state: 'done', mailboxName: `user.alice.${moved}`});
    expect(archived(catalog, movedId).get(1)?.equals(served.get(1) as Buffer)).toBe(true);
    expect(jobs.find((j) => j.mailboxId === reusedId)).toMatchObject({
      state: 'unrecoverable',
      lastError: expect.stringMatching(new RegExp(`^folder user\\.alice\\.${reused} on the IMAP server is now another mailbox \\(\\w+, not ${reusedId}\\)`)),
    });
  });
});

/** A Subject of about `bytes` bytes, folded into lines well under RFC 5322's 998 characters. */
function hugeSubject(bytes: number): string {
  const words = Array.from({length: Math.ceil(bytes / 10)}, (_, i) => `word${String(i).padStart(5, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 7) lines.push(words.slice(i, i + 7).join(' '));
  return lines.join('\r\n ');
}

describe('reconcile jobs and folder metadata on a live Cyrus', () => {
  it("re-reads a folder whose APPEND event Cyrus dropped: the reconcile job ends done with the folder's snapshot, from the spool and over IMAP", async () => {
    const folder = `Cgap${stamp}`;
    const name = `user.alice.${folder}`;
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.${folder}`);
    const big = await alice.append(`INBOX.${folder}`, testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: hugeSubject(30_000), messageId: `cgap-huge-${stamp}@lab.test`}));
    const small = await alice.append(`INBOX.${folder}`, testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: 'small', messageId: `cgap-small-${stamp}@lab.test`}));
    await alice.logout();
    expect([big && big.uid, small && small.uid]).toEqual([1, 2]);
    const events = await waitForEvents(lab, (es) => es.some((e) => arrivalsIn(name)(e) && e.event.uids.first === 2), {after});
    expect(events.filter(arrivalsIn(name)).map((e) => [...e.event.uids])).toEqual([[2]]);
    const mailboxId = events.find(arrivalsIn(name))?.mailboxId as string;
    const served = await imapBytes(`INBOX.${folder}`, [1, 2]);

    for (const [label, spool] of [['spool', realSpool], ['imap', otherPartition]] as const) {
      const catalog = privateCatalog(`cgap-${label}`, [mailboxId]);
      // Gap detection, as bonnie process or bonnie gaps runs it, queues the reconcile job.
      const gaps = await bonnie(['gaps', '--json', '--catalog', catalog], {env});
      expect(gaps.code, gaps.stderr).toBe(0);
      expect((JSON.parse(gaps.stdout) as {gaps: unknown[]}).gaps).toEqual(expect.arrayContaining([expect.objectContaining({mailboxName: name, kind: 'uid', from: 1, to: 1})]));

      const summary = await collector(catalog, spool);
      // UID 2 by its event (the message jobs), UID 1 by the reconcile job.
      expect(summary, label).toMatchObject({collected: 1, overImap: label === 'imap' ? 1 : 0, remaining: 0, reconcile: {done: 1, failed: 0, dead: 0, remaining: 0, snapshots: 1, collected: 1, unrecoverable: 0}});
      const db = openCatalog(catalog, {readOnly: true});
      // One job per folder (the first gap's), however many gaps the folder has.
      expect(new ReconcileJobs(db.db).list()).toEqual([expect.objectContaining({mailboxId, state: 'done', attempts: 0, lastError: null, reason: 'uid gap 1-1'})]);
      const shots = db.db.prepare<[string], {mailbox_name: string; source: string; messages: number}>('SELECT mailbox_name, source, messages FROM snapshot WHERE mailbox_id = ?').all(mailboxId);
      expect(shots).toEqual([{mailbox_name: name, source: label, messages: 2}]);
      const uids = db.db.prepare<[string], {uid: number}>('SELECT m.uid FROM snapshot_message m JOIN snapshot s ON s.id = m.snapshot_id WHERE s.mailbox_id = ? ORDER BY m.uid').all(mailboxId);
      db.close();
      expect(uids).toEqual([{uid: 1}, {uid: 2}]);
      const bytes = archived(catalog, mailboxId);
      for (const uid of [1, 2]) expect(bytes.get(uid)?.equals(served.get(uid) as Buffer), `${label} UID ${uid}`).toBe(true);
    }
  });

  it('records the metadata of a folder created over IMAP in its first snapshot', async () => {
    const folder = `Cmeta${stamp}`;
    const name = `user.alice.${folder}`;
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.${folder}`);
    await alice.logout();
    const raw = await rawImap(lab, 'alice');
    await raw.command(`SETMETADATA INBOX.${folder} (/shared/comment "project files, kept 10 years")`);
    await raw.logout();
    const events = await waitForEvents(lab, (es) => es.some((e) => e.type === 'MailboxCreate' && e.event.mailbox?.name === name), {after});
    const mailboxId = events.find((e) => e.type === 'MailboxCreate' && e.event.mailbox?.name === name)?.mailboxId as string;

    const catalog = privateCatalog('cmeta', [mailboxId]);
    // One entry: GETMETADATA's parser in snapshot/imap-source.ts stops at a NIL value, losing the entries after it.
    const summary = await collector(catalog, realSpool, {BONNIE_FOLDER_METADATA: '/shared/comment'});
    expect(summary).toMatchObject({scan: {folders: 1}, reconcile: {done: 1, failed: 0, snapshots: 1}});
    const db = openCatalog(catalog, {readOnly: true});
    const shots = db.db.prepare<[string], {mailbox_name: string; source: string; metadata: string | null}>('SELECT mailbox_name, source, metadata FROM snapshot WHERE mailbox_id = ?').all(mailboxId);
    const jobs = new ReconcileJobs(db.db).list();
    db.close();
    expect(jobs).toEqual([expect.objectContaining({mailboxName: name, gapId: null, state: 'done', reason: 'MailboxCreate: snapshot with folder metadata'})]);
    expect(shots).toHaveLength(1);
    expect(shots[0]).toMatchObject({mailbox_name: name, source: 'imap'});
    expect(JSON.parse(shots[0]?.metadata ?? 'null')).toEqual({'/shared/comment': 'project files, kept 10 years'});

    // Without folder_metadata, no folder job: the collector only collects messages.
    const plain = privateCatalog('cmeta-plain', [mailboxId]);
    expect(await collector(plain, realSpool)).toMatchObject({scan: {folders: 0}, reconcile: {done: 0}});
  });
});
