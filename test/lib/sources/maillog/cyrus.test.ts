import {describe, expect, it} from 'vitest';
import {isCyrusLmtpProgram, parseCyrus} from '../../../../src/lib/sources/maillog/cyrus.js';

const base = {time: 1000, host: 'imap', program: 'cyrus/lmtp'};

describe('parseCyrus', () => {
  it('reads "Delivered: %s to mailbox: %s" (cyrus-imapd-3.6 imap/lmtpd.c deliver_mailbox)', () => {
    expect(parseCyrus({...base, message: 'Delivered: <20261207152711.4D8F21C3B2@mx.example.com> to mailbox: user.alice'})).toEqual({
      time: 1000, host: 'imap', mta: 'cyrus', program: 'cyrus/lmtp', kind: 'mailbox', messageId: '<20261207152711.4D8F21C3B2@mx.example.com>', mailbox: 'user.alice',
    });
    // lmtpengine.c makes a Message-ID when there is none: "<cmu-lmtpd-%d-%d-%u@%s>".
    expect(parseCyrus({...base, message: 'Delivered: <cmu-lmtpd-4711-1796657231-0@imap.example.com> to mailbox: example.com!user.bob.Sent'}))
      .toMatchObject({messageId: '<cmu-lmtpd-4711-1796657231-0@imap.example.com>', mailbox: 'example.com!user.bob.Sent'});
  });

  it('reads "auditlog: append" with its session ID (imap/mailbox.c; the ID of lmtpd\'s 250 reply)', () => {
    expect(parseCyrus({...base, message: 'auditlog: append sessionid=<cyrus-12345-1670000000-1-1234567890> mailbox=<user.alice> uniqueid=<9a3f2c1e-0000-4000-8000-1234567890ab> uid=<7> modseq=<12> sysflags=<> guid=<4a1f0e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3> messageid=<a@b.example> size=<2048>'})).toEqual({
      time: 1000, host: 'imap', mta: 'cyrus', program: 'cyrus/lmtp', kind: 'mailbox',
      sessionId: 'cyrus-12345-1670000000-1-1234567890', mailbox: 'user.alice', messageId: '<a@b.example>', size: 2048,
    });
    expect(parseCyrus({...base, message: 'auditlog: append sessionid=<cyruslab-1-2-3-4> mailbox=<user.alice> uniqueid=<u> uid=<1> modseq=<1> sysflags=<\\Seen> guid=<g> messageid=unknown size=<1>'}))
      .toMatchObject({sessionId: 'cyruslab-1-2-3-4', messageId: ''});
  });

  it('ignores the rest of lmtpd, and knows its program names', () => {
    for (const message of ['accepted connection', 'lmtp connection preauth\'d as postman', 'auditlog: duplicate sessionid=<s> action=<check> message-id=<a@b> user=<alice> date=<d>', 'IOERROR: x'])
      expect(parseCyrus({...base, message}), message).toBe('ignored');
    expect(parseCyrus({...base, message: 'auditlog: append mailbox=<user.alice>'})).toBe('unknown');
    expect(['lmtpunix', 'lmtp', 'lmtpd', 'cyrus/lmtp', 'cyruslab/lmtpunix'].every(isCyrusLmtpProgram)).toBe(true);
    expect(['cyrus/imap', 'imapd', 'cyrus/master'].some(isCyrusLmtpProgram)).toBe(false);
  });
});
