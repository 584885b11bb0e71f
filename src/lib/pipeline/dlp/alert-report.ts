/**
 * `bonnie dlp alerts` and `bonnie dlp ack`: alerts read back for people and for `--json` (times in ISO 8601),
 * and acknowledgements written. Samples are masked as stored: nothing here can show a secret in clear.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {parseInstant} from '../../base/config/dates.js';
import {isoTime} from '../../core/time.js';
import {operatorName} from '../queue/actions.js';
import {Alerts, type Alert, type MessageRef} from './alerts.js';
import type {Hit} from './evaluate.js';

/** An alert as `--json` prints it. */
export interface AlertView {
  id: number;
  /** When what it reports happened (ISO 8601). */
  at: string;
  raisedAt: string;
  rule: string;
  severity: string;
  kind: 'content' | 'behaviour';
  behaviour: string | null;
  direction: 'in' | 'out' | null;
  login: string | null;
  personId: number | null;
  sessionId: string | null;
  clientIp: string | null;
  mailboxId: string | null;
  folder: string | null;
  count: number;
  messages: MessageRef[];
  placementIds: number[];
  /** content: the matched detectors with masked samples. */
  hits: Hit[];
  /** behaviour: what was seen (count, window, folders, ACL subject and rights); null for content. */
  detail: {
    count: number;
    minCount: number | null;
    within: string | null;
    from: string | null;
    to: string | null;
    folders: string[];
    subject: string | null;
    rights: string | null;
    /** emptied_before_delete: messages held in the window, the share expunged, who deleted the account. */
    held: number | null;
    fraction: number | null;
    deletedBy: string | null;
    /** new_client_address: the person's earlier logins (all from other addresses). */
    earlierLogins: number | null;
  } | null;
  notificationIds: number[];
  acks: Array<{at: string; by: string; note: string}>;
}

export interface AlertListing {
  alerts: AlertView[];
}

export interface AlertFilter {
  /** --since: an ISO date or time, or a duration back from now. */
  since?: string | undefined;
  rule?: string | undefined;
  limit?: number | undefined;
}

/** The newest alerts matching `filter`, newest first; UsageInvalid for a --since that is not a moment. */
export function listAlerts(db: Db, filter: AlertFilter, now = new Date()): AlertListing {
  const since = filter.since === undefined ? undefined : parseInstant(filter.since, '--since', now);
  return {alerts: new Alerts(db).list({since, rule: filter.rule, limit: filter.limit}).map(alertView)};
}

/** Acknowledges alert `id` (a row of its own; the alert is not changed); DlpAlertNotFound when there is none. */
export function acknowledgeAlert(db: Db, id: string, note: string, by = operatorName(), now = Date.now()): AlertView {
  const number = /^\d+$/.test(id) ? Number(id) : Number.NaN;
  if (!Number.isSafeInteger(number)) throw new BonnieError('UsageInvalid', `"${id}" is not an alert number`, {exit: EXIT.usage, hint: 'Give the number bonnie dlp alerts shows (#12: 12).'});
  if (note.trim() === '') throw new BonnieError('UsageInvalid', '--note is empty', {exit: EXIT.usage, hint: 'Say why the alert is acknowledged: --note "the shop\'s test card".'});
  const alerts = new Alerts(db);
  alerts.acknowledge(number, by, note, now);
  return alertView(alerts.get(number) as Alert);
}

/** An alert as `--json` prints it (times in ISO 8601). */
export function alertView(alert: Alert): AlertView {
  const b = alert.behaviourSummary;
  return {
    id: alert.id,
    at: isoTime(alert.at),
    raisedAt: isoTime(alert.raisedAt),
    rule: alert.rule,
    severity: alert.severity,
    kind: alert.kind,
    behaviour: alert.behaviour,
    direction: alert.direction,
    login: alert.login,
    personId: alert.personId,
    sessionId: alert.sessionId,
    clientIp: alert.clientIp,
    mailboxId: alert.mailboxId,
    folder: alert.folder,
    count: alert.count,
    messages: alert.messages,
    placementIds: alert.placementIds,
    hits: alert.hits,
    detail:
      b === null
        ? null
        : {
            count: b.count,
            minCount: b.minCount ?? null,
            within: b.withinMs === undefined ? null : `${b.withinMs / 1000}s`,
            from: b.from === undefined ? null : isoTime(b.from),
            to: b.to === undefined ? null : isoTime(b.to),
            folders: b.folders ?? [],
            subject: b.subject ?? null,
            rights: b.rights ?? null,
            held: b.held ?? null,
            fraction: b.fraction ?? null,
            deletedBy: b.deletedBy ?? null,
            earlierLogins: b.earlierLogins ?? null,
          },
    notificationIds: alert.notificationIds,
    acks: alert.acks.map((a) => ({at: isoTime(a.at), by: a.by, note: a.note})),
  };
}

/** One alert per paragraph: what, who, where, the masked samples, the acknowledgements. */
export function renderAlerts(listing: AlertListing): string {
  if (listing.alerts.length === 0) return 'No DLP alert.';
  return listing.alerts.map(renderAlert).join('\n\n');
}

export function renderAlert(a: AlertView): string {
  const who = [a.login === null ? undefined : `by ${a.login}`, a.clientIp === null ? undefined : `from ${a.clientIp}`, a.sessionId === null ? undefined : `session ${a.sessionId}`].filter(Boolean).join(', ');
  const lines = [`#${a.id} ${a.at} ${a.severity.toUpperCase()} ${a.rule} (${a.kind === 'content' ? `content, ${a.direction ?? 'direction unknown'}` : a.behaviour})${who === '' ? '' : ` ${who}`}${a.acks.length > 0 ? ' [acknowledged]' : ''}`];
  if (a.folder !== null) lines.push(`  folder: ${a.folder}`);
  for (const hit of a.hits) lines.push(`  ${hit.detector}: ${hit.count} at ${hit.confidence} confidence: ${hit.samples.join('; ')}`);
  const d = a.detail;
  if (d !== null && a.behaviour === 'mass_delete') lines.push(`  ${d.count} message(s) expunged from ${d.from} to ${d.to} (rule: ${d.minCount} within ${d.within})${d.folders.length > 0 ? ` in ${d.folders.join(', ')}` : ''}`);
  if (d !== null && a.behaviour === 'mass_read') lines.push(`  ${d.count} message(s) read from ${d.from} to ${d.to} (rule: ${d.minCount} within ${d.within})${d.folders.length > 0 ? ` in ${d.folders.join(', ')}` : ''}`);
  if (d !== null && a.behaviour === 'shared_to_anyone') lines.push(`  ${d.subject} given "${d.rights}"`);
  if (d !== null && a.behaviour === 'new_client_address') lines.push(`  login from ${a.clientIp}, an address new for ${a.login} (${d.earlierLogins} earlier login(s), all from other addresses)`);
  if (d !== null && a.behaviour === 'emptied_before_delete') lines.push(`  ${d.count} of ${d.held} message(s) expunged from ${d.from}, then ${a.folder} deleted at ${d.to}${d.deletedBy === null ? '' : ` by ${d.deletedBy}`} (rule: ${d.minCount} and ${Math.round((d.fraction ?? 0) * 100)}% within ${d.within})`);
  const shown = a.messages.slice(0, 3).map((m) => m.messageId ?? (m.uid === null ? '?' : `UID ${m.uid}`));
  if (shown.length > 0) lines.push(`  message(s): ${shown.join(', ')}${a.messages.length > 3 ? ` and ${a.messages.length - 3} more` : ''}`);
  for (const ack of a.acks) lines.push(`  acknowledged ${ack.at} by ${ack.by}: ${ack.note}`);
  return lines.join('\n');
}
