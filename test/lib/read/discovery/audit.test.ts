import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {audit, type AuditRequest} from '../../../../src/lib/read/discovery/audit.js';
import {renderAudit} from '../../../../src/lib/read/discovery/render-audit.js';
import {ALL, feed, specimen, specimenRecord} from './record.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await specimenRecord();
});
afterAll(() => catalog.close());

const run = (request: Omit<AuditRequest, 'user'> & {user?: string}) => audit(catalog.db, {user: 'alice', ...request});
const sessionIds = (request: Parameters<typeof run>[0]) => run(request).sessions.map((s) => s.sessionId);
const services = (request: Parameters<typeof run>[0]) => run(request).sessions.map((s) => s.service);

/** Alice's two IMAP sessions, and the admin's second one (SETQUOTA user.bob, RENAME, SETACL). */
const ALICE_1 = 'cyruslab-1795348439-13829-1-5917269359843833131';
const ALICE_2 = 'cyruslab-1795348462-13829-1-10049235046094910769';
const CYRUS_2 = 'cyruslab-1795348459-13829-1-5189652220807415411';

describe('audit --user', () => {
  it("lists alice's sessions with what was done inside each: her IMAP logins, not the deliveries to her", () => {
    const a = run({});
    expect(a.person).toMatchObject({login: 'alice', ref: 'person:2'});
    expect(a.range).toEqual({since: null, until: null, ip: null});
    expect(a.sessions.map((s) => [s.sessionId, s.service, s.state, s.actions.length, s.omittedActions])).toEqual([
      [ALICE_1, 'imap', 'logout', 35, 0],
      [ALICE_2, 'imap', 'logout', 2, 0],
    ]);
    // Three messages were delivered to her mailbox by LMTP: a message arrived, she did nothing.
    expect([...a.sessions.flatMap((s) => s.actions), ...a.outside].filter((e) => e.action === 'delivered')).toEqual([]);
    const first = a.sessions[0];
    expect(first?.actions.slice(0, 3).map((e) => [e.action, e.folder])).toEqual([
      ['created', 'user.alice.Projects'],
      ['created', 'user.alice.Archive'],
      ['created', 'user.alice.Trash'],
    ]);
    expect(first?.actions.some((e) => e.kind === 'session')).toBe(false);
    expect(a.sessions.at(-1)?.actions.map((e) => [e.action, e.placementRef, e.messageRef])).toEqual([
      ['created', null, null],
      ['appended', 'user.alice.Old:1', 'Me88148c975410a6b2003e279'],
    ]);
    expect(a.outside).toEqual([]);
  });

  it('narrows to sessions that overlap --since and --until (inclusive)', () => {
    expect(sessionIds({since: '2026-11-22T11:54:15.901Z'})).toEqual([ALICE_1, ALICE_2]);
    expect(sessionIds({since: '2026-11-22T11:54:15.902Z'})).toEqual([ALICE_2]);
    expect(sessionIds({until: '2026-11-22T11:54:22.608Z'})).toEqual([ALICE_1, ALICE_2]);
    expect(sessionIds({until: '2026-11-22T11:54:22.607Z'})).toEqual([ALICE_1]);
    // Between her sessions only deliveries to her happened: nothing she did.
    expect(sessionIds({since: '2026-11-22T11:54:16Z', until: '2026-11-22T11:54:22Z'})).toEqual([]);
    expect(sessionIds({until: '2026-11-22T11:53:59.610Z'})).toEqual([ALICE_1]);
    expect(sessionIds({until: '2026-11-22T11:53:59.609Z'})).toEqual([]);
    // A session is shown whole even when the range cuts through it.
    expect(run({since: '2026-11-22T11:54:15Z'}).sessions[0]?.actions).toHaveLength(35);
    expect(run({since: '2026-11-22T13:54:16+02:00'}).range.since).toBe('2026-11-22T11:54:16.000Z');
    expect(services({since: '2026-11-23'})).toEqual([]);
  });

  it('counts relative bounds back from now', () => {
    const now = new Date('2026-11-22T11:54:30Z');
    expect(run({since: '10s', now}).range.since).toBe('2026-11-22T11:54:20.000Z');
    expect(sessionIds({since: '10s', now})).toEqual([ALICE_2]);
    expect(sessionIds({since: '7d', until: '13s', now})).toEqual([ALICE_1]);
    expect(sessionIds({since: '7d', until: '7s', now})).toEqual([ALICE_1, ALICE_2]);
  });

  it('keeps sessions from one client address or block with --ip', () => {
    expect(services({ip: '127.0.0.1'})).toEqual(['imap', 'imap']);
    expect(services({ip: '127.0.0.0/8'})).toEqual(['imap', 'imap']);
    expect(services({ip: '192.0.2.0/24'})).toEqual([]);
    expect(services({ip: '::1'})).toEqual([]);
    expect(run({user: 'bob', ip: '127.0.0.1'}).outside).toEqual([]);
  });

  it("shows a quota change as the admin's action in the admin's session, not as the quota root owner's", () => {
    const cyrus = run({user: 'cyrus'});
    expect(cyrus.sessions.map((s) => [s.login, s.actions.map((e) => [e.actor, e.action])])).toEqual([
      [
        'cyrus',
        [
          ['cyrus', 'created'],
          ['cyrus', 'created'],
          ['cyrus', 'quota-changed'],
        ],
      ],
      [
        'cyrus',
        [
          ['cyrus', 'quota-changed'],
          ['cyrus', 'renamed'],
          ['cyrus', 'acl-granted'],
        ],
      ],
      [
        'cyrus',
        [
          ['cyrus', 'acl-granted'],
          ['cyrus', 'deleted'],
        ],
      ],
    ]);
    expect(cyrus.sessions[1]).toMatchObject({sessionId: CYRUS_2, actions: [{summary: 'user.bob: storage 0 KiB of 20000, 1 messages of no limit'}, {}, {}]});
    expect(cyrus.outside).toEqual([]);
    // bob's quota was changed; he did not change it.
    const bob = run({user: 'bob'});
    expect(bob.sessions.map((s) => [s.login, s.actions.map((e) => e.action)])).toEqual([['bob', ['appended']]]);
    expect(bob.outside).toEqual([]);
  });

  it('shows what the person did outside their own sessions: an event Cyrus sent without a session id', async () => {
    const record = openCatalog(':memory:', {create: true});
    try {
      // Specimen 72 is bob's APPEND to his INBOX, inside his IMAP session.
      await feed(record, [...ALL.filter((n) => n !== 72), specimen(72, (e) => delete e['vnd.cmu.sessionId'])]);
      const a = audit(record.db, {user: 'bob'});
      expect(a.sessions.map((s) => [s.login, s.actionCount, s.actions])).toEqual([['bob', 0, []]]);
      expect(a.outside.map((e) => [e.actor, e.action, e.placementRef, e.sessionId])).toEqual([['bob', 'appended', 'user.bob:1', null]]);
      expect(audit(record.db, {user: 'bob', since: '2026-11-22T11:54:18.538Z'}).outside).toHaveLength(1);
      expect(audit(record.db, {user: 'bob', since: '2026-11-22T11:54:18.539Z'}).outside).toEqual([]);
      expect(audit(record.db, {user: 'bob', ip: '127.0.0.1'}).outside).toEqual([]);
      expect(renderAudit(audit(record.db, {user: 'bob'}))).toMatch(/^1 session\(s\), 1 action\(s\) outside them$/m);
    } finally {
      record.close();
    }
  });

  it('keeps the newest under --limit, and counts what it left out', () => {
    const a = run({limit: 1});
    expect(a.sessions.map((s) => s.sessionId)).toEqual([ALICE_2]);
    expect(a.omittedSessions).toBe(1);
    expect(renderAudit(a)).toMatch(/^2 session\(s\), 0 action\(s\) outside them$/m);
    const b = run({limit: 3, until: '2026-11-22T11:54:16Z'});
    expect(b.sessions[0]?.actions.map((e) => e.action)).toEqual(['acl-revoked', 'acl-revoked', 'deleted']);
    expect(b.sessions[0]?.omittedActions).toBe(32);
    expect(renderAudit(b)).toContain('    (32 older actions not shown: raise --limit)');
  });

  it('refuses bad bounds as usage errors', () => {
    for (const request of [{since: 'yesterday'}, {until: '2026-13-45'}, {ip: '10.0.0.0/33'}, {ip: 'example.org'}, {since: '2026-11-23', until: '2026-11-22'}]) {
      expect(() => run(request), JSON.stringify(request)).toThrow(expect.objectContaining({code: 'UsageInvalid', exit: 2}));
    }
    expect(() => run({user: 'nobody'})).toThrow(expect.objectContaining({code: 'UserUnknown', exit: 1}));
  });

  it('renders each session with its end, duration, client and actions', () => {
    const text = renderAudit(run({}));
    expect(text).toMatch(/^Audit of alice \(person:2\) from the beginning to now$/m);
    expect(text).toMatch(/^Session cyruslab-1795348439-13829-1-5917269359843833131\n {2}imap from 127\.0\.0\.1 port 41820; login 2026-11-22T11:53:59\.610Z; logout 2026-11-22T11:54:15\.901Z; 16s; 35 action\(s\)$/m);
    expect(text).toMatch(/^ {4}2026-11-22T11:54:11\.364Z +alice +moved +user\.alice\.Work:1 +Mb505991248156e00f911ba8c +user\.alice:2 -> user\.alice\.Work:1$/m);
    expect(text).toMatch(/^2 session\(s\), 0 action\(s\) outside them$/m);
    expect(text).not.toMatch(/lmtp|delivered/);
    expect(renderAudit(run({user: 'cyrus'}))).toMatch(
      new RegExp(`^Session ${CYRUS_2}\n(?: {2}.*\n)+? {4}2026-11-22T11:54:20\\.048Z +cyrus +quota-changed +- +- +user\\.bob: storage 0 KiB of 20000, 1 messages of no limit$`, 'm'),
    );
    expect(renderAudit(run({ip: '127.0.0.1'}))).toContain('(not shown with --ip: they have no client address)');
  });
});
