/**
 * `bonnie status --nagios`: one line as the Monitoring Plugins guidelines ask
 * (https://www.monitoring-plugins.org/doc/guidelines.html): `BONNIE <STATE> - <text> | <perfdata>`, exit
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Perfdata is `'label'=value[UOM];[warn];[crit];[min];[max]`, with
 * the thresholds health.ts applies (a threshold of 0 alerts on anything above 0).
 */
import type {HealthLevel} from './health.js';
import type {Status} from './status.js';

export const NAGIOS_EXIT = {ok: 0, warning: 1, critical: 2, unknown: 3} as const;

export type NagiosState = keyof typeof NAGIOS_EXIT;

/** The status' one line; critical and warning reasons first, in the order health.ts lists them. */
export function renderNagios(status: Status): {line: string; exit: number} {
  const {health, queue} = status;
  const text =
    health.reasons.length > 0
      ? health.reasons.map((r) => r.message).join('; ')
      : `${queue.pending} pending${queue.oldestPendingAgeSeconds === null ? '' : ` (oldest ${queue.oldestPendingAgeSeconds}s)`}, ${queue.done} done, ${status.archive.messages} message(s) archived`;
  return {line: nagiosLine(health.level, text, perfdata(status)), exit: NAGIOS_EXIT[health.level]};
}

/** A line for a state bonnie could not assess (the catalog cannot be read: CRITICAL; anything else: UNKNOWN). */
export function nagiosLine(state: HealthLevel | 'unknown', text: string, perf = ''): string {
  // `|` starts the perfdata and a newline ends the first line: neither may appear in the text.
  const clean = text.replace(/[|\r\n]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return `BONNIE ${state === 'ok' ? 'OK' : state.toUpperCase()} - ${clean}${perf === '' ? '' : ` | ${perf}`}`;
}

function perfdata(s: Status): string {
  const t = s.health.thresholds;
  const items: Array<[string, number, string, string, string]> = [
    // label, value, unit, warn, crit
    ['pending', s.queue.pending, '', '', ''],
    ['pending_wait', s.queue.oldestPendingWaitSeconds ?? 0, 's', String(t.pendingAgeSeconds), ''],
    ['failed', s.queue.failed, '', '0', ''],
    ['dead', s.queue.dead, '', '', '0'],
    ['quarantine_review', s.queue.quarantineNeedingReview, '', '0', ''],
    ['gaps_open', s.gaps.open, '', '0', ''],
    ['spill_files', s.spill.files, '', '0', ''],
    ['journal_waiting', s.journal.waitingFiles, '', '0', ''],
    ['journal_pending', s.journal.pendingBytes, 'B', '', ''],
    ['broken_segments', s.archive.brokenSegments, '', '', '0'],
    ['reconcile_failed', s.gaps.reconcileFailed, '', '', '0'],
    ['collect_pending', s.archive.collectPending, '', '', ''],
    ['catalog_size', s.catalog.sizeBytes, 'B', '', ''],
  ];
  return items.map(([label, value, unit, warn, crit]) => `${label}=${value}${unit};${warn};${crit};0`).join(' ');
}
