/**
 * The mboxrd writer, directly: quoting of "From " lines at any depth, the From_ line, and a file read back
 * by Python's mailbox module (an independent reader) giving every message's exact bytes.
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {MboxWriter} from '../../../../src/lib/out/export/folder-writers.js';
import {asctime, envelopeSender, mboxrdEntry, quoteMboxrd, unquoteMboxrd} from '../../../../src/lib/out/export/mboxrd.js';
import type {MessageAt} from '../../../../src/lib/out/restore/state-at.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {python} from './fixture.js';

const tempDir = useTempDirs();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A message whose body has every line mboxrd must quote, and some it must not, with CRLF like Cyrus. */
const TRICKY = Buffer.from(
  [
    'Return-Path: <carol@example.org>',
    'From: Carol <carol@example.org>',
    'Subject: quoting',
    'Message-ID: <tricky@example.org>',
    '',
    'From the start of a line',
    '>From already quoted once',
    '>>From quoted twice',
    'From',
    ' From indented',
    'Fromage',
    '>>>> From not a From line',
    'From ',
    '',
  ].join('\r\n'),
);

const PLAIN = Buffer.from('From: <dave@example.org>\nSubject: plain\n\nno trailing newline');

const message = (uid: number, bytes: Buffer, internalDate: number): MessageAt => ({
  uid,
  flags: [],
  internalDate,
  dateFrom: 'snapshot',
  size: bytes.length,
  sha256: createHash('sha256').update(bytes).digest(),
  message: undefined,
});

describe('mboxrd quoting', () => {
  it('adds one ">" to every line that is ">"s then "From ", and to nothing else', () => {
    const quoted = quoteMboxrd(TRICKY).toString().split('\r\n');
    expect(quoted.slice(5, 13)).toEqual(['>From the start of a line', '>>From already quoted once', '>>>From quoted twice', 'From', ' From indented', 'Fromage', '>>>> From not a From line', '>From ']);
    expect(quoteMboxrd(Buffer.from('From x\n')).toString()).toBe('>From x\n');
  });

  it('returns the same bytes when unquoted', () => {
    expect(unquoteMboxrd(quoteMboxrd(TRICKY)).equals(TRICKY)).toBe(true);
    expect(quoteMboxrd(PLAIN)).toBe(PLAIN);
  });
});

describe('the From_ line', () => {
  it('names the Return-Path, else the From address, else MAILER-DAEMON', () => {
    expect(envelopeSender(TRICKY)).toBe('carol@example.org');
    expect(envelopeSender(PLAIN)).toBe('dave@example.org');
    expect(envelopeSender(Buffer.from('Return-Path: <>\r\nFrom: a@b.example\r\n\r\nbounce'))).toBe('MAILER-DAEMON');
    expect(envelopeSender(Buffer.from('Subject: no sender\r\n\r\nFrom: body@not.header\r\n'))).toBe('MAILER-DAEMON');
    expect(envelopeSender(Buffer.from('From: "x y" <bad address@example.org>\r\n\r\n'))).toBe('MAILER-DAEMON');
    expect(envelopeSender(Buffer.from('From:\r\n  Folded <folded@example.org>\r\n\r\n'))).toBe('folded@example.org');
  });

  it('dates with asctime in UTC, the day padded with a space', () => {
    expect(asctime(Date.UTC(2026, 10, 22, 11, 54, 3))).toBe('Sun Nov 22 11:54:03 2026');
    expect(asctime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('Fri Jan  2 03:04:05 2026');
  });

  it('ends each entry with a blank line, adding the missing line feed first', () => {
    const entry = Buffer.concat(mboxrdEntry(PLAIN, Date.UTC(2026, 0, 2)));
    expect(entry.toString()).toBe(`From dave@example.org Fri Jan  2 00:00:00 2026\n${PLAIN.toString()}\n\n`);
    expect(Buffer.concat(mboxrdEntry(TRICKY, 0)).subarray(-3).toString()).toBe('\r\n\n');
  });
});

describe('an mbox file read by Python', () => {
  it('gives back every message, byte for byte once unquoted, with its From_ line', async () => {
    const root = tempDir();
    const writer = new MboxWriter(root);
    const messages = [message(1, TRICKY, Date.UTC(2026, 10, 22, 11, 54, 3)), message(2, PLAIN, Date.UTC(2026, 0, 2)), message(3, TRICKY, 0)];
    await writer.beginFolder('Sub/Folder');
    for (const [i, m] of messages.entries()) expect(await writer.addMessage('Sub/Folder', m, i === 1 ? PLAIN : TRICKY)).toBe('Sub/Folder.mbox');
    await writer.endFolder('Sub/Folder');
    const file = join(root, 'Sub', 'Folder.mbox');
    expect(writer.checksums).toEqual([{path: 'Sub/Folder.mbox', sha256: sha256(readFileSync(file))}]);

    const read = python<Array<{from: string; sha256: string; subject: string; body: string}>>(
      `
import email, email.policy, hashlib, json, mailbox, re, sys
box = mailbox.mbox(sys.argv[1], create=False)
out = []
for key in box.keys():
    raw = re.sub(rb'(?m)^>(>*From )', rb'\\1', box.get_bytes(key))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    out.append({'from': box.get_message(key).get_from(), 'sha256': hashlib.sha256(raw).hexdigest(), 'subject': str(parsed['subject']), 'body': parsed.get_content()})
print(json.dumps(out))
`,
      file,
    );
    expect(read.map((m) => m.from)).toEqual(['carol@example.org Sun Nov 22 11:54:03 2026', 'dave@example.org Fri Jan  2 00:00:00 2026', 'carol@example.org Thu Jan  1 00:00:00 1970']);
    expect(read[0]?.sha256).toBe(sha256(TRICKY));
    expect(read[2]?.sha256).toBe(sha256(TRICKY));
    // mbox cannot say "no final line feed": the one added is all that differs.
    expect(read[1]?.sha256).toBe(sha256(Buffer.concat([PLAIN, Buffer.from('\n')])));
    expect(read[0]?.subject).toBe('quoting');
    expect(read[0]?.body.replaceAll('\r\n', '\n')).toMatch(/^From the start of a line\n>From already quoted once\n>>From quoted twice\n/);
  });
});
