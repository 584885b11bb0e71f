/**
 * `bonnie history --object` against a live Cyrus, on the lab's own catalog (the events its dealer captured,
 * processed with the same LDAP settings as process-ldap.test.ts): alice creates a Kolab event in her
 * calendar folder, shared with bob (SETACL); bob, alice and bob modify it the way Kolab clients do (APPEND
 * the new version, flag the old one \Deleted, UID EXPUNGE it). After `bonnie process` and `bonnie archive
 * --mailbox`, the object has four revisions, each with the actor of its APPEND; --raw gives a revision's
 * exact bytes and --diff the changed summary.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {lastEventId, waitForEvents} from '../harness/events.js';
import {rawImap, RawImap} from '../harness/imap.js';
import {labBonnieEnv} from '../harness/bonnie-env.js';
import {BIN_RUN} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {kolabEvent, type EventFields} from '../lib/read/groupware/kolab-fixture.js';

const lab = inject('lab');
const stamp = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bonnie-groupware-live-'));
const folder = `Calendar${stamp}`;
const internal = `user.alice.${folder}`;
const uid = `${stamp.toString(16)}-5c1b-4a2f-a9a3-0e9d5e7b5f21`;
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

/** APPEND with a non-synchronizing literal (RFC 7888); the new message's UID from APPENDUID (RFC 4315). */
async function append(client: RawImap, mailbox: string, bytes: Buffer): Promise<number> {
  const response = await client.command(`APPEND ${RawImap.quote(mailbox)} (\\Seen) {${bytes.length}+}\r\n${bytes.toString('utf8')}`);
  const appended = /\[APPENDUID \d+ (\d+)\]/i.exec(response.text);
  if (appended === null) throw new Error(`no APPENDUID in "${response.text}"`);
  return Number(appended[1]);
}

/** Saves a new version the Kolab way: APPEND it, then flag the old one \Deleted and expunge it alone. */
async function modify(client: RawImap, mailbox: string, bytes: Buffer, old: number): Promise<number> {
  await client.command(`SELECT ${RawImap.quote(mailbox)}`);
  const next = await append(client, mailbox, bytes);
  await client.command(`UID STORE ${old} +FLAGS.SILENT (\\Deleted)`);
  await client.command(`UID EXPUNGE ${old}`);
  await client.command('UNSELECT');
  return next;
}

const base: EventFields = {uid, summary: 'Budget meeting', start: '2026-03-02T10:00:00', end: '2026-03-02T11:00:00', sequence: 0, lastModified: '2026-03-01T09:00:00Z'};
const REVISIONS = [
  kolabEvent(base),
  kolabEvent({...base, sequence: 1, lastModified: '2026-03-01T09:10:00Z', location: 'Room 4'}, undefined, 'bob@lab.test'),
  kolabEvent({...base, sequence: 2, lastModified: '2026-03-01T09:20:00Z', location: 'Room 4', start: '2026-03-02T14:00:00', end: '2026-03-02T15:00:00'}),
  kolabEvent({...base, sequence: 3, lastModified: '2026-03-01T09:30:00Z', location: 'Room 4', start: '2026-03-02T14:00:00', end: '2026-03-02T15:00:00', summary: 'Budget meeting (moved)'}, undefined, 'bob@lab.test'),
];

interface History {
  object: {uid: string; type: string; revisions: number; state: string; createdBy: string; lastModifiedBy: string};
  revisions: Array<{rev: number; action: string; actor: string | null; uid: number; blob: string; places: Array<{state: string; removedBy: string | null}>}>;
  changelog: Array<{action: string; rev: number; actor: string | null; placementRef: string; from: string | null}>;
}

describe('bonnie history --object on a live Cyrus', () => {
  it('shows a Kolab event modified three times, by alice and bob, as four revisions with the right actors', async () => {
    const after = lastEventId(lab);
    const alice = await rawImap(lab, 'alice');
    const bob = await rawImap(lab, 'bob');
    const uids: number[] = [];
    try {
      await alice.command(`CREATE ${RawImap.quote(`INBOX.${folder}`)}`);
      await alice.command(`SETACL ${RawImap.quote(`INBOX.${folder}`)} bob lrswite`);
      uids.push(await append(alice, `INBOX.${folder}`, REVISIONS[0] as Buffer));
      // bob works on alice's calendar through the other users' namespace.
      uids.push(await modify(bob, internal, REVISIONS[1] as Buffer, uids[0] as number));
      uids.push(await modify(alice, `INBOX.${folder}`, REVISIONS[2] as Buffer, uids[1] as number));
      uids.push(await modify(bob, internal, REVISIONS[3] as Buffer, uids[2] as number));
    } finally {
      await alice.logout();
      await bob.logout();
    }
    await waitForEvents(lab, (es) => es.some((e) => e.type === 'MessageExpunge' && e.event.mailbox?.name === internal && e.event.uids.has(uids[2] as number)), {after});
    expect(await cli(['process'])).toMatchObject({failed: 0, dead: 0});
    // Cyrus expunges the delayed way: the old versions' files are still in the spool for `bonnie archive`.
    expect(await cli(['archive', '--mailbox', internal])).toMatchObject({unrecoverable: 0});

    const history = (await cli(['history', '--object', uid])) as unknown as History;
    expect(history.object).toMatchObject({uid, type: 'event', revisions: 4, state: 'present', createdBy: 'alice', lastModifiedBy: 'bob'});
    expect(history.revisions.map((r) => [r.rev, r.action, r.actor, r.uid])).toEqual([
      [1, 'created', 'alice', uids[0]],
      [2, 'modified', 'bob', uids[1]],
      [3, 'modified', 'alice', uids[2]],
      [4, 'modified', 'bob', uids[3]],
    ]);
    // Each old version was expunged by whoever saved the next one.
    expect(history.revisions.map((r) => r.places.map((p) => [p.state, p.removedBy]))).toEqual([[['expunged', 'bob']], [['expunged', 'alice']], [['expunged', 'bob']], [['present', null]]]);
    expect(history.changelog.map((e) => [e.action, e.rev, e.actor])).toEqual([
      ['created', 1, 'alice'],
      ['modified', 2, 'bob'],
      ['modified', 3, 'alice'],
      ['modified', 4, 'bob'],
    ]);

    const raw = await rawHistory(['--object', uid, '--raw', '2']);
    expect(raw.equals(REVISIONS[1] as Buffer)).toBe(true);

    const diff = await bonnie(['history', '--object', uid, '--diff', '1', '4'], {env});
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('- summary: Budget meeting\n+ summary: Budget meeting (moved)\n');
    expect(diff.stdout).toContain('+ location: Room 4\n');
  });

  it('follows the object into a folder that was never archived (UID MOVE), and shows who deleted it', async () => {
    const moved = `${uid}-moved`;
    const from = `INBOX.${folder}Work`;
    const to = `INBOX.${folder}Old`;
    const after = lastEventId(lab);
    const alice = await rawImap(lab, 'alice');
    try {
      await alice.command(`CREATE ${RawImap.quote(from)}`);
      await alice.command(`CREATE ${RawImap.quote(to)}`);
      const first = await append(alice, from, kolabEvent({...base, uid: moved}));
      await alice.command(`SELECT ${RawImap.quote(from)}`);
      await alice.command(`UID MOVE ${first} ${RawImap.quote(to)}`);
      await alice.command(`SELECT ${RawImap.quote(to)}`);
      await alice.command('UID STORE 1 +FLAGS.SILENT (\\Deleted)');
      await alice.command('UID EXPUNGE 1');
    } finally {
      await alice.logout();
    }
    await waitForEvents(lab, (es) => es.some((e) => e.type === 'MessageExpunge' && e.event.mailbox?.name === `user.alice.${folder}Old`), {after});
    expect(await cli(['process'])).toMatchObject({failed: 0, dead: 0});
    expect(await cli(['archive', '--mailbox', `user.alice.${folder}Work`])).toMatchObject({unrecoverable: 0});

    const history = (await cli(['history', '--object', moved])) as unknown as History;
    expect(history.object).toMatchObject({revisions: 1, state: 'deleted'});
    expect(history.changelog.map((e) => [e.action, e.actor, e.placementRef, e.from])).toEqual([
      ['created', 'alice', `user.alice.${folder}Work:1`, null],
      ['moved', 'alice', `user.alice.${folder}Old:1`, `user.alice.${folder}Work:1`],
      ['deleted', 'alice', `user.alice.${folder}Old:1`, null],
    ]);
  });
});

/** `bonnie history <args>`'s stdout as bytes (--raw prints a message, not text). */
function rawHistory(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN_RUN, 'history', ...args], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`bonnie history ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString()}`))));
  });
}
