/**
 * What a `--follow` loop reports as it goes (`bonnie process --follow`, `bonnie collector --follow`): with
 * --json each is one line of JSON on stdout, in this order: one "started", then "batch" (a committed batch
 * and its counts) and "warning" lines as they happen, then one "stopped" with the summary of the whole run.
 * Fields may be added, never removed or renamed (the shape of `bonnie dealer --listen --json`).
 */

export type FollowLine<Batch extends object, Summary extends object> =
  | {type: 'started'; at: string; command: string; pid: number; catalog: string}
  | ({type: 'batch'; at: string} & Batch)
  | {type: 'warning'; at: string; message: string; notificationId?: number; event?: string}
  | ({type: 'stopped'; at: string} & Summary);

/** Receives the lines of a follow loop. */
export type FollowListener<Batch extends object, Summary extends object> = (line: FollowLine<Batch, Summary>) => void;

/** The time stamp of a line: now, ISO 8601 UTC. */
export function lineTime(now: () => number = Date.now): string {
  return new Date(now()).toISOString();
}
