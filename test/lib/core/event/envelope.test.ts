import {describe, expect, it} from 'vitest';
import {decodeEncodedWords, parseEnvelope} from '../../../../src/lib/core/event/index.js';
import type {Envelope} from '../../../../src/lib/core/event/index.js';

function envelope(text: string): Envelope {
  const result = parseEnvelope(text);
  if (!result.ok) throw new Error(result.error);
  return result.envelope;
}

const CAROL = '((NIL NIL "carol" "example.org"))';

describe('parseEnvelope (RFC 3501 section 7.4.2)', () => {
  it('parses a Cyrus envelope', () => {
    const text =
      '("Sun, 22 Nov 2026 11:54:03 -0000" "First message" ((NIL NIL "carol" "example.org")) ' +
      '((NIL NIL "carol" "example.org")) ((NIL NIL "carol" "example.org")) ((NIL NIL "alice" "imap.lab.test")) ' +
      'NIL NIL NIL "<First-message-1795348443132@example.org>")';
    const carol = {name: undefined, mailbox: 'carol', host: 'example.org', address: 'carol@example.org'};
    expect(envelope(text)).toStrictEqual({
      date: 'Sun, 22 Nov 2026 11:54:03 -0000',
      subject: 'First message',
      from: [carol],
      sender: [carol],
      replyTo: [carol],
      to: [{name: undefined, mailbox: 'alice', host: 'imap.lab.test', address: 'alice@imap.lab.test'}],
      cc: [],
      bcc: [],
      inReplyTo: undefined,
      messageId: '<First-message-1795348443132@example.org>',
    });
  });

  it('unescapes quoted strings and reads NIL in any case', () => {
    const text = `(nil "Say \\"hi\\" \\\\ bye" ${CAROL} nil Nil NIL NIL NIL "<a@b>" NIL)`;
    expect(envelope(text)).toMatchObject({date: undefined, subject: 'Say "hi" \\ bye', inReplyTo: '<a@b>', messageId: undefined});
  });

  it('reads literals, counting UTF-8 octets', () => {
    const subject = 'Grüße\r\nzweite Zeile';
    const octets = Buffer.byteLength(subject, 'utf8');
    const text = `(NIL {${octets}}\r\n${subject} ${CAROL} NIL NIL NIL NIL NIL NIL NIL)`;
    expect(envelope(text).subject).toBe(subject);
    expect(envelope(text).from[0]?.address).toBe('carol@example.org');
  });

  it('gives display names and keeps address parts', () => {
    const text = '(NIL NIL (("Carol Q. Public" NIL "carol" "example.org")("" NIL "x" "y.z")) NIL NIL NIL NIL NIL NIL NIL)';
    expect(envelope(text).from).toStrictEqual([
      {name: 'Carol Q. Public', mailbox: 'carol', host: 'example.org', address: 'carol@example.org'},
      {name: '', mailbox: 'x', host: 'y.z', address: 'x@y.z'},
    ]);
  });

  it('handles RFC 3501 group syntax: members carry the group, markers are dropped', () => {
    const to =
      '((NIL NIL "team" NIL)(NIL NIL "a" "x.org")("Bee" NIL "b" "x.org")(NIL NIL NIL NIL)' +
      '(NIL NIL "dave" "y.org")(NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))';
    const text = `(NIL NIL ${CAROL} NIL NIL ${to} NIL NIL NIL NIL)`;
    expect(envelope(text).to).toStrictEqual([
      {name: undefined, mailbox: 'a', host: 'x.org', address: 'a@x.org', group: 'team'},
      {name: 'Bee', mailbox: 'b', host: 'x.org', address: 'b@x.org', group: 'team'},
      {name: undefined, mailbox: 'dave', host: 'y.org', address: 'dave@y.org'},
    ]);
  });

  it('decodes RFC 2047 encoded-words in the subject and names', () => {
    const text =
      '(NIL "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= =?ISO-8859-1?B?YXVzIEv2bG4=?= !" ' +
      '(("=?utf-8?b?SsO8cmdlbg==?= M." NIL "j" "example.de")) NIL NIL NIL NIL NIL NIL NIL)';
    const parsed = envelope(text);
    expect(parsed.subject).toBe('Grüßeaus Köln !');
    expect(parsed.from[0]?.name).toBe('Jürgen M.');
  });

  it.each([
    ['', 'unexpected end'],
    ['(NIL NIL)', '10 fields'],
    ['("a" "b" NIL NIL NIL NIL NIL NIL NIL NIL', 'unterminated list'],
    ['(NIL "unterminated NIL NIL NIL NIL NIL NIL NIL NIL)', 'unterminated quoted'],
    ['(NIL {99}\r\nshort NIL NIL NIL NIL NIL NIL NIL NIL)', 'literal longer'],
    ['(NIL {x}\r\n NIL NIL NIL NIL NIL NIL NIL NIL)', 'malformed literal'],
    ['(NIL NIL "notalist" NIL NIL NIL NIL NIL NIL NIL)', 'not an address list'],
    ['(NIL NIL ((NIL "a")) NIL NIL NIL NIL NIL NIL NIL)', 'malformed address'],
    ['(NIL (NIL) NIL NIL NIL NIL NIL NIL NIL NIL)', 'subject is a list'],
    ['(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) extra', 'after the value'],
    [`${'('.repeat(100)}${')'.repeat(100)}`, 'nested too deeply'],
  ])('rejects %j', (text, reason) => {
    const result = parseEnvelope(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(reason);
  });
});

describe('decodeEncodedWords (RFC 2047)', () => {
  it('leaves plain text alone', () => {
    expect(decodeEncodedWords('Hello =? world')).toBe('Hello =? world');
  });

  it('decodes Q (underscore is a space) and B', () => {
    expect(decodeEncodedWords('=?utf-8?q?caf=C3=A9_au_lait?=')).toBe('café au lait');
    expect(decodeEncodedWords('Re: =?UTF-8?B?4oKsIDEwMA==?=')).toBe('Re: € 100');
  });

  it('joins adjacent encoded-words but keeps blanks next to plain text', () => {
    expect(decodeEncodedWords('=?utf-8?q?a?=  =?utf-8?q?b?= c =?utf-8?q?d?=')).toBe('ab c d');
  });

  it('leaves words in unknown charsets or with bad encoding as they were', () => {
    expect(decodeEncodedWords('=?x-unknown?q?abc?=')).toBe('=?x-unknown?q?abc?=');
    expect(decodeEncodedWords('=?utf-8?q?bad=ZZ?=')).toBe('=?utf-8?q?bad=ZZ?=');
  });
});
