/**
 * `bonnie dlp watch`: the alerts as they are committed, by whichever process raised them (`bonnie
 * collector`, `bonnie process`, `bonnie dlp scan`). The alerts table is polled by id every
 * {@link WATCH_POLL_MS}: ids grow as alerts commit, so each alert is reported once, in the order written.
 * Only alerts committed after the watch started are reported (`bonnie dlp alerts` lists the earlier ones).
 *
 * Lines: one "started", an "alert" per alert (the shape of `bonnie dlp alerts --json`'s entries, masked
 * samples only), one "stopped" with the count, on SIGTERM or SIGINT. The command adds "rules" and "warning"
 * lines when it reads the rule file again (runtime.ts), as `process --follow` does.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {lineTime} from '../../base/system/follow-lines.js';
import {alertView, type AlertView} from './alert-report.js';
import {Alerts} from './alerts.js';
import type {DlpRuntime} from './runtime.js';

/** How often the alerts table is read. */
export const WATCH_POLL_MS = 500;
/** Alerts read per query (a burst is read in several rounds, without a pause). */
const WATCH_BATCH = 100;

export type WatchLine =
  | {type: 'started'; at: string; command: string; pid: number; catalog: string; afterId: number}
  | ({type: 'alert'} & AlertView)
  /** The rule file was read again (changed, or SIGHUP): what is in force from now on. */
  | {type: 'rules'; at: string; file: string; contentRules: number; behaviourRules: number; message: string}
  /** The rule file did not load (file:line:col in the message); the rules in force stay. */
  | {type: 'warning'; at: string; message: string}
  | {type: 'stopped'; at: string; alerts: number};

export interface WatchSummary {
  alerts: number;
}

/** Reports the alerts committed from now on through `onLine` until SIGTERM or SIGINT. */
export async function watchAlerts(db: Db, catalogPath: string, onLine: (line: WatchLine) => void): Promise<WatchSummary> {
  const alerts = new Alerts(db);
  let last = alerts.lastId();
  onLine({type: 'started', at: lineTime(), command: 'dlp watch', pid: process.pid, catalog: catalogPath, afterId: last});
  const seen = await followUntilSignal<number>({
    round: () => {
      const batch = alerts.after(last, WATCH_BATCH);
      for (const alert of batch) {
        last = alert.id;
        onLine({type: 'alert', ...alertView(alert)});
      }
      return batch.length;
    },
    idle: (n) => n < WATCH_BATCH,
    merge: (total, n) => total + n,
    idleMs: WATCH_POLL_MS,
  });
  onLine({type: 'stopped', at: lineTime(), alerts: seen});
  return {alerts: seen};
}

/**
 * Reads `dlp`'s rule file again when it changes or on SIGHUP, as `process --follow` does (logged the same
 * way): each reload is a "rules" line, a file that does not load a "warning" line. A runtime opened with
 * `follow` has rules even without a file (an empty set, filled when the file appears).
 */
export function followRuleFile(dlp: DlpRuntime, onLine: (line: WatchLine) => void): void {
  const rules = dlp.rules;
  if (rules === undefined) return;
  dlp.followRules(
    (message) => onLine({type: 'warning', at: lineTime(), message}),
    (message) => onLine({type: 'rules', at: lineTime(), file: rules.file, contentRules: rules.rules.length, behaviourRules: rules.behaviour.length, message}),
  );
}
