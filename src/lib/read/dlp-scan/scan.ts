/**
 * `bonnie dlp scan`: the content rules evaluated retroactively over the archive (a new rule, old mail).
 *
 * The search index is the list of archived messages with their places (folder, owner, UIDVALIDITY, UID) and
 * dates, so it is brought up to date first (as `bonnie prune --dry-run` does). Every place in the bounds is
 * evaluated, also a place the message has since left (the archive still holds it); its bytes are read from
 * the archive and scanned once per content: a message in several folders is scanned once and evaluated per
 * place, with that place's owner, folder and direction.
 *
 * Direction: archived mail does not say how it arrived, so the folder tells: a folder whose name starts with
 * `Sent` (as its owner sees it: `Sent`, `Sent Items`, `Sent/2026`) is `out`, every other folder `in`; with
 * `local_domains`, a Sent folder's message is `out` only when a recipient is outside them (dlp/direction.ts).
 *
 * Contracts: alerts are raised through {@link Alerts.raise} with the collector's dedup key
 * (`content/<rule>/<mailbox id>/<uidvalidity>/<uid>`), so a message the collector already alerted on is not
 * alerted twice, and scanning twice raises nothing new. Only masked samples are stored. A message whose
 * bytes cannot be read is reported (unreadable) and the scan goes on.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT, errorMessage} from '../../base/errors.js';
import {parseInstant} from '../../base/config/dates.js';
import {readHeader} from '../../core/mail/headers.js';
import {isLocalDomain, isSentFolder, recipientDomains} from '../../pipeline/dlp/direction.js';
import {Alerts, type Alert, type NewAlert} from '../../pipeline/dlp/alerts.js';
import {evaluateRules, needsAttachmentContent, scanMessage, type MessageScan} from '../../pipeline/dlp/evaluate.js';
import type {Direction, RuleSet} from '../../pipeline/dlp/rules.js';
import {personIdsByName, personVersionRows} from '../../pipeline/record/people.js';
import {ArchiveReader} from '../../store/archive/reader.js';
import {SearchIndex, type ArchivedItem} from '../search/search-index.js';
import {updateSearch} from '../search/update.js';

/** Places read from the index per query. */
const PAGE = 500;
/** Scans kept for contents seen in several places (a scan holds the message's text: the cache is bounded). */
const SCAN_CACHE = 256;

export interface DlpScanOptions {
  /** --since / --until: the messages dated in these bounds (their Date header, else when they arrived). */
  since?: string | undefined;
  until?: string | undefined;
  now?: Date;
  onProgress?: (progress: DlpScanProgress) => void;
  /** Each new alert, once committed (the command logs it to syslog). */
  onAlert?: (alert: Alert) => void;
  /** local_domains: a Sent folder's message is out only with a recipient outside them. */
  localDomains?: readonly string[] | undefined;
}

export interface DlpScanProgress {
  phase: 'index' | 'scan';
  done: number;
  total: number;
}

export interface DlpScanSummary {
  rulesFile: string;
  /** Content rules evaluated. */
  rules: number;
  since: string | null;
  until: string | null;
  /** Distinct messages (contents) scanned. */
  messages: number;
  /** Places (folder, UID) evaluated. */
  places: number;
  /** New alerts raised. */
  alerts: number;
  /** Matches already alerted (by the collector or an earlier scan): not raised again. */
  alreadyRaised: number;
  /** Per rule that matched: new alerts and matches already alerted, in the file's order. */
  byRule: Array<{rule: string; alerts: number; alreadyRaised: number}>;
  /** Places whose bytes could not be read from the archive. */
  unreadable: Array<{mailboxId: string; uidValidity: number; uid: number; error: string}>;
}

/**
 * `Sent`, `Sent Items`, `Sent/2026`: out (with local_domains, only when a recipient is outside them, else
 * neither: null); anything else in (see the module comment).
 */
export function directionOfFolder(path: string, recipientDomainsOf: readonly string[] = [], localDomains: readonly string[] = []): Direction | null {
  if (!isSentFolder(path)) return 'in';
  if (localDomains.length === 0) return 'out';
  return recipientDomainsOf.some((d) => !isLocalDomain(d, localDomains)) ? 'out' : null;
}

/** Brings the search index up to date, then evaluates `rules` over every archived place in the bounds. */
export async function scanArchive(catalog: Catalog, archiveDir: string, rules: RuleSet, options: DlpScanOptions = {}): Promise<DlpScanSummary> {
  const now = options.now ?? new Date();
  const since = options.since === undefined ? undefined : parseInstant(options.since, '--since', now);
  const until = options.until === undefined ? undefined : parseInstant(options.until, '--until', now);
  if (since !== undefined && until !== undefined && until < since) {
    throw new BonnieError('UsageInvalid', '--until is before --since', {exit: EXIT.usage, hint: 'Give --since the earlier moment.'});
  }
  await updateSearch(catalog, archiveDir, {onProgress: (p) => options.onProgress?.({phase: 'index', done: p.done, total: p.total})});

  const db = catalog.db;
  const index = new SearchIndex(db);
  const alerts = new Alerts(db);
  const contentRules = rules.rules;
  const attachmentContent = needsAttachmentContent(contentRules);
  const summary: DlpScanSummary = {
    rulesFile: rules.file,
    rules: contentRules.length,
    since: since === undefined ? null : new Date(since).toISOString(),
    until: until === undefined ? null : new Date(until).toISOString(),
    messages: 0,
    places: 0,
    alerts: 0,
    alreadyRaised: 0,
    byRule: [],
    unreadable: [],
  };
  const byRule = new Map<string, {rule: string; alerts: number; alreadyRaised: number}>();
  const groupsCache = new Map<string, string[]>();
  const scans = new Map<string, MessageScan>();
  const messageIds = new Map<string, string | null>();
  const domainsOf = new Map<string, string[]>();
  const counted = new Set<string>();
  const total = index.lastItemId();
  const reader = new ArchiveReader(catalog, archiveDir);
  try {
    let after = 0;
    while (contentRules.length > 0) {
      const page = index.archivedItems(after, PAGE);
      if (page.length === 0) break;
      after = (page.at(-1) as ArchivedItem).id;
      for (const item of page) {
        if ((since !== undefined && item.date < since) || (until !== undefined && item.date > until)) continue;
        const scanned = await scanOf(item);
        if (scanned === undefined) continue;
        summary.places++;
        const pending = evaluatePlace(item, scanned.scan, scanned.messageId, scanned.domains);
        const raised = db.transaction(() => pending.map((alert) => alerts.raise(alert, Date.now())))();
        pending.forEach((alert, i) => {
          const entry = byRule.get(alert.rule) ?? {rule: alert.rule, alerts: 0, alreadyRaised: 0};
          byRule.set(alert.rule, entry);
          if (raised[i] !== undefined) entry.alerts++;
          else entry.alreadyRaised++;
        });
        // Once committed: each new alert to the caller (syslog).
        for (const alert of raised) if (alert !== undefined) options.onAlert?.(alert);
      }
      options.onProgress?.({phase: 'scan', done: after, total});
    }
  } finally {
    reader.close();
  }
  summary.byRule = contentRules.flatMap((rule) => byRule.get(rule.name) ?? []);
  summary.alerts = summary.byRule.reduce((sum, r) => sum + r.alerts, 0);
  summary.alreadyRaised = summary.byRule.reduce((sum, r) => sum + r.alreadyRaised, 0);
  return summary;

  async function scanOf(item: ArchivedItem): Promise<{scan: MessageScan; messageId: string | null; domains: string[]} | undefined> {
    const key = item.sha256.toString('hex');
    const cached = scans.get(key);
    if (cached !== undefined) {
      scans.delete(key);
      scans.set(key, cached);
      return {scan: cached, messageId: messageIds.get(key) ?? null, domains: domainsOf.get(key) ?? []};
    }
    let bytes: Buffer;
    try {
      bytes = reader.readBlob(item.sha256);
    } catch (error) {
      if (!(error instanceof BonnieError)) throw error;
      summary.unreadable.push({mailboxId: item.mailboxId, uidValidity: item.uidValidity, uid: item.uid, error: errorMessage(error)});
      return undefined;
    }
    const scan = await scanMessage(bytes, {attachmentContent});
    if (!counted.has(key)) {
      counted.add(key);
      summary.messages++;
    }
    scans.set(key, scan);
    messageIds.set(key, readHeader(bytes).get('message-id') ?? null);
    domainsOf.set(key, recipientDomains(bytes));
    if (scans.size > SCAN_CACHE) {
      const oldest = scans.keys().next().value as string;
      scans.delete(oldest);
      messageIds.delete(oldest);
      domainsOf.delete(oldest);
    }
    return {scan, messageId: messageIds.get(key) ?? null, domains: domainsOf.get(key) ?? []};
  }

  function evaluatePlace(item: ArchivedItem, scan: MessageScan, messageId: string | null, domains: readonly string[]): NewAlert[] {
    const owner = item.owner ?? undefined;
    const direction = directionOfFolder(item.path, domains, options.localDomains);
    const groups = contentRules.some((r) => r.scope.groups !== undefined) && owner !== undefined ? groupsOf(owner) : [];
    return evaluateRules(contentRules, scan, {user: owner, groups, folder: item.path, direction})
      .filter((result) => result.matched)
      .map((result) => ({
        dedupKey: `content/${result.rule}/${item.mailboxId}/${item.uidValidity}/${item.uid}`,
        at: item.date,
        rule: result.rule,
        severity: result.severity,
        kind: 'content' as const,
        direction: direction ?? undefined,
        login: owner,
        mailboxId: item.mailboxId,
        folder: item.path,
        messages: [{emailId: null, messageId, mailboxId: item.mailboxId, uid: item.uid}],
        count: result.hits.reduce((sum, hit) => sum + hit.count, 0),
        hits: result.hits,
        notify: result.actions.includes('notify'),
      }));
  }

  /** The owner's groups in the record's newest version of them (empty when the record does not know the owner). */
  function groupsOf(login: string): string[] {
    const cached = groupsCache.get(login);
    if (cached !== undefined) return cached;
    const [personId] = personIdsByName(db, login.toLowerCase());
    const latest = personId === undefined ? undefined : personVersionRows(db, personId).at(-1);
    const groups = latest === undefined ? [] : (JSON.parse(latest.groups) as string[]);
    groupsCache.set(login, groups);
    return groups;
  }
}
