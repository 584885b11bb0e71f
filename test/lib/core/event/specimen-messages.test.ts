// Full normalized form of one real specimen per message event type (values written from the JSON files).
import {describe, expect, it} from 'vitest';
import {
  ALICE_ACL,
  ALICE_SESSION,
  INBOX_ID,
  INBOX_VALIDITY,
  blank,
  envelope,
  load,
  ref,
} from './specimen-helpers.js';
import {UidSet} from '../../../../src/lib/core/event/index.js';

describe('normalized message events', () => {
  it('MessageAppend (\\flagged $Important; UID from the URI)', () => {
    expect(load('17-MessageAppend.json')).toStrictEqual({
      ...blank('MessageAppend', 'message'),
      timestamp: '2026-11-22T11:54:03.725Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([2]),
      sessionId: ALICE_SESSION,
      flags: ['\\Flagged', '$Important'],
      acl: ALICE_ACL,
      envelope: envelope('Sun, 22 Nov 2026 11:54:03 -0000', 'Second message', '<Second-message-1795348443680@example.org>'),
      messageIds: ['<Second-message-1795348443680@example.org>'],
      emailId: 'Mb505991248156e00f911ba8c',
      messageSize: 262,
      modseq: 3,
      uidNext: 3,
      messages: 2,
    });
  });

  it('MessageNew (LMTP)', () => {
    expect(load('65-MessageNew.json')).toStrictEqual({
      ...blank('MessageNew', 'message'),
      timestamp: '2026-11-22T11:54:16.437Z',
      user: 'alice',
      service: 'lmtp',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([5]),
      sessionId: 'cyruslab-1795348456-16372-2-362537514055159032',
      acl: ALICE_ACL,
      envelope: envelope('Sun, 22 Nov 2026 11:54:16 -0000', 'Delivered via LMTP', '<Delivered-via-LMTP-1795348456401@example.org>'),
      messageIds: ['<Delivered-via-LMTP-1795348456401@example.org>'],
      emailId: 'M147d4b7fcdbb8617200eeae4',
      messageSize: 545,
      modseq: 21,
      uidNext: 6,
      messages: 2,
    });
  });

  it('MessageRead', () => {
    expect(load('23-MessageRead.json')).toStrictEqual({
      ...blank('MessageRead', 'message'),
      timestamp: '2026-11-22T11:54:06.328Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([1]),
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
      messageIds: ['<First-message-1795348443132@example.org>'],
      modseq: 6,
      uidNext: 5,
      messages: 4,
    });
  });

  it('MessageTrash', () => {
    expect(load('40-MessageTrash.json')).toStrictEqual({
      ...blank('MessageTrash', 'message'),
      timestamp: '2026-11-22T11:54:10.356Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([4]),
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
      messageIds: ['<Fourth-message-1795348444775@example.org>'],
      modseq: 16,
      uidNext: 5,
      messages: 4,
    });
  });

  it('MessageExpunge (uidset "1,4")', () => {
    expect(load('53-MessageExpunge.json')).toStrictEqual({
      ...blank('MessageExpunge', 'message'),
      timestamp: '2026-11-22T11:54:12.372Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([1, 4]),
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
      messageIds: ['<First-message-1795348443132@example.org>', '<Fourth-message-1795348444775@example.org>'],
      modseq: 20,
      uidNext: 5,
      messages: 1,
    });
  });

  it('MessageExpire (cyr_expire, empty user)', () => {
    expect(load('89-MessageExpire.json')).toStrictEqual({
      ...blank('MessageExpire', 'message'),
      timestamp: '2026-11-22T11:54:25.197Z',
      service: 'cyr_expire',
      mailbox: ref('user.alice.Old', 'alice', ['Old'], 1795348464),
      owner: 'alice',
      mailboxId: 'mznp8pk5el51frirx1qi7ovg',
      uids: UidSet.of([1]),
      sessionId: 'cyruslab-1795348465-17390-1-17847213749971209432',
      acl: ALICE_ACL,
      messageIds: ['<Very-old-message-1795348463612@example.org>'],
      modseq: 4,
      uidNext: 2,
      messages: 0,
    });
  });

  it('FlagsSet (uidset 1:3, no modseq)', () => {
    expect(load('35-FlagsSet.json')).toStrictEqual({
      ...blank('FlagsSet', 'message'),
      timestamp: '2026-11-22T11:54:09.349Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([1, 2, 3]),
      sessionId: ALICE_SESSION,
      flags: ['\\Flagged', 'Work'],
      acl: ALICE_ACL,
      messageIds: [
        '<First-message-1795348443132@example.org>',
        '<Second-message-1795348443680@example.org>',
        '<Third-message-1795348444228@example.org>',
      ],
      uidNext: 5,
      messages: 4,
    });
  });

  it('FlagsClear', () => {
    expect(load('32-FlagsClear.json')).toStrictEqual({
      ...blank('FlagsClear', 'message'),
      timestamp: '2026-11-22T11:54:08.844Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      owner: 'alice',
      mailboxId: INBOX_ID,
      uids: UidSet.of([2]),
      sessionId: ALICE_SESSION,
      flags: ['\\Flagged', '$Custom'],
      acl: ALICE_ACL,
      messageIds: ['<Second-message-1795348443680@example.org>'],
      modseq: 11,
      uidNext: 5,
      messages: 4,
    });
  });

  it('vnd.cmu.MessageCopy: destination in uri/uidset, source in oldMailboxID/oldUidset', () => {
    expect(load('45-vnd.cmu.MessageCopy.json')).toStrictEqual({
      ...blank('vnd.cmu.MessageCopy', 'message'),
      timestamp: '2026-11-22T11:54:10.859Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Archive', 'alice', ['Archive'], 1795348441),
      owner: 'alice',
      mailboxId: '8ebtmyxwubx2tgm3yxhzqbcl',
      uids: UidSet.of([1, 2]),
      sourceMailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      sourceUids: UidSet.of([1, 2]),
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
      messageIds: ['<First-message-1795348443132@example.org>', '<Second-message-1795348443680@example.org>'],
      modseq: 3,
      uidNext: 3,
      messages: 2,
    });
  });

  it('vnd.cmu.MessageMove', () => {
    expect(load('47-vnd.cmu.MessageMove.json')).toStrictEqual({
      ...blank('vnd.cmu.MessageMove', 'message'),
      timestamp: '2026-11-22T11:54:11.364Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Work', 'alice', ['Work'], 1795348441),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      uids: UidSet.of([1]),
      sourceMailbox: ref('user.alice', 'alice', [], INBOX_VALIDITY),
      sourceUids: UidSet.of([2]),
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
      messageIds: ['<Second-message-1795348443680@example.org>'],
      modseq: 3,
      uidNext: 2,
      messages: 1,
    });
  });
});
