import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {decodeNotifyDatagram, encodeNotifyDatagram} from '../../../../src/lib/core/event/notify-datagram.js';
import {SPECIMENS} from '../../../helpers/paths.js';

const login = readFileSync(join(SPECIMENS, '01-Login.json'), 'utf8').trimEnd();
/** Fields joined the way notify()'s add_arg() does: each one followed by a NUL. */
const wire = (...fields: Array<string | Uint8Array>) => Buffer.concat(fields.flatMap((f) => [Buffer.from(f), Buffer.of(0)]));
const decodeOk = (bytes: Uint8Array) => {
  const decoded = decodeNotifyDatagram(bytes);
  if (!decoded.ok) throw new Error(`expected a datagram: ${decoded.error}`);
  return decoded.datagram;
};
const errorOf = (bytes: Uint8Array) => {
  const decoded = decodeNotifyDatagram(bytes);
  if (decoded.ok) throw new Error('expected an error');
  return decoded.error;
};

describe('decodeNotifyDatagram', () => {
  it('decodes an event as mboxevent_notify() sends it: no options, no file name', () => {
    // Captured from Cyrus 3.6.1 with event_notifier: external.
    const datagram = decodeOk(wire('external', 'EVENT', '', '', '', '0', login));
    expect(datagram).toMatchObject({method: 'external', class: 'EVENT', priority: '', user: '', mailbox: '', options: [], fname: undefined});
    expect(Buffer.from(datagram.message).toString()).toBe(login);
  });

  it('decodes two options and a file name', () => {
    const datagram = decodeOk(wire('mailto', 'SIEVE', 'high', 'alice', 'user.alice', '2', 'mailto:a@b', 'x', 'You have mail', '/var/spool/f'));
    expect(datagram).toMatchObject({method: 'mailto', class: 'SIEVE', priority: 'high', user: 'alice', mailbox: 'user.alice', options: ['mailto:a@b', 'x'], fname: '/var/spool/f'});
    expect(Buffer.from(datagram.message).toString()).toBe('You have mail');
  });

  it('decodes two options without a file name, and an empty message', () => {
    const datagram = decodeOk(wire('log', 'MAIL', '', '', '', '2', 'a', 'b', ''));
    expect(datagram.options).toEqual(['a', 'b']);
    expect(datagram.message).toHaveLength(0);
    expect(datagram.fname).toBeUndefined();
  });

  it('keeps the message bytes as they are (UTF-8 is judged later, with the event)', () => {
    const message = Buffer.from([0x7b, 0xc3, 0x28, 0x7d]);
    expect(Buffer.from(decodeOk(wire('external', 'EVENT', '', '', '', '0', message)).message).equals(message)).toBe(true);
  });

  it('agrees with encodeNotifyDatagram, which builds what notify() builds', () => {
    expect(encodeNotifyDatagram({message: login}).equals(wire('external', 'EVENT', '', '', '', '0', login))).toBe(true);
    const fields = {method: 'zephyr', class: 'MAIL', priority: 'low', user: 'bob', mailbox: 'user.bob', options: ['o1', 'o2'], message: 'm', fname: 'f'};
    expect(decodeOk(encodeNotifyDatagram(fields))).toMatchObject({...fields, message: Buffer.from('m')});
  });

  it.each([
    ['empty', Buffer.alloc(0), /^empty datagram$/],
    ['truncated: no NUL after the message', wire('external', 'EVENT', '', '', '', '0', login).subarray(0, 60), /^truncated datagram/],
    ['truncated inside the header', Buffer.from('external\0EVE'), /^truncated datagram/],
    ['the message missing', wire('external', 'EVENT', '', '', '', '0'), /^missing fields: 6 of at least 7/],
    ['only a method', wire('external'), /^missing fields: 1 of/],
    ['options missing', wire('external', 'EVENT', '', '', '', '3', 'a', login), /^missing fields: nopt is 3/],
    ['non-numeric nopt', wire('external', 'EVENT', '', '', '', 'zero', login), /^nopt "zero" is not a decimal count$/],
    ['negative nopt', wire('external', 'EVENT', '', '', '', '-1', login), /^nopt "-1"/],
    ['empty nopt', wire('external', 'EVENT', '', '', '', '', login), /^nopt "" /],
    ['fields after the file name', wire('external', 'EVENT', '', '', '', '0', login, 'fname', 'extra'), /^1 unexpected field/],
    ['invalid UTF-8 in the user', wire('external', 'EVENT', '', Buffer.from([0xff, 0xfe]), '', '0', login), /^field user is not valid UTF-8$/],
    ['invalid UTF-8 in an option', wire('external', 'EVENT', '', '', '', '1', Buffer.from([0xc3]), login), /^option 1 is not valid UTF-8$/],
  ])('refuses a datagram with %s, saying why', (_name, bytes, reason) => {
    expect(errorOf(bytes)).toMatch(reason);
  });

  it('shows an unprintable nopt escaped and short', () => {
    expect(errorOf(wire('external', 'EVENT', '', '', '', `1\n${'9'.repeat(80)}`, login))).toMatch(/^nopt "1\\n9{34}\.\.\." is not a decimal count$/);
  });
});
