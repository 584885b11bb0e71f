/** Realistic test messages: RFC 5322 headers, a text part, an HTML part, a base64 attachment. */
import {createHash} from 'node:crypto';

const WORDS = 'the archive keeps every message exactly as it was delivered so that an auditor can prove what was said and when meeting budget quarter report review contract please find attached regards thanks'.split(' ');

/** Deterministic pseudo-random bytes (SHA-256 counter mode), so fixtures do not change between runs. */
function prng(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, block = 0; i < length; block++) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest();
    i += h.copy(out, i);
  }
  return out;
}

function prose(seed: string, words: number): string {
  const r = prng(seed, words);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(r[i] ?? 0) % WORDS.length] ?? 'x');
  return out.join(' ').replace(/(.{1,72})(\s|$)/g, '$1\r\n');
}

/**
 * A ~`size`-byte message. `attachment`: 'text' base64-encodes a text document (a .txt/.csv/.docx-like
 * body), 'binary' random bytes (an already-compressed PDF or JPEG). Same seed, same bytes.
 */
export function makeMail(seed: string, size = 100_000, attachment: 'text' | 'binary' = 'text'): Buffer {
  const text = prose(`${seed}:text`, 300);
  const html = `<html><body><p>${prose(`${seed}:html`, 300).replace(/\r\n/g, '</p>\r\n<p>')}</p></body></html>\r\n`;
  const head = [
    `Return-Path: <alice@example.org>`,
    `Received: from mx.example.org (mx.example.org [192.0.2.1]) by imap.example.org (Cyrus 3.6.1) with LMTPA; Tue, 3 Mar 2026 10:00:00 +0100`,
    `From: Alice Example <alice@example.org>`,
    `To: Bob Example <bob@example.org>`,
    `Subject: Quarterly report ${seed}`,
    `Date: Tue, 3 Mar 2026 10:00:00 +0100`,
    `Message-ID: <${createHash('sha256').update(seed).digest('hex').slice(0, 24)}@example.org>`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/mixed; boundary="b1"`,
    ``,
    `--b1`,
    `Content-Type: multipart/alternative; boundary="b2"`,
    ``,
    `--b2`,
    `Content-Type: text/plain; charset=utf-8`,
    ``,
    text,
    `--b2`,
    `Content-Type: text/html; charset=utf-8`,
    ``,
    html,
    `--b2--`,
    `--b1`,
    `Content-Type: application/octet-stream; name="report.bin"`,
    `Content-Transfer-Encoding: base64`,
    `Content-Disposition: attachment; filename="report.bin"`,
    ``,
    ``,
  ].join('\r\n');
  const rawLength = Math.max(0, Math.floor(((size - head.length - 10) * 3) / 4 / (78 / 76)));
  const raw = attachment === 'binary' ? prng(`${seed}:bin`, rawLength) : Buffer.from(prose(`${seed}:doc`, Math.ceil(rawLength / 5)).slice(0, rawLength));
  const b64 = raw.toString('base64').replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(`${head}${b64}\r\n--b1--\r\n`);
}
