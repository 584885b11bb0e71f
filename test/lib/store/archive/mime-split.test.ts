import {randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {BlobCompressor, BlobDecompressor, hashBlob} from '../../../../src/lib/store/archive/blob/blob.js';
import {openManifestReading, packMessage} from '../../../../src/lib/store/archive/blob/manifest.js';
import {splitMessage} from '../../../../src/lib/store/archive/blob/mime-split.js';

const compressor = new BlobCompressor();
const decompressor = new BlobDecompressor();

/** base64 of `bytes` in lines of `line` characters joined by `eol`. */
function b64(bytes: Buffer, line = 76, eol = '\r\n'): string {
  return (bytes.toString('base64').match(new RegExp(`.{1,${line}}`, 'g')) ?? []).join(eol);
}

/**
 * Packs `message` (base64 bodies raw, the default, and decoded), reopens it from the frames alone, and
 * returns how many parts it was split into (the same either way).
 */
function roundTrip(message: Buffer): number {
  const counts = [{}, {decodeBase64: true}].map((options) => {
    const packed = packMessage(compressor, message, options);
    const frames = new Map(packed.parts.map((p) => [p.id.toString('hex'), p.frame]));
    const back = packed.manifest ? openManifestReading(decompressor, packed.frame, (id) => frames.get(id.toString('hex')) ?? 'missing', hashBlob(message), message.length) : decompressor.decompress(packed.frame);
    expect(typeof back).not.toBe('string');
    expect(Buffer.compare(back as Buffer, message)).toBe(0);
    return packed.parts.length;
  });
  expect(counts[1]).toBe(counts[0]);
  return counts[0] ?? 0;
}

const pdf = randomBytes(20_000);
const jpeg = randomBytes(9_000);

function multipart(eol: string, opts: {close?: boolean; preamble?: string; epilogue?: string} = {}): Buffer {
  const lines = [
    'From: a@example.com',
    'To: b@example.com',
    'Subject: two files',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed;',
    '\tboundary="outer=_1"',
    '',
    opts.preamble ?? 'This is a multi-part message in MIME format.',
    '--outer=_1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße, see attached.',
    '',
    '--outer=_1',
    'Content-Type: application/pdf; name="a.pdf"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="a.pdf"',
    '',
    b64(pdf, 76, eol),
    '--outer=_1',
    'Content-Type: multipart/related; boundary=inner',
    '',
    '--inner',
    'Content-Type: image/jpeg',
    'Content-Transfer-Encoding: base64',
    '',
    b64(jpeg, 72, eol),
    '',
    '--inner--',
    '',
  ];
  if (opts.close !== false) lines.push('--outer=_1--', opts.epilogue ?? 'epilogue text');
  return Buffer.from(lines.join(eol), 'utf8');
}

describe('splitting a message at its MIME part boundaries', () => {
  it('cuts out large base64 bodies, nested ones too, and reassembles the exact bytes (CRLF)', () => {
    const message = multipart('\r\n');
    expect(splitMessage(message).every((p) => p.encoding.kind === 'raw')).toBe(true);
    const parts = splitMessage(message, {decodeBase64: true});
    expect(parts.map((p) => p.content.length)).toEqual([pdf.length, jpeg.length]);
    expect(parts.every((p) => p.encoding.kind === 'base64')).toBe(true);
    expect(roundTrip(message)).toBe(2);
  });

  it('LF only, no final boundary, preamble and epilogue', () => {
    expect(roundTrip(multipart('\n'))).toBe(2);
    expect(roundTrip(multipart('\r\n', {close: false}))).toBe(2);
    expect(roundTrip(multipart('\n', {preamble: '', epilogue: 'x'.repeat(9000)}))).toBe(2);
  });

  it('stores a base64 body that would not encode back exactly as it is (raw)', () => {
    // Uneven lines: no single line length gives them back.
    const body = `${pdf.toString('base64').slice(0, 60)}\r\n${pdf.toString('base64').slice(60, 20_000)}`;
    const message = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}\r\n--b--\r\n`);
    const parts = splitMessage(message, {decodeBase64: true});
    expect(parts).toHaveLength(1);
    expect(parts[0]?.encoding.kind).toBe('raw');
    expect(roundTrip(message)).toBe(1);
  });

  it('leaves small parts, 8bit and binary bodies, and a message with no MIME whole', () => {
    const small = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(1000))}\r\n--b--\r\n`);
    expect(roundTrip(small)).toBe(0);
    const eightBit = Buffer.concat([Buffer.from('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: 8bit\n\n'), Buffer.from('é'.repeat(5000)), Buffer.from('\n--b--\n')]);
    expect(roundTrip(eightBit)).toBe(0);
    const binary = Buffer.concat([Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: binary\r\n\r\n'), randomBytes(10_000), Buffer.from('\r\n--b--\r\n')]);
    expect(roundTrip(binary)).toBe(0);
    expect(roundTrip(Buffer.from(`From: a\r\nSubject: plain\r\n\r\n${'hello world\r\n'.repeat(2000)}`))).toBe(0);
    expect(roundTrip(Buffer.from('no headers, no blank line'))).toBe(0);
  });

  it('a single-part base64 message, and one whose body is random bytes around boundaries, still read back exactly', () => {
    expect(roundTrip(Buffer.from(`Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n${b64(pdf, 64, '\n')}\n`))).toBe(1);
    for (let i = 0; i < 50; i++) {
      const noise = Buffer.concat([Buffer.from('Content-Type: multipart/mixed; boundary=b\n\n'), randomBytes(2000), Buffer.from('\n--b\nContent-Transfer-Encoding: base64\n\n'), Buffer.from(b64(randomBytes(6000 + i), 76, '\n')), randomBytes(i)]);
      roundTrip(noise);
    }
  });

  it('the same attachment in two messages is the same part (decoded: whatever its line length)', () => {
    const a = multipart('\r\n');
    const b = Buffer.from(`Subject: Fwd\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(pdf, 64)}\r\n--zz--\r\n`);
    const idsA = packMessage(compressor, a, {decodeBase64: true}).parts.map((p) => p.id.toString('hex'));
    const idsB = packMessage(compressor, b, {decodeBase64: true}).parts.map((p) => p.id.toString('hex'));
    expect(idsA).toContain(idsB[0]);
    const c = Buffer.from(`Subject: Fwd\r\nContent-Type: multipart/mixed; boundary=yy\r\n\r\n--yy\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(pdf, 76)}\r\n--yy--\r\n`);
    expect(packMessage(compressor, a).parts.map((p) => p.id.toString('hex'))).toContain(packMessage(compressor, c).parts[0]?.id.toString('hex'));
    expect(roundTrip(b)).toBe(1);
  });
});
