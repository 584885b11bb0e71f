// Full normalized form of one real specimen per session, mailbox and quota event type (values from the JSON files).
import {describe, expect, it} from 'vitest';
import {
  ADMIN_SESSION,
  ALICE_ACL,
  ALICE_SESSION,
  INBOX_ID,
  blank,
  load,
  ref,
} from './specimen-helpers.js';

describe('normalized session, mailbox and quota events', () => {
  it('Login', () => {
    expect(load('01-Login.json')).toStrictEqual({
      ...blank('Login', 'session'),
      timestamp: '2026-11-22T11:53:57.094Z',
      user: 'cyrus',
      service: 'imap',
      sessionId: ADMIN_SESSION,
      clientIp: '127.0.0.1',
      clientPort: 41694,
      serverIp: '127.0.0.1',
      serverPort: 11143,
    });
  });

  it('Logout', () => {
    expect(load('63-Logout.json')).toStrictEqual({
      ...blank('Logout', 'session'),
      timestamp: '2026-11-22T11:54:15.901Z',
      user: 'alice',
      service: 'imap',
      sessionId: ALICE_SESSION,
      clientIp: '127.0.0.1',
      clientPort: 41820,
      serverIp: '127.0.0.1',
      serverPort: 11143,
    });
  });

  it('MailboxCreate (admin creates user.alice)', () => {
    expect(load('02-MailboxCreate.json')).toStrictEqual({
      ...blank('MailboxCreate', 'mailbox'),
      timestamp: '2026-11-22T11:53:57.598Z',
      user: 'cyrus',
      service: 'imap',
      mailbox: ref('user.alice', 'alice', [], 1795348438),
      owner: 'alice',
      mailboxId: INBOX_ID,
      sessionId: ADMIN_SESSION,
      acl: ALICE_ACL,
    });
  });

  it('MailboxDelete', () => {
    expect(load('62-MailboxDelete.json')).toStrictEqual({
      ...blank('MailboxDelete', 'mailbox'),
      timestamp: '2026-11-22T11:54:15.396Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Trash', 'alice', ['Trash'], 1795348442),
      owner: 'alice',
      mailboxId: 'eccjgkx7t05rcf2pib64ekhc',
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
    });
  });

  it('MailboxRename: oldMailboxID is the old URL', () => {
    expect(load('13-MailboxRename.json')).toStrictEqual({
      ...blank('MailboxRename', 'mailbox'),
      timestamp: '2026-11-22T11:54:02.629Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Work', 'alice', ['Work'], 1795348441),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      sourceMailbox: ref('user.alice.Projects', 'alice', ['Projects'], 1795348441),
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
    });
  });

  it('MailboxSubscribe (URI without UIDVALIDITY)', () => {
    expect(load('10-MailboxSubscribe.json')).toStrictEqual({
      ...blank('MailboxSubscribe', 'mailbox'),
      timestamp: '2026-11-22T11:54:01.623Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Projects', 'alice', ['Projects'], undefined),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      sessionId: ALICE_SESSION,
    });
  });

  it('MailboxUnSubscribe', () => {
    expect(load('11-MailboxUnSubscribe.json')).toStrictEqual({
      ...blank('MailboxUnSubscribe', 'mailbox'),
      timestamp: '2026-11-22T11:54:02.126Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Projects', 'alice', ['Projects'], undefined),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      sessionId: ALICE_SESSION,
    });
  });

  it('MailboxModseq (empty user)', () => {
    expect(load('12-MailboxModseq.json')).toStrictEqual({
      ...blank('MailboxModseq', 'mailbox'),
      timestamp: '2026-11-22T11:54:02.631Z',
      service: 'imap',
      mailbox: ref('user.alice.Projects', 'alice', ['Projects'], 1795348441),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
    });
  });

  it('AclChange (SETACL bob lrs)', () => {
    expect(load('55-AclChange.json')).toStrictEqual({
      ...blank('AclChange', 'mailbox'),
      timestamp: '2026-11-22T11:54:12.877Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Work', 'alice', ['Work'], 1795348441),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      sessionId: ALICE_SESSION,
      acl: [...ALICE_ACL, {subject: 'bob', rights: 'lrs'}],
      aclSubject: 'bob',
      aclRights: 'lrs',
    });
  });

  it('AclChange (DELETEACL: no aclRights)', () => {
    expect(load('59-AclChange.json')).toStrictEqual({
      ...blank('AclChange', 'mailbox'),
      timestamp: '2026-11-22T11:54:13.888Z',
      user: 'alice',
      service: 'imap',
      mailbox: ref('user.alice.Work', 'alice', ['Work'], 1795348441),
      owner: 'alice',
      mailboxId: '8noufdk8233tibe0dudubmdt',
      sessionId: ALICE_SESSION,
      acl: ALICE_ACL,
      aclSubject: 'bob',
    });
  });

  it('QuotaChange (quota root URI, no UIDVALIDITY)', () => {
    expect(load('04-QuotaChange.json')).toStrictEqual({
      ...blank('QuotaChange', 'quota'),
      timestamp: '2026-11-22T11:53:58.603Z',
      user: 'bob',
      service: 'imap',
      mailbox: ref('user.bob', 'bob', [], undefined),
      owner: 'bob',
      sessionId: ADMIN_SESSION,
      messages: 0,
      diskQuota: 10000,
      diskUsed: 0,
      maxMessages: -1,
    });
  });
});
