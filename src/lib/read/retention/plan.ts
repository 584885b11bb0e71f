/**
 * `bonnie prune --dry-run`: which archived messages the retention rules let go now, which legal holds keep,
 * and what would be freed, per rule (issue 17). Reads only; the plan is kept under its id for the prune that
 * will confirm it.
 *
 * Decisions, per archived message (one blob, however many folders it is or was in):
 * - A rule applies to a place (a folder and UID) when its users include the folder's owner (or it names none)
 *   and its folder patterns match the folder as the owner sees it (or it names none).
 * - The longest applicable period wins, over every rule of every place: a copy kept by a longer rule keeps
 *   the message. If that rule says `keep`, or no rule applies to some place, the message stays.
 * - The period runs from the message's date (`date`), or from when it left its last place (`left`: expunged,
 *   moved away or its folder deleted; as long as a place holds it, it has not left).
 * - A legal hold whose users include an owner of a place (or names none) and whose date range holds the
 *   message's date keeps it, whatever the rules say.
 * - A rule or hold with a search query (bonnie search's language, gone mail included) covers only the places
 *   the query matches now: a rule applies to a place it matches; a hold keeps a message it matches anywhere.
 * - A rule or hold with groups covers only folders whose owner is, in the record's newest version of that
 *   person (as the directory gave it), a member of one of them; group names compare without case.
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';
import {isoTime} from '../../core/time.js';
import {latestGroups} from '../../pipeline/record/people.js';
import {PlacementReader} from '../../pipeline/record/read-placements.js';
import type {Hold, RetentionRule} from '../../pipeline/retention/policy.js';
import {matchingPlaces} from '../search/search.js';
import {SearchIndex, type ArchivedItem} from '../search/search-index.js';

/** Places read at a time. */
const PAGE = 5000;
const DAY_MS = 86_400_000;

export interface RulePlan {
  rule: string;
  action: 'keep' | 'delete';
  /** Messages this rule decides (the longest applicable period is its). */
  messages: number;
  /** Of those, expired now and not held: what a prune would remove, and their bytes as the messages were. */
  expired: number;
  expiredBytes: number;
  /** Expired, but kept by a legal hold. */
  held: number;
  /** Expiring within the next 30 days. */
  expiringSoon: number;
  expiringSoonBytes: number;
}

export interface PrunePlan {
  /** The plan's id: a digest of the messages it would remove and the rules and holds in force. */
  id: string;
  at: string;
  messages: number;
  /** Messages no rule lets go: some place has no rule, or the longest rule says keep. */
  kept: number;
  expired: number;
  expiredBytes: number;
  held: number;
  heldBytes: number;
  rules: RulePlan[];
  holds: Array<{caseId: string; messages: number; bytes: number}>;
}

interface Message {
  date: number;
  size: number;
  places: ArchivedItem[];
}

/** Computes the plan at `now` from the search index's places (kept current by the caller). */
/** What {@link planPrune} decided, per message: for each expired one, its rule; the expired ones a hold keeps. */
export interface PlanDecisions {
  plan: PrunePlan;
  /** Expired and not held, by SHA-256 (sorted). */
  expired: Buffer[];
  /** Hex SHA-256 of each expired message -> the rule that let it go. */
  rules: Map<string, string>;
  /** Hex SHA-256 of the expired messages a legal hold keeps. */
  held: Set<string>;
}

export function planPrune(db: Db, rules: readonly RetentionRule[], holds: readonly Hold[], now: number): PlanDecisions {
  const index = new SearchIndex(db);
  const scopes = new Scopes(db, now);
  const messages = new Map<string, Message>();
  for (let page = index.archivedItems(0, PAGE); page.length > 0; page = index.archivedItems(page.at(-1)?.id ?? 0, PAGE)) {
    for (const item of page) {
      const key = item.sha256.toString('hex');
      const message = messages.get(key) ?? {date: item.date, size: item.size, places: []};
      message.places.push(item);
      messages.set(key, message);
    }
  }
  const placements = new PlacementReader(db);
  const byRule = new Map<string, RulePlan>(rules.map((r) => [r.name, {rule: r.name, action: r.action, messages: 0, expired: 0, expiredBytes: 0, held: 0, expiringSoon: 0, expiringSoonBytes: 0}]));
  const byHold = new Map(holds.map((h) => [h.caseId, {caseId: h.caseId, messages: 0, bytes: 0}]));
  const expired: Buffer[] = [];
  const expiredRules = new Map<string, string>();
  const heldExpired = new Set<string>();
  let kept = 0;
  let heldCount = 0;
  let heldBytes = 0;
  for (const [key, message] of messages) {
    for (const hold of holds) {
      if (holdKeeps(hold, message, scopes)) {
        const h = byHold.get(hold.caseId) as {messages: number; bytes: number};
        h.messages++;
        h.bytes += message.size;
      }
    }
    const rule = decidingRule(rules, message, scopes);
    if (rule === undefined || rule.action === 'keep') {
      kept++;
      if (rule !== undefined) (byRule.get(rule.name) as RulePlan).messages++;
      continue;
    }
    const plan = byRule.get(rule.name) as RulePlan;
    plan.messages++;
    const start = rule.basis === 'date' ? message.date : leftAt(placements, message);
    if (start === undefined) continue;
    const end = start + rule.periodMs;
    const held = holds.some((h) => holdKeeps(h, message, scopes));
    if (end <= now) {
      if (held) {
        plan.held++;
        heldExpired.add(key);
        heldCount++;
        heldBytes += message.size;
      } else {
        plan.expired++;
        plan.expiredBytes += message.size;
        expired.push(Buffer.from(key, 'hex'));
        expiredRules.set(key, rule.name);
      }
    } else if (end <= now + 30 * DAY_MS && !held) {
      plan.expiringSoon++;
      plan.expiringSoonBytes += message.size;
    }
  }
  expired.sort(Buffer.compare);
  const digest = createHash('sha256');
  for (const sha of expired) digest.update(sha);
  digest.update(JSON.stringify({rules: rules.map((r) => r.id), holds: holds.map((h) => h.id)}));
  const planRules = [...byRule.values()];
  return {
    plan: {
      id: digest.digest('hex').slice(0, 16),
      at: isoTime(now),
      messages: messages.size,
      kept,
      expired: expired.length,
      expiredBytes: planRules.reduce((n, r) => n + r.expiredBytes, 0),
      held: heldCount,
      heldBytes,
      rules: planRules,
      holds: [...byHold.values()],
    },
    expired,
    rules: expiredRules,
    held: heldExpired,
  };
}

/** The rule with the longest period among those that apply to any place; undefined when a place has none. */
function decidingRule(rules: readonly RetentionRule[], message: Message, scopes: Scopes): RetentionRule | undefined {
  let longest: RetentionRule | undefined;
  for (const place of message.places) {
    const applicable = rules.filter((r) => applies(r, place, scopes));
    if (applicable.length === 0) return undefined;
    for (const r of applicable) if (longest === undefined || r.periodMs > longest.periodMs || (r.periodMs === longest.periodMs && r.action === 'keep')) longest = r;
  }
  return longest;
}

function applies(rule: RetentionRule, place: ArchivedItem, scopes: Scopes): boolean {
  if (rule.query !== undefined && !scopes.places(rule.query).has(place.id)) return false;
  if (rule.groups !== undefined && !scopes.inGroups(place.owner, rule.groups)) return false;
  if (rule.users !== undefined && (place.owner === null || !rule.users.includes(place.owner))) return false;
  // The owner's view with either separator (Archive.2026 as Cyrus names it, Archive/2026 as DLP rules and
  // mail clients show it): the same pattern language for every rule file and flag.
  const slashed = place.path.replaceAll('.', '/');
  if (rule.folders !== undefined && !rule.folders.some((pattern) => matches(pattern, place.path) || matches(pattern, slashed))) return false;
  return true;
}

/** A folder pattern: `*` matches any run of characters (`/` included), case-sensitively but for INBOX. */
export function matches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, pattern.toUpperCase().startsWith('INBOX') ? 'i' : '');
  return re.test(path);
}

function holdKeeps(hold: Hold, message: Message, scopes: Scopes): boolean {
  if (hold.query !== undefined) {
    const matched = scopes.places(hold.query);
    if (!message.places.some((p) => matched.has(p.id))) return false;
  }
  if (hold.groups !== undefined && !message.places.some((p) => scopes.inGroups(p.owner, hold.groups as string[]))) return false;
  if (hold.since !== undefined && message.date < hold.since) return false;
  if (hold.until !== undefined && message.date > hold.until) return false;
  if (hold.users === undefined) return true;
  return message.places.some((p) => p.owner !== null && (hold.users as string[]).includes(p.owner));
}

/** The places each query of a rule or hold matches, run once per plan. */
class Scopes {
  private readonly matched = new Map<string, Set<number>>();
  private readonly groups = new Map<string, Set<string>>();

  constructor(
    private readonly db: Db,
    private readonly now: number,
  ) {}

  /** Whether `owner` is, per the record, in one of `groups`. */
  inGroups(owner: string | null, groups: readonly string[]): boolean {
    if (owner === null) return false;
    let mine = this.groups.get(owner);
    if (mine === undefined) {
      mine = new Set(latestGroups(this.db, owner).map((g) => g.toLowerCase()));
      this.groups.set(owner, mine);
    }
    const set = mine;
    return groups.some((g) => set.has(g.toLowerCase()));
  }

  places(query: string): Set<number> {
    let set = this.matched.get(query);
    if (set === undefined) {
      set = matchingPlaces(this.db, query, new Date(this.now));
      this.matched.set(query, set);
    }
    return set;
  }
}

/** When the message left its last place, per the record; undefined while a place still holds it (or the record does not say). */
function leftAt(placements: PlacementReader, message: Message): number | undefined {
  let last = 0;
  for (const place of message.places) {
    if (place.deleted === 0) return undefined;
    const removedAt = placements.atValidity(place.mailboxId, place.uidValidity, place.uid)?.removedAt ?? null;
    if (removedAt === null) return undefined;
    last = Math.max(last, removedAt);
  }
  return last;
}
