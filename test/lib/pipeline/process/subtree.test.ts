/**
 * Cyrus 3.6 renames and deletes whole subtrees with one event for the folder named in the command (observed
 * on the lab, test/live/subtree.test.ts): the record applies the change to every folder below it. The
 * events here have the shape and order Cyrus sent them in the lab (children get only a MailboxModseq,
 * under their old names, after the parent's event).
 */
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {folderHistory} from '../../../../src/lib/read/discovery/folder-history.js';
import {messageHistory} from '../../../../src/lib/read/discovery/message-history.js';
import {parseMessageRef} from '../../../../src/lib/read/discovery/refs.js';
import {userHistory} from '../../../../src/lib/read/discovery/user-history.js';
import {feed} from '../../read/discovery/record.js';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const SESSION = 'cyruslab-1-2-3-gina';
const ADMIN_SESSION = 'cyruslab-1-2-3-admin';
const VALIDITY = 1796620833;
// Cyrus emailids (M and 24 hex digits): the messages' references.
const ALPHA1 = 'M00000000000000000000a101';
const ALPHA2 = 'M00000000000000000000a102';
const DEEP1 = 'M00000000000000000000d001';
const HANK1 = 'M00000000000000000000b001';
const JO1 = 'M00000000000000000000c001';
let clock = Date.parse('2026-12-07T05:20:00.000Z');
const uri = (name: string, uid?: number) => `imap://imap.lab.test/${encodeURIComponent(name).replaceAll('%2E', '.')};UIDVALIDITY=${VALIDITY}${uid === undefined ? '' : `/;UID=${uid}`}`;

function event(type: string, id: string, name: string, fields: Record<string, unknown> = {}): Uint8Array {
  clock += 1000;
  const owner = /^user\.([^.@]+)/.exec(name)?.[1] ?? 'nobody';
  return Buffer.from(
    JSON.stringify({
      event: type,
      timestamp: new Date(clock).toISOString(),
      service: 'imap',
      mailboxID: id,
      uri: uri(name),
      user: 'gina',
      'vnd.cmu.mailboxACL': `${owner}\tlrswipkxtecdan\t`,
      'vnd.cmu.sessionId': SESSION,
      ...fields,
    }),
  );
}
const create = (id: string, name: string, fields: Record<string, unknown> = {}) => event('MailboxCreate', id, name, fields);
const modseq = (id: string, name: string) => event('MailboxModseq', id, name, {user: ''});
const rename = (id: string, from: string, to: string, fields: Record<string, unknown> = {}) => event('MailboxRename', id, to, {oldMailboxID: uri(from), ...fields});
const append = (id: string, name: string, uid: number, emailId: string) =>
  event('MessageAppend', id, name, {uri: uri(name, uid), 'vnd.cmu.emailid': emailId, 'vnd.cmu.midset': [`<${emailId}@lab.test>`], flagNames: ''});

const names = (ref: string) => folderHistory(catalog.db, ref).versions.map((v) => [v.change, v.name]);
const timeline = (ref: string) => messageHistory(catalog.db, parseMessageRef(ref)).timeline.map((e) => [e.action, e.actor, e.sessionId, e.placementRef, e.summary]);

describe('a subtree renamed with its parent', () => {
  beforeEach(async () => {
    await feed(catalog, [
      create('projects', 'user.gina.Projects'),
      create('alpha', 'user.gina.Projects.Alpha'),
      create('deep', 'user.gina.Projects.Alpha.Deep'),
      // Siblings whose names start alike are not below Projects.
      create('px', 'user.gina.ProjectsX'),
      create('pslash', 'user.gina.Projects/Other'),
      append('alpha', 'user.gina.Projects.Alpha', 1, ALPHA1),
      append('deep', 'user.gina.Projects.Alpha.Deep', 1, DEEP1),
      modseq('projects', 'user.gina.Projects'),
      rename('projects', 'user.gina.Projects', 'user.gina.Clients'),
      modseq('alpha', 'user.gina.Projects.Alpha'),
      modseq('deep', 'user.gina.Projects.Alpha.Deep'),
    ]);
  });

  it('gives each descendant a new name at the rename, by the same actor in the same session', () => {
    expect(names('user.gina.Clients.Alpha')).toEqual([
      ['created', 'user.gina.Projects.Alpha'],
      ['renamed', 'user.gina.Clients.Alpha'],
    ]);
    expect(names('user.gina.Clients.Alpha.Deep')).toEqual([
      ['created', 'user.gina.Projects.Alpha.Deep'],
      ['renamed', 'user.gina.Clients.Alpha.Deep'],
    ]);
    const parentRename = folderHistory(catalog.db, 'user.gina.Clients').timeline.find((e) => e.action === 'renamed');
    const childRename = folderHistory(catalog.db, 'alpha').timeline.filter((e) => e.action === 'renamed');
    expect(childRename).toHaveLength(1);
    expect(childRename[0]).toMatchObject({at: parentRename?.at, actor: 'gina', sessionId: SESSION, folder: 'user.gina.Clients.Alpha', summary: 'user.gina.Projects.Alpha -> user.gina.Clients.Alpha'});
    expect(childRename[0]?.after).toEqual({name: 'user.gina.Clients.Alpha', withParent: 'user.gina.Clients'});
  });

  it('leaves folders that only start with the same letters alone', () => {
    expect(names('px')).toEqual([['created', 'user.gina.ProjectsX']]);
    expect(names('pslash')).toEqual([['created', 'user.gina.Projects/Other']]);
  });

  it("puts the rename in the timeline of each message below, under the folder's new name", () => {
    expect(timeline(ALPHA1)).toEqual([
      ['appended', 'gina', SESSION, 'user.gina.Projects.Alpha:1', 'no flags'],
      ['renamed', 'gina', SESSION, 'user.gina.Clients.Alpha:1', 'user.gina.Projects.Alpha -> user.gina.Clients.Alpha'],
    ]);
    expect(timeline('user.gina.Clients.Alpha.Deep:1').at(-1)).toEqual(['renamed', 'gina', SESSION, 'user.gina.Clients.Alpha.Deep:1', 'user.gina.Projects.Alpha.Deep -> user.gina.Clients.Alpha.Deep']);
    expect(messageHistory(catalog.db, parseMessageRef(ALPHA1)).placements).toMatchObject([{ref: 'user.gina.Clients.Alpha:1', folder: 'user.gina.Clients.Alpha', folderThen: 'user.gina.Projects.Alpha', state: 'present'}]);
  });

  it("counts a rename once in the person's history, not once per message", () => {
    expect(userHistory(catalog.db, 'gina').timeline.filter((e) => e.action === 'renamed').map((e) => e.summary)).toEqual([
      'user.gina.Projects -> user.gina.Clients',
      'user.gina.Projects.Alpha -> user.gina.Clients.Alpha',
      'user.gina.Projects.Alpha.Deep -> user.gina.Clients.Alpha.Deep',
    ]);
  });

  it('follows a second rename of the new parent, and messages arriving between the two', async () => {
    await feed(catalog, [append('alpha', 'user.gina.Clients.Alpha', 2, ALPHA2), rename('projects', 'user.gina.Clients', 'user.gina.Archive.Clients', {user: 'cyrus', 'vnd.cmu.sessionId': ADMIN_SESSION})]);
    expect(names('alpha').map(([, name]) => name)).toEqual(['user.gina.Projects.Alpha', 'user.gina.Clients.Alpha', 'user.gina.Archive.Clients.Alpha']);
    expect(timeline(ALPHA2)).toEqual([
      ['appended', 'gina', SESSION, 'user.gina.Clients.Alpha:2', 'no flags'],
      ['renamed', 'cyrus', ADMIN_SESSION, 'user.gina.Archive.Clients.Alpha:2', 'user.gina.Clients.Alpha -> user.gina.Archive.Clients.Alpha'],
    ]);
  });
});

describe('a rename the record could not apply', () => {
  it('follows the name of a folder it first saw after its parent was renamed (created before bonnie)', async () => {
    await feed(catalog, [
      rename('projects', 'user.gina.Projects', 'user.gina.Clients'),
      // Cyrus' MailboxModseq for the child still carries the old name: the record takes it as it comes...
      modseq('alpha', 'user.gina.Projects.Alpha'),
      // ...and the next event that names the folder tells the name it has now.
      append('alpha', 'user.gina.Clients.Alpha', 7, ALPHA1),
      modseq('alpha', 'user.gina.Projects.Alpha'),
    ]);
    expect(names('user.gina.Clients.Alpha')).toEqual([
      ['first-seen', 'user.gina.Projects.Alpha'],
      ['renamed', 'user.gina.Clients.Alpha'],
    ]);
     // The parent, first seen by its rename, shows it as a rename.
    expect(folderHistory(catalog.db, 'projects').versions.map((v) => [v.change, v.summary])).toEqual([
      ['first-seen', 'first-seen as user.gina.Projects, ACL gina lrswipkxtecdan'],
      ['renamed', 'renamed user.gina.Projects -> user.gina.Clients'],
    ]);
  });

  it('does not follow an event from before a rename that arrives after it back to the old name', async () => {
    await feed(catalog, [create('projects', 'user.gina.Projects'), create('alpha', 'user.gina.Projects.Alpha'), rename('projects', 'user.gina.Projects', 'user.gina.Clients')]);
    const renamedAt = folderHistory(catalog.db, 'alpha').versions.at(-1)?.at as string;
    await feed(catalog, [
      append('alpha', 'user.gina.Projects.Alpha', 1, ALPHA1),
      event('MessageAppend', 'alpha', 'user.gina.Projects.Alpha', {uri: uri('user.gina.Projects.Alpha', 2), 'vnd.cmu.emailid': ALPHA2, timestamp: new Date(Date.parse(renamedAt) - 5).toISOString()}),
    ]);
    expect(names('alpha')).toEqual([
      ['created', 'user.gina.Projects.Alpha'],
      ['renamed', 'user.gina.Clients.Alpha'],
    ]);
  });
});

describe('implicit subtree changes of a whole user', () => {
  it("moves a user's folders with the user (RENAME user.hank user.ivan, allowusermoves) and gives them the new owner", async () => {
    await feed(catalog, [
      create('hank', 'user.hank', {user: 'cyrus'}),
      create('hankA', 'user.hank.A', {user: 'cyrus'}),
      append('hankA', 'user.hank.A', 1, HANK1),
      rename('hank', 'user.hank', 'user.ivan', {user: 'cyrus', 'vnd.cmu.sessionId': ADMIN_SESSION}),
      modseq('hankA', 'user.hank.A'),
      modseq('hankA', 'user.ivan.A'),
    ]);
    expect(names('user.ivan.A')).toEqual([
      ['created', 'user.hank.A'],
      ['renamed', 'user.ivan.A'],
    ]);
    expect(folderHistory(catalog.db, 'hankA').folder).toMatchObject({name: 'user.ivan.A', owner: 'ivan'});
    expect(folderHistory(catalog.db, 'hank').folder).toMatchObject({name: 'user.ivan', owner: 'ivan'});
    expect(timeline(HANK1).at(-1)).toEqual(['renamed', 'cyrus', ADMIN_SESSION, 'user.ivan.A:1', 'user.hank.A -> user.ivan.A']);
  });

  it('keeps the INBOX\'s children in place when the INBOX is renamed (RENAME INBOX INBOX.Old moves its messages only)', async () => {
    await feed(catalog, [create('ginaInbox', 'user.gina'), create('ginaA', 'user.gina.A'), rename('ginaInbox', 'user.gina', 'user.gina.Old')]);
    expect(names('ginaA')).toEqual([['created', 'user.gina.A']]);
  });

  it("deletes a user's folders with the user (DELETE user.jo: one MailboxDelete), and their messages with them", async () => {
    await feed(catalog, [
      create('jo', 'user.jo', {user: 'cyrus'}),
      create('joA', 'user.jo.A', {user: 'cyrus'}),
      create('joAB', 'user.jo.A.B', {user: 'cyrus'}),
      create('john', 'user.john', {user: 'cyrus'}),
      append('joAB', 'user.jo.A.B', 1, JO1),
      event('MailboxDelete', 'jo', 'user.jo', {user: 'cyrus', 'vnd.cmu.sessionId': ADMIN_SESSION}),
      modseq('joA', 'user.jo.A'),
      modseq('joAB', 'user.jo.A.B'),
    ]);
    for (const ref of ['user.jo.A', 'user.jo.A.B']) {
      const h = folderHistory(catalog.db, ref);
      expect(h.folder.deletedAt, ref).not.toBeNull();
      expect(h.versions.at(-1), ref).toMatchObject({change: 'deleted', name: ref});
      expect(h.timeline.at(-1), ref).toMatchObject({action: 'deleted', actor: 'cyrus', sessionId: ADMIN_SESSION, after: {withParent: 'user.jo'}});
    }
    expect(folderHistory(catalog.db, 'user.john').folder.deletedAt).toBeNull();
    expect(messageHistory(catalog.db, parseMessageRef(JO1)).placements).toMatchObject([{ref: 'user.jo.A.B:1', folderDeleted: true, state: 'folder-deleted'}]);
  });
});

describe('virtual domains', () => {
  it('renames the children of a folder whose name carries its domain after it', async () => {
    await feed(catalog, [
      create('d1', 'user.gina.Work@example.com'),
      create('d2', 'user.gina.Work.Q1@example.com'),
      create('d3', 'user.gina.Work.Q1@other.org'),
      rename('d1', 'user.gina.Work@example.com', 'user.gina.Job@example.com'),
    ]);
    expect(names('d2').at(-1)).toEqual(['renamed', 'user.gina.Job.Q1@example.com']);
    expect(names('d3')).toEqual([['created', 'user.gina.Work.Q1@other.org']]);
  });
});
