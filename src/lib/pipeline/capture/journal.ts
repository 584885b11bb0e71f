/**
 * The capture journal: where the socket daemon writes every datagram it reads, before anything else is
 * done with it. An append-only file in the page cache survives a kill -9 of the daemon without an fsync;
 * the catalog is filled from it afterwards, at its own pace (journal-drain.ts), so capture never waits on
 * the catalog's lock and a datagram read from the socket is never only in memory for longer than one write.
 *
 * File: `<spill>/journal/<13-digit ms>-<pid>.journal`, one writer (the daemon that created it), never
 * appended to by another process. Layout (all integers little-endian):
 *   header  8 bytes  "BNJRNL1\n"
 *   record  u32 payload length | u32 CRC-32 of the payload (zlib's) | f64 received at (ms since the epoch) | payload
 * A record is written with one write(2). A file whose writer died may end in a torn record (a short write on
 * a full disk): the reader stops before it, and once the file is finished the drain quarantines those bytes.
 *
 * Hand-written on purpose: the format is 16 bytes of header per record and must be readable byte by byte
 * after a crash; no library offers a crash-tolerant append log for Node.
 */
import {closeSync, existsSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {crc32} from 'node:zlib';
import {adoptCreatedFolders, adoptOwnership} from '../../base/system/ownership.js';

export const JOURNAL_MAGIC = Buffer.from('BNJRNL1\n', 'latin1');
export const RECORD_HEADER_BYTES = 16;
/** Largest payload accepted: Cyrus' notify() sends at most 64 KiB; anything bigger is not from Cyrus. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** A journal file is closed and a new one started past this size. */
export const ROTATE_BYTES = 64 * 1024 * 1024;
const NAME = /^(\d{13})-(\d+)\.journal$/;

/** One datagram as the journal holds it. */
export interface JournalRecord {
  /** Offset of the record's header in the file. */
  offset: number;
  /** Offset just past the record: where the next one starts. */
  end: number;
  receivedAt: number;
  bytes: Buffer;
}

/** A journal file of a folder, oldest first. */
export interface JournalFile {
  name: string;
  path: string;
  /** The pid of the daemon that wrote it. */
  pid: number;
  size: number;
}

/** The journal files in `dir`, oldest first (an absent folder holds none). */
export function listJournals(dir: string): JournalFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: JournalFile[] = [];
  for (const name of names.sort()) {
    const match = NAME.exec(name);
    if (match === null) continue;
    const path = join(dir, name);
    try {
      files.push({name, path, pid: Number(match[2]), size: statSync(path).size});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}

/** Path of the journal file a process writes from the given ms stamp. */
export function journalPath(dir: string, stamp: number, pid: number): string {
  return join(dir, `${String(stamp).padStart(13, '0')}-${pid}.journal`);
}

/** Encodes one record (header and payload) into one buffer, for one write(2). */
export function encodeRecord(payload: Uint8Array, receivedAt: number): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  record.writeDoubleLE(receivedAt, 8);
  record.set(payload, RECORD_HEADER_BYTES);
  return record;
}

/**
 * Appends records to the newest journal file of a folder. Not thread-safe: one writer per process. A write
 * the disk cannot take (ENOSPC, EDQUOT) is cut back to the last whole record and thrown: the caller frees
 * room (the reserve) and tries again, or keeps the record in memory and makes the sender wait.
 */
export class JournalWriter {
  private fd: number | undefined;
  private size = 0;
  private current: string | undefined;

  /**
   * `onActive` is told the stamp (the ms in the name) of the file about to be written, before it exists, and 0
   * once it is closed: whoever drains can tell this process' finished files from the one it still writes.
   */
  constructor(
    private readonly dir: string,
    private readonly rotateBytes = ROTATE_BYTES,
    private readonly onActive: (stamp: number) => void = () => undefined,
  ) {
    // Run as root, what is made here gets the spill folder's owner: the drain and the next daemon run as cyrus.
    adoptCreatedFolders(mkdirSync(dir, {recursive: true, mode: 0o750}), dir, dirname(dir));
  }

  /** Path of the file being written; undefined before the first record (files are made when needed). */
  get path(): string | undefined {
    return this.current;
  }

  /** Appends one record. Throws (with nothing half-written left behind) when the disk is full. */
  append(record: Buffer): void {
    if (this.fd !== undefined && this.size >= this.rotateBytes) this.rotate();
    const fd = this.fd ?? this.create();
    try {
      let written = 0;
      while (written < record.length) written += writeSync(fd, record, written, record.length - written, this.size + written);
    } catch (error) {
      // A short write leaves a torn record: cut the file back so that the next append starts cleanly.
      ftruncateSync(fd, this.size);
      throw error;
    }
    this.size += record.length;
  }

  /** Closes the current file; the next record starts a new one (the drain may then remove the old one). */
  rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.onActive(0);
  }

  close(): void {
    this.rotate();
  }

  /**
   * A new file named after now and this pid, a later name than any this process made before. On a full disk
   * the file is removed again and the error thrown: no empty or headless journal file is left behind.
   */
  private create(): number {
    let at = Date.now();
    let path = journalPath(this.dir, at, process.pid);
    while (existsSync(path) || (this.current !== undefined && path <= this.current)) path = journalPath(this.dir, ++at, process.pid);
    this.onActive(at);
    const fd = openSync(path, 'wx', 0o640);
    try {
      adoptOwnership(path, this.dir);
      if (writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0) !== JOURNAL_MAGIC.length) throw Object.assign(new Error('short write of the journal header'), {code: 'ENOSPC'});
    } catch (error) {
      closeSync(fd);
      unlinkSync(path);
      this.onActive(0);
      throw error;
    }
    this.fd = fd;
    this.current = path;
    this.size = JOURNAL_MAGIC.length;
    return fd;
  }
}

/** What {@link readJournal} found from an offset. */
export interface JournalRead {
  records: JournalRecord[];
  /** Offset after the last whole record read. */
  end: number;
  /**
   * Set when the bytes after `end` cannot be a record (bad length or CRC) or are an incomplete record:
   * a torn tail while the file is still written, garbage once its writer is gone.
   */
  incomplete: boolean;
  /** Set when the file does not start with the journal header. */
  notAJournal: boolean;
}

const READ_CHUNK = 1024 * 1024;

/**
 * Reads whole records from `offset` (0 means: from the start, after the header), at most `maxRecords` and
 * about `maxBytes`. Never throws for bad content: it stops and says so.
 */
export function readJournal(path: string, offset: number, maxRecords: number, maxBytes = 8 * 1024 * 1024): JournalRead {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (offset < JOURNAL_MAGIC.length) {
      const head = Buffer.alloc(JOURNAL_MAGIC.length);
      const n = readSync(fd, head, 0, head.length, 0);
      if (n < head.length) return {records: [], end: 0, incomplete: n > 0, notAJournal: false};
      if (!head.equals(JOURNAL_MAGIC)) return {records: [], end: 0, incomplete: true, notAJournal: true};
      offset = JOURNAL_MAGIC.length;
    }
    const records: JournalRecord[] = [];
    let position = offset;
    let bytes = 0;
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    while (records.length < maxRecords && bytes < maxBytes && position < size) {
      if (size - position < RECORD_HEADER_BYTES) return {records, end: position, incomplete: true, notAJournal: false};
      // The writer may cut the file back (a write the full disk took only in part) after fstat: a short read
      // is an incomplete record, never zeros taken for one.
      const stop = {records, end: position, incomplete: true, notAJournal: false};
      if (!readFully(fd, header, position)) return stop;
      const length = header.readUInt32LE(0);
      if (length > MAX_RECORD_BYTES) return stop;
      if (size - position - RECORD_HEADER_BYTES < length) return stop;
      const payload = Buffer.allocUnsafe(length);
      if (!readFully(fd, payload, position + RECORD_HEADER_BYTES)) return stop;
      if (crc32(payload) !== header.readUInt32LE(4)) return stop;
      const end = position + RECORD_HEADER_BYTES + length;
      records.push({offset: position, end, receivedAt: header.readDoubleLE(8), bytes: payload});
      bytes += length;
      position = end;
    }
    return {records, end: position, incomplete: false, notAJournal: false};
  } finally {
    closeSync(fd);
  }
}

/** Fills `buffer` from `position`; false when the file ends first. */
function readFully(fd: number, buffer: Buffer, position: number): boolean {
  let got = 0;
  while (got < buffer.length) {
    const n = readSync(fd, buffer, got, Math.min(READ_CHUNK, buffer.length - got), position + got);
    if (n === 0) return false;
    got += n;
  }
  return true;
}

/** The bytes of a file from `offset` to its end (a torn tail, for the quarantine). */
export function readTail(path: string, offset: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.max(0, size - offset));
    let got = 0;
    while (got < tail.length) {
      const n = readSync(fd, tail, got, tail.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return tail.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
