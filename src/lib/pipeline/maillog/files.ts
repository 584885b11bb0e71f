/**
 * Log files as `bonnie maillog` reads them: each known by its fingerprint (SHA-256 of its first line), read
 * from where it was left, plain or gzip-compressed. The owner of `maillog_file`.
 *
 * Why a fingerprint and not the path or the inode: logrotate renames `mail.log` to `mail.log.1` (same inode,
 * new name), then compresses it to `mail.log.2.gz` (new inode, new name, same content). The first line stays
 * the same through both, so the file is resumed where it was left under any name, compressed or not, and a
 * new `mail.log` (another first line) is read from its beginning. Positions count the file's uncompressed
 * bytes. A file without one complete line has no fingerprint yet: it is read once it has.
 */
import {createHash} from 'node:crypto';
import {readSync} from 'node:fs';
import {Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';

/** The longest first line a fingerprint reads; a longer one is cut there (still unique in practice). */
const FINGERPRINT_MAX_BYTES = 64 * 1024;

/** What is known of a file read before. */
export interface FileProgress {
  fingerprint: string;
  path: string;
  host: string | null;
  position: number;
  lines: number;
  records: number;
  ignored: number;
  unknown: number;
  firstAt: number | null;
  lastAt: number | null;
}

/** True for a gzip file, by its magic bytes (1f 8b), not its name. */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Bytes read per system call. */
const CHUNK_BYTES = 1 << 20;

/**
 * The bytes of open file `fd` from `start`, by positioned reads: the descriptor stays the caller's (a
 * stream given a descriptor closes it when destroyed), and a file renamed while held is still read.
 */
function* chunks(fd: number, start: number): Generator<Buffer> {
  let position = start;
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const n = readSync(fd, buffer, 0, CHUNK_BYTES, position);
    if (n === 0) return;
    position += n;
    yield buffer.subarray(0, n);
  }
}

/** The uncompressed bytes of open file `fd` from `start` (a gzip file: always from its start), gunzipped when `gzip`. */
export function openContent(fd: number, options: {gzip: boolean; start?: number}): Iterable<Buffer> | AsyncIterable<Buffer> {
  if (!options.gzip) return chunks(fd, options.start ?? 0);
  const raw = Readable.from(chunks(fd, 0), {objectMode: false});
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/**
 * The fingerprint of a file's content: SHA-256 of its first line with the newline, or of its first
 * FINGERPRINT_MAX_BYTES. undefined while the file has no complete first line.
 */
export async function fingerprintOf(path: string, fd: number, gzip: boolean): Promise<string | undefined> {
  const chunksSeen: Buffer[] = [];
  let length = 0;
  const content = openContent(fd, {gzip});
  try {
    for await (const chunk of content) {
      const newline = chunk.indexOf(0x0a);
      if (newline >= 0) {
        chunksSeen.push(chunk.subarray(0, newline + 1));
        return hash(Buffer.concat(chunksSeen));
      }
      chunksSeen.push(chunk);
      length += chunk.length;
      if (length >= FINGERPRINT_MAX_BYTES) return hash(Buffer.concat(chunksSeen).subarray(0, FINGERPRINT_MAX_BYTES));
    }
    // A compressed file is finished: its last line needs no newline.
    return gzip && length > 0 ? hash(Buffer.concat(chunksSeen)) : undefined;
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    if (content instanceof Readable) content.destroy();
  }
}

/** BonnieError MaillogUnreadable for `path`, with the system's reason. */
export function unreadable(path: string, error: unknown): BonnieError {
  const reason = error instanceof Error ? error.message : String(error);
  return new BonnieError('MaillogUnreadable', `cannot read ${path}: ${reason}`, {
    hint: 'Give log files bonnie can read (e.g. run as root or a member of group adm), plain or .gz.',
    cause: error,
  });
}

function hash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The positions table. Statements are prepared once. */
export class MaillogFiles {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], {fingerprint: string; path: string; host: string | null; position: number; lines: number; records: number; ignored: number; unknown: number; first_at: number | null; last_at: number | null}>(
        'SELECT fingerprint, path, host, position, lines, records, ignored, unknown, first_at, last_at FROM maillog_file WHERE fingerprint = ?',
      ),
      all: db.prepare<[], {fingerprint: string; path: string; host: string | null; position: number; lines: number; records: number; ignored: number; unknown: number; first_at: number | null; last_at: number | null}>(
        'SELECT fingerprint, path, host, position, lines, records, ignored, unknown, first_at, last_at FROM maillog_file ORDER BY updated_at, path',
      ),
      advance: db.prepare<{fingerprint: string; path: string; host: string | null; position: number; lines: number; records: number; ignored: number; unknown: number; firstAt: number | null; lastAt: number | null; now: number}>(
        `INSERT INTO maillog_file (fingerprint, path, host, position, lines, records, ignored, unknown, first_at, last_at, updated_at)
         VALUES (@fingerprint, @path, @host, @position, @lines, @records, @ignored, @unknown, @firstAt, @lastAt, @now)
         ON CONFLICT (fingerprint) DO UPDATE SET
           path = excluded.path, host = coalesce(excluded.host, host), position = excluded.position,
           lines = lines + excluded.lines, records = records + excluded.records, ignored = ignored + excluded.ignored,
           unknown = unknown + excluded.unknown, first_at = coalesce(first_at, excluded.first_at),
           last_at = coalesce(excluded.last_at, last_at), updated_at = excluded.updated_at`,
      ),
    };
  }

  get(fingerprint: string): FileProgress | undefined {
    const row = this.s.get.get(fingerprint);
    return row === undefined ? undefined : toProgress(row);
  }

  /** Every file read so far, least recently read first. */
  all(): FileProgress[] {
    return this.s.all.all().map(toProgress);
  }

  /**
   * Records that the file was read up to `position`, adding the counts of the lines read since the last
   * call. Call in the transaction that stores those lines' records.
   */
  advance(update: {fingerprint: string; path: string; host: string | null; position: number; lines: number; records: number; ignored: number; unknown: number; firstAt: number | null; lastAt: number | null}): void {
    this.s.advance.run({...update, now: Date.now()});
  }
}

function toProgress(row: {fingerprint: string; path: string; host: string | null; position: number; lines: number; records: number; ignored: number; unknown: number; first_at: number | null; last_at: number | null}): FileProgress {
  return {
    fingerprint: row.fingerprint,
    path: row.path,
    host: row.host,
    position: row.position,
    lines: row.lines,
    records: row.records,
    ignored: row.ignored,
    unknown: row.unknown,
    firstAt: row.first_at,
    lastAt: row.last_at,
  };
}
