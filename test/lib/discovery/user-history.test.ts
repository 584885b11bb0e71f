import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../src/lib/catalog/catalog.js';
import {canonicalLogin, NoDirectory, type Directory, type DirectoryPerson} from '../../../src/lib/directory/types.js';
import {renderUserHistory} from '../../../src/lib/discovery/render-history.js';
import {userHistory} from '../../../src/lib/discovery/user-history.js';
import {ALL, feed, specimenRecord} from './record.js';

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

describe('history --user', () => {
  let catalog: Catalog;
  beforeAll(async () => {
    catalog = await specimenRecord();
  });
  afterAll(() => catalog.close());

  it("shows alice's sessions: two IMAP logins and the LMTP deliveries to her", () => {
    const h = userHistory(catalog.db, 'alice');
    expect(h.person).toMatchObject({ref: 'person:2', login: 'alice', key: 'login:alice'});
    expect(h.versions).toMatchObject([{login: 'alice', validTo: null}]);
    expect(h.sessions.map((s) => [s.service, s.state, s.clientIp, s.actionCount])).toEqual([
      ['imap', 'logout', '127.0.0.1', 35],
      ['lmtp', 'no-login', null, 1],
      ['lmtp', 'no-login', null, 1],
      ['lmtpunix', 'no-login', null, 1],
      ['imap', 'logout', '127.0.0.1', 2],
    ]);
    expect(h.sessions[0]).toMatchObject({sessionId: ALICE_SESSION, loginAt: '2026-11-22T11:53:59.610Z', logoutAt: '2026-11-22T11:54:15.901Z', clientPort: 41820, durationSeconds: 16.291});
  });

  it('lists everything she did, Login and Logout included, newest last', () => {
    const h = userHistory(catalog.db, 'Alice ');
    expect(h.timeline[0]).toMatchObject({action: 'login', sessionId: ALICE_SESSION, summary: 'imap from 127.0.0.1 port 41820'});
    expect(h.timeline.at(-1)).toMatchObject({action: 'logout'});
    expect(h.timeline.every((e) => e.actor === 'alice')).toBe(true);
    expect(h.timeline.filter((e) => e.action === 'appended').map((e) => e.placementRef)).toEqual(['user.alice:1', 'user.alice:2', 'user.alice:3', 'user.alice:4', 'user.alice.Old:1']);
    const limited = userHistory(catalog.db, 'alice', {limit: 2});
    expect(limited.timeline.map((e) => e.action)).toEqual(['appended', 'logout']);
    expect([limited.omitted, limited.omittedSessions, limited.sessions.length]).toEqual([h.timeline.length - 2, 3, 2]);
  });

  it('renders versions, sessions and timeline', () => {
    const text = renderUserHistory(userHistory(catalog.db, 'alice'));
    expect(text).toMatch(/^Person alice \(person:2, key login:alice\)/);
    expect(text).toMatch(new RegExp(`^ {2}2026-11-22T11:53:59\\.610Z +logout 2026-11-22T11:54:15\\.901Z +16s +imap +127\\.0\\.0\\.1 port 41820 +35 +${ALICE_SESSION}$`, 'm'));
    expect(text).toMatch(/^ {2}\S+ +no login \(last event \S+\) +0\.0s +lmtp +- +1 +\S+$/m);
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
    expect(byOld.sessions).toHaveLength(5);
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
