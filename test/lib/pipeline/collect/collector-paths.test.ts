/**
 * Paths from events: a notification's mailboxID becomes a folder path in the spool, so one that is not a
 * Cyrus mailbox ID (`../../outside`, sent by anyone who can write to notifyd's socket) must never be read:
 * its job is refused as unrecoverable, saying why, and the rest of the run goes on.
 */
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {collect} from '../../../../src/lib/pipeline/collect/collector.js';
import {CollectJobs} from '../../../../src/lib/pipeline/collect/jobs.js';
import {messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {SPECIMENS} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';

const tempDir = useTempDirs();
const INBOX = '76yzkoa5vpplgcimbgeofaee';

describe('the collector and mailbox IDs from events', () => {
  it('refuses a mailboxID that leaves the spool, reads nothing for it, and collects the other messages', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const spool = join(dir, 'spool');
    // alice's UID 2 where Cyrus keeps it; a secret beside the spool, where `../../outside` would lead.
    const good = messagePath(spool, INBOX, 2);
    mkdirSync(dirname(good), {recursive: true});
    writeFileSync(good, 'From: carol@example.org\r\nSubject: second\r\n\r\nhello\r\n');
    mkdirSync(join(spool, 'outside'), {recursive: true});
    writeFileSync(join(spool, 'outside', '1.'), 'SECRET: not mail, not Cyrus\'');

    const first = JSON.parse(readFileSync(join(SPECIMENS, '15-MessageAppend.json'), 'utf8')) as Record<string, unknown>;
    const hostile = Buffer.from(JSON.stringify({...first, mailboxID: '../../outside'}));
    const second = readFileSync(join(SPECIMENS, '17-MessageAppend.json'));
    new Ingester(catalog.db).ingest([
      {raw: hostile, receivedAt: 1001, source: 'stdin'},
      {raw: second, receivedAt: 1002, source: 'stdin'},
    ]);

    const summary = await collect(catalog, {archiveDir, spool});
    expect(summary).toMatchObject({collected: 1, failed: 0, remaining: 0});
    const jobs = new CollectJobs(catalog.db).list();
    expect(jobs.find((j) => j.mailboxId === INBOX)).toMatchObject({uid: 2, state: 'done'});
    // The parser may already refuse such an event; if it made a job, the job says why it was refused.
    for (const job of jobs.filter((j) => j.mailboxId !== INBOX)) {
      expect(job).toMatchObject({state: 'unrecoverable', lastError: expect.stringContaining('is not a Cyrus mailbox ID')});
    }
    // Nothing but alice's message reached the archive.
    const segments = readdirSync(join(archiveDir, 'segments'), {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.tar'));
    const archived = segments.map((f) => readFileSync(join(archiveDir, 'segments', f)).toString('latin1')).join('');
    expect(archived).not.toContain('SECRET');
    expect(catalog.db.prepare('SELECT count(*) AS n FROM blob').get()).toEqual({n: 1});
    catalog.close();
  });
});
