/**
 * `bonnie maillog --follow`: reads the named log files as they grow, until SIGTERM or SIGINT, surviving
 * rotation. Each file is held open: when its name comes to point at another file (logrotate renamed or
 * removed it and a new one was made), the held file is read to its end once more, then let go, and the new
 * file is read from its start. Positions are stored as in a single run (files.ts): a follower killed and
 * started again, or a later `bonnie maillog` of the rotated files, resumes each file where it was left.
 */
import {closeSync, fstatSync, openSync, statSync} from 'node:fs';
import type {Db} from '../../base/catalog/catalog.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {lineTime, type FollowListener} from '../../base/system/follow-lines.js';
import {MaillogReader, summarize, type FileResult, type MaillogOptions, type MaillogResult} from './ingest.js';

/** A "batch" line: what one round read from one file. */
export interface MaillogBatchLine {
  path: string;
  lines: number;
  records: number;
  unknown: number;
  /** The file's name was given to a new file: the held one was read to its end and let go. */
  rotated: boolean;
}

export type MaillogFollowListener = FollowListener<MaillogBatchLine, MaillogResult>;

interface Held {
  path: string;
  fd: number | undefined;
  ino: number;
}

/** Follows `paths` until a signal; resolves with the totals of the whole run. */
export async function followMaillogs(db: Db, catalogPath: string, paths: readonly string[], options: MaillogOptions & {onLine?: MaillogFollowListener; signals?: readonly NodeJS.Signals[]} = {}): Promise<MaillogResult> {
  const emit = options.onLine ?? (() => undefined);
  const reader = new MaillogReader(db, options);
  const held: Held[] = paths.map((path) => ({path, fd: undefined, ino: -1}));
  const totals: FileResult[] = [];
  emit({type: 'started', at: lineTime(), command: 'maillog', pid: process.pid, catalog: catalogPath});
  try {
    await followUntilSignal<number>({
      round: async () => {
        let lines = 0;
        for (const file of held) {
          if (file.fd === undefined) {
            try {
              file.fd = openSync(file.path, 'r');
              file.ino = fstatSync(file.fd).ino;
            } catch {
              continue; // Not there (yet): between logrotate's rename and the logger's new file.
            }
          }
          let result = await reader.readFile(file.path, file.fd);
          let now: number | undefined;
          try {
            now = statSync(file.path).ino;
          } catch {
            now = undefined;
          }
          const rotated = now !== file.ino;
          if (rotated) {
            // The logger may have written to the old file until it reopened: read it to its end, then let go.
            const rest = await reader.readFile(file.path, file.fd);
            result = {...result, to: rest.to, lines: result.lines + rest.lines, records: result.records + rest.records, ignored: result.ignored + rest.ignored, unknown: result.unknown + rest.unknown};
            closeSync(file.fd);
            file.fd = undefined;
          }
          if (result.lines > 0 || rotated) {
            totals.push(result);
            emit({type: 'batch', at: lineTime(), path: file.path, lines: result.lines, records: result.records, unknown: result.unknown, rotated});
          }
          lines += result.lines;
        }
        return lines;
      },
      idle: (lines) => lines === 0,
      merge: (a, b) => a + b,
      signals: options.signals,
    });
  } finally {
    for (const file of held) if (file.fd !== undefined) closeSync(file.fd);
  }
  const summary = summarize(totals, reader.stored);
  emit({type: 'stopped', at: lineTime(), ...summary});
  return summary;
}
