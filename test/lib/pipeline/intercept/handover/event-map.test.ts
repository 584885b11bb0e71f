// Cyrus events -> ETSI e-mail IRI/CC records, on the real Cyrus 3.6 specimens (../shared/cyrus/specimens).
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {parseNotification} from '../../../../../src/lib/core/event/index.js';
import type {BonnieEvent} from '../../../../../src/lib/core/event/index.js';
import {EMAIL_EVENT, EMAIL_PROTOCOL, mapEvent} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import type {SessionEndpoints, WatchedIntercept} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import {MAX_UIDS_PER_EVENT} from '../../../../../src/lib/pipeline/intercept/handover/event-map.js';
import {ALICE_SESSION, INBOX_ID, load, SPECIMENS} from '../../../core/event/specimen-helpers.js';

const DAY = 86_400_000;
const SPECIMEN_DAY = Date.parse('2026-11-22T00:00:00Z');

/** Alice's warrant, in force the whole day of the specimens. */
const ALICE: WatchedIntercept = {
  liid: 'LIID-ALICE',
  start: SPECIMEN_DAY,
  end: SPECIMEN_DAY + DAY,
  targets: [{given: 'alice', personId: 'login:alice', login: 'alice', addresses: ['alice@imap.lab.test']}],
};
const BOB: WatchedIntercept = {...ALICE, liid: 'LIID-BOB', targets: [{given: 'bob', personId: 'login:bob', login: 'bob', addresses: ['bob@imap.lab.test']}]};

/** A specimen with some of its JSON fields changed (for cases Cyrus sent but the specimens lack). */
function variant(file: string, change: Record<string, unknown>): BonnieEvent {
  const json = {...(JSON.parse(readFileSync(new URL(file, SPECIMENS), 'utf8')) as Record<string, unknown>), ...change};
  const result = parseNotification(JSON.stringify(json));
  if (!result.ok) throw new Error(result.error);
  return result.event;
}

const aliceSession = (id: string): SessionEndpoints | undefined =>
  id === ALICE_SESSION ? {clientAddress: '127.0.0.1', clientPort: 41820, serverAddress: '127.0.0.1', serverPort: 11143} : undefined;

describe('mapEvent on the Cyrus specimens', () => {
  it('Login -> e-mail-logon with both endpoints from the event', () => {
    expect(mapEvent(load('06-Login.json'), [ALICE])).toStrictEqual([{
      kind: 'iri', liid: 'LIID-ALICE', at: Date.parse('2026-11-22T11:53:59.610Z'), eventType: EMAIL_EVENT.logon, protocol: EMAIL_PROTOCOL.imap4,
      clientAddress: '127.0.0.1', clientPort: 41820, serverAddress: '127.0.0.1', serverPort: 11143, status: 'succeeded',
    }]);
  });

  it('Logout -> e-mail-logoff', () => {
    const [record] = mapEvent(load('63-Logout.json'), [ALICE]);
    expect(record).toMatchObject({kind: 'iri', eventType: EMAIL_EVENT.logoff, clientPort: 41820, at: Date.parse('2026-11-22T11:54:15.901Z')});
  });

  it('an admin login (cyrus) concerns no target', () => {
    expect(mapEvent(load('01-Login.json'), [ALICE, BOB])).toStrictEqual([]);
  });

  it('MessageNew by LMTP -> e-mail-receive over SMTP, then the CC of the delivered message, to the target', () => {
    const records = mapEvent(load('65-MessageNew.json'), [ALICE]);
    const at = Date.parse('2026-11-22T11:54:16.437Z');
    expect(records).toStrictEqual([
      {
        kind: 'iri', liid: 'LIID-ALICE', at, eventType: EMAIL_EVENT.receive, protocol: EMAIL_PROTOCOL.smtp, status: 'succeeded',
        mailbox: 'user.alice', uid: 5, messageId: '<Delivered-via-LMTP-1795348456401@example.org>',
        sender: 'carol@example.org', recipients: ['alice@imap.lab.test'],
      },
      {
        kind: 'cc', liid: 'LIID-ALICE', at, eventType: EMAIL_EVENT.receive, protocol: EMAIL_PROTOCOL.smtp,
        messageRef: {mailbox: 'user.alice', mailboxId: INBOX_ID, uid: 5}, direction: 'toTarget',
      },
    ]);
  });

  it('MessageAppend to INBOX -> e-mail-upload + CC from the target, endpoints joined by session id', () => {
    const records = mapEvent(load('15-MessageAppend.json'), [ALICE], {session: aliceSession});
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({kind: 'iri', eventType: EMAIL_EVENT.upload, protocol: EMAIL_PROTOCOL.imap4, uid: 1, clientAddress: '127.0.0.1', clientPort: 41820, serverPort: 11143, messageId: '<First-message-1795348443132@example.org>'});
    expect(records[1]).toMatchObject({kind: 'cc', eventType: EMAIL_EVENT.upload, direction: 'fromTarget', messageRef: {mailbox: 'user.alice', uid: 1}});
  });

  it('MessageAppend to a Sent folder (any case) -> e-mail-send + CC from the target', () => {
    const sent = variant('15-MessageAppend.json', {uri: 'imap://imap.lab.test/user.alice.sent;UIDVALIDITY=1795348440/;UID=7'});
    const records = mapEvent(sent, [ALICE]);
    expect(records.map((r) => [r.kind, r.eventType])).toStrictEqual([['iri', EMAIL_EVENT.send], ['cc', EMAIL_EVENT.send]]);
    expect(records[0]).toMatchObject({mailbox: 'user.alice.sent', uid: 7, sender: 'carol@example.org'});
    expect(records[1]).toMatchObject({direction: 'fromTarget'});
    // The site's own Sent name.
    const gesendet = variant('15-MessageAppend.json', {uri: 'imap://imap.lab.test/user.alice.Gesendet;UIDVALIDITY=1795348440/;UID=7'});
    expect(mapEvent(gesendet, [ALICE], {sentFolders: ['Gesendet']})[0]).toMatchObject({eventType: EMAIL_EVENT.send});
    expect(mapEvent(gesendet, [ALICE])[0]).toMatchObject({eventType: EMAIL_EVENT.upload});
  });

  it('MessageRead (FETCH BODY[]) -> e-mail-download, no CC', () => {
    expect(mapEvent(load('23-MessageRead.json'), [ALICE])).toStrictEqual([{
      kind: 'iri', liid: 'LIID-ALICE', at: Date.parse('2026-11-22T11:54:06.328Z'), eventType: EMAIL_EVENT.download, protocol: EMAIL_PROTOCOL.imap4,
      status: 'succeeded', mailbox: 'user.alice', uid: 1, messageId: '<First-message-1795348443132@example.org>',
    }]);
  });

  it('MessageRead over 1:3 -> one download per UID, each with its Message-ID from midset', () => {
    const records = mapEvent(load('34-MessageRead.json'), [ALICE]);
    expect(records.map((r) => r.kind === 'iri' && [r.uid, r.messageId])).toStrictEqual([
      [1, '<First-message-1795348443132@example.org>'],
      [2, '<Second-message-1795348443680@example.org>'],
      [3, '<Third-message-1795348444228@example.org>'],
    ]);
  });

  it('a read over a huge range is cut at MAX_UIDS_PER_EVENT', () => {
    const huge = variant('34-MessageRead.json', {uidset: '1:50000', 'vnd.cmu.midset': []});
    expect(mapEvent(huge, [ALICE])).toHaveLength(MAX_UIDS_PER_EVENT);
  });

  it('a non-target\'s activity produces nothing; the target\'s goes to the target\'s intercept only', () => {
    expect(mapEvent(load('72-MessageAppend.json'), [ALICE])).toStrictEqual([]);
    expect(mapEvent(load('72-MessageAppend.json'), [ALICE, BOB]).map((r) => r.liid)).toStrictEqual(['LIID-BOB', 'LIID-BOB']);
  });

  it('events with no e-mail event map to nothing (flags, copy, move, expunge, folders, ACL, quota)', () => {
    for (const file of ['26-FlagsSet.json', '30-FlagsClear.json', '40-MessageTrash.json', '45-vnd.cmu.MessageCopy.json', '47-vnd.cmu.MessageMove.json', '53-MessageExpunge.json', '07-MailboxCreate.json', '13-MailboxRename.json', '55-AclChange.json', '14-MailboxModseq.json']) {
      expect(mapEvent(load(file), [ALICE]), file).toStrictEqual([]);
    }
  });

  it('nothing before the start, at or after the end, or after an early end', () => {
    const at = Date.parse('2026-11-22T11:53:59.610Z');
    const login = load('06-Login.json');
    expect(mapEvent(login, [{...ALICE, start: at + 1}])).toStrictEqual([]);
    expect(mapEvent(login, [{...ALICE, start: at}])).toHaveLength(1);
    expect(mapEvent(login, [{...ALICE, end: at}])).toStrictEqual([]);
    expect(mapEvent(login, [{...ALICE, endedAt: at - 1}])).toStrictEqual([]);
    expect(mapEvent(login, [{...ALICE, endedAt: null}])).toHaveLength(1);
  });

  it('two intercepts on the same person each get the records, under their own LIID', () => {
    const records = mapEvent(load('65-MessageNew.json'), [ALICE, {...ALICE, liid: 'LIID-2'}]);
    expect(records.map((r) => `${r.liid} ${r.kind}`)).toStrictEqual(['LIID-ALICE iri', 'LIID-ALICE cc', 'LIID-2 iri', 'LIID-2 cc']);
  });

  it('a delivery to a shared folder concerns the target by the addresses it was sent to', () => {
    const shared = variant('65-MessageNew.json', {uri: 'imap://imap.lab.test/shared.Sales;UIDVALIDITY=1795348500/;UID=3', user: ''});
    const records = mapEvent(shared, [ALICE]);
    expect(records.map((r) => r.kind)).toStrictEqual(['iri', 'cc']);
    expect(records[1]).toMatchObject({messageRef: {mailbox: 'shared.Sales', uid: 3}});
    expect(mapEvent(shared, [BOB])).toStrictEqual([]);
  });

  it('a virtual-domain login is matched through the target\'s addresses', () => {
    const login = variant('06-Login.json', {user: 'Alice@imap.lab.test'});
    expect(mapEvent(login, [ALICE])).toHaveLength(1);
  });

  it('an event without a timestamp uses the time it was received, and says so when not given one', () => {
    const login = variant('06-Login.json', {timestamp: undefined});
    expect(() => mapEvent(login, [ALICE])).toThrow(/receivedAt/);
    expect(mapEvent(login, [ALICE], {receivedAt: SPECIMEN_DAY + 5})[0]).toMatchObject({at: SPECIMEN_DAY + 5});
  });
});

describe('mapEvent: whose act it is', () => {
  it('someone else marking the target\'s message \\Seen is not a download by the target', () => {
    const byAdmin = variant('23-MessageRead.json', {user: 'cyrus'});
    expect(mapEvent(byAdmin, [ALICE])).toStrictEqual([]);
  });

  it('the target reading a folder shared by someone else is a download by the target', () => {
    const inBobs = variant('23-MessageRead.json', {uri: 'imap://imap.lab.test/user.bob.Shared;UIDVALIDITY=1795348439'});
    expect(mapEvent(inBobs, [ALICE])[0]).toMatchObject({eventType: EMAIL_EVENT.download, mailbox: 'user.bob.Shared'});
    expect(mapEvent(inBobs, [BOB])).toStrictEqual([]);
  });

  it('an append into the target\'s mailbox by someone else is an upload of unknown direction', () => {
    const byBob = variant('15-MessageAppend.json', {user: 'bob'});
    const records = mapEvent(byBob, [ALICE]);
    expect(records[0]).toMatchObject({eventType: EMAIL_EVENT.upload});
    expect(records[1]).toMatchObject({direction: 'indeterminate'});
  });
});

describe('mapEvent: events missing a part', () => {
  it('a delivery without a UID still gives its IRI, without a CC', () => {
    const noUid = variant('65-MessageNew.json', {uri: 'imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438'});
    const records = mapEvent(noUid, [ALICE]);
    expect(records.map((r) => r.kind)).toStrictEqual(['iri']);
    expect(records[0]).toMatchObject({eventType: EMAIL_EVENT.receive, messageId: '<Delivered-via-LMTP-1795348456401@example.org>'});
    expect(records[0]).not.toHaveProperty('uid');
  });
});
