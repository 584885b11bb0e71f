/**
 * Valid but hostile events (issue 11): a COPY naming 1:4294967295 or 1:200000 UIDs, and a `timestamp`
 * that is not a date. Each is dealt with on its own (refused with a reason, or kept with the received
 * time); the other events of the run are recorded, and the run, its gap scan and later runs succeed.
 */
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {NoDirectory} from '../../../../src/lib/sources/directory/types.js';
import {processQueue} from '../../../../src/lib/pipeline/process/engine.js';
import {deliver, SPECIMEN_FILES, variant} from '../../../helpers/record.js';
import {bonnie} from '../../../helpers/run.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const ARCHIVE = '8ebtmyxwubx2tgm3yxhzqbcl';
/** 45 is alice's COPY of INBOX 1:2 to Archive; these name more UIDs, as a COPY of a huge folder would. */
const copyAll = variant(45, {uidset: '1:4294967295', 'vnd.cmu.oldUidset': '1:4294967295', uidnext: 4294967295, 'vnd.cmu.midset': []});
const copyMany = variant(45, {uidset: '1001:201000', 'vnd.cmu.oldUidset': '1:200000', uidnext: 201001, 'vnd.cmu.midset': []});
/** 6 is alice's Login: here in a session of its own, with a timestamp that is not a date. */
const yesterday = variant(6, {timestamp: 'yesterday', 'vnd.cmu.sessionId': 'session-with-bad-time'});
const all = () => SPECIMEN_FILES.map((_, i) => i + 1);
/** deliver() receives item i at 1_000_000 + i ms. */
/** When the index-th notification was received (ms): the record's time for an event whose own is unusable. */
const receivedAt = (index: number) => 1_000_000 + index;
const TOO_LARGE = 'vnd.cmu.MessageCopy: the UID set 1:4294967295 names 4294967295 messages, more than the 1000000 one event can really concern; not recorded';

describe('bonnie process with hostile events', () => {
  let catalog: Catalog;
  beforeEach(() => {
    catalog = openCatalog(':memory:', {create: true});
  });
  const options = {spillDir: '/nonexistent', maxAttempts: 3};
  const get = <T>(sql: string, ...params: unknown[]) => catalog.db.prepare(sql).get(...params) as T;

  it('fails only the COPY of 1:4294967295, with the reason, and records the rest', async () => {
    deliver(catalog.db, [...all(), copyAll, yesterday]);
    const summary = await processQueue(catalog, new NoDirectory(), options);
    expect(summary).toMatchObject({done: SPECIMEN_FILES.length + 1, failed: 1, dead: 0, stoppedBecause: null});
    expect(get('SELECT state, last_error FROM job WHERE notification_id = ?', SPECIMEN_FILES.length + 1)).toEqual({state: 'failed', last_error: TOO_LARGE});
    // Nothing of the refused COPY was written; the Login after it was.
    expect(get('SELECT count(*) AS n FROM change WHERE notification_id = ?', SPECIMEN_FILES.length + 1)).toEqual({n: 0});
    expect(get('SELECT max(uid) AS high FROM placement WHERE mailbox_id = ?', ARCHIVE)).toEqual({high: 3});
    expect(get('SELECT count(*) AS n FROM change WHERE notification_id = ?', SPECIMEN_FILES.length + 2)).toEqual({n: 1});
    // The gap scan of the same run read every notification, the huge COPY included.
    expect(summary.gaps.scanned).toBe(SPECIMEN_FILES.length + 2);
  });

  it('records an event whose timestamp is not a date at the time it was received', async () => {
    deliver(catalog.db, [...all(), yesterday]);
    const summary = await processQueue(catalog, new NoDirectory(), {...options, sessionTimeoutMs: 60 * 60 * 1000});
    expect(summary).toMatchObject({done: SPECIMEN_FILES.length + 1, failed: 0, dead: 0});
    // The run says which event it applied with the received time, and why.
    expect(summary.warnings).toEqual([{notificationId: SPECIMEN_FILES.length + 1, type: 'Login', warnings: [expect.stringMatching(/timestamp: "yesterday" is not an RFC 3339 date-time; the time it was received is used/)]}]);
    expect(get('SELECT login, login_at FROM session WHERE session_id = ?', 'session-with-bad-time')).toEqual({login: 'alice', login_at: receivedAt(SPECIMEN_FILES.length)});
    expect(get("SELECT at FROM change WHERE notification_id = ? AND action = 'login'", SPECIMEN_FILES.length + 1)).toEqual({at: receivedAt(SPECIMEN_FILES.length)});
    // The queue stored no event time for it either.
    expect(get('SELECT event_time FROM notification WHERE id = ?', SPECIMEN_FILES.length + 1)).toEqual({event_time: null});
  });
});

describe('bonnie process (the built CLI) with hostile events', () => {
  const tempDir = useTempDirs();
  const env = {BONNIE_CONFIG: '/dev/null'};

  it('exits 0, records the 200000 copies, refuses 1:4294967295 with its reason, and bonnie gaps still works', async () => {
    const path = join(tempDir(), 'catalog.db');
    const catalog = openCatalog(path, {create: true});
    deliver(catalog.db, [...all(), copyAll, copyMany, yesterday]);
    catalog.close();

    const ran = await bonnie(['process', '--catalog', path, '--json'], {env});
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({done: SPECIMEN_FILES.length + 2, failed: 1, dead: 0});

    const db = new Database(path, {readonly: true});
    try {
      expect(db.prepare('SELECT count(*) AS n, min(uid) AS low, max(uid) AS high FROM placement WHERE mailbox_id = ? AND uid > 1000').get(ARCHIVE)).toEqual({n: 200_000, low: 1001, high: 201_000});
      expect(db.prepare('SELECT login_at FROM session WHERE session_id = ?').get('session-with-bad-time')).toEqual({login_at: receivedAt(SPECIMEN_FILES.length + 2)});
    } finally {
      db.close();
    }

    const status = await bonnie(['status', '--catalog', path, '--json'], {env});
    const shown = JSON.parse(status.stdout) as {queue: {problems: Array<{lastError: string | null}>}; health: {level: string; exit: number}};
    // The refused event is a job that failed or died: status says something needs attention, and exits so.
    expect(shown.health.level).not.toBe('ok');
    expect(status.code).toBe(shown.health.exit);
    expect(shown.queue.problems.map((p) => p.lastError)).toEqual([TOO_LARGE]);

    const gaps = await bonnie(['gaps', '--catalog', path, '--json'], {env});
    expect(gaps.code).toBe(0);
    // The run scanned everything; 1:4294967295 covers every Archive UID, so 1001:201000 after it is no gap.
    expect(JSON.parse(gaps.stdout)).toEqual({scan: {scanned: 0, opened: 0, closed: 0}, gaps: []});
  });
});
