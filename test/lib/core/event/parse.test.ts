import {describe, expect, it} from 'vitest';
import {EVENT_TYPES, UidSet, normalizeEvent, parseNotification} from '../../../../src/lib/core/event/index.js';
import type {BonnieEvent} from '../../../../src/lib/core/event/index.js';

function parse(json: Record<string, unknown>): BonnieEvent {
  const result = parseNotification(JSON.stringify(json));
  if (!result.ok) throw new Error(result.error);
  return result.event;
}

describe('parseNotification: fatal cases', () => {
  it.each([
    ['not JSON', '{"event": "Login"', 'not JSON'],
    ['empty text', '', 'not JSON'],
    ['an array', '[{"event":"Login"}]', 'not a JSON object but an array'],
    ['null', 'null', 'not a JSON object but null'],
    ['a string', '"Login"', 'not a JSON object but a string'],
    ['no event', '{"uri":"imap://h"}', 'has no "event" member'],
    ['empty event', '{"event":""}', '"event" is not a non-empty string'],
    ['numeric event', '{"event":42}', '"event" is not a non-empty string'],
  ])('fails on %s', (_what, text, message) => {
    const result = parseNotification(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(message);
    expect(result.ok ? '' : result.error).not.toContain('\n');
  });

  it('accepts the trailing newline Cyrus writes', () => {
    expect(parseNotification('{"event":"Login","uri":"imap://h"}\n').ok).toBe(true);
  });

  it('normalizeEvent applies the same rules to decoded JSON', () => {
    expect(normalizeEvent([1])).toMatchObject({ok: false});
    expect(normalizeEvent({event: 'Logout'})).toMatchObject({ok: true, event: {type: 'Logout', category: 'session'}});
  });
});

describe('parseNotification: types and categories', () => {
  it('keeps an unknown type with known:false and category other, without a warning', () => {
    const event = parse({event: 'vnd.example.Thing', uri: 'imap://h/user.alice;UIDVALIDITY=1', uidset: '2'});
    expect(event).toMatchObject({type: 'vnd.example.Thing', known: false, category: 'other', owner: 'alice', uids: UidSet.of([2])});
    expect(event.warnings).toEqual([]);
  });

  it('is case-sensitive about type names', () => {
    expect(parse({event: 'login'})).toMatchObject({known: false, category: 'other'});
  });

  it.each([
    ['MessageAppend', 'message'],
    ['FlagsClear', 'message'],
    ['vnd.cmu.MessageMove', 'message'],
    ['MailboxUnSubscribe', 'mailbox'],
    ['AclChange', 'mailbox'],
    ['Login', 'session'],
    ['QuotaExceed', 'quota'],
    ['QuotaWithin', 'quota'],
    ['CalendarAlarm', 'other'],
    ['ApplePushService', 'other'],
  ])('puts %s in %s', (type, category) => {
    expect(parse({event: type})).toMatchObject({known: true, category});
  });

  it('knows every listed type', () => {
    for (const type of EVENT_TYPES) expect(parse({event: type}).known).toBe(true);
  });
});

describe('parseNotification: odd fields become warnings, the event is kept', () => {
  it('bad uri', () => {
    const event = parse({event: 'MessageRead', uri: 'imap://h/user.alice.%E2%28', uidset: '1'});
    expect(event.mailbox).toBeUndefined();
    expect(event.owner).toBeUndefined();
    expect([...event.uids]).toEqual([1]);
    expect(event.warnings).toEqual([expect.stringMatching(/^uri: invalid URI .*percent-encoding/)]);
  });

  it('bad uidset', () => {
    const event = parse({event: 'FlagsSet', uri: 'imap://h/user.alice;UIDVALIDITY=1', uidset: '1:*', flagNames: '\\Seen'});
    expect(event).toMatchObject({uids: UidSet.EMPTY, flags: ['\\Seen'], owner: 'alice'});
    expect(event.warnings).toEqual([expect.stringMatching(/^uidset: invalid sequence set "1:\*"/)]);
  });

  it('huge but valid uidset: kept as one range, never expanded, no warning', () => {
    const event = parse({event: 'vnd.cmu.MessageCopy', uidset: '1:4294967295', 'vnd.cmu.oldUidset': '4294967295:1'});
    expect({size: event.uids.size, first: event.uids.first, last: event.uids.last, text: String(event.uids)}).toEqual({size: 4294967295, first: 1, last: 4294967295, text: '1:4294967295'});
    expect(String(event.sourceUids)).toBe(String(event.uids)); // not toEqual: it would iterate both sets
    expect(event.warnings).toEqual([]);
  });

  it.each([
    ['yesterday', 'yesterday'],
    ['a 13th month', '2026-13-01T10:00:00Z'],
    ['February 30', '2026-02-30T10:00:00Z'],
    ['no time zone', '2026-11-22T11:53:57'],
    ['a date only', '2026-11-22'],
    ['hour 24', '2026-11-22T24:00:00Z'],
  ])('timestamp that is not an RFC 3339 date-time (%s): warned, undefined', (_name, timestamp) => {
    const event = parse({event: 'MessageRead', timestamp, uri: 'imap://h/user.alice;UIDVALIDITY=1', uidset: '1'});
    expect(event.timestamp).toBeUndefined();
    expect(event.warnings).toEqual([`timestamp: "${timestamp}" is not an RFC 3339 date-time; the time it was received is used`]);
    expect([...event.uids]).toEqual([1]);
  });

  it.each([
    ['2026-11-22T11:53:57.094Z', '2026-11-22T11:53:57.094Z'],
    ['2026-11-22T11:53:57+01:00', '2026-11-22T10:53:57.000Z'],
    ['2024-02-29t23:59:59.5z', '2024-02-29T23:59:59.500Z'],
    ['2026-11-22T11:53:57.094999-00:30', '2026-11-22T12:23:57.094Z'],
  ])('normalizes the valid timestamp %s to UTC with milliseconds (%s), one spelling per instant', (timestamp, normalized) => {
    const event = parse({event: 'Login', timestamp});
    expect(event.timestamp).toBe(normalized);
    expect(event.warnings).toEqual([]);
  });

  it('bad envelope and ACL', () => {
    const event = parse({event: 'MessageNew', 'vnd.cmu.envelope': '(NIL', 'vnd.cmu.mailboxACL': 'alice\t'});
    expect(event.envelope).toBeUndefined();
    expect(event.acl).toBeUndefined();
    expect(event.warnings).toHaveLength(2);
    expect(event.warnings).toContainEqual(expect.stringMatching(/^vnd\.cmu\.mailboxACL: /));
    expect(event.warnings).toContainEqual(expect.stringMatching(/^vnd\.cmu\.envelope: invalid envelope/));
  });

  it('wrong member types', () => {
    const event = parse({
      event: 'MessageAppend',
      timestamp: 12,
      user: null,
      modseq: '7',
      messageSize: 1.5,
      clientPort: 'x',
      'vnd.cmu.midset': '<a@b>',
      flagNames: ['\\Seen'],
    });
    expect(event).toMatchObject({timestamp: undefined, user: undefined, modseq: undefined, messageSize: undefined});
    expect(event.messageIds).toEqual([]);
    expect(event.flags).toEqual([]);
    // One warning per odd member; their order is not a contract.
    expect([...event.warnings].sort()).toEqual([
      'clientPort: expected an integer, got a string',
      'flagNames: expected a string, got an array',
      'messageSize: expected an integer, got the number 1.5',
      'modseq: expected an integer, got a string',
      'timestamp: expected a string, got the number 12',
      'user: expected a string, got null',
      'vnd.cmu.midset: expected an array of strings, got a string',
    ]);
  });

  it('source and destination UID counts that differ', () => {
    const event = parse({
      event: 'vnd.cmu.MessageCopy',
      oldMailboxID: 'imap://h/user.alice;UIDVALIDITY=1',
      'vnd.cmu.oldUidset': '1:3',
      uri: 'imap://h/user.alice.Archive;UIDVALIDITY=2',
      uidset: '1:2',
    });
    expect(event).toMatchObject({uids: UidSet.of([1, 2]), sourceUids: UidSet.of([1, 2, 3]), sourceMailbox: {name: 'user.alice'}});
    expect(event.warnings).toEqual(['vnd.cmu.oldUidset: 3 source UIDs for 2 UIDs in uidset']);
  });

  it('an oldMailboxID that is not a URL on a copy', () => {
    const event = parse({event: 'vnd.cmu.MessageMove', oldMailboxID: '76yzkoa5vpplgcimbgeofaee'});
    expect(event.sourceMailbox).toBeUndefined();
    expect(event.warnings).toEqual([expect.stringMatching(/^oldMailboxID: invalid URI .*not an imap:\/\/ URL/)]);
  });
});

describe('parseNotification: mapping details', () => {
  it('prefers uidset over the URI UID', () => {
    expect(parse({event: 'MessageAppend', uri: 'imap://h/user.a;UIDVALIDITY=1/;UID=9', uidset: '3'}).uids).toEqual(UidSet.of([3]));
    expect(parse({event: 'MessageAppend', uri: 'imap://h/user.a;UIDVALIDITY=1/;UID=9'}).uids).toEqual(UidSet.of([9]));
  });

  it('takes the owner from a domain mailbox, not from user', () => {
    const event = parse({event: 'MessageNew', user: '', uri: 'imap://h/user.alice.Sent%40example.com;UIDVALIDITY=4/;UID=2'});
    expect(event).toMatchObject({user: undefined, owner: 'alice@example.com', uids: UidSet.of([2])});
    expect(event.mailbox).toMatchObject({domain: 'example.com', path: ['Sent']});
  });

  it('passes the separator hint through', () => {
    const event = parseNotification('{"event":"MailboxCreate","uri":"imap://h/Sales.2024"}', {separator: '/'});
    expect(event).toMatchObject({ok: true, event: {mailbox: {separator: '/', path: ['Sales.2024']}}});
  });
});
