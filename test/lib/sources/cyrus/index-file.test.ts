import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readMailboxHeader} from '../../../../src/lib/sources/cyrus/header-file.js';
import {parseMailboxIndex, readMailboxIndex} from '../../../../src/lib/sources/cyrus/index-file.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {writeMailbox} from './cyrus-spool.js';

const tempDir = useTempDirs();

/** The 160-byte cyrus.index of an empty folder, as Cyrus 3.6 wrote it (xxd of a fresh user.carol). */
const CYRUS_36_EMPTY_INDEX = Buffer.from(
  [
    '0000 0000 0000 0000 0000 0011 0000 00a0',
    '0000 0070 0000 0000 0000 0000 0000 0000',
    '0000 0000 0000 0000 0000 0000 6b06 5f5b',
    '0000 0000 0000 0000 0000 0000 0000 0001',
    '0000 0000 0000 0000 0000 0001 0000 0000',
    '0000 0000 0000 0000 0000 0000 0000 0000',
    '7165 2370 0000 0000 0000 0000 0000 0000',
    '0000 0000 0000 0000 00bc 614e 0000 0000',
    '0000 0000 0000 0001 6b06 5f5a 0000 0000',
    '0000 0000 0000 0000 0000 0000 90d0 bb1a',
  ]
    .join('')
    .replaceAll(' ', ''),
  'hex',
);

const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');
const mail = (n: number): Buffer => Buffer.from(`Subject: message ${n}\r\n\r\n${'body '.repeat(n * 10)}\r\n`);

/** 40 user flags beyond custom1 and $Label2, so that bits 31 and 32 (the second word) are used. */
const MANY = Array.from({length: 40}, (_, i) => `f${i}`);

/** A folder with every case a record can be in; returns its index file and user flag names. */
function writeFolder(): {path: string; userFlags: string[]} {
  const dir = writeMailbox(tempDir(), {
    mailboxId: 'ttgmduef4pb10l8j0alg1c57',
    name: 'user.alice',
    uidValidity: 0x6b065f5b,
    messages: [
      {uid: 1, bytes: mail(1), flags: ['\\Seen', '\\Answered'], internalDate: Date.UTC(2026, 2, 3, 9, 0, 0, 999), modseq: 5},
      {uid: 2, bytes: mail(2), flags: ['\\Flagged', 'custom1', '$Label2', '\\Draft'], internalDate: Date.UTC(2026, 2, 4), modseq: 7},
      {uid: 4, bytes: mail(4), flags: ['\\Deleted', '\\Seen'], internalDate: Date.UTC(2026, 2, 5), modseq: 9, expunged: true},
      {uid: 5, bytes: mail(5), flags: ['\\Seen'], internalDate: Date.UTC(2026, 2, 6), modseq: 10, expunged: true, unlinked: true},
      {uid: 6, bytes: mail(6), flags: ['custom1', ...MANY], internalDate: Date.UTC(2026, 2, 7), modseq: 8},
    ],
  });
  return {path: join(dir, 'cyrus.index'), userFlags: readMailboxHeader(join(dir, 'cyrus.header')).userFlags};
}

describe('readMailboxIndex', () => {
  it("reads the header of an empty folder's index as Cyrus 3.6 wrote it", () => {
    expect(CYRUS_36_EMPTY_INDEX.length).toBe(160);
    expect(parseMailboxIndex(CYRUS_36_EMPTY_INDEX, [])).toEqual({
      header: {minorVersion: 17, uidValidity: 0x6b065f5b, highestModseq: 1n, lastUid: 0, numRecords: 0, exists: 0},
      records: [],
    });
  });

  it('reads every record the spool writer laid out: UID, date, size, flags by name, SHA-1, modseq, expunged, unlinked', () => {
    const {path, userFlags} = writeFolder();
    const {header, records} = readMailboxIndex(path, userFlags);
    expect(header).toEqual({minorVersion: 17, uidValidity: 0x6b065f5b, highestModseq: 10n, lastUid: 6, numRecords: 5, exists: 3});
    expect(records.map((r) => r.uid)).toEqual([1, 2, 4, 5, 6]);
    const [first, second, third, fourth, fifth] = records;
    // The file keeps whole seconds: the 999 ms are gone.
    expect(first).toEqual({uid: 1, internalDate: Date.UTC(2026, 2, 3, 9, 0, 0), size: mail(1).length, flags: ['\\Answered', '\\Seen'], guid: sha1(mail(1)), modseq: 5n, expunged: false, unlinked: false});
    // System flags first (in bit order), then user flags in the header's bit order, not as stored.
    expect(second).toMatchObject({flags: ['\\Flagged', '\\Draft', 'custom1', '$Label2'], size: mail(2).length, guid: sha1(mail(2)), modseq: 7n, internalDate: Date.UTC(2026, 2, 4)});
    expect(third).toMatchObject({uid: 4, flags: ['\\Deleted', '\\Seen'], expunged: true, unlinked: false});
    expect(fourth).toMatchObject({uid: 5, expunged: true, unlinked: true, guid: sha1(mail(5))});
    expect(fifth?.flags).toEqual(['custom1', ...MANY]);
    expect(userFlags.indexOf('f29')).toBe(31); // bit 31 of the first word: the sign bit
    expect(userFlags.indexOf('f30')).toBe(32); // bit 0 of the second word
  });

  it('ignores a user-flag bit whose name the header does not have', () => {
    const {path} = writeFolder();
    expect(readMailboxIndex(path, ['custom1']).records[1]?.flags).toEqual(['\\Flagged', '\\Draft', 'custom1']);
  });

  it.each([
    [12, 96, 'Cyrus 2.4'],
    [20, 144, 'Cyrus 3.8'],
  ])('refuses index version %i (record size %i, %s) with IndexVersionUnsupported and the hint to use --from imap', (version, recordSize) => {
    const {path, userFlags} = writeFolder();
    const bytes = readFileSync(path);
    bytes.writeUInt32BE(version, 8);
    bytes.writeUInt32BE(recordSize, 16);
    writeFileSync(path, bytes);
    const error = thrownBonnieError(() => readMailboxIndex(path, userFlags));
    expect(error.code).toBe('IndexVersionUnsupported');
    expect(error.message).toBe(`${path}: index version ${version} (record size ${recordSize}); bonnie reads version 17 (Cyrus 3.2 to 3.6)`);
    expect(error.hint).toBe('Archive this folder over IMAP instead: bonnie archive --from imap.');
  });

  it('refuses another version even when its header is shorter than version 17 (v12: 128 bytes)', () => {
    const v12 = Buffer.alloc(128);
    v12.writeUInt32BE(12, 8);
    v12.writeUInt32BE(128, 12);
    v12.writeUInt32BE(96, 16);
    expect(thrownBonnieError(() => parseMailboxIndex(v12, [])).code).toBe('IndexVersionUnsupported');
  });

  it('refuses a file shorter than the header, saying so', () => {
    const {path, userFlags} = writeFolder();
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    const error = thrownBonnieError(() => readMailboxIndex(path, userFlags));
    expect(error.code).toBe('IndexUnreadable');
    expect(error.message).toBe(`${path}: 100 bytes is too short for a Cyrus index header (160 bytes)`);
    expect(error.hint).toMatch(/reconstruct/);
    expect(thrownBonnieError(() => parseMailboxIndex(Buffer.alloc(0), [])).message).toBe('cyrus.index: 0 bytes is too short for a Cyrus index header (160 bytes)');
  });

  it('refuses records said to start inside the header', () => {
    const bytes = Buffer.from(CYRUS_36_EMPTY_INDEX);
    bytes.writeUInt32BE(64, 12);
    expect(thrownBonnieError(() => parseMailboxIndex(bytes, [])).message).toBe('cyrus.index: the records start at offset 64, inside the 160-byte header');
  });

  it('reads only the records present when the header counts more (a truncated file)', () => {
    const {path, userFlags} = writeFolder();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, 160 + 112 * 2 + 50)); // two records and part of a third
    const {header, records} = readMailboxIndex(path, userFlags);
    expect(header.numRecords).toBe(5);
    expect(records.map((r) => r.uid)).toEqual([1, 2]);
  });

  it('reads only numRecords records when more follow (appended, not yet committed)', () => {
    const {path, userFlags} = writeFolder();
    const bytes = readFileSync(path);
    bytes.writeUInt32BE(3, 20);
    expect(parseMailboxIndex(bytes, userFlags).records.map((r) => r.uid)).toEqual([1, 2, 4]);
  });
});
