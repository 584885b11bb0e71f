import {describe, expect, it} from 'vitest';
import {parseMailboxUri} from '../../../../src/lib/core/event/index.js';
import type {MailboxRef, MailboxUriOptions} from '../../../../src/lib/core/event/index.js';

function mailbox(uri: string, options?: MailboxUriOptions): MailboxRef | undefined {
  const result = parseMailboxUri(uri, options);
  if (!result.ok) throw new Error(result.error);
  return result.mailbox;
}

function error(uri: string): string {
  const result = parseMailboxUri(uri);
  if (result.ok) throw new Error(`"${uri}" was accepted`);
  return result.error;
}

describe('parseMailboxUri (RFC 5092 IMAP URL, as Cyrus writes it)', () => {
  it('parses a message URI: name, UIDVALIDITY and UID', () => {
    expect(parseMailboxUri('imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=1')).toStrictEqual({
      ok: true,
      uid: 1,
      mailbox: {
        name: 'user.alice',
        separator: '.',
        owner: 'alice',
        domain: undefined,
        path: [],
        isInbox: true,
        server: 'imap.lab.test',
        uidValidity: 1795348438,
      },
    });
  });

  it('has no mailbox on Login/Logout', () => {
    expect(parseMailboxUri('imap://imap.lab.test')).toStrictEqual({ok: true, mailbox: undefined, uid: undefined});
    expect(parseMailboxUri('imap://imap.lab.test/')).toStrictEqual({ok: true, mailbox: undefined, uid: undefined});
  });

  it('accepts a URI without UIDVALIDITY (subscriptions, quota roots)', () => {
    expect(mailbox('imap://imap.lab.test/user.bob')).toMatchObject({name: 'user.bob', owner: 'bob', uidValidity: undefined});
  });

  it('decodes percent-encoded UTF-8', () => {
    expect(mailbox('imap://h/user.alice.Entw%C3%BCrfe;UIDVALIDITY=5')).toMatchObject({
      name: 'user.alice.Entwürfe',
      owner: 'alice',
      path: ['Entwürfe'],
      isInbox: false,
    });
    expect(mailbox('imap://h/user.alice.Mon%20dossier.%E2%82%AC')).toMatchObject({path: ['Mon dossier', '€']});
  });

  it.each([
    ['imap://h/user.alice.Bad%ZZ;UIDVALIDITY=5'],
    ['imap://h/user.alice.Cut%C3'],
    ['imap://h/user.alice.Latin1%FC'],
  ])('reports invalid percent-encoding in %s', (uri) => {
    expect(error(uri)).toContain('invalid percent-encoding');
  });

  it('understands the / separator (unixhierarchysep: yes), where dots are literal', () => {
    expect(mailbox('imap://h/user/alice/Archive/2024;UIDVALIDITY=7/;UID=3')).toMatchObject({
      name: 'user/alice/Archive/2024',
      separator: '/',
      owner: 'alice',
      path: ['Archive', '2024'],
    });
    expect(mailbox('imap://h/user/jane.doe/Sent')).toMatchObject({owner: 'jane.doe', path: ['Sent']});
    expect(mailbox('imap://h/Sales.2024', {separator: '/'})).toMatchObject({separator: '/', owner: undefined, path: ['Sales.2024']});
  });

  it('turns ^ back into a dot with the . separator', () => {
    expect(mailbox('imap://h/user.jane%5Edoe.Sent%5Eitems')).toMatchObject({
      name: 'user.jane^doe.Sent^items',
      owner: 'jane.doe',
      path: ['Sent.items'],
    });
  });

  it('treats names outside user as shared folders', () => {
    expect(mailbox('imap://h/shared.Sales;UIDVALIDITY=9')).toMatchObject({
      owner: undefined,
      domain: undefined,
      path: ['shared', 'Sales'],
      isInbox: false,
    });
    expect(mailbox('imap://h/user')).toMatchObject({owner: undefined, path: ['user']});
  });

  it('reads virtual domains the way Cyrus writes them (user.alice.Archive@example.com)', () => {
    expect(mailbox('imap://h/user.alice.Archive%40example.com;UIDVALIDITY=3')).toStrictEqual({
      name: 'user.alice.Archive@example.com',
      separator: '.',
      owner: 'alice@example.com',
      domain: 'example.com',
      path: ['Archive'],
      isInbox: false,
      server: 'h',
      uidValidity: 3,
    });
    expect(mailbox('imap://h/user.jane%5Edoe%40example.com')).toMatchObject({owner: 'jane.doe@example.com', isInbox: true});
    expect(mailbox('imap://h/user/alice/Archive%40example.com')).toMatchObject({owner: 'alice@example.com', path: ['Archive']});
    expect(mailbox('imap://h/shared.Sales%40example.com')).toMatchObject({owner: undefined, domain: 'example.com', path: ['shared', 'Sales']});
  });

  it('also accepts the internal domain form (example.com!user.alice)', () => {
    expect(mailbox('imap://h/example.com!user.alice.Sent')).toMatchObject({
      owner: 'alice@example.com',
      domain: 'example.com',
      path: ['Sent'],
    });
  });

  it('does not take a folder named like "a@b" for a domain', () => {
    expect(mailbox('imap://h/user.alice.me%40home')).toMatchObject({domain: undefined, owner: 'alice', path: ['me@home']});
  });

  it('recognizes folders in the DELETED hierarchy', () => {
    expect(mailbox('imap://h/DELETED.user.alice.Trash.5F1234AB;UIDVALIDITY=4')).toMatchObject({
      owner: 'alice',
      path: ['Trash'],
      deletedAt: 0x5f1234ab,
    });
  });

  it.each([
    ['http://h/user.alice', 'not an imap:// URL'],
    ['imap:///user.alice', 'no server'],
    ['imap://h/user.alice;UIDVALIDITY=abc', 'UIDVALIDITY=abc'],
    ['imap://h/user.alice;UIDVALIDITY=0', 'UIDVALIDITY=0'],
    ['imap://h/user.alice;UIDVALIDITY=1/;UID=', 'UID='],
    ['imap://h/user.alice;FOO=1', 'unexpected parameter'],
  ])('rejects %s', (uri, reason) => {
    expect(error(uri)).toContain(reason);
  });
});
