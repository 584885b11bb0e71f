import {chmodSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {blobHex} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchiveReader} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {collect, SPOOL_GONE_REASON} from '../../../../src/lib/pipeline/collect/collector.js';
import {CollectJobs, RETRY_STEP_MS} from '../../../../src/lib/pipeline/collect/jobs.js';
import {mailboxDir, messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {loadSettings} from '../../../../src/lib/base/config/settings.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {SPECIMENS} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';
import {makeMail} from '../../store/archive/mail.js';

const tempDir = useTempDirs();

/** The BonnieError a promise rejects with (any other outcome fails the test). */
async function rejectedBonnieError(promise: Promise<unknown>): Promise<BonnieError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  }
  throw new Error('expected a BonnieError');
}

/** A run that found no reconcile job. */
const NO_RECONCILE = {done: 0, cancelled: 0, gapsReconciled: 0, failed: 0, dead: 0, remaining: 0, snapshots: 0, collected: 0, alreadyStored: 0, unrecoverable: 0};
const files = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
const INBOX = '76yzkoa5vpplgcimbgeofaee';
const ARCHIVE = '8ebtmyxwubx2tgm3yxhzqbcl';
const WORK = '8noufdk8233tibe0dudubmdt'; // renamed to Job later: same id
const BOB = 'cu0g4lc9qdp3vrer52mfw1h9';
const OLD = 'mznp8pk5el51frirx1qi7ovg';

/** Delivers the specimens numbered from..to (1-based) in order. */
function deliver(catalog: Catalog, from = 1, to = files.length): void {
  const raws = files.slice(from - 1, to).map((f, i) => ({raw: readFileSync(join(SPECIMENS, f)), receivedAt: 1000 + from + i, source: 'stdin' as const}));
  new Ingester(catalog.db).ingest(raws);
}

function write(spool: string, mailboxId: string, uid: number, bytes: Buffer): void {
  const path = messagePath(spool, mailboxId, uid);
  mkdirSync(dirname(path), {recursive: true});
  writeFileSync(path, bytes, {mode: 0o600});
}

function link(spool: string, from: [string, number], to: [string, number]): void {
  const path = messagePath(spool, ...to);
  mkdirSync(dirname(path), {recursive: true});
  linkSync(messagePath(spool, ...from), path);
}

/**
 * A spool laid out as Cyrus 3.6 leaves it after the specimens' session: alice's INBOX 1-6, Archive 1-2
 * hard links of INBOX 1-2 (UID COPY), Work 1 of INBOX 2 (UID MOVE), Archive 3, bob's 1, Job (Work) 2.
 * user.alice.Old 1 is missing (cleaned before collection).
 */
function makeSpool(dir: string): {spool: string; mail: Map<string, Buffer>} {
  const spool = join(dir, 'spool');
  mkdirSync(join(spool, 'uuid'), {recursive: true});
  const mail = new Map<string, Buffer>();
  const put = (id: string, uid: number, bytes: Buffer) => {
    write(spool, id, uid, bytes);
    mail.set(`${id}/${uid}`, bytes);
  };
  for (let uid = 1; uid <= 6; uid++) put(INBOX, uid, makeMail(`inbox${uid}`, 3000 * uid));
  for (const uid of [1, 2]) {
    link(spool, [INBOX, uid], [ARCHIVE, uid]);
    mail.set(`${ARCHIVE}/${uid}`, mail.get(`${INBOX}/${uid}`) as Buffer);
  }
  link(spool, [INBOX, 2], [WORK, 1]);
  mail.set(`${WORK}/1`, mail.get(`${INBOX}/2`) as Buffer);
  put(ARCHIVE, 3, makeMail('archive3'));
  put(BOB, 1, makeMail('bob1', 20_000, 'binary'));
  put(WORK, 2, makeMail('job2'));
  return {spool, mail};
}

describe('collect', () => {
  it('stores every announced message once, links each (mailbox, UID) to its blob, and reads back the exact bytes', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool, mail} = makeSpool(dir);
    deliver(catalog);

    const summary = await collect(catalog, {archiveDir, spool});
    // 13 arrivals: 9 distinct messages, 3 hard links (copy 1:2, move 2), 1 gone.
    expect(summary).toEqual({scan: {scanned: files.length, created: 13, folders: 0}, collected: 9, alreadyStored: 3, overImap: 0, unrecoverable: 1, failed: 0, remaining: 0, reconcile: NO_RECONCILE, dlpAlerts: 0});

    const jobs = new CollectJobs(catalog.db);
    const reader = new ArchiveReader(catalog, archiveDir);
    for (const job of jobs.list()) {
      const key = `${job.mailboxId}/${job.uid}`;
      if (job.mailboxId === OLD) continue;
      expect(job.state, key).toBe('done');
      expect(reader.readBlob(job.sha256 as Buffer).equals(mail.get(key) as Buffer), key).toBe(true);
    }
    reader.close();
    // A copy and its source are one blob.
    expect(blobHex(jobs.find(ARCHIVE, 1795348441, 2)?.sha256 as Buffer)).toBe(blobHex(jobs.find(INBOX, 1795348438, 2)?.sha256 as Buffer));
    expect(jobs.find(WORK, 1795348441, 1)?.sha256).toEqual(jobs.find(INBOX, 1795348438, 2)?.sha256);
    expect(catalog.db.prepare('SELECT count(*) AS n FROM blob').get()).toEqual({n: 9});
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    catalog.close();
  });

  it('records a message whose file vanished as unrecoverable, with the reason', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool} = makeSpool(dir);
    deliver(catalog);
    await collect(catalog, {archiveDir, spool});
    expect(new CollectJobs(catalog.db).find(OLD, 1795348464, 1)).toMatchObject({state: 'unrecoverable', lastError: SPOOL_GONE_REASON, sha256: null, attempts: 1, mailboxName: 'user.alice.Old'});
    catalog.close();
  });

  it('retries a message it cannot read for another reason, then gives up after max_attempts, saying why', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool} = makeSpool(dir);
    deliver(catalog);
    // A folder where the file should be: readable neither as gone nor as a message (EISDIR).
    mkdirSync(join(spool, 'uuid', 'm', 'z', OLD, '1.'), {recursive: true});
    const t0 = Date.UTC(2026, 0, 1);
    expect(await collect(catalog, {archiveDir, spool, maxAttempts: 2, now: () => t0})).toMatchObject({failed: 1, remaining: 1});
    expect(new CollectJobs(catalog.db).find(OLD, 1795348464, 1)).toMatchObject({state: 'pending', attempts: 1, lastError: expect.stringMatching(/EISDIR/)});
    // Not again at once (--follow would spend max_attempts in seconds): after RETRY_STEP_MS per attempt.
    expect(await collect(catalog, {archiveDir, spool, maxAttempts: 2, now: () => t0 + RETRY_STEP_MS - 1})).toMatchObject({failed: 0, remaining: 1});
    await collect(catalog, {archiveDir, spool, maxAttempts: 2, now: () => t0 + RETRY_STEP_MS});
    expect(new CollectJobs(catalog.db).find(OLD, 1795348464, 1)).toMatchObject({state: 'unrecoverable', attempts: 2, lastError: expect.stringMatching(/^gave up after 2 attempts: .*EISDIR/)});
    catalog.close();
  });

  it('collects nothing new on a second run, then only what arrived since', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool} = makeSpool(dir);
    deliver(catalog, 1, 60);
    expect(await collect(catalog, {archiveDir, spool})).toMatchObject({scan: {scanned: 60, created: 7}, collected: 4, alreadyStored: 3, remaining: 0});
    expect(await collect(catalog, {archiveDir, spool})).toEqual({scan: {scanned: 0, created: 0, folders: 0}, collected: 0, alreadyStored: 0, overImap: 0, unrecoverable: 0, failed: 0, remaining: 0, reconcile: NO_RECONCILE, dlpAlerts: 0});
    deliver(catalog, 61);
    expect(await collect(catalog, {archiveDir, spool})).toMatchObject({scan: {scanned: files.length - 60, created: 6}, collected: 5, alreadyStored: 0, unrecoverable: 1, remaining: 0});
    catalog.close();
  });

  it('stops at --limit and leaves the rest pending', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool} = makeSpool(dir);
    deliver(catalog);
    expect(await collect(catalog, {archiveDir, spool, limit: 5})).toMatchObject({collected: 4, alreadyStored: 1, remaining: 8});
    expect(await collect(catalog, {archiveDir, spool})).toMatchObject({collected: 5, alreadyStored: 2, unrecoverable: 1, remaining: 0});
    catalog.close();
  });

  it('refuses a spool that is not a Cyrus partition rather than marking every message gone', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    deliver(catalog);
    const error = await rejectedBonnieError(collect(catalog, {archiveDir, spool: join(dir, 'nowhere')}));
    expect(error.code).toBe('SpoolNotFound');
    // The way to collect from another host.
    expect(error.hint).toMatch(/imap_url/);
    expect(new CollectJobs(catalog.db).countPending()).toBe(13);
    catalog.close();
  });

  it.skipIf(process.getuid?.() === 0)('stops with a hint to run as cyrus when a message file is not readable, keeping what it stored', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool} = makeSpool(dir);
    chmodSync(messagePath(spool, INBOX, 3), 0o000);
    deliver(catalog);
    const error = await rejectedBonnieError(collect(catalog, {archiveDir, spool}));
    expect(error.code).toBe('SpoolUnreadable');
    expect(error.hint).toMatch(/run bonnie collector as the cyrus user.*imap_url/);
    const jobs = new CollectJobs(catalog.db);
    expect(jobs.list().filter((j) => j.state === 'done').map((j) => j.uid)).toEqual([1, 2]);
    expect(jobs.countPending()).toBe(11);
    catalog.close();
  });

  it('reads each folder from the partition that holds it: spool, then partitions', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool, mail} = makeSpool(dir);
    // bob's folder and alice's Archive live on a second partition.
    const second = join(dir, 'spool2');
    for (const id of [BOB, ARCHIVE]) {
      mkdirSync(dirname(mailboxDir(second, id)), {recursive: true});
      renameSync(mailboxDir(spool, id), mailboxDir(second, id));
    }
    deliver(catalog);
    const summary = await collect(catalog, {archiveDir, spool, partitions: [second]});
    expect(summary).toMatchObject({collected: 9, alreadyStored: 3, unrecoverable: 1, failed: 0, remaining: 0});
    const jobs = new CollectJobs(catalog.db);
    const reader = new ArchiveReader(catalog, archiveDir);
    for (const job of jobs.list().filter((j) => j.mailboxId === BOB || j.mailboxId === ARCHIVE)) {
      expect(reader.readBlob(job.sha256 as Buffer).equals(mail.get(`${job.mailboxId}/${job.uid}`) as Buffer)).toBe(true);
    }
    reader.close();

    // Without the second partition, its folders are in none: gone, as before partitions existed.
    const other = makeArchive(join(dir, 'other'));
    deliver(other.catalog);
    expect(await collect(other.catalog, {archiveDir: other.archiveDir, spool})).toMatchObject({collected: 7, alreadyStored: 1, unrecoverable: 5});
    other.catalog.close();
    catalog.close();
  });

  it('with imap_url, stops when the IMAP server cannot be reached and charges no job an attempt', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const {spool} = makeSpool(dir);
    const passwordFile = join(dir, 'imap.password');
    writeFileSync(passwordFile, 'secret\n', {mode: 0o600});
    // Port 1 on loopback: nothing listens there.
    const {imap} = loadSettings({}, {BONNIE_CONFIG: '/dev/null', BONNIE_IMAP_URL: 'imap://127.0.0.1:1', BONNIE_IMAP_PASSWORD_FILE: passwordFile});
    deliver(catalog);
    // Alice's Old folder is in no partition: over IMAP. The spool's messages are stored first.
    const error = await rejectedBonnieError(collect(catalog, {archiveDir, spool, imap}));
    expect(error.code).toBe('ImapUnreachable');
    const jobs = new CollectJobs(catalog.db);
    expect(jobs.list().filter((j) => j.state === 'done')).toHaveLength(12);
    expect(jobs.find(OLD, 1795348464, 1)).toMatchObject({state: 'pending', attempts: 0, lastError: null});

    // A spool that is not a partition here (the collector on another host): everything over IMAP.
    const remote = makeArchive(join(dir, 'remote'));
    deliver(remote.catalog);
    expect((await rejectedBonnieError(collect(remote.catalog, {archiveDir: remote.archiveDir, spool: join(dir, 'nowhere'), imap}))).code).toBe('ImapUnreachable');
    expect(new CollectJobs(remote.catalog.db).list().every((j) => j.state === 'pending' && j.attempts === 0)).toBe(true);
    remote.catalog.close();
    catalog.close();
  });

  it('reads the spool from the spool setting', () => {
    expect(loadSettings({}, {BONNIE_CONFIG: '/dev/null'}).spool).toBe('/var/spool/cyrus/mail');
    expect(loadSettings({}, {BONNIE_CONFIG: '/dev/null', BONNIE_SPOOL: '/srv/cyrus/mail'}).spool).toBe('/srv/cyrus/mail');
    expect(loadSettings({spool: '/x/mail'}, {BONNIE_CONFIG: '/dev/null', BONNIE_SPOOL: '/srv/cyrus/mail'}).origin.spool).toBe('flag');
  });
});
