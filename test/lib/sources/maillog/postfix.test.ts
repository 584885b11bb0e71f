import {describe, expect, it} from 'vitest';
import {isPostfixProgram, isPostfixQueueId, nextQueueIdIn, parsePostfix} from '../../../../src/lib/sources/maillog/postfix.js';
import {parseSyslogLine} from '../../../../src/lib/sources/maillog/syslog-line.js';

const REFERENCE = new Date(2026, 11, 8, 12).getTime();

/** Parses a syslog line with the Postfix parser. Lines from Postfix's docs are wrapped there; here they are joined with one space. */
function postfix(line: string) {
  const syslog = parseSyslogLine(line, REFERENCE);
  if (!syslog) throw new Error(`not a syslog line: ${line}`);
  return parsePostfix(syslog);
}

describe('parsePostfix', () => {
  it('reads smtpd client= (smtpd.c: "%s: client=%s" and its optional fields)', () => {
    expect(postfix('Dec  7 15:27:11 mx postfix/smtpd[123]: 4D8F21C3B2: client=mail.example.org[192.0.2.7]')).toEqual({
      time: new Date(2026, 11, 7, 15, 27, 11).getTime(), host: 'mx', mta: 'postfix', program: 'postfix/smtpd', kind: 'client',
      queueId: '4D8F21C3B2', client: 'mail.example.org[192.0.2.7]',
    });
    expect(postfix('Dec  7 15:27:11 mx postfix/submission/smtpd[9]: 4D8F21C3B2: client=unknown[2001:db8::1], sasl_method=PLAIN, sasl_username=alice'))
      .toMatchObject({kind: 'client', program: 'postfix/submission/smtpd', client: 'unknown[2001:db8::1]'});
  });

  it('reads pickup uid= from= (pickup.c: "%s: uid=%d from=<%s>")', () => {
    expect(postfix('Dec  7 15:27:11 mx postfix/pickup[5]: 3Pt2mN2VXxznjll: uid=0 from=<root>')).toMatchObject({kind: 'pickup', queueId: '3Pt2mN2VXxznjll', from: 'root'});
  });

  it('reads cleanup message-id= with brackets, without, and empty (cleanup_message.c)', () => {
    expect(postfix('Dec  7 15:27:11 mx postfix/cleanup[6]: 4D8F21C3B2: message-id=<20261207152711.4D8F21C3B2@mx.example.com>'))
      .toMatchObject({kind: 'message-id', messageId: '<20261207152711.4D8F21C3B2@mx.example.com>'});
    expect(postfix('Dec  7 15:27:11 mx postfix/cleanup[6]: 4D8F21C3B2: message-id=1234.abcd@legacy')).toMatchObject({messageId: '<1234.abcd@legacy>'});
    // RELEASE_NOTES-2.6: 'will log ``message-id=<>'' for messages without Message-Id header'.
    expect(postfix('Dec  7 15:27:11 mx postfix/cleanup[6]: 4D8F21C3B2: message-id=<>')).toMatchObject({kind: 'message-id', messageId: ''});
  });

  it('reads qmgr from= size= nrcpt= (ETRN_README) and removed', () => {
    expect(postfix('Oct  2 10:51:19 myhostname postfix/qmgr[51999]: 682E8440A4: from=<whatever>, size=12345, nrcpt=1 (queue active)')).toMatchObject({
      kind: 'queued', queueId: '682E8440A4', from: 'whatever', size: 12345, nrcpt: 1,
    });
    expect(postfix('Oct  2 10:51:19 mx postfix/qmgr[51999]: 682E8440A4: from=<>, size=4711, nrcpt=2 (queue active)')).toMatchObject({from: '', nrcpt: 2});
    expect(postfix('Oct  2 10:51:20 mx postfix/qmgr[51999]: 682E8440A4: removed')).toMatchObject({kind: 'removed', queueId: '682E8440A4'});
  });

  it('reads qmgr expiry (qmgr_active.c: "%s: from=<%s>, status=%s, returned to sender")', () => {
    expect(postfix('Dec  7 15:27:11 mx postfix/qmgr[1]: 682E8440A4: from=<a@example.org>, status=expired, returned to sender'))
      .toMatchObject({kind: 'delivery', status: 'expired', from: 'a@example.org'});
    expect(postfix('Dec  7 15:27:11 mx postfix/qmgr[1]: 682E8440A4: from=<a@example.org>, status=force-expired, returned to sender')).toMatchObject({status: 'expired'});
  });

  it('reads a delivery with orig_to and conn_use (CONNECTION_CACHE_README)', () => {
    expect(postfix('Nov  3 16:04:31 myname postfix/smtp[30840]: 19B6B2900FE: to=<wietse@test.example.com>, orig_to=<wietse@test>, relay=mail.example.com[1.2.3.4], conn_use=2, delay=0.22, delays=0.04/0.01/0.05/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)')).toEqual({
      time: new Date(2026, 10, 3, 16, 4, 31).getTime(), host: 'myname', mta: 'postfix', program: 'postfix/smtp', kind: 'delivery', queueId: '19B6B2900FE',
      to: 'wietse@test.example.com', origTo: 'wietse@test', relay: 'mail.example.com[1.2.3.4]', dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok',
    });
  });

  it('takes the next queue ID from "queued as" in smtp and lmtp replies, short and long', () => {
    // smtpd.c: "250 2.0.0 Ok: queued as %s"; BDAT_README: "250 2.0.0 Ok: 10123 bytes queued as 41yYhh41qmznjbD".
    expect(postfix('Dec  7 15:27:11 mx postfix/smtp[7]: 4D8F21C3B2: to=<b@example.net>, relay=relay.example.net[198.51.100.2]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 763402AAE6)'))
      .toMatchObject({nextQueueId: '763402AAE6', relay: 'relay.example.net[198.51.100.2]:25'});
    expect(postfix('Dec  7 15:27:11 mx postfix-b/lmtp[7]: 4Fh0Zb1XyTz9vWd: to=<b@example.net>, relay=mda.example.net[198.51.100.3]:24, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: 10123 bytes queued as 41yYhh41qmznjbD)'))
      .toMatchObject({program: 'postfix-b/lmtp', queueId: '4Fh0Zb1XyTz9vWd', nextQueueId: '41yYhh41qmznjbD'});
    expect(nextQueueIdIn('250 OK id=10HmaY-000000005vi-0000')).toBe('10HmaY-000000005vi-0000'); // an Exim next hop
    expect(nextQueueIdIn('250 2.0.0 Ok')).toBeUndefined();
  });

  it("takes Cyrus' session ID from its LMTP 250 reply (lmtp_err.et: \"250 2.1.5 %s SESSIONID=<%s>\")", () => {
    expect(postfix('Dec  7 15:27:11 mx postfix/lmtp[8]: 4D8F21C3B2: to=<alice@example.com>, relay=imap.example.com[/run/cyrus/socket/lmtp], delay=0.06, delays=0.01/0/0.01/0.04, dsn=2.1.5, status=sent (250 2.1.5 Ok SESSIONID=<cyrus-12345-1670000000-1-1234567890>)'))
      .toMatchObject({kind: 'delivery', status: 'sent', dsn: '2.1.5', sessionId: 'cyrus-12345-1670000000-1-1234567890'});
  });

  it('reads deferred and bounced deliveries with their reasons', () => {
    expect(postfix('Dec  7 15:27:11 mx postfix/smtp[7]: 4D8F21C3B2: to=<x@example.net>, relay=none, delay=30, delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.9]:25: Connection timed out)'))
      .toMatchObject({status: 'deferred', dsn: '4.4.1', relay: 'none', reason: 'connect to mx.example.net[198.51.100.9]:25: Connection timed out'});
    expect(postfix('Dec  7 15:27:11 mx postfix/local[7]: 4D8F21C3B2: to=<nobody@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (unknown user: "nobody")'))
      .toMatchObject({status: 'bounced', dsn: '5.1.1', relay: 'local', reason: 'unknown user: "nobody"'});
  });

  it('reads the bounce notice (RELEASE_NOTES: "<old-queue-id>: sender non-delivery notification: <new-queue-id>")', () => {
    expect(postfix('Dec  7 15:27:12 mx postfix/bounce[9]: 4D8F21C3B2: sender non-delivery notification: 5E9A01C3C4')).toMatchObject({kind: 'notice', queueId: '4D8F21C3B2', nextQueueId: '5E9A01C3C4'});
  });

  it('reads NOQUEUE rejects (BACKSCATTER_README)', () => {
    expect(postfix('Dec  4 04:30:09 hostname postfix/smtpd[58549]: NOQUEUE: reject: RCPT from xxxxxxx[x.x.x.x]: 550 5.1.1 <yyyyyy@your.domain.here>: Recipient address rejected: User unknown; from=<> to=<yyyyyy@your.domain.here> proto=ESMTP helo=<zzzzzz>')).toEqual({
      time: new Date(2026, 11, 4, 4, 30, 9).getTime(), host: 'hostname', mta: 'postfix', program: 'postfix/smtpd', kind: 'reject', status: 'rejected',
      client: 'xxxxxxx[x.x.x.x]', reason: '550 5.1.1 <yyyyyy@your.domain.here>: Recipient address rejected: User unknown', dsn: '5.1.1',
      from: '', to: 'yyyyyy@your.domain.here', protocol: 'ESMTP',
    });
    // A reject within a transaction keeps its queue ID.
    expect(postfix('Dec  4 04:30:09 mx postfix/cleanup[5]: 4D8F21C3B2: milter-reject: END-OF-MESSAGE from a[192.0.2.1]: 5.7.1 spam; from=<s@x> to=<r@y> proto=ESMTP helo=<a>'))
      .toMatchObject({kind: 'reject', queueId: '4D8F21C3B2', from: 's@x', to: 'r@y'});
  });

  it('ignores lines with nothing to trace; unknown for queue-ID lines no rule understands', () => {
    for (const line of [
      'Dec  7 15:27:11 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]',
      'Dec  7 15:27:11 mx postfix/smtpd[1]: disconnect from unknown[192.0.2.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4',
      'Dec  7 15:27:11 mx postfix/smtpd[1]: warning: hostname example does not resolve to address 192.0.2.1',
      'Dec  7 15:27:11 mx postfix/anvil[1]: statistics: max connection rate 1/60s for (smtp:192.0.2.1) at Dec  7 15:20:11',
      'Dec  7 15:27:11 mx postfix/cleanup[1]: 4D8F21C3B2: resent-message-id=<a@b>',
      'Dec  7 15:27:11 mx postfix/smtp[1]: 4D8F21C3B2: host mx.example.net[198.51.100.9] said: 450 try later (in reply to RCPT TO command)',
      'Dec  7 15:27:11 mx postfix/smtp[1]: 4D8F21C3B2: to=<a@b>, relay=x[1.2.3.4]:25, delay=1, delays=1/0/0/0, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)',
    ]) expect(postfix(line), line).toBe('ignored');
    expect(postfix('Dec  7 15:27:11 mx postfix/qmgr[1]: 4D8F21C3B2: something new in Postfix 4')).toBe('unknown');
    expect(postfix('Dec  7 15:27:11 mx postfix/smtp[1]: 4D8F21C3B2: to=<a@b>, relay=x, dsn=2.0.0, status=teleported (ok)')).toBe('unknown');
  });
});

describe('isPostfixProgram and isPostfixQueueId', () => {
  it('knows multi-instance names and both queue-ID formats', () => {
    expect(['postfix/smtpd', 'postfix-b/lmtp', 'postfix/submission/smtpd'].every(isPostfixProgram)).toBe(true);
    expect(['postfix', 'postfix-script', 'exim', 'cyrus/lmtp'].some(isPostfixProgram)).toBe(false);
    // postconf(5) enable_long_queue_ids: "New queue files are created with names such as 3Pt2mN2VXxznjll."
    expect(['4D8F21C3B2', '682E8440A4', '3Pt2mN2VXxznjll', '41yYhh41qmznjbD', '4Fh0Zb1XyTz9vWd'].every(isPostfixQueueId)).toBe(true);
    expect(['warning', 'NOQUEUE', 'statistics', 'connect', 'abc', '4D8F21C3B2x'].some(isPostfixQueueId)).toBe(false);
  });
});
