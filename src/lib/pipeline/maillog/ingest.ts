/**
 * `bonnie maillog`: reads MTA log files (plain or gzip, several hosts), parses each line
 * (sources/maillog) and stores what it says about messages (transport-writer.ts), resuming each file where
 * the last run left it (files.ts). Lines are stored as they are parsed, in transactions that also advance
 * the file's position (COMMIT_LINES or COMMIT_MS): a run killed at any point stores every line exactly once
 * when run again.
 *
 * Files are read oldest first (by modification time), so a host's rotated files (`mail.log.2.gz`,
 * `mail.log.1`, `mail.log`) come in the order their lines were written. A plain file's last line without a
 * newline is being written: it is left for the next run. Memory stays flat: lines are parsed and stored
 * as they stream; only the queue entries still open are held (at most 100,000, transport-writer.ts).
 */
import {closeSync, fstatSync, openSync, readSync, statSync} from 'node:fs';
import {hostname} from 'node:os';
import type {Db} from '../../base/catalog/catalog.js';
import {parseMaillogLine} from '../../sources/maillog/parse.js';
import {fingerprintOf, isGzip, MaillogFiles, openContent, unreadable} from './files.js';
import {TransportWriter, type StoredCounts} from './transport-writer.js';

/**
 * Lines per transaction: large enough that fsync and rewriting the same index pages are not the cost
 * (bench/maillog.js: 20,000 lines per commit read a 2M-line log at ~58,000 lines/s, 200,000 at ~84,000).
 */
const COMMIT_LINES = 100_000;

/**
 * ...or after this long, whichever comes first: the transaction holds the catalog's write lock, which the
 * dealer waits for at most dealer_timeout (2 s by default) before it spills an event to a file.
 */
const COMMIT_MS = 1000;

/** A write to the catalog failed (as opposed to reading the file): `cause` is what the catalog threw. */
class StoreFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the catalog refused a write');
  }
}

/** Runs a catalog write, marking what it throws as the catalog's failure. */
function storing(write: () => void): void {
  try {
    write();
  } catch (error) {
    throw new StoreFailed(error);
  }
}

/** A "line" longer than this is cut into pieces (each counted, most as unknown): memory stays flat. */
const MAX_LINE_BYTES = 1 << 20;

export interface MaillogOptions {
  /** The host of lines that name none (Exim's own mainlog). Default: this machine's name. */
  host?: string;
  /** Called after each commit with the file being read and its counts so far. */
  onProgress?: (progress: MaillogProgress) => void;
}

export interface MaillogProgress {
  path: string;
  /** Uncompressed bytes read of this file so far (its position). */
  position: number;
  lines: number;
  records: number;
}

/** What one file gave in this run. */
export interface FileResult {
  path: string;
  /** SHA-256 of its first line: its identity across renames and compression; null for an empty file. */
  fingerprint: string | null;
  gzip: boolean;
  /** Where this run started and stopped (uncompressed bytes). */
  from: number;
  to: number;
  lines: number;
  records: number;
  /** Lines of programs bonnie does not trace, or of mail programs with nothing to trace. */
  ignored: number;
  /** Lines of mail programs that no parser understood (counted, never fatal). */
  unknown: number;
}

export interface MaillogResult {
  files: FileResult[];
  lines: number;
  records: number;
  ignored: number;
  unknown: number;
  /** Rows made: queue entries, deliveries, rejects, mailbox deliveries. */
  stored: StoredCounts;
}

/** Reads `paths` (oldest first) into the catalog. Throws BonnieError MaillogUnreadable for a file it cannot read. */
export async function readMaillogs(db: Db, paths: readonly string[], options: MaillogOptions = {}): Promise<MaillogResult> {
  const reader = new MaillogReader(db, options);
  const dated = paths.map((path) => {
    try {
      return {path, mtime: statSync(path).mtimeMs};
    } catch (error) {
      throw unreadable(path, error);
    }
  });
  dated.sort((a, b) => a.mtime - b.mtime || b.path.localeCompare(a.path));
  const files: FileResult[] = [];
  for (const {path} of dated) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw unreadable(path, error);
    }
    try {
      files.push(await reader.readFile(path, fd));
    } finally {
      closeSync(fd);
    }
  }
  return summarize(files, reader.stored);
}

/** Totals of a run's files. */
export function summarize(files: FileResult[], stored: StoredCounts): MaillogResult {
  const sum = (key: 'lines' | 'records' | 'ignored' | 'unknown') => files.reduce((n, f) => n + f[key], 0);
  return {files, lines: sum('lines'), records: sum('records'), ignored: sum('ignored'), unknown: sum('unknown'), stored: {...stored}};
}

/** Reads files into one catalog; `readFile` may be called again for the same file as it grows (--follow). */
export class MaillogReader {
  private readonly files: MaillogFiles;
  private readonly writer: TransportWriter;
  private readonly host: string;
  private failed: unknown;

  constructor(
    private readonly db: Db,
    private readonly options: MaillogOptions = {},
  ) {
    this.files = new MaillogFiles(db);
    this.writer = new TransportWriter(db);
    this.host = options.host ?? hostname();
  }

  get stored(): StoredCounts {
    return this.writer.counts;
  }

  /** Reads open file `fd` (named `path`) from where it was left to its end. */
  async readFile(path: string, fd: number): Promise<FileResult> {
    // A writer that failed refuses further use: what it holds in memory may be what was rolled back.
    if (this.failed !== undefined) throw this.failed;
    let stat;
    const head = Buffer.alloc(2);
    try {
      stat = fstatSync(fd);
      readSync(fd, head, 0, 2, 0);
    } catch (error) {
      throw unreadable(path, error);
    }
    const gzip = isGzip(head);
    const result: FileResult = {path, fingerprint: null, gzip, from: 0, to: 0, lines: 0, records: 0, ignored: 0, unknown: 0};
    const fingerprint = await fingerprintOf(path, fd, gzip);
    if (fingerprint === undefined) return result;
    result.fingerprint = fingerprint;
    const known = this.files.get(fingerprint);
    // A plain file shorter than where it was left was truncated and written again (copytruncate) with the
    // same first line: read it again from the start.
    let start = known?.position ?? 0;
    if (!gzip && stat.size < start) start = 0;
    result.from = start;
    result.to = start;
    if (!gzip && stat.size === start) return result;

    const context = {referenceTime: stat.mtimeMs, defaultHost: this.options.host ?? this.host};
    let pending = {lines: 0, records: 0, ignored: 0, unknown: 0, firstAt: null as number | null, lastAt: null as number | null};
    let position = start;
    // Records are stored as they are parsed, in a transaction committed with the file's new position every
    // COMMIT_LINES lines: nothing waits in memory, and a run stopped at any point stores each line once.
    let open = false;
    let since = Date.now();
    const commit = () => storing(() => {
      if (!open) this.db.exec('BEGIN IMMEDIATE');
      this.writer.flush();
      this.files.advance({fingerprint, path, host: this.options.host ?? null, position, ...pending});
      this.db.exec('COMMIT');
      open = false;
      since = Date.now();
      pending = {lines: 0, records: 0, ignored: 0, unknown: 0, firstAt: null, lastAt: null};
      this.options.onProgress?.({path, position, lines: result.lines, records: result.records});
    });
    const take = (line: string) => {
      result.lines++;
      pending.lines++;
      const parsed = parseMaillogLine(line, context);
      if (parsed === 'ignored') {
        result.ignored++;
        pending.ignored++;
      } else if (parsed === 'unknown') {
        result.unknown++;
        pending.unknown++;
      } else {
        result.records++;
        pending.records++;
        storing(() => {
          if (!open) {
            this.db.exec('BEGIN IMMEDIATE');
            open = true;
          }
          this.writer.store(parsed);
        });
        pending.firstAt ??= parsed.time;
        pending.lastAt = parsed.time;
      }
    };

    let rest: Buffer | undefined;
    // A gzip stream cannot seek: it is read from its start, and what earlier runs stored is skipped.
    let skip = gzip ? start : 0;
    try {
      for await (const chunk of openContent(fd, {gzip, start})) {
        let data = chunk;
        if (skip > 0) {
          if (data.length <= skip) {
            skip -= data.length;
            continue;
          }
          data = data.subarray(skip);
          skip = 0;
        }
        if (rest !== undefined) data = Buffer.concat([rest, data]);
        rest = undefined;
        let from = 0;
        for (let newline = data.indexOf(0x0a, from); newline >= 0; newline = data.indexOf(0x0a, from)) {
          take(data.toString('utf8', from, newline > from && data[newline - 1] === 0x0d ? newline - 1 : newline));
          position += newline + 1 - from;
          from = newline + 1;
          if (pending.lines >= COMMIT_LINES || (pending.lines % 1024 === 0 && Date.now() - since >= COMMIT_MS)) commit();
        }
        if (from < data.length) rest = data.subarray(from);
        if (rest !== undefined && rest.length > MAX_LINE_BYTES) {
          // No MTA writes such a line: garbage (a binary file given by mistake). Counted, never held whole.
          take(rest.toString('utf8', 0, 1024));
          position += rest.length;
          rest = undefined;
        }
      }
      // A compressed file is complete: its last line counts even without a newline.
      if (gzip && rest !== undefined && rest.length > 0) {
        take(rest.toString('utf8'));
        position += rest.length;
      }
      if (pending.lines > 0) commit();
    } catch (error) {
      if (error instanceof StoreFailed) {
        // The catalog refused a write (disk full, locked too long): what this transaction held is rolled
        // back, the file's position with it, so the next run reads those lines again. This reader is done.
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        this.failed = error.cause;
        throw error.cause;
      }
      // The file failed (a truncated .gz): keep what was read whole, then say so.
      if (pending.lines > 0) commit();
      throw unreadable(path, error);
    }
    result.to = position;
    return result;
  }
}
