import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import type {FollowLine} from '../../../../src/lib/base/system/follow-lines.js';
import {collect, type CollectProgress, type CollectSummary} from '../../../../src/lib/pipeline/collect/collector.js';
import {followCollect, type CollectBatchLine} from '../../../../src/lib/pipeline/collect/follow.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {SPECIMENS} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';
import {makeMail} from '../../store/archive/mail.js';

const tempDir = useTempDirs();
const STOP = 'SIGUSR2';
const INBOX = '76yzkoa5vpplgcimbgeofaee';
const files = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();

/** The specimens' session (13 arrivals), with only alice's INBOX 1-6 still in the spool: the rest is gone. */
function setUp(): {catalog: Catalog; archiveDir: string; spool: string; inboxBytes: number} {
  const dir = tempDir();
  const {catalog, archiveDir} = makeArchive(dir);
  const spool = join(dir, 'spool');
  mkdirSync(join(spool, 'uuid'), {recursive: true});
  let inboxBytes = 0;
  for (let uid = 1; uid <= 6; uid++) {
    const path = messagePath(spool, INBOX, uid);
    mkdirSync(dirname(path), {recursive: true});
    const mail = makeMail(`inbox${uid}`, 3000 * uid);
    inboxBytes += mail.length;
    writeFileSync(path, mail, {mode: 0o600});
  }
  new Ingester(catalog.db).ingest(files.map((f, i) => ({raw: readFileSync(join(SPECIMENS, f)), receivedAt: 1000 + i, source: 'stdin' as const})));
  return {catalog, archiveDir, spool, inboxBytes};
}

describe('bonnie collector progress and --follow lines', () => {
  it('reports each committed batch: jobs done of those pending, bytes read, the folder', async () => {
    const {catalog, archiveDir, spool, inboxBytes} = setUp();
    const seen: CollectProgress[] = [];
    const summary = await collect(catalog, {archiveDir, spool, onProgress: (p) => seen.push(p)});
    catalog.close();
    const jobs = summary.collected + summary.alreadyStored + summary.unrecoverable + summary.failed;
    expect(jobs).toBe(summary.scan.created);
    expect(seen).toEqual([
      {
        phase: 'messages',
        done: jobs,
        total: jobs,
        bytes: inboxBytes,
        folder: expect.stringMatching(/^user\./),
        batch: {jobs, collected: summary.collected, alreadyStored: summary.alreadyStored, overImap: 0, unrecoverable: summary.unrecoverable, failed: summary.failed},
      },
    ]);
  });

  it('says started, a batch with its counts, and stopped with the summary of every round', async () => {
    const {catalog, archiveDir, spool} = setUp();
    const lines: Array<FollowLine<CollectBatchLine, CollectSummary>> = [];
    const summary = await followCollect(catalog, {archiveDir, spool}, {
      signals: [STOP],
      onLine: (line) => {
        lines.push(line);
        if (line.type === 'batch') process.emit(STOP);
      },
    });
    catalog.close();
    expect(lines.map((l) => l.type)).toEqual(['started', 'batch', 'stopped']);
    expect(lines[0]).toMatchObject({command: 'collector', pid: process.pid});
    expect(lines[1]).toMatchObject({kind: 'messages', jobs: 13, collected: summary.collected, alreadyStored: summary.alreadyStored, unrecoverable: summary.unrecoverable, failed: 0, processed: 13});
    expect(summary.collected).toBeGreaterThan(0);
    expect(summary.unrecoverable).toBeGreaterThan(0);
    expect(lines[2]).toEqual({type: 'stopped', at: expect.any(String), ...summary});
  });
});
