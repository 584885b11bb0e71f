import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Catalog} from '../../../src/lib/catalog/catalog.js';
import {audit, type AuditRequest} from '../../../src/lib/discovery/audit.js';
import {renderAudit} from '../../../src/lib/discovery/render-audit.js';
import {specimenRecord} from './record.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await specimenRecord();
});
afterAll(() => catalog.close());

const run = (request: Omit<AuditRequest, 'user'> & {user?: string}) => audit(catalog.db, {user: 'alice', ...request});
const services = (request: Parameters<typeof run>[0]) => run(request).sessions.map((s) => s.service);

describe('audit --user', () => {
  it("lists alice's sessions with what was done inside each", () => {
    const a = run({});
    expect(a.person).toMatchObject({login: 'alice', ref: 'person:2'});
    expect(a.range).toEqual({since: null, until: null, ip: null});
    expect(a.sessions.map((s) => [s.service, s.state, s.actions.length, s.omittedActions])).toEqual([
      ['imap', 'logout', 35, 0],
      ['lmtp', 'no-login', 1, 0],
      ['lmtp', 'no-login', 1, 0],
      ['lmtpunix', 'no-login', 1, 0],
      ['imap', 'logout', 2, 0],
    ]);
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
    expect(services({since: '2026-11-22T11:54:16Z'})).toEqual(['lmtp', 'lmtp', 'lmtpunix', 'imap']);
    expect(services({since: '2026-11-22T11:54:16Z', until: '2026-11-22T11:54:20Z'})).toEqual(['lmtp', 'lmtp', 'lmtpunix']);
    expect(services({until: '2026-11-22T11:53:59.610Z'})).toEqual(['imap']);
    expect(services({until: '2026-11-22T11:53:59.609Z'})).toEqual([]);
    // A session is shown whole even when the range cuts through it.
    expect(run({since: '2026-11-22T11:54:15Z'}).sessions[0]?.actions).toHaveLength(35);
    expect(run({since: '2026-11-22T13:54:16+02:00'}).range.since).toBe('2026-11-22T11:54:16.000Z');
    expect(services({since: '2026-11-23'})).toEqual([]);
  });

  it('counts relative bounds back from now', () => {
    const now = new Date('2026-11-22T11:54:30Z');
    expect(run({since: '10s', now}).range.since).toBe('2026-11-22T11:54:20.000Z');
    expect(services({since: '10s', now})).toEqual(['imap']);
    expect(services({since: '7d', until: '13s', now})).toEqual(['imap', 'lmtp', 'lmtp']);
  });

  it('keeps sessions from one client address or block with --ip', () => {
    expect(services({ip: '127.0.0.1'})).toEqual(['imap', 'imap']);
    expect(services({ip: '127.0.0.0/8'})).toEqual(['imap', 'imap']);
    expect(services({ip: '192.0.2.0/24'})).toEqual([]);
    expect(services({ip: '::1'})).toEqual([]);
    expect(run({user: 'bob', ip: '127.0.0.1'}).outside).toEqual([]);
  });

  it("shows what the person did outside their own sessions: bob's quota changes happened in cyrus' sessions", () => {
    const a = run({user: 'bob'});
    expect(a.sessions.map((s) => s.login)).toEqual(['bob']);
    expect(a.outside.map((e) => [e.action, e.actor, e.sessionId])).toEqual([
      ['quota-changed', 'bob', 'cyruslab-1795348437-13829-2-17949097413055983326'],
      ['quota-changed', 'bob', 'cyruslab-1795348459-13829-1-5189652220807415411'],
    ]);
    expect(a.outside[1]?.summary).toBe('user.bob: storage 0 KiB of 20000, 1 messages of no limit');
    expect(run({user: 'bob', since: '2026-11-22T11:54:00Z'}).outside).toHaveLength(1);
  });

  it('keeps the newest under --limit, and counts what it left out', () => {
    const a = run({limit: 2});
    expect(a.sessions.map((s) => s.service)).toEqual(['lmtpunix', 'imap']);
    expect(a.omittedSessions).toBe(3);
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
    expect(text).toMatch(/^ {2}lmtp; first event 2026-11-22T11:54:16\.437Z; no login \(last event 2026-11-22T11:54:16\.438Z\)/m);
    expect(renderAudit(run({ip: '127.0.0.1'}))).toContain('(not shown with --ip: they have no client address)');
  });
});
