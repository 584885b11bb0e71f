import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {normalizeMessageId, parseMaillogLine} from '../../../../src/lib/sources/maillog/parse.js';

const context = {referenceTime: new Date(2026, 11, 8, 12).getTime(), defaultHost: 'mx1'};

/** Real shapes, one per parser and format (sources named in the parsers' own tests). */
const SAMPLES = [
  'Dec  4 04:30:09 hostname postfix/smtpd[58549]: NOQUEUE: reject: RCPT from xxxxxxx[x.x.x.x]: 550 5.1.1 <yyyyyy@your.domain.here>: Recipient address rejected: User unknown; from=<> to=<yyyyyy@your.domain.here> proto=ESMTP helo=<zzzzzz>',
  'Oct  2 10:51:19 myhostname postfix/qmgr[51999]: 682E8440A4: from=<whatever>, size=12345, nrcpt=1 (queue active)',
  '2026-12-07T15:27:11.123456+00:00 mx postfix-b/lmtp[7]: 4D8F21C3B2: to=<alice@example.com>, relay=imap[/run/cyrus/socket/lmtp], delay=0.06, delays=0.01/0/0.01/0.04, dsn=2.1.5, status=sent (250 2.1.5 Ok SESSIONID=<cyrus-12345-1670000000-1-1234567890>)',
  '<22>1 2026-12-07T15:27:11.1Z imap cyrus/lmtp 4711 - - Delivered: <a@b.example> to mailbox: user.alice',
  '2002-10-31 08:57:53 16ZCW1-0005MB-00 <= kryten@dwarf.fict.example H=mailer.fict.example [192.168.123.123] U=exim P=smtp S=5678 id=incoming@x.example',
  'Dec  7 15:27:11 mx2 exim[123]: 2026-12-07 15:27:11 1tJabc-000123-AB => b@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.2] C="250 2.0.0 Ok: queued as 4D8F21C3B2"',
];

describe('parseMaillogLine', () => {
  it('dispatches by program, and reads a bare line of Exim\'s mainlog with the given host', () => {
    const [reject, queued, lmtp, cyrus, eximFile, eximSyslog] = SAMPLES.map((line) => parseMaillogLine(line, context));
    expect(reject).toMatchObject({mta: 'postfix', kind: 'reject', host: 'hostname'});
    expect(queued).toMatchObject({mta: 'postfix', kind: 'queued'});
    expect(lmtp).toMatchObject({mta: 'postfix', program: 'postfix-b/lmtp', sessionId: 'cyrus-12345-1670000000-1-1234567890', time: Date.UTC(2026, 11, 7, 15, 27, 11, 123)});
    expect(cyrus).toMatchObject({mta: 'cyrus', kind: 'mailbox', mailbox: 'user.alice', messageId: '<a@b.example>'});
    expect(eximFile).toMatchObject({mta: 'exim', host: 'mx1', kind: 'client', messageId: '<incoming@x.example>'});
    expect(eximSyslog).toMatchObject({mta: 'exim', host: 'mx2', nextQueueId: '4D8F21C3B2', time: new Date(2026, 11, 7, 15, 27, 11).getTime()});
    expect(parseMaillogLine('2002-10-31 09:00:11 16ZCW1-0005MB-00 Completed', {referenceTime: 0})).toMatchObject({host: ''});
  });

  it("understands every line of real postlogd maillogs (test/fixtures/maillog: Postfix 3.7 pair, relay a -> b -> Cyrus LMTP)", () => {
    const parsed = ['a', 'b'].flatMap((side) => readFileSync(`test/fixtures/maillog/postfix-live-${side}.log`, 'utf8').split('\n').filter(Boolean))
      .map((line) => parseMaillogLine(line, context));
    expect(parsed.filter((r) => r === 'unknown')).toEqual([]);
    const records = parsed.filter((r) => typeof r !== 'string');
    const hop = records.find((r) => r.host === 'mx-a' && r.nextQueueId !== undefined);
    expect(records.some((r) => r.host === 'mx-b' && r.kind === 'client' && r.queueId === hop?.nextQueueId)).toBe(true);
    expect(records.some((r) => r.program === 'postfix-b/lmtp' && r.sessionId?.startsWith('cyruslab-'))).toBe(true);
    expect(records.some((r) => r.kind === 'notice' && r.nextQueueId !== undefined)).toBe(true);
  });

  it('drops a trailing CR', () => {
    expect(parseMaillogLine(`${SAMPLES[1]}\r`, context)).toMatchObject({nrcpt: 1});
  });

  it('ignores programs it does not trace and mail lines with nothing to trace; unknown for the rest', () => {
    for (const line of [
      'Dec  7 15:27:11 mx sshd[812]: Accepted publickey for root from 192.0.2.1 port 50000 ssh2',
      'Dec  7 15:27:11 mx CRON[1]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)',
      'Dec  7 15:27:11 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]',
      'Dec  7 15:27:11 mx postfix/postfix-script[1]: starting the Postfix mail system',
      'Dec  7 15:27:11 mx postfix-script[1]: starting the Postfix mail system',
      'Dec  7 15:27:11 mx last message repeated 3 times',
      'Dec  7 15:27:11 imap cyrus/imap[1]: login: client [192.0.2.1] alice plaintext User logged in',
    ]) expect(parseMaillogLine(line, context), line).toBe('ignored');
    for (const line of ['', 'hello', '-- MARK --', 'Dec  7 15:27:11', 'Dec  7 15:27:11 mx postfix/qmgr[1]: 4D8F21C3B2: a new kind of line'])
      expect(parseMaillogLine(line, context), line).toBe('unknown');
  });

  it('never throws on random bytes or truncated lines', () => {
    let seed = 18;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ' <>[]():;,="\\/-.*=0123456789abcdefzZ\t\r\u00e9\ufeff\ud800';
    for (let i = 0; i < 20_000; i++) {
      let line = '';
      const length = Math.floor(random() * 120);
      for (let k = 0; k < length; k++) line += random() < 0.5 ? String.fromCharCode(Math.floor(random() * 256)) : alphabet[Math.floor(random() * alphabet.length)];
      expect(() => parseMaillogLine(line, context)).not.toThrow();
    }
    for (const sample of SAMPLES) {
      for (let cut = 0; cut <= sample.length; cut++) {
        expect(() => parseMaillogLine(sample.slice(0, cut), context)).not.toThrow();
        // A mangled byte inside a real line as well.
        const k = Math.floor(random() * sample.length);
        expect(() => parseMaillogLine(sample.slice(0, k) + String.fromCharCode(Math.floor(random() * 128)) + sample.slice(k + 1, cut), context)).not.toThrow();
      }
    }
  });
});

describe('normalizeMessageId', () => {
  it('spells every MTA\'s Message-ID the same: in angle brackets, or empty', () => {
    expect(normalizeMessageId('<a@b>')).toBe('<a@b>'); // Postfix cleanup, Cyrus
    expect(normalizeMessageId('a@b')).toBe('<a@b>'); // Exim's id=
    expect(normalizeMessageId('  <a@b> (comment)')).toBe('<a@b>');
    for (const none of ['', '<>', 'unknown', 'NIL', '<nomsgid>', '   ']) expect(normalizeMessageId(none), none).toBe('');
    expect(normalizeMessageId('<A@B>')).not.toBe(normalizeMessageId('<a@b>')); // case is kept
  });
});
