/**
 * Behaviour detectors about a person's account (issue 15, 3), run by behaviour.ts in the batch's transaction:
 *
 * - new_client_address: a login (Login event) from a client address the record has never seen that person
 *   log in from. A person's first login ever raises nothing (every address is new then), nor does a login
 *   without a client address. One alert per person and address, ever.
 * - emptied_before_delete: an account deleted (MailboxDelete of `user.X`, with its subfolders in the same
 *   event) after its folders were emptied: within `within` before the deletion, at least `min_count`
 *   messages, and `min_fraction` of those the folders held in that window, were expunged. The alert names
 *   the account (login X), and the person, session and client address of the last expunge.
 *
 * Contracts: the dedup keys name the rule and the notification (or person and address), so the same events
 * seen again raise nothing new; only changes the batch has just written (ids after `mark`) trigger.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {ChangeReader, type ActRow} from '../record/read-changes.js';
import {FolderVersions} from '../record/read-folders.js';
import {PlacementReader} from '../record/read-placements.js';
import {Alerts, MAX_REFS, type Alert, type MessageRef} from './alerts.js';
import type {BehaviourRule} from './rules.js';

/** An account's top folder, as Cyrus names it (`user.alice`, `user/alice` with unixhierarchysep). */
const ACCOUNT_FOLDER = /^user[./]([^./]+)$/;

export class AccountDetector {
  private readonly changes: ChangeReader;
  private readonly folders: FolderVersions;
  private readonly placements: PlacementReader;
  private readonly alerts: Alerts;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
    /** Where alerts are raised: the caller's (behaviour.ts links them once per batch). */
    alerts: Alerts = new Alerts(db),
  ) {
    this.changes = new ChangeReader(db);
    this.folders = new FolderVersions(db);
    this.placements = new PlacementReader(db);
    this.alerts = alerts;
  }

  /** new_client_address over `logins`, the `login` changes a batch has just written (ids after its mark), in order. */
  newClientAddresses(rules: readonly BehaviourRule[], logins: readonly ActRow[]): Alert[] {
    const raised: Alert[] = [];
    for (const login of logins) {
      if (login.actor_person_id === null || login.client_ip === null) continue;
      const before = this.changes.loginsBefore(login.actor_person_id, login.notification_id, login.client_ip);
      if (before.logins === 0 || before.fromAddress > 0) continue;
      for (const rule of rules) {
        if (!userInScope(rule, login.actor_login)) continue;
        const alert = this.alerts.raise(
          {
            dedupKey: `new_client_address/${rule.name}/${login.actor_person_id}/${login.client_ip}`,
            at: login.at,
            rule: rule.name,
            severity: rule.severity,
            kind: 'behaviour',
            behaviour: 'new_client_address',
            personId: login.actor_person_id,
            login: login.actor_login,
            sessionId: login.session_id,
            clientIp: login.client_ip,
            count: 1,
            behaviourSummary: {count: 1, earlierLogins: before.logins, from: login.at, to: login.at},
            notificationIds: [login.notification_id],
            notify: rule.actions.includes('notify'),
          },
          this.now(),
        );
        if (alert !== undefined) raised.push(alert);
      }
    }
    return raised;
  }

  /** emptied_before_delete over `deletions`, the `deleted` changes a batch has just written, in order. */
  emptiedBeforeDelete(rules: readonly BehaviourRule[], deletions: readonly ActRow[]): Alert[] {
    // One MailboxDelete deletes the account's top folder and its subfolders: one change each, one notification.
    const byNotification = new Map<number, ActRow[]>();
    for (const act of deletions) {
      if (act.mailbox_id === null) continue;
      const acts = byNotification.get(act.notification_id);
      if (acts === undefined) byNotification.set(act.notification_id, [act]);
      else acts.push(act);
    }
    const raised: Alert[] = [];
    for (const deletes of byNotification.values()) {
      const top = deletes.map((d) => ({act: d, name: this.nameBefore(d)})).find((d) => d.name !== null && ACCOUNT_FOLDER.test(d.name));
      if (top === undefined) continue;
      const account = (ACCOUNT_FOLDER.exec(top.name as string) as RegExpExecArray)[1] as string;
      const mailboxIds = [...new Set(deletes.map((d) => d.mailbox_id as string))];
      for (const rule of rules) {
        if (!userInScope(rule, account)) continue;
        const from = top.act.at - rule.withinMs;
        const expunged = this.changes.actsIn(mailboxIds, 'expunged', from, top.act.at);
        const held = this.placements.heldBetween(mailboxIds, from, top.act.at);
        const fraction = held === 0 ? 0 : expunged.length / held;
        if (expunged.length < rule.minCount || fraction < (rule.minFraction ?? 1)) continue;
        const last = expunged.at(-1) as ActRow;
        const alert = this.alerts.raise(
          {
            dedupKey: `emptied_before_delete/${rule.name}/${top.act.notification_id}`,
            at: top.act.at,
            rule: rule.name,
            severity: rule.severity,
            kind: 'behaviour',
            behaviour: 'emptied_before_delete',
            personId: last.actor_person_id,
            login: account,
            sessionId: last.session_id,
            clientIp: last.client_ip,
            mailboxId: top.act.mailbox_id,
            folder: top.name,
            messages: expunged.slice(0, MAX_REFS).map((a): MessageRef => ({emailId: a.email_id, messageId: a.message_id, mailboxId: a.mailbox_id, uid: a.uid})),
            placementIds: expunged.flatMap((a) => (a.placement_id === null ? [] : [a.placement_id])),
            count: expunged.length,
            behaviourSummary: {
              count: expunged.length,
              minCount: rule.minCount,
              withinMs: rule.withinMs,
              from: (expunged[0] as ActRow).at,
              to: top.act.at,
              folders: [top.name as string],
              held,
              fraction: Math.round(fraction * 1000) / 1000,
              deletedBy: top.act.actor_login,
            },
            notificationIds: [...new Set([...expunged.map((a) => a.notification_id), top.act.notification_id])].slice(0, MAX_REFS),
            notify: rule.actions.includes('notify'),
          },
          this.now(),
        );
        if (alert !== undefined) raised.push(alert);
      }
    }
    return raised;
  }

  /** The name a deleted folder had just before its deletion. */
  private nameBefore(act: ActRow): string | null {
    const id = act.mailbox_id as string;
    return this.folders.at(id, act.at - 1)?.name ?? this.folders.latest(id)?.name ?? null;
  }
}

function userInScope(rule: BehaviourRule, login: string | null): boolean {
  const {users} = rule.scope;
  return users === undefined || users.some((u) => u.toLowerCase() === (login ?? '').toLowerCase());
}
