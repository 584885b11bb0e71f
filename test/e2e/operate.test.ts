/**
 * What an operator does when monitoring says something is wrong, with the built CLI: bonnie status' exit
 * status for each health level (and --nagios), then bonnie quarantine and bonnie queue to see why and act.
 */
import {createHash} from 'node:crypto';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null', BONNIE_MAX_ATTEMPTS: '1'};
/** A MailboxCreate without its folder: the handler refuses it, and with one attempt allowed it is dead. */
const BAD_EVENT = '{"event":"MailboxCreate","timestamp":"2026-11-22T11:53:57.598Z"}\n';
const LOGIN = '{"event":"Login","timestamp":"2026-11-22T11:53:50.000Z","user":"alice","vnd.cmu.sessionId":"s-1"}';

async function newCatalog(): Promise<string> {
  const catalog = join(tempDir(), 'catalog.db');
  expect((await bonnie(['init', '--catalog', catalog], {env})).code).toBe(0);
  return catalog;
}

const run = (catalog: string, args: string[], input?: string) => bonnie([...args, '--catalog', catalog], {env, ...(input === undefined ? {} : {input})});

async function json<T>(catalog: string, args: string[]): Promise<{code: number | null; value: T}> {
  const ran = await run(catalog, [...args, '--json']);
  return {code: ran.code, value: JSON.parse(ran.stdout) as T};
}

type Health = {health: {level: string; exit: number; reasons: Array<{level: string; code: string; count: number}>}};

describe('bonnie status for monitoring', () => {
  it('exits 0 when healthy, 6 on a warning, 7 when critical, and --nagios 0, 1, 2 with one line', async () => {
    const catalog = await newCatalog();
    const healthy = await json<Health>(catalog, ['status']);
    expect(healthy).toMatchObject({code: 0, value: {health: {level: 'ok', exit: 0, reasons: []}}});
    const okLine = await run(catalog, ['status', '--nagios']);
    expect(okLine.code).toBe(0);
    expect(okLine.stdout).toMatch(/^BONNIE OK - 0 pending, 0 done, 0 message\(s\) archived \| pending=0;;;0 .*catalog_size=\d+B;;;0\n$/);

    await run(catalog, ['dealer'], 'GET / HTTP/1.0\r\n');
    const warning = await json<Health>(catalog, ['status']);
    expect(warning.code).toBe(6);
    expect(warning.value.health).toMatchObject({level: 'warning', exit: 6, reasons: [{level: 'warning', code: 'QuarantineNeedsReview', count: 1}]});
    const human = await run(catalog, ['status']);
    expect(human.code).toBe(6);
    expect(human.stdout).toMatch(/^health\s+warning \(exit status 6\)$/m);
    expect(human.stdout).toMatch(/QuarantineNeedsReview: 1 quarantined delivery\(ies\) not reviewed\n\s+See "bonnie quarantine list"/);
    const warnLine = await run(catalog, ['status', '--nagios']);
    expect(warnLine.code).toBe(1);
    expect(warnLine.stdout).toMatch(/^BONNIE WARNING - 1 quarantined delivery\(ies\) not reviewed \| .*quarantine_review=1;0;;0 /);

    await run(catalog, ['dealer'], BAD_EVENT);
    await run(catalog, ['process']);
    const critical = await json<Health>(catalog, ['status']);
    expect(critical.code).toBe(7);
    expect(critical.value.health.reasons.map((r) => [r.level, r.code])).toEqual([
      ['critical', 'JobsDead'],
      ['warning', 'QuarantineNeedsReview'],
    ]);
    const critLine = await run(catalog, ['status', '--nagios']);
    expect(critLine.code).toBe(2);
    expect(critLine.stdout).toMatch(/^BONNIE CRITICAL - 1 dead job\(s\): events given up, missing from the record; 1 quarantined delivery\(ies\) not reviewed \| .*dead=1;;0;0 /);
  });

  it('is critical when the catalog cannot be read: exit 4, or 2 with --nagios', async () => {
    const missing = join(tempDir(), 'nowhere.db');
    const plain = await run(missing, ['status']);
    expect(plain.code).toBe(4);
    expect(plain.stderr).toMatch(/no catalog at .*nowhere\.db\nhint: /);
    const line = await run(missing, ['status', '--nagios']);
    expect(line.code).toBe(2);
    expect(line.stdout).toMatch(/^BONNIE CRITICAL - catalog: no catalog at .*nowhere\.db\n$/);
  });

  it('refuses --nagios with --json as bad usage', async () => {
    expect((await run(await newCatalog(), ['status', '--nagios', '--json'])).code).toBe(2);
  });
});

describe('bonnie queue and bonnie quarantine', () => {
  it('lists a dead job with its reason, re-queues it, and records who did', async () => {
    const catalog = await newCatalog();
    await run(catalog, ['dealer'], BAD_EVENT);
    await run(catalog, ['process']);
    type Listing = {total: number; jobs: Array<{notificationId: number; state: string; eventType: string; attempts: number; lastError: string; retries: Array<{actor: string; reason: string; fromState: string}>}>};
    const dead = await json<Listing>(catalog, ['queue', 'list', '--state', 'dead']);
    expect(dead).toMatchObject({code: 0, value: {total: 1, jobs: [{notificationId: 1, state: 'dead', eventType: 'MailboxCreate', attempts: 1}]}});
    expect(dead.value.jobs[0]?.lastError).toMatch(/MailboxCreate without mailboxID or mailbox URI/);
    expect((await run(catalog, ['queue', 'list'])).stdout).toMatch(/^#1 {2}dead {2}MailboxCreate .*1 attempt\(s\), 0 crash\(es\)\n {4}last error: gave up after 1 attempts: MailboxCreate without/m);

    const missing = await run(catalog, ['queue', 'retry', '1', '7']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^bonnie: no job for notification 7\nhint: /);
    expect((await run(catalog, ['queue', 'retry'])).code).toBe(2);

    const retried = await json<{retried: Array<{notificationId: number; fromState: string}>}>(catalog, ['queue', 'retry', '--all-dead', '--reason', 'handler fixed']);
    expect(retried).toMatchObject({code: 0, value: {retried: [{notificationId: 1, fromState: 'dead'}]}});
    const pending = await json<Listing>(catalog, ['queue', 'list', '--state', 'pending']);
    expect(pending.value.jobs).toMatchObject([{notificationId: 1, state: 'pending', attempts: 0, lastError: null, retries: [{fromState: 'dead', reason: 'handler fixed', actor: expect.any(String)}]}]);
    expect((await json<Health>(catalog, ['status'])).value.health.reasons.map((r) => r.code)).not.toContain('JobsDead');
  });

  it('shows a quarantined delivery escaped or raw, requeues bytes bonnie now accepts and acknowledges the rest', async () => {
    const catalog = await newCatalog();
    const hostile = Buffer.from('\x1b]0;pwned\x07 not an event\n');
    await run(catalog, ['dealer'], hostile.toString('latin1'));
    // A Login an older bonnie refused: quarantined as it would have been, bytes that are valid today.
    const db = new Database(catalog);
    const raw = Buffer.from(`${LOGIN}\n`);
    db.prepare('INSERT INTO quarantine (sha256, raw, received_at, source, error, last_delivered_at) VALUES (?, ?, ?, ?, ?, ?)').run(createHash('sha256').update(raw).digest(), raw, 1000, 'notify_external', 'an older bug', 1000);
    db.close();

    type List = {needingReview: number; deliveries: Array<{id: number; reason: string; source: string; size: number}>};
    const listed = await json<List>(catalog, ['quarantine', 'list']);
    expect(listed.value).toMatchObject({needingReview: 2, deliveries: [{id: 1, source: 'stdin', size: hostile.length}, {id: 2, reason: 'an older bug'}]});

    const shown = await run(catalog, ['quarantine', 'show', '1']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('\\x1b]0;pwned\\x07 not an event');
    expect(shown.stdout).not.toContain('\x1b');
    const rawOut = await bonnie(['quarantine', 'show', '1', '--raw', '--catalog', catalog], {env});
    expect(Buffer.from(rawOut.stdout, 'latin1')).toEqual(hostile);
    expect((await json<{rawBase64: string}>(catalog, ['quarantine', 'show', '1'])).value.rawBase64).toBe(hostile.toString('base64'));

    const still = await run(catalog, ['quarantine', 'requeue', '1']);
    expect(still.code).toBe(1);
    expect(still.stdout).toMatch(/^#1: still not a valid event \(notification is not JSON.*it still needs review$/m);
    const requeued = await json<{deliveries: Array<{id: number; outcome: string; queued: number[]}>}>(catalog, ['quarantine', 'requeue', '2', '--reason', 'fixed']);
    expect(requeued).toMatchObject({code: 0, value: {deliveries: [{id: 2, outcome: 'requeued', queued: [1]}]}});
    expect((await json<{jobs: Array<{eventType: string}>}>(catalog, ['queue', 'list', '--state', 'pending'])).value.jobs).toMatchObject([{eventType: 'Login'}]);

    expect((await run(catalog, ['quarantine', 'ack', '1', '--reason', 'a probe'])).stdout).toBe('#1: acknowledged\n');
    expect((await json<List>(catalog, ['quarantine', 'list'])).value).toMatchObject({needingReview: 0, deliveries: []});
    expect((await json<Health>(catalog, ['status'])).value.health.reasons).toEqual([]);
    expect((await run(catalog, ['quarantine', 'show', '9'])).code).toBe(2);
  });
});
