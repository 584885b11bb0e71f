/**
 * DLP alerts: the one module that reads and writes `dlp_alert` and `dlp_alert_ack` (schema.ts).
 *
 * Contracts:
 * - An alert is immutable once written; an acknowledgement is a row of its own (who, when, note). Each
 *   alert is linked in the alerts' evidence chain as it is written (alert-chain.ts; `bonnie verify --events`).
 * - {@link Alerts.raise} is idempotent by the alert's dedup key: the same rule on the same message, or on the
 *   same behaviour window, is one alert, also when the same events are seen again. It returns the new
 *   alert, or undefined when that key was already raised.
 * - What a detector matched is stored masked only (the hits' samples are masked where they are found:
 *   instance.ts); nothing here ever sees the clear secret.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import type {Hit} from './evaluate.js';
import {AlertChain} from './alert-chain.js';
import {NotifyOutbox} from './notify.js';
import type {BehaviourName, Direction, Severity} from './rules.js';

export type AlertKind = 'content' | 'behaviour';

/** A message an alert is about, as far as it is known. */
export interface MessageRef {
  /** Cyrus' emailid (content identity), when known. */
  emailId: string | null;
  /** The Message-ID header, when known. */
  messageId: string | null;
  mailboxId: string | null;
  uid: number | null;
}

/** What a behaviour detector saw: counts, the window, the folders, the ACL entry. */
export interface BehaviourSummary {
  /** mass_delete, mass_read, emptied_before_delete: messages expunged (read) in the window; shared_to_anyone, new_client_address: 1. */
  count: number;
  /** mass_delete, mass_read, emptied_before_delete: the rule's threshold and window. */
  minCount?: number;
  withinMs?: number;
  /** The first and last event of the window (ms). */
  from?: number;
  to?: number;
  /** The folders acted on (names), at most {@link MAX_REFS}. */
  folders?: string[];
  /** shared_to_anyone: the ACL subject and the rights it got. */
  subject?: string;
  rights?: string;
  /** emptied_before_delete: messages the account held in the window, the share expunged, who deleted it. */
  held?: number;
  fraction?: number;
  deletedBy?: string | null;
  /** new_client_address: the person's logins recorded before this one (from other addresses). */
  earlierLogins?: number;
}

export interface NewAlert {
  /** See the contract: one alert per key. */
  dedupKey: string;
  /** When what it reports happened (ms since the epoch). */
  at: number;
  rule: string;
  severity: Severity;
  kind: AlertKind;
  behaviour?: BehaviourName | undefined;
  direction?: Direction | undefined;
  personId?: number | null | undefined;
  login?: string | null | undefined;
  sessionId?: string | null | undefined;
  clientIp?: string | null | undefined;
  mailboxId?: string | null | undefined;
  folder?: string | null | undefined;
  messages?: readonly MessageRef[];
  placementIds?: readonly number[];
  /** Instances (content: the sum over the hits) or messages (mass_delete). */
  count: number;
  /** content: the matched detectors with masked samples; behaviour: what it saw. */
  hits?: readonly Hit[];
  behaviourSummary?: BehaviourSummary;
  notificationIds?: readonly number[];
  /** The rule has the `notify` action: the alert's mail is queued with it (notify.ts). */
  notify?: boolean | undefined;
}

export interface Acknowledgement {
  id: number;
  alertId: number;
  /** ms since the epoch. */
  at: number;
  by: string;
  note: string;
}

/** An alert as stored, with its acknowledgements (oldest first). */
export interface Alert {
  id: number;
  at: number;
  raisedAt: number;
  rule: string;
  severity: Severity;
  kind: AlertKind;
  behaviour: BehaviourName | null;
  direction: Direction | null;
  personId: number | null;
  login: string | null;
  sessionId: string | null;
  clientIp: string | null;
  mailboxId: string | null;
  folder: string | null;
  messages: MessageRef[];
  placementIds: number[];
  count: number;
  hits: Hit[];
  behaviourSummary: BehaviourSummary | null;
  notificationIds: number[];
  acks: Acknowledgement[];
}

/**
 * An alert as one syslog line (facility mail, like Cyrus): enough to act on, masked samples only.
 * `DLP alert #12 high cards (content, in) login=alice client=- session=- folder=user.alice count=1 credit_card: 4111 **** **** 1111`
 */
export function alertLogLine(alert: Alert): string {
  const what = alert.kind === 'content' ? `content, ${alert.direction ?? '-'}` : (alert.behaviour ?? 'behaviour');
  const found = alert.hits.map((hit) => `${hit.detector}: ${hit.samples.join('; ')}`).join(' | ');
  const b = alert.behaviourSummary;
  const seen = b === null ? '' : b.subject !== undefined ? ` ${b.subject} given ${b.rights ?? ''}` : '';
  return `DLP alert #${alert.id} ${alert.severity} ${alert.rule} (${what}) login=${alert.login ?? '-'} client=${alert.clientIp ?? '-'} session=${alert.sessionId ?? '-'} folder=${alert.folder ?? '-'} count=${alert.count}${found === '' ? '' : ` ${found}`}${seen}`;
}

/** Refs kept per alert at most (a mass deletion of 10,000 messages keeps the first ones and its count). */
export const MAX_REFS = 1000;

/** A dlp_alert row as stored (alert-carry.ts reads the same rows for the archive). */
export interface AlertRow {
  id: number;
  at: number;
  raised_at: number;
  rule: string;
  severity: Severity;
  kind: AlertKind;
  behaviour: BehaviourName | null;
  direction: Direction | null;
  person_id: number | null;
  login: string | null;
  session_id: string | null;
  client_ip: string | null;
  mailbox_id: string | null;
  folder: string | null;
  message_refs: string;
  placement_ids: string;
  count: number;
  summary: string;
  notification_ids: string;
}

interface AckRow {
  id: number;
  alert_id: number;
  at: number;
  by: string;
  note: string;
}

/** Bounds of a listing: alerts at or after `since` (ms), of one rule, the newest `limit`. */
export interface AlertQuery {
  since?: number | undefined;
  rule?: string | undefined;
  limit?: number | undefined;
}

export class Alerts {
  private readonly s;
  private readonly outbox: NotifyOutbox;
  private readonly chain: AlertChain;

  constructor(
    db: Db,
    /** linkLater: {@link raise} leaves the linking to {@link link}, which the caller runs before its transaction commits (once per batch). */
    private readonly options: {linkLater?: boolean} = {},
  ) {
    this.outbox = new NotifyOutbox(db);
    this.chain = new AlertChain(db);
    this.s = {
      // Named parameters are the columns' names: the row as raise() builds it is bound as it is.
      insert: db.prepare<Omit<AlertRow, 'id'> & {dedup_key: string}>(
        `INSERT INTO dlp_alert (dedup_key, at, raised_at, rule, severity, kind, behaviour, direction, person_id, login, session_id, client_ip, mailbox_id, folder, message_refs, placement_ids, count, summary, notification_ids)
         VALUES (@dedup_key, @at, @raised_at, @rule, @severity, @kind, @behaviour, @direction, @person_id, @login, @session_id, @client_ip, @mailbox_id, @folder, @message_refs, @placement_ids, @count, @summary, @notification_ids)
         ON CONFLICT (dedup_key) DO NOTHING`,
      ),
      byId: db.prepare<[number], AlertRow>('SELECT * FROM dlp_alert WHERE id = ?'),
      list: db.prepare<{since: number | null; rule: string | null; limit: number}, AlertRow>(
        `SELECT * FROM dlp_alert WHERE (@since IS NULL OR at >= @since) AND (@rule IS NULL OR rule = @rule) ORDER BY at DESC, id DESC LIMIT @limit`,
      ),
      after: db.prepare<[number, number], AlertRow>('SELECT * FROM dlp_alert WHERE id > ? ORDER BY id LIMIT ?'),
      lastId: db.prepare<[], {id: number | null}>('SELECT max(id) AS id FROM dlp_alert'),
      lastOf: db.prepare<[string, string], {at: number | null}>('SELECT max(at) AS at FROM dlp_alert WHERE rule = ? AND login = ?'),
      acks: db.prepare<[number], AckRow>('SELECT * FROM dlp_alert_ack WHERE alert_id = ? ORDER BY id'),
      ack: db.prepare<[number, number, string, string]>('INSERT INTO dlp_alert_ack (alert_id, at, by, note) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Writes `alert` unless its dedup key was raised already; returns it as stored, or undefined. */
  raise(alert: NewAlert, now: number): Alert | undefined {
    const summary = alert.kind === 'content' ? {hits: alert.hits ?? []} : {behaviour: alert.behaviourSummary ?? {count: alert.count}};
    const row: Omit<AlertRow, 'id'> = {
      at: alert.at,
      raised_at: now,
      rule: alert.rule,
      severity: alert.severity,
      kind: alert.kind,
      behaviour: alert.behaviour ?? null,
      direction: alert.direction ?? null,
      person_id: alert.personId ?? null,
      login: alert.login ?? null,
      session_id: alert.sessionId ?? null,
      client_ip: alert.clientIp ?? null,
      mailbox_id: alert.mailboxId ?? null,
      folder: alert.folder ?? null,
      message_refs: JSON.stringify((alert.messages ?? []).slice(0, MAX_REFS)),
      placement_ids: JSON.stringify((alert.placementIds ?? []).slice(0, MAX_REFS)),
      count: alert.count,
      summary: JSON.stringify(summary),
      notification_ids: JSON.stringify((alert.notificationIds ?? []).slice(0, MAX_REFS)),
    };
    const result = this.s.insert.run({...row, dedup_key: alert.dedupKey});
    if (result.changes === 0) return undefined;
    const id = Number(result.lastInsertRowid);
    // Linked in the evidence chain in the same transaction (callers raise inside one), now or by link().
    if (this.options.linkLater !== true) this.chain.extend();
    if (alert.notify === true) this.outbox.enqueue(id, now);
    // As stored (the row just written, read back from its own values): a new alert has no acknowledgement.
    return this.toAlert({id, ...row}, []);
  }

  /** Links the alerts raised and not linked yet in the evidence chain (linkLater: before the transaction commits). */
  link(): number {
    return this.chain.extend();
  }

  /** When rule `rule` last alerted about person `login` (the event's time, ms). */
  lastAt(rule: string, login: string): number | undefined {
    return this.s.lastOf.get(rule, login)?.at ?? undefined;
  }

  get(id: number): Alert | undefined {
    const row = this.s.byId.get(id);
    return row === undefined ? undefined : this.toAlert(row);
  }

  /** The newest alerts in the bounds, newest first. */
  list(query: AlertQuery = {}): Alert[] {
    return this.s.list.all({since: query.since ?? null, rule: query.rule ?? null, limit: query.limit ?? -1}).map((row) => this.toAlert(row));
  }

  /** Alerts committed after alert `id`, oldest first, at most `limit` (following: `bonnie dlp watch`). */
  after(id: number, limit: number): Alert[] {
    return this.s.after.all(id, limit).map((row) => this.toAlert(row));
  }

  /** The newest alert's id (0: none yet). */
  lastId(): number {
    return this.s.lastId.get()?.id ?? 0;
  }

  /** Records an acknowledgement of alert `id` (DlpAlertNotFound when there is none); the alert is unchanged. */
  acknowledge(id: number, by: string, note: string, now: number): Acknowledgement {
    if (this.s.byId.get(id) === undefined) {
      throw new BonnieError('DlpAlertNotFound', `there is no DLP alert ${id}`, {hint: 'List the alerts with bonnie dlp alerts; an alert is named by its number.'});
    }
    const result = this.s.ack.run(id, now, by, note);
    return {id: Number(result.lastInsertRowid), alertId: id, at: now, by, note};
  }

  private toAlert(row: AlertRow, acks?: AckRow[]): Alert {
    const summary = JSON.parse(row.summary) as {hits?: Hit[]; behaviour?: BehaviourSummary};
    return {
      id: row.id,
      at: row.at,
      raisedAt: row.raised_at,
      rule: row.rule,
      severity: row.severity,
      kind: row.kind,
      behaviour: row.behaviour,
      direction: row.direction,
      personId: row.person_id,
      login: row.login,
      sessionId: row.session_id,
      clientIp: row.client_ip,
      mailboxId: row.mailbox_id,
      folder: row.folder,
      messages: JSON.parse(row.message_refs) as MessageRef[],
      placementIds: JSON.parse(row.placement_ids) as number[],
      count: row.count,
      hits: summary.hits ?? [],
      behaviourSummary: summary.behaviour ?? null,
      notificationIds: JSON.parse(row.notification_ids) as number[],
      acks: (acks ?? this.s.acks.all(row.id)).map((a) => ({id: a.id, alertId: a.alert_id, at: a.at, by: a.by, note: a.note})),
    };
  }
}
