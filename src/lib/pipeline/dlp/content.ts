/**
 * Content rules on the messages the collector stores (issue 15, 5): each message that arrived by LMTP
 * (MessageNew) or APPEND (MessageAppend) is scanned when its bytes are read, and its alerts are written once
 * the archive holds the bytes (the collector calls {@link ContentAlerter.flush} after its commit). Copies and
 * moves are the same bytes, scanned where they first arrived.
 *
 * Direction (direction.ts): `in` for an LMTP delivery; for an APPEND, with `local_domains`, `out` when the
 * folder is a Sent folder and a recipient is outside those domains, else neither (a draft, an import, mail
 * sent inside); without `local_domains` every APPEND counts as out.
 *
 * Scope: `users` is the mailbox owner; `folders` the folder as the owner sees it (`INBOX`, `Sent`,
 * `Projects/2026`); `groups` the owner's groups as the record knows them (none until `bonnie process` has
 * seen the owner: such a rule does not fire before).
 *
 * Contracts: one alert per rule and message (folder, UIDVALIDITY, UID), also when the same job is collected
 * again; only masked samples are stored.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {parseNotification} from '../../core/event/parse.js';
import {readHeader} from '../../core/mail/headers.js';
import {NotificationLog} from '../queue/notifications.js';
import {latestGroups} from '../record/people.js';
import {Alerts, type Alert, type NewAlert} from './alerts.js';
import {evaluateRules, needsAttachmentContent, scanMessage} from './evaluate.js';
import {appendDirection} from './direction.js';
import type {RuleSet} from './rules.js';

/** The message the collector read: where it is, and the notification that announced it. */
export interface ArrivedMessage {
  mailboxId: string;
  uidValidity: number;
  uid: number;
  notificationId: number;
}

export class ContentAlerter {
  private readonly notifications: NotificationLog;
  private readonly alerts: Alerts;
  private pending: NewAlert[] = [];

  constructor(private readonly db: Db, private readonly rules: RuleSet, private readonly localDomains: readonly string[] = []) {
    this.notifications = new NotificationLog(db);
    this.alerts = new Alerts(db);
  }

  /** Scans `bytes` against the content rules; what matched waits for {@link flush}. */
  async scan(message: ArrivedMessage, bytes: Uint8Array): Promise<void> {
    const rules = this.rules.rules;
    if (rules.length === 0) return;
    const raw = this.notifications.byId(message.notificationId)?.raw;
    const parsed = raw === undefined ? undefined : parseNotification(raw.toString('utf8'));
    if (parsed === undefined || !parsed.ok) return;
    const {event} = parsed;
    if (event.type !== 'MessageNew' && event.type !== 'MessageAppend') return;
    const owner = event.mailbox?.owner;
    const folder = event.mailbox === undefined ? undefined : event.mailbox.isInbox ? 'INBOX' : event.mailbox.path.join('/');
    const direction = event.type === 'MessageNew' ? 'in' : appendDirection(folder ?? '', bytes, this.localDomains);
    const groups = rules.some((r) => r.scope.groups !== undefined) && owner !== undefined ? latestGroups(this.db, owner) : [];
    const scan = await scanMessage(bytes, {attachmentContent: needsAttachmentContent(rules)});
    const at = event.timestamp === undefined ? Date.now() : Date.parse(event.timestamp);
    for (const result of evaluateRules(rules, scan, {user: owner, groups, folder, direction})) {
      if (!result.matched) continue;
      this.pending.push({
        dedupKey: `content/${result.rule}/${message.mailboxId}/${message.uidValidity}/${message.uid}`,
        at,
        rule: result.rule,
        severity: result.severity,
        kind: 'content',
        direction: direction ?? undefined,
        login: event.type === 'MessageNew' ? owner : (event.user ?? owner),
        sessionId: event.sessionId,
        clientIp: event.clientIp,
        mailboxId: message.mailboxId,
        folder: event.mailbox?.name,
        messages: [{emailId: event.emailId ?? null, messageId: readHeader(bytes).get('message-id') ?? null, mailboxId: message.mailboxId, uid: message.uid}],
        count: result.hits.reduce((sum, hit) => sum + hit.count, 0),
        hits: result.hits,
        notificationIds: [message.notificationId],
        notify: result.actions.includes('notify'),
      });
    }
  }

  /** Writes the alerts scanned so far (call once their messages' bytes are committed); returns those that were new. */
  flush(now = Date.now()): Alert[] {
    const pending = this.pending;
    this.pending = [];
    return this.db.transaction(() => pending.flatMap((alert) => this.alerts.raise(alert, now) ?? []))();
  }

}
