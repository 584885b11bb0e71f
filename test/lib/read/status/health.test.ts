/** `bonnie status`'s health: which state is ok, a warning or critical, and the exit status for each. */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {encodeRecord, JOURNAL_MAGIC} from '../../../../src/lib/pipeline/capture/journal.js';
import {writeSpill} from '../../../../src/lib/pipeline/capture/spill.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {JobQueue} from '../../../../src/lib/pipeline/queue/jobs.js';
import {acknowledgeQuarantined} from '../../../../src/lib/pipeline/queue/quarantine.js';
import {nagiosLine, renderNagios} from '../../../../src/lib/read/status/nagios.js';
import {renderStatus} from '../../../../src/lib/read/status/render.js';
import {readStatus} from '../../../../src/lib/read/status/status.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const NOW = Date.parse('2026-03-04T12:00:00.000Z');
let catalog: Catalog;
let spill: string;

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  spill = tempDir();
});

const login = (n: number) => ({raw: Buffer.from(`{"event":"Login","timestamp":"2026-03-04T11:00:0${n}.000Z"}`), receivedAt: NOW - 1000, source: 'stdin' as const});
const health = (thresholds?: Parameters<typeof readStatus>[3]) => readStatus(catalog, spill, NOW, thresholds).health;
const codes = () => health().reasons.map((r) => [r.level, r.code, r.count]);

describe('status health', () => {
  it('is ok, exit 0, for an empty catalog and a queue being worked through', () => {
    new Ingester(catalog.db).ingest([login(1)]);
    expect(health()).toMatchObject({level: 'ok', exit: 0, reasons: []});
    const {line, exit} = renderNagios(readStatus(catalog, spill, NOW));
    expect(exit).toBe(0);
    expect(line).toMatch(/^BONNIE OK - 1 pending \(oldest 1s\), 0 done, 0 message\(s\) archived \| pending=1;;;0 pending_wait=1s;3600;;0 failed=0;0;;0 dead=0;;0;0 /);
  });

  it('warns (exit 6) about quarantined input until it is acknowledged, failed jobs, open gaps, spill files and a backlog', () => {
    new Ingester(catalog.db).ingest([login(1), {...login(2), receivedAt: NOW - 7200 * 1000}, {raw: Buffer.from('junk'), receivedAt: NOW, source: 'stdin'}]);
    const queue = new JobQueue(catalog.db, {maxAttempts: 3});
    queue.claim('run', 1, NOW);
    queue.fail(1, 'run', 'disk full', NOW);
    catalog.db.prepare("INSERT INTO gap (mailbox_id, mailbox_name, kind, range_from, range_to, noticed_at, noticed_by, state) VALUES ('m1', 'user.alice', 'uid', 3, 4, 0, 1, 'open')").run();
    writeSpill(spill, login(3));
    expect(codes()).toEqual([
      ['warning', 'JobsFailed', 1],
      ['warning', 'QuarantineNeedsReview', 1],
      ['warning', 'GapsOpen', 1],
      ['warning', 'SpillWaiting', 1],
      ['warning', 'Backlog', 7200],
    ]);
    expect(health()).toMatchObject({level: 'warning', exit: 6});
    expect(health({pendingAgeSeconds: 7200, recentHours: 24}).reasons.map((r) => r.code)).not.toContain('Backlog');
    // A job re-queued now has not waited: the backlog counts from when it became pending.
    catalog.db.prepare('UPDATE job SET updated_at = ? WHERE notification_id = 2').run(NOW - 1000);
    expect(health().reasons.map((r) => r.code)).not.toContain('Backlog');

    acknowledgeQuarantined(catalog.db, [1], {actor: 'alice', now: NOW});
    expect(codes().map(([, code]) => code)).not.toContain('QuarantineNeedsReview');
    const text = renderStatus(readStatus(catalog, spill, NOW));
    expect(text).toMatch(/^health\s+warning \(exit status 6\)$/m);
    expect(text).toMatch(/^ {2}warning {3}JobsFailed: 1 job\(s\) failed and wait for a retry\n {12}See "bonnie queue list --state failed"/m);
  });

  it('is critical (exit 7) with dead jobs, broken segments, failed reconcile jobs and recent losses, critical first', () => {
    new Ingester(catalog.db).ingest([login(1), login(2)]);
    const queue = new JobQueue(catalog.db, {maxAttempts: 1});
    queue.claim('run', 2, NOW);
    queue.fail(1, 'run', 'bug', NOW);
    queue.fail(2, 'run', 'bug', NOW);
    catalog.db.prepare("INSERT INTO reconcile_job (mailbox_id, mailbox_name, reason, state, created_at, updated_at) VALUES ('m1', 'user.alice', 'gap', 'failed', 0, 0), ('m2', 'user.bob', 'gap', 'dead', 0, ?), ('m3', 'user.carol', 'gap', 'dead', 0, ?)").run(NOW - 3600_000, NOW - 48 * 3600_000);
    writeSpill(spill, login(3));
    expect(codes()).toEqual([
      ['critical', 'JobsDead', 2],
      ['critical', 'ReconcileFailed', 1],
      ['critical', 'ReconcileDead', 1], // the one given up 48 hours ago is past the window
      ['warning', 'SpillWaiting', 1],
    ]);
    expect(health()).toMatchObject({level: 'critical', exit: 7});
    expect(health({pendingAgeSeconds: 3600, recentHours: 72}).reasons).toContainEqual(expect.objectContaining({code: 'ReconcileDead', count: 2}));
    expect(renderNagios(readStatus(catalog, spill, NOW))).toMatchObject({exit: 2, line: expect.stringMatching(/^BONNIE CRITICAL - 2 dead job\(s\): events given up, missing from the record; 1 reconcile job/)});
  });

  it('warns about capture journal files whose daemon is gone, not those of a running one', () => {
    const dir = join(spill, 'journal');
    mkdirSync(dir);
    const record = encodeRecord(Buffer.from('external\0EVENT\0\0\0\0' + '0\0{"event":"Login"}\0'), NOW);
    // Our own pid is alive; 2^22 + 1 is above Linux' pid_max default and cannot be.
    writeFileSync(join(dir, `${NOW}-${process.pid}.journal`), Buffer.concat([JOURNAL_MAGIC, record]));
    expect(readStatus(catalog, spill, NOW).journal).toMatchObject({files: 1, waitingFiles: 0, pendingBytes: record.length});
    expect(health().level).toBe('ok');
    writeFileSync(join(dir, `${NOW - 1}-4194305.journal`), Buffer.concat([JOURNAL_MAGIC, record, record]));
    expect(readStatus(catalog, spill, NOW).journal).toMatchObject({files: 2, waitingFiles: 1, pendingBytes: 3 * record.length});
    expect(codes()).toEqual([['warning', 'JournalWaiting', 1]]);
  });

  it('keeps the Nagios line to one line without a stray perfdata separator', () => {
    expect(nagiosLine('unknown', 'bad | thing\nsecond line')).toBe('BONNIE UNKNOWN - bad thing second line');
  });
});
