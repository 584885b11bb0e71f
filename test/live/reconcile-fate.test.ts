/**
 * How reconcile jobs and gaps end on a live Cyrus (issue 13, items 2 and 3), with the built CLI:
 * - folders created with folder_metadata set, then, before the collector ran, one renamed with its parent
 *   (Cyrus sends one MailboxRename, for the parent only) and one deleted: the child's job finds the folder
 *   by its MAILBOXID (LIST RETURN (STATUS (MAILBOXID))), the deleted folder's job ends cancelled, and
 *   `bonnie status` reports no reconcile failure;
 * - a real dropped event (a 30 KB Subject): `bonnie gaps` opens a gap, the collector's reconcile archives
 *   the message and the gap ends `reconciled`, after which `bonnie status` no longer warns about gaps.
 *
 * Uses alice's folders named `Rf...<stamp>` only, each scenario in a catalog of its own holding the lab's
 * notifications about its folders, byte for byte, so that its counts are exact whatever else the lab holds.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {ReconcileJobs} from '../../src/lib/pipeline/capture/reconcile-jobs.js';
import {Ingester, type DeliverySource} from '../../src/lib/pipeline/queue/ingest.js';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bonnie-reconcile-fate-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const passwordFile = join(dir, 'imap.password');
writeFileSync(passwordFile, `${lab.admin.password}\n`, {mode: 0o600});
const realSpool = join(lab.dir, 'var/spool/mail');
const env = {
  BONNIE_CONFIG: '/dev/null',
  BONNIE_SPILL: join(dir, 'spill'),
  BONNIE_IMAP_URL: `imap://${lab.imap.host}:${lab.imap.port}`,
  BONNIE_IMAP_USER: lab.admin.user,
  BONNIE_IMAP_PASSWORD_FILE: passwordFile,
};

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

interface Reconcile {
  done: number;
  cancelled: number;
  gapsReconciled: number;
  failed: number;
  dead: number;
  remaining: number;
  snapshots: number;
  collected: number;
}

async function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{code: number; json: unknown}> {
  const ran = await bonnie([...args, '--json'], {env: {...env, ...extraEnv}});
  return {code: ran.code ?? -1, json: ran.stdout.trim() === '' ? null : (JSON.parse(ran.stdout) as unknown)};
}

async function collector(catalog: string, extraEnv: Record<string, string> = {}): Promise<{reconcile: Reconcile; remaining: number}> {
  const ran = await bonnie(['collector', '--catalog', catalog, '--spool', realSpool, '--archive', `${catalog}.archive`, '--no-index', '--json'], {env: {...env, ...extraEnv}});
  expect(ran.code, ran.stderr + ran.stdout).toBe(0);
  return JSON.parse(ran.stdout) as {reconcile: Reconcile; remaining: number};
}

interface StatusJson {
  gaps: {open: number; reconciled: number; reconcilePending: number; reconcileFailed: number; reconcileDead: number};
  health: {level: string; reasons: Array<{code: string}>};
}

const idOf = (events: readonly CapturedEvent[], type: string, name: string) => events.find((e) => e.type === type && e.event.mailbox?.name === name)?.mailboxId as string;

/** A Subject of about `bytes` bytes, folded into lines well under RFC 5322's 998 characters. */
function hugeSubject(bytes: number): string {
  const words = Array.from({length: Math.ceil(bytes / 10)}, (_, i) => `word${String(i).padStart(5, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 7) lines.push(words.slice(i, i + 7).join(' '));
  return lines.join('\r\n ');
}

describe('reconcile jobs for folders renamed or deleted before the collector ran', () => {
  it('follows a child moved by its parent\'s rename by MAILBOXID, and cancels the job of a deleted folder', async () => {
    const parent = `user.alice.RfP${stamp}`;
    const child = `${parent}.Child`;
    const renamed = `user.alice.RfQ${stamp}`;
    const gone = `user.alice.RfD${stamp}`;
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.RfP${stamp}`);
    await alice.mailboxCreate(`INBOX.RfP${stamp}.Child`);
    await alice.mailboxCreate(`INBOX.RfD${stamp}`);
    await alice.mailboxRename(`INBOX.RfP${stamp}`, `INBOX.RfQ${stamp}`);
    await alice.mailboxDelete(`INBOX.RfD${stamp}`);
    await alice.logout();
    const events = await waitForEvents(
      lab,
      (es) => {
        const goneId = idOf(es, 'MailboxCreate', gone);
        const deleted = es.some((e) => e.mailboxId === goneId && (e.type === 'MailboxDelete' || (e.type === 'MailboxRename' && e.event.mailbox?.name !== gone)));
        return deleted && es.some((e) => e.type === 'MailboxRename' && e.event.mailbox?.name === renamed);
      },
      {after},
    );
    const ids = {parent: idOf(events, 'MailboxCreate', parent), child: idOf(events, 'MailboxCreate', child), gone: idOf(events, 'MailboxCreate', gone)};
    // What Cyrus 3.6 says: the parent's rename only; nothing names the child's new name.
    expect(events.some((e) => e.mailboxId === ids.child && e.type === 'MailboxRename')).toBe(false);

    const catalog = privateCatalog('renamed-deleted', Object.values(ids));
    const summary = await collector(catalog, {BONNIE_FOLDER_METADATA: '/shared/comment'});
    expect(summary.reconcile).toMatchObject({done: 2, cancelled: 1, failed: 0, dead: 0, remaining: 0});

    const db = openCatalog(catalog, {readOnly: true});
    const jobs = new ReconcileJobs(db.db).list();
    const shots = db.db.prepare<[string], {mailbox_name: string; source: string}>('SELECT mailbox_name, source FROM snapshot WHERE mailbox_id = ?');
    const childShots = shots.all(ids.child);
    const parentShots = shots.all(ids.parent);
    db.close();
    expect(jobs.find((j) => j.mailboxId === ids.child)).toMatchObject({state: 'done', lastError: null});
    expect(childShots).toEqual([{mailbox_name: `${renamed}.Child`, source: 'imap'}]);
    expect(parentShots).toEqual([{mailbox_name: renamed, source: 'imap'}]);
    expect(jobs.find((j) => j.mailboxId === ids.gone)).toMatchObject({state: 'cancelled', attempts: 0, lastError: expect.stringMatching(/^the folder was deleted \(notification \d+, Mailbox(Delete|Rename)\)$/)});

    const status = await run(['status', '--catalog', catalog]);
    expect((status.json as StatusJson).gaps).toMatchObject({reconcilePending: 0, reconcileFailed: 0, reconcileDead: 0});
    expect((status.json as StatusJson).health.reasons.map((r) => r.code)).not.toContain('ReconcileFailed');
  });
});

describe('a gap reconciled on a live Cyrus', () => {
  it('ends reconciled once the collector archived the message whose event Cyrus dropped; bonnie status stops warning', async () => {
    const name = `user.alice.RfG${stamp}`;
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(`INBOX.RfG${stamp}`);
    const big = await alice.append(`INBOX.RfG${stamp}`, testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: hugeSubject(30_000), messageId: `rfg-huge-${stamp}@lab.test`}));
    const small = await alice.append(`INBOX.RfG${stamp}`, testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: 'small', messageId: `rfg-small-${stamp}@lab.test`}));
    await alice.logout();
    expect([big && big.uid, small && small.uid]).toEqual([1, 2]);
    const arrivals = (e: CapturedEvent) => e.type === 'MessageAppend' && e.event.mailbox?.name === name;
    const events = await waitForEvents(lab, (es) => es.some((e) => arrivals(e) && e.event.uids.first === 2), {after});
    expect(events.filter(arrivals).map((e) => [...e.event.uids])).toEqual([[2]]);
    const catalog = privateCatalog('gap', [events.find(arrivals)?.mailboxId as string]);

    const opened = await run(['gaps', '--catalog', catalog]);
    expect(opened.code).toBe(0);
    expect((opened.json as {gaps: unknown[]}).gaps).toEqual([expect.objectContaining({mailboxName: name, kind: 'uid', from: 1, to: 1, state: 'open'})]);
    const before = (await run(['status', '--catalog', catalog])).json as StatusJson;
    expect(before.gaps).toMatchObject({open: 1, reconciled: 0});
    expect(before.health.reasons.map((r) => r.code)).toContain('GapsOpen');

    const summary = await collector(catalog);
    expect(summary.reconcile).toMatchObject({done: 1, gapsReconciled: 1, collected: 1, failed: 0});

    const listed = await run(['gaps', '--no-scan', '--catalog', catalog]);
    expect((listed.json as {gaps: unknown[]}).gaps).toEqual([]);
    const all = (await run(['gaps', '--no-scan', '--all', '--catalog', catalog])).json as {gaps: Array<{state: string; closedReason: string; closedAt: string | null}>};
    expect(all.gaps).toEqual([expect.objectContaining({state: 'reconciled', closedReason: expect.stringMatching(/^reconcile job \d+ re-read the folder and archived what it held$/)})]);
    const human = await bonnie(['gaps', '--no-scan', '--all', '--catalog', catalog], {env});
    expect(human.stdout).toMatch(new RegExp(`^#\\d+  reconciled  \\S+  ${name.replaceAll('.', '\\.')} \\(\\w+\\)  uid 1  \\(reconciled \\S+: reconcile job \\d+ re-read`, 'm'));

    const after2 = (await run(['status', '--catalog', catalog])).json as StatusJson;
    expect(after2.gaps).toMatchObject({open: 0, reconciled: 1, reconcilePending: 0, reconcileFailed: 0});
    expect(after2.health.reasons.map((r) => r.code)).not.toContain('GapsOpen');
  });
});
