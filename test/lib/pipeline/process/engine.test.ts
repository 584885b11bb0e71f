import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {NoDirectory, type Directory} from '../../../../src/lib/sources/directory/types.js';
import {verifyChain} from '../../../../src/lib/pipeline/process/chain.js';
import {processQueue} from '../../../../src/lib/pipeline/process/engine.js';
import {ProcessLock} from '../../../../src/lib/pipeline/process/lock.js';
import {renderProcessSummary} from '../../../../src/lib/pipeline/process/render.js';
import {JobQueue} from '../../../../src/lib/pipeline/queue/jobs.js';
import {canonicalDump, deliver, SPECIMEN_FILES, variant} from '../../../helpers/record.js';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const options = {spillDir: '/nonexistent', maxAttempts: 3};
const all = () => SPECIMEN_FILES.map((_, i) => i + 1);
const rows = <T>(sql: string, ...params: unknown[]) => catalog.db.prepare(sql).all(...params) as T[];

describe('bonnie process', () => {
  it('handles every event type Cyrus sent, leaving nothing unhandled', async () => {
    deliver(catalog.db, all());
    const summary = await processQueue(catalog, new NoDirectory(), options);
    const types = new Set(SPECIMEN_FILES.map((f) => f.replace(/^\d+-/, '').replace(/\.json$/, '')));
    expect(summary).toMatchObject({done: SPECIMEN_FILES.length, failed: 0, dead: 0, unhandled: {}, remaining: 0, lockedBy: null});
    expect(new Set(Object.keys(summary.byType))).toEqual(types);
    expect(rows<{state: string; n: number}>('SELECT state, count(*) AS n FROM job GROUP BY state')).toEqual([{state: 'done', n: SPECIMEN_FILES.length}]);
  });

  it('pairs a Logout that arrives before its Login', async () => {
    deliver(catalog.db, [63, 6]); // alice's Logout, then her Login
    await processQueue(catalog, new NoDirectory(), options);
    expect(rows('SELECT login, client_ip, login_at, logout_at, closed_by, login_notification_id, logout_notification_id FROM session')).toEqual([
      {login: 'alice', client_ip: '127.0.0.1', login_at: Date.parse('2026-11-22T11:53:59.610Z'), logout_at: Date.parse('2026-11-22T11:54:15.901Z'), closed_by: 'logout', login_notification_id: 2, logout_notification_id: 1},
    ]);
  });

  it('closes a session without Logout after the timeout, measured on event time', async () => {
    deliver(catalog.db, [6, variant(15, {timestamp: '2026-11-23T11:54:03.178Z', 'vnd.cmu.sessionId': 'another-session'})]); // alice logs in; a day later, another session's APPEND
    const summary = await processQueue(catalog, new NoDirectory(), {...options, sessionTimeoutMs: 60 * 60 * 1000});
    expect(summary.sessionsClosed).toBe(1);
    expect(rows("SELECT closed_by FROM session WHERE login_at IS NOT NULL")).toEqual([{closed_by: 'timeout'}]);
  });

  it('traces a message copied out of a folder that was renamed after the message was moved into it', async () => {
    // 13: Projects renamed Work; 47: INBOX:2 moved to Work:1; 77: Work renamed Job; then Job:1 copied to Archive:4.
    const copy = variant(45, {
      timestamp: '2026-11-22T11:54:30.000Z',
      oldMailboxID: 'imap://imap.lab.test/user.alice.Job;UIDVALIDITY=1795348441',
      'vnd.cmu.oldUidset': '1',
      uidset: '4',
      'vnd.cmu.midset': ['<Second-message-1795348443680@example.org>'],
    });
    deliver(catalog.db, [...all(), copy]);
    await processQueue(catalog, new NoDirectory(), options);
    const lineage = rows<{folder: string; uid: number; origin: string; email_id: string}>(
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT p.id, 0 FROM placement p WHERE p.mailbox_id = '8ebtmyxwubx2tgm3yxhzqbcl' AND p.uid = 4
         UNION ALL SELECT p.source_placement_id, chain.depth + 1 FROM chain JOIN placement p ON p.id = chain.id WHERE p.source_placement_id IS NOT NULL)
       SELECT (SELECT name FROM folder_version v WHERE v.mailbox_id = p.mailbox_id AND v.valid_to IS NULL) AS folder, p.uid, p.origin, m.email_id
         FROM chain JOIN placement p ON p.id = chain.id JOIN message m ON m.id = p.message ORDER BY chain.depth`,
    );
    expect(lineage).toEqual([
      {folder: 'user.alice.Archive', uid: 4, origin: 'copied', email_id: 'Mb505991248156e00f911ba8c'},
      {folder: 'user.alice.Job', uid: 1, origin: 'moved', email_id: 'Mb505991248156e00f911ba8c'},
      {folder: 'user.alice', uid: 2, origin: 'appended', email_id: 'Mb505991248156e00f911ba8c'},
    ]);
  });

  it('settles an APPEND whose event arrived after the events that used its message', async () => {
    deliver(catalog.db, [...all().filter((n) => n !== 17), 17]); // UID 2's APPEND arrives last
    await processQueue(catalog, new NoDirectory(), options);
    const placements = rows<{mailbox_id: string; uid: number; origin: string; email_id: string; subject: string}>(
      "SELECT p.mailbox_id, p.uid, p.origin, m.email_id, m.subject FROM placement p JOIN message m ON m.id = p.message WHERE m.email_id = 'Mb505991248156e00f911ba8c' ORDER BY p.id",
    );
    expect(placements).toEqual([
      {mailbox_id: '76yzkoa5vpplgcimbgeofaee', uid: 2, origin: 'appended', email_id: 'Mb505991248156e00f911ba8c', subject: 'Second message'},
      {mailbox_id: '8ebtmyxwubx2tgm3yxhzqbcl', uid: 2, origin: 'copied', email_id: 'Mb505991248156e00f911ba8c', subject: 'Second message'},
      {mailbox_id: '8noufdk8233tibe0dudubmdt', uid: 1, origin: 'moved', email_id: 'Mb505991248156e00f911ba8c', subject: 'Second message'},
    ]);
    // Appended with \Flagged $Important; \Flagged was cleared and set again since, $Important never cleared.
    expect(rows("SELECT flags FROM placement WHERE mailbox_id = '76yzkoa5vpplgcimbgeofaee' AND uid = 2")).toEqual([{flags: JSON.stringify(['\\Answered', '\\Flagged', '\\Seen', '$Important', 'Work'])}]);
    expect(rows("SELECT first_seen_at FROM message WHERE email_id = 'Mb505991248156e00f911ba8c'")).toEqual([{first_seen_at: Date.parse('2026-11-22T11:54:03.725Z')}]);
    // Every change of that message points at the settled message, none at a provisional one.
    expect(rows("SELECT count(*) AS n FROM change c JOIN message m ON m.id = c.message WHERE m.email_id IS NULL")).toEqual([{n: 0}]);
  });

  it('keeps one person for a user whose address changed, with a version per change', async () => {
    let mail = 'alice@lab.test';
    const directory: Directory = {
      description: 'test',
      lookUp: async (login) => ({id: `uuid-${login}`, dn: `uid=${login},dc=lab`, uid: login, mail, aliases: [], cn: login, groups: []}),
      close: async () => undefined,
    };
    deliver(catalog.db, [6]);
    await processQueue(catalog, directory, options);
    mail = 'alice.archer@lab.test';
    deliver(catalog.db, [63]);
    await processQueue(catalog, directory, options);
    expect(rows("SELECT p.key, v.mail, v.valid_from, v.valid_to FROM person p JOIN person_version v ON v.person_id = p.id WHERE p.key = 'uuid-alice' ORDER BY v.id")).toEqual([
      {key: 'uuid-alice', mail: 'alice@lab.test', valid_from: Date.parse('2026-11-22T11:53:59.610Z'), valid_to: Date.parse('2026-11-22T11:54:15.901Z')},
      {key: 'uuid-alice', mail: 'alice.archer@lab.test', valid_from: Date.parse('2026-11-22T11:54:15.901Z'), valid_to: null},
    ]);
  });

  it('waits for a directory that cannot answer, without using up attempts; records nothing with a guessed identity', async () => {
    const down: Directory = {
      description: 'down',
      lookUp: async () => {
        throw new BonnieError('DirectoryUnavailable', 'ldap://127.0.0.1:1 is unreachable');
      },
      close: async () => undefined,
    };
    deliver(catalog.db, [6]);
    const summary = await processQueue(catalog, down, options);
    expect(summary).toMatchObject({done: 0, failed: 0, postponed: 1, dead: 0, stoppedBecause: 'ldap://127.0.0.1:1 is unreachable'});
    expect(rows('SELECT state, attempts, last_error FROM job')).toEqual([{state: 'failed', attempts: 0, last_error: 'waiting for the directory: ldap://127.0.0.1:1 is unreachable'}]);
    // However long the outage, the job never goes dead: each later run postpones it again.
    for (let run = 0; run < 8; run++) {
      catalog.db.prepare('UPDATE job SET retry_at = 0').run();
      expect(await processQueue(catalog, down, options)).toMatchObject({postponed: 1, dead: 0});
    }
    expect(rows('SELECT state, attempts FROM job')).toEqual([{state: 'failed', attempts: 0}]);
    expect(rows('SELECT * FROM person')).toEqual([]);
  });

  it('marks a job it cannot apply failed, and applies the others', async () => {
    deliver(catalog.db, [Buffer.from('{"event":"MailboxCreate","timestamp":"2026-11-22T11:53:57.598Z"}'), 6]);
    const summary = await processQueue(catalog, new NoDirectory(), options);
    expect(summary).toMatchObject({done: 1, failed: 1});
    expect(rows('SELECT notification_id, state, last_error FROM job ORDER BY 1')).toEqual([
      {notification_id: 1, state: 'failed', last_error: 'MailboxCreate without mailboxID or mailbox URI'},
      {notification_id: 2, state: 'done', last_error: null},
    ]);
  });

  it('does nothing while another run holds the catalog', async () => {
    deliver(catalog.db, [6]);
    const other = new ProcessLock(catalog.db);
    expect(other.acquire()).toBeUndefined();
    const summary = await processQueue(catalog, new NoDirectory(), options);
    expect(summary.lockedBy?.owner).toBe(other.owner);
    expect(summary.done).toBe(0);
  });

  it('gives the same record whether processed at once or in small runs', async () => {
    deliver(catalog.db, all());
    await processQueue(catalog, new NoDirectory(), options);
    const other = openCatalog(':memory:', {create: true});
    deliver(other.db, all());
    for (let i = 0; i < 20; i++) await processQueue(other, new NoDirectory(), {...options, limit: 7, batchJobs: 3});
    expect(canonicalDump(other.db)).toEqual(canonicalDump(catalog.db));
  });
});

describe('bonnie process after runs that died', () => {
  /** What a run killed with SIGKILL leaves: its claims, taken in its own batches (sizes as the queue chose). */
  function killedRun(owner: string, jobs: number): number[] {
    return new JobQueue(catalog.db, {maxAttempts: options.maxAttempts}).claim(owner, jobs).map((j) => j.notificationId);
  }

  it('applies a batch whose runs died, counting no attempt, with the record of an uninterrupted run', async () => {
    deliver(catalog.db, all());
    for (let kill = 0; kill < options.maxAttempts + 2; kill++) {
      new JobQueue(catalog.db, {maxAttempts: options.maxAttempts}).releaseOrphans();
      expect(killedRun(`killed-${kill}`, 1000).length).toBeGreaterThan(1);
    }
    const summary = await processQueue(catalog, new NoDirectory(), options);
    expect(summary).toMatchObject({done: SPECIMEN_FILES.length, failed: 0, dead: 0, remaining: 0});
    expect(rows('SELECT state, max(attempts) AS attempts FROM job GROUP BY state')).toEqual([{state: 'done', attempts: 0}]);
    const reference = openCatalog(':memory:', {create: true});
    deliver(reference.db, all());
    await processQueue(reference, new NoDirectory(), options);
    expect(canonicalDump(catalog.db)).toEqual(canonicalDump(reference.db));
    expect(verifyChain(catalog.db)).toEqual({checked: SPECIMEN_FILES.length, pending: 0, firstProblem: null});
  });

  it('marks dead the job that runs killed alone max_attempts times, says so, and applies the rest', async () => {
    deliver(catalog.db, all());
    const queue = new JobQueue(catalog.db, {maxAttempts: options.maxAttempts});
    for (let kill = 0; kill < options.maxAttempts; kill++) {
      queue.releaseOrphans();
      expect(killedRun(`killed-${kill}`, 1)).toEqual([1]);
    }
    const summary = await processQueue(catalog, new NoDirectory(), options);
    expect(summary).toMatchObject({done: SPECIMEN_FILES.length - 1, failed: 0, dead: 1, orphansReleased: 1, remaining: 0});
    expect(rows("SELECT notification_id, attempts, last_error FROM job WHERE state <> 'done'")).toEqual([
      {notification_id: 1, attempts: 0, last_error: `the run died ${options.maxAttempts} times while applying this job alone (last: killed-${options.maxAttempts - 1})`},
    ]);
    expect(renderProcessSummary(summary)).toContain('1 job(s) went dead');
  });

  it('applies nothing when it wakes from a hang to find another run took the catalog over', async () => {
    deliver(catalog.db, [6, 63]);
    const hanging: Directory = {
      description: 'slow',
      lookUp: async (login) => {
        // Meanwhile its lock expired and another run took the catalog and the claims.
        catalog.db.prepare('UPDATE process_lock SET expires_at = 0').run();
        expect(new ProcessLock(catalog.db).acquire()).toBeUndefined();
        return new NoDirectory().lookUp(login);
      },
      close: async () => undefined,
    };
    await expect(processQueue(catalog, hanging, options)).rejects.toMatchObject({code: 'ProcessLockLost'});
    expect(rows('SELECT state, count(*) AS n FROM job GROUP BY state')).toEqual([{state: 'claimed', n: 2}]);
    expect(rows('SELECT count(*) AS n FROM session')).toEqual([{n: 0}]);
  });
});

describe('the evidence chain', () => {
  it('verifies after processing, and finds the first notification changed afterwards', async () => {
    deliver(catalog.db, all());
    await processQueue(catalog, new NoDirectory(), options);
    expect(verifyChain(catalog.db)).toEqual({checked: SPECIMEN_FILES.length, pending: 0, firstProblem: null});

    // What someone with write access to the file could do: drop the guard, edit an event.
    catalog.db.exec('DROP TRIGGER notification_immutable');
    catalog.db.prepare("UPDATE notification SET raw = CAST(replace(CAST(raw AS TEXT), 'alice', 'mallory') AS BLOB) WHERE id = 40").run();
    expect(verifyChain(catalog.db).firstProblem).toMatchObject({kind: 'hash-mismatch', notificationId: 40, seq: 40});
  });

  it('finds a notification removed afterwards', async () => {
    deliver(catalog.db, all());
    await processQueue(catalog, new NoDirectory(), options);
    catalog.db.pragma('foreign_keys = OFF');
    catalog.db.exec('DROP TRIGGER notification_undeletable');
    catalog.db.prepare('DELETE FROM notification WHERE id = 12').run();
    expect(verifyChain(catalog.db).firstProblem).toMatchObject({kind: 'missing-notification', notificationId: 12});
  });
});
