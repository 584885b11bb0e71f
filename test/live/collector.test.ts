/**
 * `bonnie collector` against a live Cyrus: a message delivered by LMTP, one APPENDed over IMAP and one
 * expunged right after delivery are read from the real spool and archived byte for byte as IMAP serves
 * them (BODY.PEEK[]). Uses a folder of alice's of its own, `Collector<timestamp>`.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {ArchiveReader} from '../../src/lib/store/archive/store.js';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {CollectJobs} from '../../src/lib/pipeline/collect/jobs.js';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient, rawImap} from '../harness/imap.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const folder = `Collector${stamp}`;
const archiveDir = mkdtempSync(join(tmpdir(), 'bonnie-collector-archive-'));
afterAll(() => rmSync(archiveDir, {recursive: true, force: true}));

interface Summary {
  collected: number;
  alreadyStored: number;
  unrecoverable: number;
  failed: number;
  remaining: number;
}

describe('bonnie collector on a live Cyrus', () => {
  it('archives delivered, appended and expunged messages with the exact bytes IMAP serves', async () => {
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.${folder}`);
    // LMTP to alice+folder needs the "p" right for the delivering identity.
    const raw = await rawImap(lab, 'alice');
    await raw.command(`SETACL INBOX.${folder} anyone p`);
    await raw.logout();

    const delivered = await lmtpDeliver(lab, {from: 'x@lab.test', to: [`alice+${folder}`], message: testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: 'collected by LMTP', messageId: `lmtp-${stamp}@lab.test`})});
    expect(delivered.map((r) => r.code)).toEqual([250]);
    const appended = await alice.append(`INBOX.${folder}`, testMessage({from: 'alice@lab.test', to: 'bob@lab.test', subject: 'collected by APPEND', messageId: `append-${stamp}@lab.test`, body: 'Exact bytes,\r\nplease.\r\n'}));
    expect(appended && appended.uid).toBe(2);
    const doomed = await alice.append(`INBOX.${folder}`, testMessage({from: 'alice@lab.test', to: 'carol@lab.test', subject: 'expunged before collection', messageId: `gone-${stamp}@lab.test`}));
    expect(doomed && doomed.uid).toBe(3);

    const inFolder = (e: CapturedEvent) => e.event.mailbox?.name === `user.alice.${folder}`;
    const arrivals = await waitForEvents(lab, (es) => es.filter((e) => inFolder(e) && (e.type === 'MessageNew' || e.type === 'MessageAppend')).length === 3, {after});
    const mailboxId = arrivals.find((e) => inFolder(e) && e.type === 'MessageNew')?.mailboxId as string;
    expect(mailboxId).toMatch(/^[a-z0-9]{8,}$/);

    // What IMAP serves, before the third message goes (BODY.PEEK[] sends no event, changes no flag).
    const lock = await alice.getMailboxLock(`INBOX.${folder}`);
    const imapBytes = new Map<number, Buffer>();
    try {
      for (const uid of [1, 2, 3]) {
        const message = await alice.fetchOne(String(uid), {source: true}, {uid: true});
        if (message === false || message.source === undefined) throw new Error(`no UID ${uid} in INBOX.${folder}`);
        imapBytes.set(uid, message.source);
      }
      await alice.messageDelete('3', {uid: true}); // STORE \Deleted + EXPUNGE
    } finally {
      lock.release();
    }
    await alice.logout();
    await waitForEvents(lab, (es) => es.some((e) => inFolder(e) && e.type === 'MessageExpunge' && e.event.uids.has(3)), {after});

    const ran = await bonnie(['collector', '--spool', join(lab.dir, 'var/spool/mail'), '--archive', archiveDir, '--catalog', lab.catalog, '--json'], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(ran.code, ran.stderr).toBe(0);
    const summary = JSON.parse(ran.stdout) as Summary;
    expect(summary.collected).toBeGreaterThanOrEqual(3);
    expect(summary).toMatchObject({failed: 0, remaining: 0});

    const catalog = openCatalog(lab.catalog, {readOnly: true});
    const reader = new ArchiveReader(catalog, archiveDir);
    try {
      const jobs = new CollectJobs(catalog.db).list().filter((j) => j.mailboxId === mailboxId);
      expect(jobs.map((j) => [j.uid, j.state])).toEqual([
        [1, 'done'],
        [2, 'done'],
        [3, 'done'],
      ]);
      for (const job of jobs) {
        const archived = reader.readBlob(job.sha256 as Buffer);
        expect(archived.equals(imapBytes.get(job.uid) as Buffer), `UID ${job.uid}`).toBe(true);
      }
    } finally {
      reader.close();
      catalog.close();
    }

    // A second run finds nothing new in this folder.
    const again = await bonnie(['collector', '--spool', join(lab.dir, 'var/spool/mail'), '--archive', archiveDir, '--catalog', lab.catalog, '--json'], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({collected: 0, remaining: 0});
  });
});
