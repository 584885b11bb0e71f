import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {canonicalLogin, NoDirectory, type Directory, type DirectoryPerson} from '../../../../src/lib/sources/directory/types.js';
import {folderHistory} from '../../../../src/lib/read/discovery/folder-history.js';
import {messageHistory} from '../../../../src/lib/read/discovery/message-history.js';
import {parseMessageRef} from '../../../../src/lib/read/discovery/refs.js';
import {renderFolderHistory, renderUserHistory} from '../../../../src/lib/read/discovery/render-history.js';
import {userHistory} from '../../../../src/lib/read/discovery/user-history.js';
import {ALL, ARCHIVE, feed, INBOX, specimenRecord} from './record.js';

/** A directory that knows only the people given (by login). */
class FixedDirectory implements Directory {
  readonly description = 'fixed';
  constructor(private readonly people: Record<string, Partial<DirectoryPerson> & {id: string}>) {}
  async lookUp(login: string): Promise<DirectoryPerson | undefined> {
    const person = this.people[canonicalLogin(login)];
    return person === undefined ? undefined : {dn: undefined, uid: canonicalLogin(login), mail: undefined, aliases: [], cn: undefined, groups: [], ...person};
  }
  async close(): Promise<void> {}
}

const ALICE_SESSION = 'cyruslab-1795348439-13829-1-5917269359843833131';
const ALICE_SESSION_2 = 'cyruslab-1795348462-13829-1-10049235046094910769';

describe('history --user', () => {
  let catalog: Catalog;
  beforeAll(async () => {
    catalog = await specimenRecord();
  });
  afterAll(() => catalog.close());

  it("shows alice's sessions: her two IMAP logins, not the LMTP deliveries to her", () => {
    const h = userHistory(catalog.db, 'alice');
    expect(h.person).toMatchObject({ref: 'person:2', login: 'alice', key: 'login:alice'});
    expect(h.versions).toMatchObject([{login: 'alice', validTo: null}]);
    expect(h.sessions.map((s) => [s.sessionId, s.service, s.state, s.clientIp, s.actionCount])).toEqual([
      [ALICE_SESSION, 'imap', 'logout', '127.0.0.1', 35],
      [ALICE_SESSION_2, 'imap', 'logout', '127.0.0.1', 2],
    ]);
    expect(h.sessions[0]).toMatchObject({sessionId: ALICE_SESSION, loginAt: '2026-11-22T11:53:59.610Z', logoutAt: '2026-11-22T11:54:15.901Z', clientPort: 41820, durationSeconds: 16.291});
  });

  it('lists everything she did, Login and Logout included, newest last', () => {
    const h = userHistory(catalog.db, 'Alice ');
    expect(h.timeline[0]).toMatchObject({action: 'login', sessionId: ALICE_SESSION, summary: 'imap from 127.0.0.1 port 41820'});
    expect(h.timeline.at(-1)).toMatchObject({action: 'logout'});
    expect(h.timeline.every((e) => e.actor === 'alice')).toBe(true);
    expect(h.timeline.filter((e) => e.action === 'appended').map((e) => e.placementRef)).toEqual(['user.alice:1', 'user.alice:2', 'user.alice:3', 'user.alice:4', 'user.alice.Old:1']);
    expect(new Set(h.timeline.map((e) => e.sessionId))).toEqual(new Set([ALICE_SESSION, ALICE_SESSION_2]));
    const limited = userHistory(catalog.db, 'alice', {limit: 2});
    expect(limited.timeline.map((e) => e.action)).toEqual(['appended', 'logout']);
    expect([limited.omitted, limited.omittedSessions, limited.sessions.length]).toEqual([h.timeline.length - 2, 0, 2]);
    const one = userHistory(catalog.db, 'alice', {limit: 1});
    expect([one.omittedSessions, one.sessions.map((s) => s.sessionId)]).toEqual([1, [ALICE_SESSION_2]]);
  });

  it("shows a delivery to alice in her folders' and the message's history, with no actor, and not as her action", () => {
    expect(userHistory(catalog.db, 'alice').timeline.filter((e) => e.action === 'delivered')).toEqual([]);
    // LMTP to alice and to alice+Work (no 'p' right) land in her INBOX; cyrdeliver -m Archive in user.alice.Archive.
    const inbox = folderHistory(catalog.db, INBOX).timeline.filter((e) => e.action === 'delivered');
    expect(inbox.map((e) => [e.actor, e.actorPersonId, e.placementRef, e.at])).toEqual([
      [null, null, 'user.alice:5', '2026-11-22T11:54:16.437Z'],
      [null, null, 'user.alice:6', '2026-11-22T11:54:16.945Z'],
    ]);
    expect(folderHistory(catalog.db, ARCHIVE).timeline.filter((e) => e.action === 'delivered').map((e) => [e.actor, e.placementRef])).toEqual([[null, 'user.alice.Archive:3']]);
    expect(renderFolderHistory(folderHistory(catalog.db, INBOX))).toMatch(/^ {2}2026-11-22T11:54:16\.437Z +- +delivered +user\.alice:5 +\S+ +cyruslab-\S+ +no flags$/m);
    const message = messageHistory(catalog.db, parseMessageRef('user.alice:5'));
    expect(message.placements.map((p) => [p.ref, p.origin])).toEqual([['user.alice:5', 'delivered']]);
    expect(message.timeline.map((e) => [e.action, e.actor])).toEqual([['delivered', null]]);
  });

  it('renders versions, sessions and timeline', () => {
    const text = renderUserHistory(userHistory(catalog.db, 'alice'));
    expect(text).toMatch(/^Person alice \(person:2, key login:alice\)/);
    expect(text).toMatch(new RegExp(`^ {2}2026-11-22T11:53:59\\.610Z +logout 2026-11-22T11:54:15\\.901Z +16s +imap +127\\.0\\.0\\.1 port 41820 +35 +${ALICE_SESSION}$`, 'm'));
    expect(text).toMatch(new RegExp(`^ {2}2026-11-22T11:54:22\\.608Z +logout 2026-11-22T11:54:24\\.664Z +2\\.1s +imap +127\\.0\\.0\\.1 port 37240 +2 +${ALICE_SESSION_2}$`, 'm'));
    expect(text).not.toMatch(/lmtp|no login|delivered/);
  });
});

describe('finding a person by any name they had', () => {
  it('finds one person by an address or alias of an earlier or later version, and shows the versions', async () => {
    const catalog = openCatalog(':memory:', {create: true});
    await feed(catalog, ALL.slice(0, 40), new FixedDirectory({alice: {id: 'uuid-alice', mail: 'alice@example.org', groups: ['staff']}}));
    await feed(catalog, ALL.slice(40), new FixedDirectory({alice: {id: 'uuid-alice', mail: 'alice.smith@example.org', aliases: ['a.smith@example.org'], groups: ['legal', 'staff']}}));
    const byOld = userHistory(catalog.db, 'alice@example.org');
    expect(userHistory(catalog.db, 'A.Smith@example.org').person).toEqual(byOld.person);
    expect(userHistory(catalog.db, byOld.person.ref).person).toEqual(byOld.person);
    expect(userHistory(catalog.db, 'uuid-alice').person).toEqual(byOld.person);
    expect(byOld.versions.map((v) => [v.mail, v.aliases, v.groups])).toEqual([
      ['alice@example.org', [], ['staff']],
      ['alice.smith@example.org', ['a.smith@example.org'], ['legal', 'staff']],
    ]);
    expect(byOld.sessions.map((s) => s.service)).toEqual(['imap', 'imap']);
    catalog.close();
  });

  it('asks to choose when a login belonged to several people (exit 2), and takes person:<n>', async () => {
    const catalog = openCatalog(':memory:', {create: true});
    await feed(catalog, ALL.slice(0, 40), new NoDirectory());
    await feed(catalog, ALL.slice(40), new FixedDirectory({alice: {id: 'uuid-alice'}}));
    expect(() => userHistory(catalog.db, 'alice')).toThrow(
      expect.objectContaining({code: 'UserAmbiguous', exit: 2, message: expect.stringMatching(/^ {2}person:2 +now alice.*\(login:alice\)$\n^ {2}person:4 +now alice.*\(uuid-alice\)$/m)}),
    );
    expect(userHistory(catalog.db, 'person:4').person.key).toBe('uuid-alice');
    catalog.close();
  });

  it('reports someone never seen (exit 1) with a hint', async () => {
    const catalog = await specimenRecord();
    expect(() => userHistory(catalog.db, 'zed')).toThrow(expect.objectContaining({code: 'UserUnknown', exit: 1, hint: expect.stringMatching(/login, address or alias/)}));
    expect(() => userHistory(catalog.db, 'person:99')).toThrow(expect.objectContaining({code: 'UserUnknown'}));
    catalog.close();
  });
});
