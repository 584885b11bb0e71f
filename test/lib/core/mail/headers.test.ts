import {describe, expect, it} from 'vitest';
import {HEADER_SCAN_BYTES, headerSection, parseHeader, readHeader} from '../../../../src/lib/core/mail/headers.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');
const lf = (...lines: string[]) => Buffer.from(lines.join('\n'), 'latin1');

describe('readHeader (RFC 5322 2.2)', () => {
  it('unfolds a folded field, keeping the whitespace of the continuation (2.2.3)', () => {
    const header = readHeader(crlf('Subject: a long', '\tsubject that', '  goes on', 'From: a@example.org', '', 'body'));
    expect(header.get('subject')).toBe('a long\tsubject that  goes on');
    expect(header.get('from')).toBe('a@example.org');
  });

  it('reads CRLF and bare LF line ends alike, and a mix of both', () => {
    const lines = ['Message-ID:', ' <id@example.org>', 'X-Kolab-Type: application/x-vnd.kolab.event', '', 'Message-ID: <in-the-body@example.org>'];
    for (const message of [crlf(...lines), lf(...lines), Buffer.from('Message-ID:\n <id@example.org>\r\nX-Kolab-Type: application/x-vnd.kolab.event\n\r\nbody')]) {
      const header = readHeader(message);
      expect(header.get('Message-ID')).toBe('<id@example.org>');
      expect(header.get('x-kolab-type')).toBe('application/x-vnd.kolab.event');
      expect(header.fields.map((f) => f.name)).toEqual(['Message-ID', 'X-Kolab-Type']);
    }
  });

  it('stops at the first empty line: a field in the body is not a header', () => {
    const header = readHeader(crlf('Subject: x', '', 'X-Kolab-Type: application/x-vnd.kolab.event', ''));
    expect(header.get('x-kolab-type')).toBeUndefined();
    expect(headerSection(crlf('Subject: x', '', 'body'))).toBe('Subject: x\r\n');
  });

  it('takes a message without an empty line (a header block without body) as all header', () => {
    expect(readHeader(crlf('Subject: only a header', 'From: b@example.org')).get('from')).toBe('b@example.org');
    expect(readHeader(lf('Subject: only a header', 'From: b@example.org', '')).get('from')).toBe('b@example.org');
  });

  it('finds no field in a message that starts with an empty line', () => {
    expect(readHeader(crlf('', 'Subject: body text')).fields).toEqual([]);
    expect(readHeader(lf('', 'Subject: body text')).fields).toEqual([]);
    expect(readHeader(Buffer.alloc(0)).fields).toEqual([]);
  });

  it('answers undefined for an absent field, and "" for an empty one', () => {
    const header = readHeader(crlf('Subject:', 'X-Empty:   ', '', ''));
    expect(header.get('message-id')).toBeUndefined();
    expect(header.has('message-id')).toBe(false);
    expect(header.getAll('message-id')).toEqual([]);
    expect(header.get('subject')).toBe('');
    expect(header.get('x-empty')).toBe('');
  });

  it('returns the first value of a repeated field, and every value in order with getAll', () => {
    const header = readHeader(crlf('Received: from one', 'received: from two', ' by relay', 'RECEIVED: from three', 'Subject: s', '', ''));
    expect(header.get('Received')).toBe('from one');
    expect(header.getAll('received')).toEqual(['from one', 'from two by relay', 'from three']);
  });

  it('matches names whatever their case, and keeps the case the sender wrote', () => {
    const header = readHeader(crlf('mEsSaGe-Id: <x@y>', '', ''));
    expect(header.get('MESSAGE-ID')).toBe('<x@y>');
    expect(header.fields[0]).toEqual({name: 'mEsSaGe-Id', value: ' <x@y>'});
  });

  it('accepts whitespace before the colon (obsolete syntax, 4.5.3) and skips lines that are not fields', () => {
    const header = readHeader(lf('From sender@example.org Mon Jan  1 00:00:00 2026', '  orphan continuation', 'Return-Path : <r@example.org>', 'no colon here', ' continues nothing', 'To: t@example.org', '', ''));
    expect(header.fields.map((f) => f.name)).toEqual(['Return-Path', 'To']);
    expect(header.get('return-path')).toBe('<r@example.org>');
    expect(header.get('to')).toBe('t@example.org');
  });

  it('reads bytes as latin1, one character per byte, without decoding encoded words', () => {
    const header = readHeader(Buffer.concat([Buffer.from('Subject: =?utf-8?q?caf=C3=A9?= '), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]));
    expect(header.get('subject')).toBe('=?utf-8?q?caf=C3=A9?= \u00e9');
  });

  it('reads a Uint8Array view at an offset of a larger buffer', () => {
    const whole = Buffer.from('garbageSubject: view\r\n\r\nbody');
    expect(readHeader(new Uint8Array(whole.buffer, whole.byteOffset + 7, whole.length - 7)).get('subject')).toBe('view');
  });

  it('reads at most HEADER_SCAN_BYTES of a message that has no empty line', () => {
    const huge = Buffer.concat([Buffer.from('X-First: 1\r\nX-Long: '), Buffer.alloc(HEADER_SCAN_BYTES, 0x61), Buffer.from('\r\nX-Late: 2\r\n\r\n')]);
    const header = readHeader(huge);
    expect(header.get('x-first')).toBe('1');
    expect(header.has('x-late')).toBe(false);
    expect(headerSection(huge).length).toBe(HEADER_SCAN_BYTES);
  });

  it('parses a header block given as text, such as an IMAP FETCH of some fields', () => {
    expect(parseHeader('Message-ID: <a@b>\r\n\r\n').get('message-id')).toBe('<a@b>');
    expect(parseHeader('').fields).toEqual([]);
  });
});
