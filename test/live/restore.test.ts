/**
 * `bonnie restore` against a live Cyrus, on the lab's own catalog (the events its dealer captured,
 * processed with the same LDAP settings as process-ldap.test.ts): a folder of alice's is filled (flags,
 * internal dates, an attachment, a message without Message-ID), archived, then
 * 1. deleted in IMAP and restored: bytes, flags and internal dates identical;
 * 2. restored twice: no duplicate;
 * 3. changed (flags, a move, an expunge) after a moment T, then restored `--at T` into another folder:
 *    equal to what IMAP showed at T;
 * 4. one expunged message restored with --message.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ImapFlow} from 'imapflow';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {labBonnieEnv} from '../harness/bonnie-env.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bonnie-restore-live-'));
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  env = labBonnieEnv(lab, dir);
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const ran = await bonnie([...args, '--json'], {env});
  expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}${ran.stdout}`).toBe(0);
  return JSON.parse(ran.stdout) as Record<string, unknown>;
}

/** Waits for the events of what was just done, then processes them. */
async function settle(after: number, done: (events: CapturedEvent[]) => boolean): Promise<void> {
  await waitForEvents(lab, done, {after});
  const processed = await cli(['process']);
  expect(processed).toMatchObject({failed: 0, dead: 0});
}

interface Seen {
  flags: string[];
  internalDate: number;
  bytes: Buffer;
}

/** What IMAP shows of a folder, in UID order. */
async function contents(client: ImapFlow, path: string): Promise<Seen[]> {
  const lock = await client.getMailboxLock(path, {readOnly: true});
  try {
    const out: {uid: number; seen: Seen}[] = [];
    if (client.mailbox !== false && client.mailbox.exists > 0) {
      for await (const m of client.fetch('1:*', {uid: true, flags: true, internalDate: true, source: true})) {
        out.push({uid: m.uid, seen: {flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), internalDate: new Date(m.internalDate ?? 0).getTime(), bytes: m.source as Buffer}});
      }
    }
    return out.sort((a, b) => a.uid - b.uid).map((o) => o.seen);
  } finally {
    lock.release();
  }
}

const attachment = Buffer.from(Array.from({length: 6000}, (_, i) => (i * 7919) % 251)).toString('base64').replace(/.{76}/g, '$&\r\n');
function message(i: number, withId = true): string {
  const lines = [
    'From: bob@lab.test',
    'To: alice@lab.test',
    `Subject: restore test ${stamp} #${i}`,
    'Date: Mon, 02 Mar 2020 10:00:00 +0000',
    ...(withId ? [`Message-ID: <restore-${stamp}-${i}@lab.test>`] : []),
    'MIME-Version: 1.0',
  ];
  if (i !== 2) return [...lines, 'Content-Type: text/plain; charset=utf-8', '', `Body of message ${i}.`, ''].join('\r\n');
  return [...lines, 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '', 'See the attachment.', '--b1', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="data.bin"', '', attachment, '--b1--', ''].join('\r\n');
}
const FLAGS = [['\\Seen'], ['\\Seen', '\\Answered', '$Label1'], ['\\Flagged'], [], ['\\Seen', '\\Draft']];
const DATES = [new Date('2018-01-02T03:04:05Z'), new Date('2019-05-06T07:08:09Z'), new Date('2020-09-10T11:12:13Z'), new Date('2021-12-24T18:00:00Z'), new Date('2022-02-22T22:22:22Z')];

/** Creates INBOX.<name> with the five test messages; returns what IMAP shows of it. */
async function fill(alice: ImapFlow, name: string): Promise<Seen[]> {
  const after = lastEventId(lab);
  await alice.mailboxCreate(`INBOX.${name}`);
  for (let i = 0; i < 5; i++) await alice.append(`INBOX.${name}`, message(i, i !== 3), FLAGS[i], DATES[i]);
  await settle(after, (es) => es.filter((e) => e.type === 'MessageAppend' && e.event.mailbox?.name === `user.alice.${name}`).length === 5);
  return contents(alice, `INBOX.${name}`);
}

describe('bonnie restore on a live Cyrus', () => {
  let alice: ImapFlow;
  beforeAll(async () => {
    alice = await imapClient(lab, 'alice');
  });
  afterAll(async () => {
    await alice.logout();
  });

  it('brings a deleted folder back with the same bytes, flags and internal dates, and adds nothing when run twice', async () => {
    const name = `Deleted${stamp}`;
    const original = await fill(alice, name);
    expect(original).toHaveLength(5);
    expect(await cli(['archive', '--mailbox', `user.alice.${name}`])).toMatchObject({read: 5, unrecoverable: 0});

    const after = lastEventId(lab);
    await alice.mailboxDelete(`INBOX.${name}`);
    await settle(after, (es) => es.some((e) => e.type === 'MailboxDelete' && e.event.mailbox?.name === `user.alice.${name}`));
    expect((await alice.list()).some((l) => l.path === `INBOX.${name}`)).toBe(false);

    const plan = await cli(['restore', '--mailbox', `user.alice.${name}`, '--dry-run']);
    expect(plan).toMatchObject({dryRun: true, appended: 5, missing: 0});
    expect((await alice.list()).some((l) => l.path === `INBOX.${name}`)).toBe(false);

    const restored = await cli(['restore', '--mailbox', `user.alice.${name}`]);
    expect(restored).toMatchObject({appended: 5, alreadyThere: 0, missing: 0});
    expect(await contents(alice, `INBOX.${name}`)).toEqual(original);

    const again = await cli(['restore', '--mailbox', `user.alice.${name}`]);
    expect(again).toMatchObject({appended: 0, alreadyThere: 5});
    expect(await contents(alice, `INBOX.${name}`)).toHaveLength(5);
  });

  it('restores a folder as it was at a moment before flag changes, a move and an expunge', async () => {
    const name = `AtTime${stamp}`;
    const path = `INBOX.${name}`;
    await fill(alice, name);
    expect(await cli(['archive', '--mailbox', `user.alice.${name}`])).toMatchObject({snapshots: 1});

    // Changes after the snapshot but before T: they must be in the restored state.
    let after = lastEventId(lab);
    let lock = await alice.getMailboxLock(path);
    await alice.messageFlagsAdd('1', ['\\Flagged'], {uid: true});
    await alice.messageFlagsRemove('2', ['$Label1'], {uid: true});
    lock.release();
    // A message that arrives after the snapshot: the record knows it, a later snapshot its internal date.
    await alice.append(path, message(6), ['\\Answered'], new Date('2017-07-07T07:07:07Z'));
    await settle(after, (es) => es.some((e) => e.type === 'MessageAppend' && e.event.uids.has(6) && e.event.mailbox?.name === `user.alice.${name}`));
    const atT = await contents(alice, path);
    await new Promise((r) => setTimeout(r, 1100));
    const t = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));

    // Changes after T: they must not be.
    after = lastEventId(lab);
    await alice.mailboxCreate(`INBOX.${name}Other`);
    lock = await alice.getMailboxLock(path);
    await alice.messageFlagsAdd('3', ['\\Seen', 'Later'], {uid: true});
    await alice.messageMove('4', `INBOX.${name}Other`, {uid: true});
    await alice.messageDelete('5', {uid: true});
    lock.release();
    await settle(after, (es) => es.some((e) => e.type === 'MessageExpunge' && e.event.mailbox?.name === `user.alice.${name}` && e.event.uids.has(5)));
    expect(await contents(alice, path)).toHaveLength(4);
    // As cron would: a later archive run links the bytes of UID 6 and snapshots the changed folder.
    expect(await cli(['archive', '--mailbox', `user.alice.${name}`])).toMatchObject({read: 1, snapshots: 1});

    const into = `user.alice.${name}Restored`;
    const restored = await cli(['restore', '--mailbox', `user.alice.${name}`, '--at', t, '--into', into]);
    expect(restored).toMatchObject({appended: 6, missing: 0});
    expect(atT).toHaveLength(6);
    expect(await contents(alice, `INBOX.${name}Restored`)).toEqual(atT);
  });

  it('restores one expunged message by its reference', async () => {
    const name = `OneMessage${stamp}`;
    const path = `INBOX.${name}`;
    const original = await fill(alice, name);
    await cli(['archive', '--mailbox', `user.alice.${name}`]);
    const after = lastEventId(lab);
    const lock = await alice.getMailboxLock(path);
    await alice.messageDelete('3', {uid: true});
    lock.release();
    await settle(after, (es) => es.some((e) => e.type === 'MessageExpunge' && e.event.mailbox?.name === `user.alice.${name}`));
    expect(await contents(alice, path)).toHaveLength(4);

    const restored = await cli(['restore', '--message', `user.alice.${name}:3`]);
    expect(restored).toMatchObject({appended: 1});
    const now = await contents(alice, path);
    expect(now).toHaveLength(5);
    const back = now.at(-1);
    expect(back?.bytes.equals(original[2]?.bytes as Buffer)).toBe(true);
    expect(back?.internalDate).toBe(original[2]?.internalDate);
    // It was \Flagged, and \Deleted just before the expunge: it comes back visible.
    expect(back?.flags).toEqual(['\\Flagged']);
  });
});
