/**
 * Behaviour detectors over the record (issue 15, 3), run by `bonnie process` after each batch, inside the
 * batch's transaction: the alerts commit with the record they come from, or not at all.
 *
 * - shared_to_anyone: an ACL change that lets `anyone` or `anonymous` (RFC 4314 identifiers), or with
 *   `local_domains` an identifier of another domain (`bob@partner.example`: direction.ts), read the folder
 *   (the `r` right; `p` alone, posting as for plus-addresses, shares nothing): one alert per ACL change.
 * - mass_delete: `min_count` messages expunged by one person within `within`. One alert per burst: a burst
 *   counts only expunges after the rule's last alert about that person, so a deletion of 10,000 messages in
 *   one EXPUNGE is one alert, and deleting steadily faster than the threshold raises one per window.
 * - mass_read: the same over messages read (MessageRead: \Seen set, as a FETCH of the body does), a
 *   download of a mailbox by a client or a script.
 * - new_client_address, emptied_before_delete: behaviour-account.ts.
 *
 * Contracts: each alert's dedup key names the rule and the notification that completed it, so the same
 * events seen again raise nothing new; only changes the batch has just written can complete a burst (older
 * ones are counted toward it).
 */
import type {Db} from '../../base/catalog/catalog.js';
import {ChangeReader, type ActRow} from '../record/read-changes.js';
import {FolderVersions} from '../record/read-folders.js';
import {Alerts, MAX_REFS, type Alert, type MessageRef} from './alerts.js';
import {AccountDetector} from './behaviour-account.js';
import {isOutsideSubject} from './direction.js';
import {folderPattern} from './evaluate.js';
import type {ChangeAction} from '../record/changes.js';
import type {BehaviourName, BehaviourRule} from './rules.js';

/** The change each behaviour reads among a batch's. */
const ACTION_OF: Record<BehaviourName, ChangeAction> = {
  shared_to_anyone: 'acl-granted',
  mass_delete: 'expunged',
  mass_read: 'read',
  new_client_address: 'login',
  emptied_before_delete: 'deleted',
};

/** ACL identifiers that make a folder public (RFC 4314 2: `anyone`; Cyrus' `anonymous`). */
const PUBLIC_SUBJECTS = new Set(['anyone', 'anonymous']);

/**
 * A folder's name as its owner sees it (`user.alice.Projects.2026` → `Projects/2026`, `user.alice` →
 * `INBOX`), as content rules' `folders` patterns are written; other names as they are.
 */
function ownerView(name: string): string {
  const match = /^user[./][^./]+(?:[./](.*))?$/.exec(name);
  if (match === null) return name;
  return match[1] === undefined ? 'INBOX' : match[1].replace(/\./g, '/');
}

/** What the engine gets back from a batch: the alerts raised (to announce once the batch has committed). */
export interface BehaviourOutcome {
  alerts: Alert[];
}

/** The behaviour detectors of one `bonnie process` run: statements prepared once. */
export class BehaviourDetector {
  private readonly changes: ChangeReader;
  private readonly folders: FolderVersions;
  private readonly alerts: Alerts;
  private readonly account: AccountDetector;

  constructor(
    db: Db,
    private readonly rules: () => readonly BehaviourRule[],
    private readonly now: () => number = Date.now,
    /** local_domains: a share to an identifier outside them counts as public. */
    private readonly localDomains: readonly string[] = [],
  ) {
    this.changes = new ChangeReader(db);
    this.folders = new FolderVersions(db);
    // Alerts are linked in the evidence chain once per batch (afterBatch), not one by one.
    this.alerts = new Alerts(db, {linkLater: true});
    this.account = new AccountDetector(db, now, this.alerts);
  }

  /** The newest change's id: give it to {@link afterBatch} once the batch is applied. */
  mark(): number {
    return this.rules().length === 0 ? 0 : this.changes.lastId();
  }

  /** Runs every behaviour rule over the changes written after `mark` (the batch's). */
  afterBatch(mark: number): BehaviourOutcome {
    const rules = this.rules();
    const alerts: Alert[] = [];
    if (rules.length === 0) return {alerts};
    // The batch's changes that some rule reads, in one pass over them.
    const wanted = new Set<ChangeAction>();
    for (const rule of rules) wanted.add(ACTION_OF[rule.behaviour]);
    const fresh = this.changes.actsAfterOf(mark, [...wanted]);
    const actsOf = (action: ChangeAction) => fresh.get(action) ?? [];
    const shares = rules.filter((r) => r.behaviour === 'shared_to_anyone');
    if (shares.length > 0) for (const act of actsOf('acl-granted')) alerts.push(...this.shared(shares, act));
    for (const [behaviour, action] of [['mass_delete', 'expunged'], ['mass_read', 'read']] as const) {
      const bursts = rules.filter((r) => r.behaviour === behaviour);
      if (bursts.length === 0) continue;
      const byPerson = new Map<number, ActRow[]>();
      for (const act of actsOf(action)) {
        if (act.actor_person_id === null) continue;
        const acts = byPerson.get(act.actor_person_id);
        if (acts === undefined) byPerson.set(act.actor_person_id, [act]);
        else acts.push(act);
      }
      for (const [personId, acts] of byPerson) for (const rule of bursts) alerts.push(...this.burst(rule, personId, acts, mark, action));
    }
    const addresses = rules.filter((r) => r.behaviour === 'new_client_address');
    if (addresses.length > 0) alerts.push(...this.account.newClientAddresses(addresses, actsOf('login')));
    const emptied = rules.filter((r) => r.behaviour === 'emptied_before_delete');
    if (emptied.length > 0) alerts.push(...this.account.emptiedBeforeDelete(emptied, actsOf('deleted')));
    // Linked in the evidence chain in the batch's transaction, as raised: the chain covers them when it commits.
    if (alerts.length > 0) this.alerts.link();
    return {alerts};
  }

  private folderName(mailboxId: string | null, at: number): string | null {
    return mailboxId === null ? null : (this.folders.at(mailboxId, at)?.name ?? this.folders.latest(mailboxId)?.name ?? null);
  }

  private inScope(rule: BehaviourRule, login: string | null, folder: string | null): boolean {
    return this.userInScope(rule, login) && this.folderInScope(rule, folder);
  }

  private userInScope(rule: BehaviourRule, login: string | null): boolean {
    const {users} = rule.scope;
    return users === undefined || users.some((u) => u.toLowerCase() === (login ?? '').toLowerCase());
  }

  private folderInScope(rule: BehaviourRule, folder: string | null): boolean {
    const {folders} = rule.scope;
    return folders === undefined || folders.some((p) => folder !== null && (folderPattern(p).test(folder) || folderPattern(p).test(ownerView(folder))));
  }

  private shared(rules: readonly BehaviourRule[], act: ActRow): Alert[] {
    const after = JSON.parse(act.after ?? '{}') as {subject?: string; rights?: string};
    if (after.subject === undefined || !(after.rights ?? '').includes('r')) return [];
    if (!PUBLIC_SUBJECTS.has(after.subject.toLowerCase()) && !isOutsideSubject(after.subject, this.localDomains)) return [];
    const folder = this.folderName(act.mailbox_id, act.at);
    const raised: Alert[] = [];
    for (const rule of rules) {
      if (!this.inScope(rule, act.actor_login, folder)) continue;
      const alert = this.alerts.raise(
        {
          dedupKey: `shared_to_anyone/${rule.name}/${act.notification_id}/${act.mailbox_id ?? ''}/${after.subject}`,
          at: act.at,
          rule: rule.name,
          severity: rule.severity,
          kind: 'behaviour',
          behaviour: 'shared_to_anyone',
          personId: act.actor_person_id,
          login: act.actor_login,
          sessionId: act.session_id,
          clientIp: act.client_ip,
          mailboxId: act.mailbox_id,
          folder,
          count: 1,
          behaviourSummary: {count: 1, subject: after.subject, rights: after.rights ?? '', folders: folder === null ? [] : [folder], from: act.at, to: act.at},
          notificationIds: [act.notification_id],
          notify: rule.actions.includes('notify'),
        },
        this.now(),
      );
      if (alert !== undefined) raised.push(alert);
    }
    return raised;
  }

  /**
   * Person `personId`'s expunges (or reads) around the batch's (`fresh`), walked in time order with a window
   * of `rule.withinMs`: a window of `rule.minCount` or more that ends on a fresh one, and counts none from
   * before the rule's last alert about the person, is a burst.
   */
  private burst(rule: BehaviourRule, personId: number, fresh: readonly ActRow[], mark: number, action: 'expunged' | 'read'): Alert[] {
    const login = fresh[0]?.actor_login ?? null;
    if (login === null || !this.userInScope(rule, login)) return [];
    let first = Infinity;
    let last = -Infinity;
    for (const a of fresh) [first, last] = [Math.min(first, a.at), Math.max(last, a.at)];
    // Fewer than min_count in the whole span, whatever their folders: no window can hold a burst (a count, not the rows).
    if (this.changes.countOf(personId, action, first - rule.withinMs, last) < rule.minCount) return [];
    const names = new Map<string, string | null>();
    const nameOf = (act: ActRow) => {
      const key = act.mailbox_id ?? '';
      if (!names.has(key)) names.set(key, this.folderName(act.mailbox_id, act.at));
      return names.get(key) ?? null;
    };
    const acts = this.changes.actsOf(personId, action, first - rule.withinMs, last).filter((a) => this.folderInScope(rule, nameOf(a)));
    let lastAlert = this.alerts.lastAt(rule.name, login) ?? -Infinity;
    const raised: Alert[] = [];
    let start = 0;
    for (let i = 0; i < acts.length; i++) {
      const end = acts[i] as ActRow;
      while (start <= i && ((acts[start] as ActRow).at <= lastAlert || (acts[start] as ActRow).at < end.at - rule.withinMs)) start++;
      // A single EXPUNGE's messages share its time: the burst takes them all.
      while (i + 1 < acts.length && (acts[i + 1] as ActRow).at === end.at) i++;
      const burst = acts.slice(start, i + 1);
      const closing = acts[i] as ActRow;
      if (burst.length < rule.minCount || !burst.some((a) => a.change_id > mark)) continue;
      const folders = [...new Set(burst.map(nameOf).filter((n): n is string => n !== null))];
      const mailboxes = new Set(burst.map((a) => a.mailbox_id));
      const alert = this.alerts.raise(
        {
          dedupKey: `${rule.behaviour}/${rule.name}/${personId}/${closing.notification_id}`,
          at: closing.at,
          rule: rule.name,
          severity: rule.severity,
          kind: 'behaviour',
          behaviour: rule.behaviour,
          personId,
          login,
          sessionId: closing.session_id,
          clientIp: closing.client_ip,
          mailboxId: mailboxes.size === 1 ? closing.mailbox_id : null,
          folder: mailboxes.size === 1 ? nameOf(closing) : null,
          messages: burst.slice(0, MAX_REFS).map((a): MessageRef => ({emailId: a.email_id, messageId: a.message_id, mailboxId: a.mailbox_id, uid: a.uid})),
          placementIds: burst.flatMap((a) => (a.placement_id === null ? [] : [a.placement_id])),
          count: burst.length,
          behaviourSummary: {count: burst.length, minCount: rule.minCount, withinMs: rule.withinMs, from: (burst[0] as ActRow).at, to: closing.at, folders: folders.slice(0, MAX_REFS)},
          notificationIds: [...new Set(burst.map((a) => a.notification_id))],
          notify: rule.actions.includes('notify'),
        },
        this.now(),
      );
      if (alert !== undefined) raised.push(alert);
      lastAlert = closing.at;
      start = i + 1;
    }
    return raised;
  }
}
