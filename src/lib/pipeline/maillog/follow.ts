/**
 * `bonnie maillog --follow`: reads the named log files as they grow, until SIGTERM or SIGINT, surviving
 * rotation. Each file is held open: when its name comes to point at another file (logrotate renamed or
 * removed it and a new one was made), the new file is read from its start, and the old one is still read
 * for ROTATED_GRACE_MS (a logger writes to it until it reopens its log: postlogd or rsyslog on their HUP),
 * then let go. Positions are stored as in a single run (files.ts): a follower killed and
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

/** A file whose name was given to a new file: still read until `until` (ms). */
interface Draining {
  path: string;
  fd: number;
  until: number;
}

/** How long a rotated file is still read: longer than logrotate takes to signal the logger. */
export const ROTATED_GRACE_MS = 60_000;

/** Follows `paths` until a signal; resolves with the totals of the whole run. */
export async function followMaillogs(db: Db, catalogPath: string, paths: readonly string[], options: MaillogOptions & {onLine?: MaillogFollowListener; signals?: readonly NodeJS.Signals[]} = {}): Promise<MaillogResult> {
  const emit = options.onLine ?? (() => undefined);
  const reader = new MaillogReader(db, options);
  const held: Held[] = paths.map((path) => ({path, fd: undefined, ino: -1}));
  const draining: Draining[] = [];
  const totals: FileResult[] = [];
  const report = (path: string, result: FileResult, rotated: boolean) => {
    if (result.lines === 0 && !rotated) return;
    totals.push(result);
    emit({type: 'batch', at: lineTime(), path, lines: result.lines, records: result.records, unknown: result.unknown, rotated});
  };
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
          const result = await reader.readFile(file.path, file.fd);
          let now: number | undefined;
          try {
            now = statSync(file.path).ino;
          } catch {
            now = undefined;
          }
          const rotated = now !== file.ino;
          if (rotated) {
            draining.push({path: file.path, fd: file.fd, until: Date.now() + ROTATED_GRACE_MS});
            file.fd = undefined;
          }
          report(file.path, result, rotated);
          lines += result.lines;
        }
        for (const old of [...draining]) {
          const result = await reader.readFile(old.path, old.fd);
          report(`${old.path} (rotated)`, result, false);
          lines += result.lines;
          if (result.lines === 0 && Date.now() > old.until) {
            closeSync(old.fd);
            draining.splice(draining.indexOf(old), 1);
          }
        }
        return lines;
      },
      idle: (lines) => lines === 0,
      merge: (a, b) => a + b,
      signals: options.signals,
    });
  } finally {
    for (const file of held) if (file.fd !== undefined) closeSync(file.fd);
    for (const old of draining) closeSync(old.fd);
  }
  const summary = summarize(totals, reader.stored);
  emit({type: 'stopped', at: lineTime(), ...summary});
  return summary;
}
