/**
 * DLP alerts as the archive's segments carry them (archive format 2, migration 22; docs/FORMAT.md):
 * `alerts/<first id>-<last id>.jsonl.zst` (each alert's row as stored, with its link in the alerts' chain)
 * and `alert-acks/<first id>-<last id>.jsonl.zst` (acknowledgements). Both are immutable and numbered in
 * the order written, so what a segment carries is named by the highest id. An alert is carried once it is
 * linked in the chain (it is, in the transaction that raises it).
 *
 * Rebuild: the rows go back as they were, with their links, so that `bonnie verify --events` checks the
 * same chain; the mail outbox (`dlp_notify`, a delivery state) is not carried: nothing is sent again.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {AlertRow} from './alerts.js';

/** One `alerts` line: a dlp_alert row (its JSON columns as the JSON text stored) and its chain hash (hex). */
export interface AlertLine {
  id: number;
  dedupKey: string;
  at: number;
  raisedAt: number;
  rule: string;
  severity: string;
  kind: string;
  behaviour: string | null;
  direction: string | null;
  personId: number | null;
  login: string | null;
  sessionId: string | null;
  clientIp: string | null;
  mailboxId: string | null;
  folder: string | null;
  messageRefs: string;
  placementIds: string;
  count: number;
  summary: string;
  notificationIds: string;
  chain: string;
}

/** One `alert-acks` line. */
export interface AlertAckLine {
  id: number;
  alertId: number;
  at: number;
  by: string;
  note: string;
}

type AlertSql = AlertRow & {dedup_key: string; hash: Buffer};

const COLUMNS = 'id, dedup_key, at, raised_at, rule, severity, kind, behaviour, direction, person_id, login, session_id, client_ip, mailbox_id, folder, message_refs, placement_ids, count, summary, notification_ids';

/** Alerts linked in the chain after `id`, at most `limit`. */
export function alertsAfter(db: Db, after: number, limit: number): Array<{id: number; line: AlertLine}> {
  return db
    .prepare<[number, number], AlertSql>(`SELECT ${COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}, c.hash FROM dlp_alert a JOIN dlp_alert_chain c ON c.alert_id = a.id WHERE a.id > ? ORDER BY a.id LIMIT ?`)
    .all(after, limit)
    .map((r) => ({
      id: r.id,
      line: {
        id: r.id,
        dedupKey: r.dedup_key,
        at: r.at,
        raisedAt: r.raised_at,
        rule: r.rule,
        severity: r.severity,
        kind: r.kind,
        behaviour: r.behaviour,
        direction: r.direction,
        personId: r.person_id,
        login: r.login,
        sessionId: r.session_id,
        clientIp: r.client_ip,
        mailboxId: r.mailbox_id,
        folder: r.folder,
        messageRefs: r.message_refs,
        placementIds: r.placement_ids,
        count: r.count,
        summary: r.summary,
        notificationIds: r.notification_ids,
        chain: r.hash.toString('hex'),
      },
    }));
}

/** Acknowledgements after `id`, at most `limit`. */
export function alertAcksAfter(db: Db, after: number, limit: number): Array<{id: number; line: AlertAckLine}> {
  return db
    .prepare<[number, number], {id: number; alert_id: number; at: number; by: string; note: string}>('SELECT id, alert_id, at, by, note FROM dlp_alert_ack WHERE id > ? ORDER BY id LIMIT ?')
    .all(after, limit)
    .map((r) => ({id: r.id, line: {id: r.id, alertId: r.alert_id, at: r.at, by: r.by, note: r.note}}));
}

/**
 * Rebuild: writes alerts (with their chain links) and acknowledgements back, in id order, in one
 * transaction. An acknowledgement of an alert no segment carries is left out and counted. The chain is
 * checked after, by AlertChain.verify.
 */
export function restoreAlerts(db: Db, alerts: readonly AlertLine[], acks: readonly AlertAckLine[]): {alerts: number; acks: number; acksWithoutAlert: number} {
  const insert = db.prepare(`INSERT INTO dlp_alert (${COLUMNS}) VALUES (${COLUMNS.split(', ').map(() => '?').join(', ')})`);
  const link = db.prepare<[number, Buffer]>('INSERT INTO dlp_alert_chain (alert_id, hash) VALUES (?, ?)');
  const ack = db.prepare<[number, number, number, string, string]>('INSERT INTO dlp_alert_ack (id, alert_id, at, by, note) VALUES (?, ?, ?, ?, ?)');
  const known = new Set(alerts.map((a) => a.id));
  const summary = {alerts: 0, acks: 0, acksWithoutAlert: 0};
  db.transaction(() => {
    for (const a of alerts) {
      insert.run(a.id, a.dedupKey, a.at, a.raisedAt, a.rule, a.severity, a.kind, a.behaviour, a.direction, a.personId, a.login, a.sessionId, a.clientIp, a.mailboxId, a.folder, a.messageRefs, a.placementIds, a.count, a.summary, a.notificationIds);
      link.run(a.id, Buffer.from(a.chain, 'hex'));
      summary.alerts++;
    }
    for (const k of acks) {
      if (!known.has(k.alertId)) {
        summary.acksWithoutAlert++;
        continue;
      }
      ack.run(k.id, k.alertId, k.at, k.by, k.note);
      summary.acks++;
    }
  })();
  return summary;
}
