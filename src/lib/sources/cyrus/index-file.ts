/**
 * A folder's `cyrus.index`, minor version 17 (Cyrus 3.2 to 3.6): a 160-byte header, then one fixed-size
 * record per message, every number big-endian (imap/mailbox.h). Read-only, and only the fields a folder
 * snapshot needs. Another version is refused (IndexVersionUnsupported): its layout differs (3.8's v20
 * widened the dates), and guessing would record wrong flags and dates.
 *
 * An expunged message keeps its record (flag EXPUNGED) and its file until `cyr_expire -X`; an UNLINKED
 * record's file is already gone.
 */
import {readFileSync} from 'node:fs';
import {BonnieError} from '../../base/errors.js';

export const SUPPORTED_INDEX_VERSION = 17;

const H = {minorVersion: 8, startOffset: 12, recordSize: 16, numRecords: 20, lastUid: 28, uidValidity: 44, highestModseq: 68, exists: 84} as const;
const R = {uid: 0, internalDate: 4, size: 12, systemFlags: 32, userFlags: 36, guid: 60, modseq: 80} as const;
const HEADER_BYTES_V17 = 160;
const RECORD_BYTES_V17 = 112;
const USER_FLAG_WORDS = 4;

const SYSTEM_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [1 << 0, '\\Answered'],
  [1 << 1, '\\Flagged'],
  [1 << 2, '\\Deleted'],
  [1 << 3, '\\Draft'],
  [1 << 4, '\\Seen'],
];
const FLAG_UNLINKED = 1 << 30;
const FLAG_EXPUNGED = 0x80000000;
const DAMAGED_HINT = "Repair the folder with Cyrus' reconstruct, or archive it with --from imap.";

export interface IndexHeader {
  minorVersion: number;
  uidValidity: number;
  /** The folder's HIGHESTMODSEQ: unchanged means no message, flag or expunge changed. */
  highestModseq: bigint;
  lastUid: number;
  /** Records in the file, expunged ones included. */
  numRecords: number;
  /** Messages not expunged. */
  exists: number;
}

export interface IndexRecord {
  uid: number;
  /** INTERNALDATE, ms since the epoch (the file keeps seconds). */
  internalDate: number;
  size: number;
  /** IMAP flag names: system flags first, then user flags in bit order. */
  flags: string[];
  /** SHA-1 of the message file (Cyrus' GUID), hex. */
  guid: string;
  modseq: bigint;
  /** Expunged: no longer in the folder as IMAP shows it, the file kept until cyr_expire -X. */
  expunged: boolean;
  /** The file was already removed. */
  unlinked: boolean;
}

export interface MailboxIndex {
  header: IndexHeader;
  records: IndexRecord[];
}

/** Reads a cyrus.index; `userFlags` are the names from cyrus.header, by bit. */
export function readMailboxIndex(path: string, userFlags: readonly string[]): MailboxIndex {
  return parseMailboxIndex(readFileSync(path), userFlags, path);
}

/** Parses the bytes of a cyrus.index (see {@link readMailboxIndex}). */
export function parseMailboxIndex(buf: Buffer, userFlags: readonly string[], path = 'cyrus.index'): MailboxIndex {
  // The version first: another version's header may be shorter (v12's was 128 bytes), and is not damaged.
  if (buf.length >= H.recordSize + 4) {
    const minorVersion = buf.readUInt32BE(H.minorVersion);
    const recordSize = buf.readUInt32BE(H.recordSize);
    if (minorVersion !== SUPPORTED_INDEX_VERSION || recordSize !== RECORD_BYTES_V17) {
      throw new BonnieError('IndexVersionUnsupported', `${path}: index version ${minorVersion} (record size ${recordSize}); bonnie reads version ${SUPPORTED_INDEX_VERSION} (Cyrus 3.2 to 3.6)`, {
        hint: 'Archive this folder over IMAP instead: bonnie archive --from imap.',
      });
    }
  }
  if (buf.length < HEADER_BYTES_V17) {
    throw new BonnieError('IndexUnreadable', `${path}: ${buf.length} bytes is too short for a Cyrus index header (${HEADER_BYTES_V17} bytes)`, {hint: DAMAGED_HINT});
  }
  const minorVersion = buf.readUInt32BE(H.minorVersion);
  const startOffset = buf.readUInt32BE(H.startOffset);
  const recordSize = buf.readUInt32BE(H.recordSize);
  if (startOffset < HEADER_BYTES_V17) {
    throw new BonnieError('IndexUnreadable', `${path}: the records start at offset ${startOffset}, inside the ${HEADER_BYTES_V17}-byte header`, {hint: DAMAGED_HINT});
  }
  const header: IndexHeader = {
    minorVersion,
    uidValidity: buf.readUInt32BE(H.uidValidity),
    highestModseq: buf.readBigUInt64BE(H.highestModseq),
    lastUid: buf.readUInt32BE(H.lastUid),
    numRecords: buf.readUInt32BE(H.numRecords),
    exists: buf.readUInt32BE(H.exists),
  };
  const available = Math.floor((buf.length - startOffset) / recordSize);
  const count = Math.min(header.numRecords, Math.max(0, available));
  const records: IndexRecord[] = [];
  for (let i = 0; i < count; i++) {
    const at = startOffset + i * recordSize;
    const system = buf.readUInt32BE(at + R.systemFlags);
    const flags: string[] = [];
    for (const [bit, name] of SYSTEM_FLAGS) if ((system & bit) !== 0) flags.push(name);
    for (let w = 0; w < USER_FLAG_WORDS; w++) {
      const word = buf.readUInt32BE(at + R.userFlags + 4 * w);
      if (word === 0) continue;
      for (let b = 0; b < 32; b++) {
        if ((word & (1 << b)) === 0) continue;
        const name = userFlags[w * 32 + b];
        if (name !== undefined && name !== '') flags.push(name);
      }
    }
    records.push({
      uid: buf.readUInt32BE(at + R.uid),
      internalDate: buf.readUInt32BE(at + R.internalDate) * 1000,
      size: buf.readUInt32BE(at + R.size),
      flags,
      guid: buf.toString('hex', at + R.guid, at + R.guid + 20),
      modseq: buf.readBigUInt64BE(at + R.modseq),
      expunged: (system & FLAG_EXPUNGED) !== 0,
      unlinked: (system & FLAG_UNLINKED) !== 0,
    });
  }
  return {header, records};
}
