/**
 * What every long command shows a person watching it: how far it is (done of total when the total is
 * known), how fast, the bytes where there are some, and the folder it is in. Commands get a
 * {@link Progress} from BonnieCommand.progress() and hand it the library's progress callbacks; the
 * drawing is a {@link ProgressSink} (ink on a terminal: live-progress.ts), so this file loads nothing.
 */
import {formatBytes} from '../base/config/bytes.js';

/** Where progress is drawn: a title and label/value rows, replaced at each update. */
export interface ProgressSink {
  update(title: string, rows: ReadonlyArray<readonly [string, string]>): void;
  /** Draws the last update and leaves it on screen; a second call does nothing. */
  done(): void;
}

/** One report from a long command. */
export interface ProgressReport {
  /** What is being done ("Processing events"). Another title starts a new phase: its rate is measured from then. */
  title: string;
  /** Units done so far in this phase. */
  done: number;
  /** All units of this phase, when known. */
  total?: number | undefined;
  /** The units, plural ("events", "messages", "segments"). */
  unit: string;
  /** Bytes read or written so far in this phase, where the work has bytes. */
  bytes?: number | undefined;
  /** The folder (or segment) being worked on. */
  folder?: string | undefined;
  /** Rows of the command's own, shown after the common ones (failed, dead...). */
  rows?: ReadonlyArray<readonly [string, string]>;
}

/** Turns reports into the rows a person watching wants, rates included; `now` is the clock (ms, tests). */
export class Progress {
  private phase: string | undefined;
  private started: number;

  /** Created when the work starts: the first phase's rate counts from here (its first report comes after a batch). */
  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  report(report: ProgressReport): void {
    if (report.title !== this.phase) {
      if (this.phase !== undefined) this.started = this.now();
      this.phase = report.title;
    }
    this.sink.update(report.title, progressRows(report, this.now() - this.started));
  }

  /** Leaves the last report on screen (idempotent: call it before printing a summary and in a finally). */
  done(): void {
    this.sink.done();
  }
}

/** The rows of one report, `elapsedMs` into its phase. */
export function progressRows(report: ProgressReport, elapsedMs: number): Array<readonly [string, string]> {
  const count = (n: number) => Math.round(n).toLocaleString('en');
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const {done, total, unit, bytes, folder} = report;
  const percent = total !== undefined && total > 0 ? ` (${Math.min(100, Math.floor((done / total) * 100))}%)` : '';
  const rows: Array<readonly [string, string]> = [[unit, total === undefined ? count(done) : `${count(done)} of ${count(total)}${percent}`]];
  const rate = [`${count(done / seconds)} ${unit}/s`];
  if (bytes !== undefined) {
    rows.push(['bytes', formatBytes(bytes)]);
    rate.push(`${formatBytes(bytes / seconds)}/s`);
  }
  rows.push(['rate', rate.join(', ')]);
  if (folder !== undefined) rows.push(['folder', folder]);
  rows.push(...(report.rows ?? []));
  return rows;
}
