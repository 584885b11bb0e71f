/**
 * Cyrus 3.6's implicit subtree changes, against the real server, and what `bonnie process` makes of them
 * (asserted through the built CLI: `history --folder`, `history --message`).
 *
 * What Cyrus does (seen here, written down as the expected events):
 * - RENAME of a folder with children renames the whole subtree but sends ONE MailboxRename, for the folder
 *   named; each child gets only a MailboxModseq, under its OLD name.
 * - DELETE of a folder with children is refused (`NO [HASCHILDREN]`), for its owner as for the admin; only
 *   an admin's DELETE of a user's INBOX takes the whole tree, with one MailboxDelete (for `user.x`), and
 *   MailboxModseq for the children under their live names.
 * - delete_mode is `delayed` by default (the lab keeps it): deleted folders become `DELETED.user.x....<hex>`;
 *   no event ever names them that way, and `cyr_expire -D` removes them without any event.
 * - RENAME INBOX INBOX.x (which should move the INBOX's messages into a new folder) kills Debian's imapd
 *   3.6.1 once it has created the new folder: the client sees the connection close, one MailboxCreate is
 *   sent, nothing is moved.
 * - RENAME user.a user.b is refused (`NO Operation is not supported on mailbox`) unless `allowusermoves: yes`;
 *   with it (a private lab), one MailboxRename for `user.a`, then ACL changes (the new owner's rights added,
 *   the old owner's removed) on every folder of the tree.
 * Users: gina (a login of her own), hugo (a mailbox the admin creates and deletes); in a private lab with
 * allowusermoves, hank renamed ivan.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {labBonnieEnv} from '../harness/bonnie-env.js';
import {describeEvent, lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient, RawImap, rawImap} from '../harness/imap.js';
import {startLab, type Lab, type LabInfo} from '../harness/lab.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {bonnie, run} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bonnie-subtree-live-'));
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  env = labBonnieEnv(lab, dir);
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

type Json = Record<string, unknown>;

async function cli(args: string[], cliEnv: NodeJS.ProcessEnv = env): Promise<Json> {
  const ran = await bonnie([...args, '--json'], {env: cliEnv});
  expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}${ran.stdout}`).toBe(0);
  return JSON.parse(ran.stdout) as Json;
}

/** Sessions come and go (a Logout arrives when it will): the folder and message events are what is checked. */
const folderEvents = (events: CapturedEvent[]) => events.filter((e) => e.type !== 'Login' && e.type !== 'Logout');

/** Exactly these events (type and mailbox name, in order, sessions aside) follow `after`, and nothing else for a while. */
async function expectEvents(on: LabInfo, after: number, expected: string[]): Promise<CapturedEvent[]> {
  const events = folderEvents(await waitForEvents(on, (seen) => folderEvents(seen).length >= expected.length, {after}));
  expect(events.map(describeEvent)).toEqual(expected);
  // Nothing more comes: no event for the folders below but those listed.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(folderEvents(await waitForEvents(on, 0, {after})).map(describeEvent)).toEqual(expected);
  return events;
}

/** Waits until an event of `type` for `name` has been stored after `after`. */
const waitFor = (on: LabInfo, after: number, type: string, name: string) => waitForEvents(on, (seen) => seen.some((e) => e.type === type && e.event.mailbox?.name === name), {after});

const folderNames = (history: Json) => (history.versions as Json[]).map((v) => [v.change, v.name]);
const timeline = (history: Json) => history.timeline as Json[];

describe('a folder renamed with its children (RENAME INBOX.Projects INBOX.Clients)', () => {
  let emailId: string;
  let renamedAt: string;

  beforeAll(async () => {
    const gina = await rawImap(lab, 'gina');
    try {
      let after = lastEventId(lab);
      for (const name of ['INBOX.Projects', 'INBOX.Projects.Alpha', 'INBOX.Projects.Alpha.Deep']) await gina.command(`CREATE ${name}`);
      await waitForEvents(lab, (seen) => seen.some((e) => describeEvent(e) === 'MailboxCreate user.gina.Projects.Alpha.Deep'), {after});
      const flow = await imapClient(lab, 'gina');
      after = lastEventId(lab);
      await flow.append('INBOX.Projects.Alpha', testMessage({from: 'x@lab.test', to: 'gina@lab.test', subject: `subtree ${stamp}`, messageId: `subtree-${stamp}@lab.test`}));
      await flow.logout();
      const appended = await waitForEvents(lab, (seen) => seen.some((e) => e.type === 'MessageAppend'), {after});
      emailId = appended.find((e) => e.type === 'MessageAppend')?.event.emailId as string;

      after = lastEventId(lab);
      await gina.command('RENAME INBOX.Projects INBOX.Clients');
      const events = await expectEvents(lab, after, [
        'MailboxModseq user.gina.Projects',
        'MailboxRename user.gina.Clients',
        'MailboxModseq user.gina.Projects.Alpha',
        'MailboxModseq user.gina.Projects.Alpha.Deep',
      ]);
      renamedAt = events[1]?.event.timestamp as string;
    } finally {
      await gina.logout();
    }
    expect(await cli(['process'])).toMatchObject({failed: 0, dead: 0});
  });

  it('gives each child a new name at the rename: history --folder knows it by its new name', async () => {
    const alpha = await cli(['history', '--folder', 'user.gina.Clients.Alpha']);
    expect(alpha.folder).toMatchObject({name: 'user.gina.Clients.Alpha', owner: 'gina'});
    expect(folderNames(alpha)).toEqual([
      ['created', 'user.gina.Projects.Alpha'],
      ['renamed', 'user.gina.Clients.Alpha'],
    ]);
    const rename = timeline(alpha).find((e) => e.action === 'renamed');
    expect(rename).toMatchObject({at: renamedAt, actor: 'gina', summary: 'user.gina.Projects.Alpha -> user.gina.Clients.Alpha'});
    const parent = timeline(await cli(['history', '--folder', 'user.gina.Clients'])).find((e) => e.action === 'renamed');
    expect(rename?.sessionId).toBe(parent?.sessionId);
    const deep = await cli(['history', '--folder', 'user.gina.Clients.Alpha.Deep']);
    expect(folderNames(deep).at(-1)).toEqual(['renamed', 'user.gina.Clients.Alpha.Deep']);
  });

  it("puts the rename in the message's history, where the message now is", async () => {
    const history = await cli(['history', '--message', emailId]);
    expect(timeline(history).map((e) => [e.action, e.actor, e.placementRef, e.summary])).toEqual([
      ['appended', 'gina', 'user.gina.Projects.Alpha:1', 'no flags'],
      ['renamed', 'gina', 'user.gina.Clients.Alpha:1', 'user.gina.Projects.Alpha -> user.gina.Clients.Alpha'],
    ]);
    expect(history.placements).toMatchObject([{ref: 'user.gina.Clients.Alpha:1', folderThen: 'user.gina.Projects.Alpha', state: 'present'}]);
  });
});

describe('DELETE of a folder with children', () => {
  it('is refused by Cyrus, for the owner: nothing happens, no event', async () => {
    const gina = await rawImap(lab, 'gina');
    try {
      let after = lastEventId(lab);
      await gina.command('CREATE INBOX.Old');
      await gina.command('CREATE INBOX.Old.Sub');
      await waitFor(lab, after, 'MailboxCreate', 'user.gina.Old.Sub');
      after = lastEventId(lab);
      await expect(gina.command('DELETE INBOX.Old')).rejects.toThrow(/HASCHILDREN/);
      await gina.command('CREATE INBOX.Marker');
      await expectEvents(lab, after, ['MailboxCreate user.gina.Marker']);
    } finally {
      await gina.logout();
    }
  });

  it("takes a whole user's tree when the admin deletes the user (one MailboxDelete; DELETED. names under delayed delete)", async () => {
    const admin = await rawImap(lab, lab.admin.user);
    let after = lastEventId(lab);
    try {
      for (const name of ['user.hugo', 'user.hugo.A', 'user.hugo.A.B']) await admin.command(`CREATE ${name}`);
      await admin.command('SETACL user.hugo.A anyone p');
      await waitForEvents(lab, (seen) => seen.some((e) => e.type === 'AclChange'), {after});
      after = lastEventId(lab);
      await lmtpDeliver(lab, {from: 'x@lab.test', to: ['hugo+A@lab.test'], message: testMessage({from: 'x@lab.test', to: 'hugo@lab.test', subject: `hugo ${stamp}`, messageId: `hugo-${stamp}@lab.test`})});
      const delivered = await waitForEvents(lab, (seen) => seen.some((e) => e.type === 'MessageNew'), {after});
      const arrival = delivered.find((e) => e.type === 'MessageNew') as CapturedEvent;
      expect(arrival.event.mailbox?.name).toBe('user.hugo.A');

      // Even the admin, with every right on it, may not delete a folder that has children.
      await admin.command('SETACL user.hugo.A cyrus lrswipkxtecda');
      await expect(admin.command('DELETE user.hugo.A')).rejects.toThrow(/HASCHILDREN/);
      // The admin needs the x right on the INBOX (Cyrus gives it none by default).
      after = lastEventId(lab);
      await admin.command('SETACL user.hugo cyrus lrswipkxtecda');
      await waitFor(lab, after, 'AclChange', 'user.hugo');
      after = lastEventId(lab);
      await admin.command('DELETE user.hugo');
      const events = await expectEvents(lab, after, ['MailboxModseq user.hugo', 'MailboxDelete user.hugo', 'MailboxModseq user.hugo.A', 'MailboxModseq user.hugo.A.B']);
      const listed = await admin.command('LIST "" "DELETED.user.hugo*"');
      expect(listed.untagged.map((line) => line.split(' ').at(-1))).toEqual([
        expect.stringMatching(/^DELETED\.user\.hugo\.[0-9A-F]+$/),
        expect.stringMatching(/^DELETED\.user\.hugo\.A\.[0-9A-F]+$/),
        expect.stringMatching(/^DELETED\.user\.hugo\.A\.B\.[0-9A-F]+$/),
      ]);
      expect(await cli(['process'])).toMatchObject({failed: 0, dead: 0});

      for (const name of ['user.hugo.A', 'user.hugo.A.B']) {
        const history = await cli(['history', '--folder', name]);
        expect(history.folder, name).toMatchObject({name, deletedAt: events[1]?.event.timestamp});
        expect(folderNames(history).at(-1), name).toEqual(['deleted', name]);
        expect(timeline(history).at(-1), name).toMatchObject({action: 'deleted', actor: 'cyrus', sessionId: events[1]?.event.sessionId});
      }
      const message = await cli(['history', '--message', arrival.event.emailId as string]);
      expect(message.placements).toMatchObject([{ref: 'user.hugo.A:1', folderDeleted: true, state: 'folder-deleted'}]);

      // cyr_expire -D removes the DELETED. folders for good, silently: the record has nothing more to learn.
      after = lastEventId(lab);
      const expired = await run('runuser', ['-u', 'cyrus', '--', '/usr/lib/cyrus/bin/cyr_expire', '-C', lab.imapdConf, '-D', '0'], {cwd: '/'});
      expect(expired.code, expired.stderr).toBe(0);
      expect((await admin.command('LIST "" "DELETED.user.hugo*"')).untagged).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await waitForEvents(lab, 0, {after})).toEqual([]);
    } finally {
      await admin.logout();
    }
  });
});

describe('RENAME of a user (user.hank -> user.ivan)', () => {
  it('is refused without allowusermoves (the lab default)', async () => {
    const admin = await rawImap(lab, lab.admin.user);
    try {
      await admin.command('CREATE user.hank');
      await expect(admin.command('RENAME user.hank user.ivan')).rejects.toThrow(/not supported/);
    } finally {
      await admin.logout();
    }
  });

  describe('with allowusermoves: yes (a lab of its own)', () => {
    let own: Lab;
    let ownEnv: NodeJS.ProcessEnv;
    beforeAll(async () => {
      own = await startLab({imapd: {allowusermoves: 'yes'}});
      ownEnv = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: own.catalog, BONNIE_ARCHIVE: join(dir, 'own-archive')};
    });
    afterAll(async () => own?.stop());

    it('moves the whole tree with one MailboxRename; history knows every folder and message by its new name and owner', async () => {
      const admin = await RawImap.login(own.imap, own.admin.user, own.admin.password);
      try {
        let after = lastEventId(own);
        for (const name of ['user.hank', 'user.hank.A', 'user.hank.A.B']) await admin.command(`CREATE ${name}`);
        await admin.command('SETACL user.hank.A anyone p');
        await waitForEvents(own, (seen) => seen.some((e) => e.type === 'AclChange'), {after});
        after = lastEventId(own);
        await lmtpDeliver(own, {from: 'x@lab.test', to: ['hank+A@lab.test'], message: testMessage({from: 'x@lab.test', to: 'hank@lab.test', subject: `hank ${stamp}`, messageId: `hank-${stamp}@lab.test`})});
        const delivered = await waitForEvents(own, (seen) => seen.some((e) => e.type === 'MessageNew'), {after});
        const arrival = delivered.find((e) => e.type === 'MessageNew') as CapturedEvent;
        expect(arrival.event.mailbox?.name).toBe('user.hank.A');

        after = lastEventId(own);
        await admin.command('RENAME user.hank user.ivan');
        const events = await waitForEvents(own, (seen) => seen.filter((e) => e.event.mailbox?.name === 'user.ivan.A.B' && e.type === 'AclChange').length === 2, {after});
        expect(events.filter((e) => e.type === 'MailboxRename').map(describeEvent)).toEqual(['MailboxRename user.ivan']);
        expect(events.filter((e) => e.type === 'MailboxModseq').map(describeEvent)).toEqual(
          expect.arrayContaining(['MailboxModseq user.hank.A', 'MailboxModseq user.ivan.A', 'MailboxModseq user.hank.A.B', 'MailboxModseq user.ivan.A.B']),
        );
        const rename = events.find((e) => e.type === 'MailboxRename') as CapturedEvent;
        expect(await cli(['process'], ownEnv)).toMatchObject({failed: 0, dead: 0});

        for (const [before, now] of [['user.hank.A', 'user.ivan.A'], ['user.hank.A.B', 'user.ivan.A.B']] as const) {
          const history = await cli(['history', '--folder', now], ownEnv);
          expect(history.folder, now).toMatchObject({name: now, owner: 'ivan'});
          expect(folderNames(history).filter(([change]) => change !== 'acl'), now).toEqual([
            ['created', before],
            ['renamed', now],
          ]);
          expect(timeline(history).find((e) => e.action === 'renamed'), now).toMatchObject({at: rename.event.timestamp, actor: 'cyrus', sessionId: rename.event.sessionId});
        }
        const message = await cli(['history', '--message', arrival.event.emailId as string], ownEnv);
        expect(timeline(message).map((e) => [e.action, e.placementRef, e.summary])).toEqual([
          ['delivered', 'user.hank.A:1', 'no flags'],
          ['renamed', 'user.ivan.A:1', 'user.hank.A -> user.ivan.A'],
        ]);
      } finally {
        await admin.logout();
      }
    });
  });
});

describe('RENAME INBOX (RFC 3501 6.3.5: moves the INBOX\'s messages, not its children)', () => {
  it("kills Debian's imapd 3.6.1 after it created the new folder: one MailboxCreate, no MailboxRename; the children keep their names", async () => {
    const flow = await imapClient(lab, 'gina');
    let after = lastEventId(lab);
    await flow.append('INBOX', testMessage({from: 'x@lab.test', to: 'gina@lab.test', subject: `inbox ${stamp}`, messageId: `inbox-${stamp}@lab.test`}));
    await flow.logout();
    await waitFor(lab, after, 'MessageAppend', 'user.gina');
    const gina = await rawImap(lab, 'gina');
    after = lastEventId(lab);
    await expect(gina.command('RENAME INBOX INBOX.Before')).rejects.toThrow(/connection closed/);
    await gina.logout();
    await expectEvents(lab, after, ['MailboxCreate user.gina.Before']);
    const again = await rawImap(lab, 'gina');
    try {
      const listed = (await again.command('LIST "" "*"')).untagged.map((line) => line.split(' ').at(-1));
      expect(listed).toEqual(expect.arrayContaining(['INBOX', 'INBOX.Before', 'INBOX.Clients', 'INBOX.Clients.Alpha', 'INBOX.Clients.Alpha.Deep']));
      // Nothing was moved: the message is still in the INBOX, the new folder is empty.
      for (const [name, count] of [['INBOX', 1], ['INBOX.Before', 0]] as const) {
        expect((await again.command(`STATUS ${name} (MESSAGES)`)).untagged).toEqual([`STATUS ${name} (MESSAGES ${count})`]);
      }
    } finally {
      await again.logout();
    }
    expect(await cli(['process'])).toMatchObject({failed: 0, dead: 0});
    expect((await cli(['history', '--folder', 'user.gina.Clients.Alpha'])).folder).toMatchObject({name: 'user.gina.Clients.Alpha', deletedAt: null});
  });
});
