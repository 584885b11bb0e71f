import {describe, expect, it} from 'vitest';
import {isEximQueueId, parseEximMainlogLine, parseEximMessage} from '../../../../src/lib/sources/maillog/exim.js';

/** Lines from Exim's specification (doc/doc-docbook/spec.xfpt, "Log files"; wrapped there, joined here) and its test suite's logs (test/log/*). */
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();

describe('parseEximMainlogLine', () => {
  it('reads a reception: sender, H=, P=, S=, id= (spec "Logging message reception")', () => {
    expect(parseEximMainlogLine('2002-10-31 08:57:53 16ZCW1-0005MB-00 <= kryten@dwarf.fict.example H=mailer.fict.example [192.168.123.123] U=exim P=smtp S=5678 id=incoming@x.example', 'mx1')).toEqual({
      time: local(2002, 10, 31, 8, 57, 53), host: 'mx1', mta: 'exim', program: 'exim', kind: 'client', queueId: '16ZCW1-0005MB-00',
      from: 'kryten@dwarf.fict.example', client: 'mailer.fict.example [192.168.123.123]', protocol: 'smtp', size: 5678, messageId: '<incoming@x.example>',
    });
    // test/log: the 4.97+ ID format, a HELO name in parentheses.
    expect(parseEximMainlogLine('1999-03-02 09:44:33 10HmaY-000000005vi-0000 <= CALLER@myhost.test.ex H=the.local.host.name (myhost.test.ex) [ip4.ip4.ip4.ip4] P=esmtp S=sss id=E10HmaX-000000005vi-0000@myhost.test.ex', 'mx1'))
      .toMatchObject({queueId: '10HmaY-000000005vi-0000', client: 'the.local.host.name (myhost.test.ex) [ip4.ip4.ip4.ip4]', protocol: 'esmtp', messageId: '<E10HmaX-000000005vi-0000@myhost.test.ex>'});
    expect(parseEximMainlogLine('2026-12-07 15:27:11 1tJabc-000123-AB <= <> R=1tJabb-000122-AA U=Debian-exim P=local S=1999 T="Mail delivery failed: returning message to sender"', 'mx1'))
      .toMatchObject({kind: 'client', from: '', protocol: 'local', size: 1999});
  });

  it('reads local and remote deliveries, => and -> (spec "Logging deliveries"; test/log)', () => {
    expect(parseEximMainlogLine('2002-10-31 08:59:13 16ZCW1-0005MB-00 => marv <marv@hitch.fict.example> R=localuser T=local_delivery', 'mx1'))
      .toMatchObject({kind: 'delivery', status: 'sent', to: 'marv', origTo: 'marv@hitch.fict.example'});
    expect(parseEximMainlogLine('2002-10-31 09:00:10 16ZCW1-0005MB-00 => monk@holistic.fict.example R=dnslookup T=remote_smtp H=holistic.fict.example [192.168.234.234]', 'mx1'))
      .toMatchObject({to: 'monk@holistic.fict.example', relay: 'holistic.fict.example [192.168.234.234]'});
    expect(parseEximMainlogLine('1999-03-02 09:44:33 10HmaX-000000005vi-0000 -> two@remote <list@test.ex> R=all T=smtp H=127.0.0.1 [127.0.0.1] C="250 OK"', 'mx1'))
      .toMatchObject({status: 'sent', to: 'two@remote', origTo: 'list@test.ex', relay: '127.0.0.1 [127.0.0.1]', reason: '250 OK'});
  });

  it('takes the next queue ID and a Cyrus session ID from C= (smtp_confirmation)', () => {
    expect(parseEximMainlogLine('1999-03-02 09:44:33 10HmaX-000000005vi-0000 => a000@test.ex R=client T=send_to_server H=127.0.0.1 [127.0.0.1] L C="250 OK id=10HmaY-000000005vi-0000"', 'mx1'))
      .toMatchObject({nextQueueId: '10HmaY-000000005vi-0000', relay: '127.0.0.1 [127.0.0.1]'});
    expect(parseEximMainlogLine('2026-12-07 15:27:11 1tJabc-000123-AB => b@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.2]:25* X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 2.0.0 Ok: queued as 4D8F21C3B2"', 'mx1'))
      .toMatchObject({nextQueueId: '4D8F21C3B2', relay: 'mx.example.net [198.51.100.2]:25*'});
    expect(parseEximMainlogLine('2026-12-07 15:27:11 1tJabc-000123-AB => alice@example.com R=cyrus T=cyrus_lmtp H=imap.example.com [192.0.2.10] C="250 2.1.5 Ok SESSIONID=<cyrus-12345-1670000000-1-1234567890>"', 'mx1'))
      .toMatchObject({sessionId: 'cyrus-12345-1670000000-1-1234567890'});
  });

  it('reads deferrals (==) and failures (**) with their reasons', () => {
    expect(parseEximMainlogLine('2002-12-19 16:20:23 16aiQz-0002Q5-00 == marvin@endrest.example R=dnslookup T=smtp defer (146): Connection refused', 'mx1'))
      .toMatchObject({kind: 'delivery', status: 'deferred', to: 'marvin@endrest.example', reason: 'defer (146): Connection refused'});
    expect(parseEximMainlogLine('1995-12-19 16:20:23 0tRiQz-0002Q5-00 ** jim@trek99.example <jim@trek99.example>: unknown mail domain', 'mx1'))
      .toMatchObject({status: 'bounced', to: 'jim@trek99.example', origTo: 'jim@trek99.example', reason: 'unknown mail domain'});
    expect(parseEximMainlogLine('2002-07-11 07:14:17 17SXDU-000189-00 ** ace400@pb.example R=dnslookup T=remote_smtp: SMTP error from remote mailer after pipelined RCPT TO:<ace400@pb.example>: host pbmail3.py.example [192.168.63.111]: 553 5.3.0 <ace400@pb.example>...Addressee unknown', 'mx1'))
      .toMatchObject({status: 'bounced', dsn: '5.3.0', reason: 'SMTP error from remote mailer after pipelined RCPT TO:<ace400@pb.example>: host pbmail3.py.example [192.168.63.111]: 553 5.3.0 <ace400@pb.example>...Addressee unknown'});
    expect(parseEximMainlogLine('1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** userx@domain1 F=<CALLER@test.ex> R=others T=smtp H=localhost4.test.ex [127.0.0.1] : SMTP error from remote mail server after initial connection: 550 Go away (A)', 'mx1'))
      .toMatchObject({relay: 'localhost4.test.ex [127.0.0.1]', reason: 'SMTP error from remote mail server after initial connection: 550 Go away (A)'});
  });

  it('reads Completed and rejected RCPT', () => {
    expect(parseEximMainlogLine('2002-10-31 09:00:11 16ZCW1-0005MB-00 Completed', 'mx1')).toMatchObject({kind: 'removed', queueId: '16ZCW1-0005MB-00'});
    expect(parseEximMainlogLine('1999-03-02 09:44:33 H=(test) [10.0.0.2] U=CALLER F=<jules@box3.plc.example> rejected RCPT <userx@test.ex>: Sender verify failed', 'mx1')).toEqual({
      time: local(1999, 3, 2, 9, 44, 33), host: 'mx1', mta: 'exim', program: 'exim', kind: 'reject', status: 'rejected',
      client: '(test) [10.0.0.2]', from: 'jules@box3.plc.example', to: 'userx@test.ex', reason: 'Sender verify failed',
    });
  });

  it('reads millisecond timestamps, the pid selector and log_timezone', () => {
    expect(parseEximMainlogLine('2017-07-30 18:51:05.712 [1236] 10HmbD-000000005vi-0000 <= CALLER@myhost.test.ex U=CALLER P=local S=sss', 'mx1'))
      .toMatchObject({time: local(2017, 7, 30, 18, 51, 5, 712), queueId: '10HmbD-000000005vi-0000', kind: 'client'});
    expect(parseEximMainlogLine('2003-04-25 11:17:07 +0100 16ZCW1-0005MB-00 Completed', 'mx1')).toMatchObject({time: Date.UTC(2003, 3, 25, 10, 17, 7)});
  });

  it('ignores lines with nothing to trace, and refuses lines without the timestamp', () => {
    for (const line of [
      '2003-04-25 11:17:07 Start queue run: pid=12762',
      '2002-12-19 16:20:23 16aiQz-0002Q5-00 Failed to connect to mail1.endrest.example [192.168.239.239]: Connection refused',
      '1999-03-02 09:44:33 10HmaY-000000005vi-0000 *> accept <accept@y> R=accept T=appendfile',
    ]) expect(parseEximMainlogLine(line, 'mx1'), line).toBe('ignored');
    expect(parseEximMainlogLine('Dec  7 15:27:11 mx exim[1]: x', 'mx1')).toBeUndefined();
  });
});

describe('parseEximMessage (through syslog)', () => {
  const base = {time: 1, host: 'mx2', program: 'exim'};
  it('reads a message with and without Exim timestamp (syslog_timestamp), and the first of split lines', () => {
    expect(parseEximMessage('1tJabc-000123-AB => b@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.2]', base)).toMatchObject({time: 1, host: 'mx2', queueId: '1tJabc-000123-AB', status: 'sent'});
    expect(parseEximMessage('2026-12-07 15:27:11 1tJabc-000123-AB Completed', base)).toMatchObject({time: 1, kind: 'removed'});
    // log.c: a line longer than syslog takes is split into "[1\2] ...", "[2/2] ...".
    expect(parseEximMessage('[1\\2] 1tJabc-000123-AB <= a@x H=h [192.0.2.1] P=esmtp S=10', base)).toMatchObject({kind: 'client', from: 'a@x'});
    expect(parseEximMessage('[2/2] rest of it', base)).toBe('ignored');
  });
});

describe('isEximQueueId', () => {
  it('knows the old (6-6-2) and 4.97+ (6-11-4) formats', () => {
    expect(['16ZCW1-0005MB-00', '1tJabc-000123-AB', '10HmaX-000000005vi-0000'].every(isEximQueueId)).toBe(true);
    expect(['16ZCW1-0005MB-0', '10HmaX-00000005vi-0000', '16ZCW1_0005MB-00', '4D8F21C3B2', ''].some(isEximQueueId)).toBe(false);
  });
});
