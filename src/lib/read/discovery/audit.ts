/**
 * `bonnie audit --user`: a person's sessions in a time range (when, from where, how they ended), what was
 * done inside each, and what the person did outside their own sessions.
 *
 * Contracts: a session that overlaps the range is shown whole (all its actions), so that no session is
 * cut in half; actions outside sessions are those in the range. With an address filter only sessions from
 * matching clients are kept, and actions outside sessions (which have no client address) are left out.
 */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {FolderNames} from './folder-names.js';
import {resolvePerson, type PersonFacts} from './people.js';
import {parseAddressFilter, parseTimeBound} from './range.js';
import {listSessions, type SessionEntry} from './sessions.js';
import {keepNewest, toTimelineEntry, type TimelineEntry} from './timeline.js';

export interface AuditRequest {
  /** Any login, address or alias the person had, or person:<id>. */
  user: string;
  /** ISO date or time, or a duration back from `now` (7d). */
  since?: string | undefined;
  until?: string | undefined;
  /** An address or CIDR block. */
  ip?: string | undefined;
  /** At most this many sessions, actions per session, and actions outside sessions (the newest). */
  limit?: number | undefined;
  /** What relative bounds count back from; the clock by default. */
  now?: Date;
}

/** One of the person's sessions with the actions done in it (each with its actor: see `TimelineEntry.actor`). */
export interface AuditSession extends SessionEntry {
  /** Newest last; Login and Logout are the session itself and not repeated. */
  actions: TimelineEntry[];
  /** Older actions left out by `limit`. */
  omittedActions: number;
}

export interface Audit {
  person: PersonFacts;
  /** The bounds applied, ISO 8601 UTC (inclusive); null when not given. */
  range: {since: string | null; until: string | null; ip: string | null};
  /** Newest last. */
  sessions: AuditSession[];
  /** What the person did in the range outside their own sessions, newest last. */
  outside: TimelineEntry[];
  /** Older sessions left out by `limit`. */
  omittedSessions: number;
  /** Older actions outside sessions left out by `limit`. */
  omittedOutside: number;
}

/** Audits a person. Throws BonnieError UserUnknown, UserAmbiguous or UsageInvalid (bad bounds). */
export function audit(db: Db, request: AuditRequest): Audit {
  const now = request.now ?? new Date();
  const since = request.since === undefined ? null : parseTimeBound(request.since, '--since', now);
  const until = request.until === undefined ? null : parseTimeBound(request.until, '--until', now);
  if (since !== null && until !== null && since > until) {
    throw new BonnieError('UsageInvalid', `--since (${isoTime(since)}) is after --until (${isoTime(until)})`, {exit: EXIT.usage, hint: 'Swap them, or widen the range.'});
  }
  const ip = request.ip === undefined ? undefined : parseAddressFilter(request.ip);
  const person = resolvePerson(db, request.user);
  const names = new FolderNames(db);
  const limit = request.limit ?? -1;

  const changes = new ChangeReader(db);
  const matching = listSessions(db, person.id, {since, until}).filter((session) => ip === undefined || ip.matches(session.clientIp));
  const sessions = keepNewest(matching, request.limit);

  const bounds = {person: person.id, since, until};
  const outside = ip === undefined ? changes.outsideSessions(bounds, limit) : [];
  const outsideTotal = ip === undefined ? changes.countOutsideSessions(bounds) : 0;

  return {
    person,
    range: {since: isoTimeOrNull(since), until: isoTimeOrNull(until), ip: ip?.text ?? null},
    sessions: sessions.kept.map((session) => {
      const actions = changes.inSession(session.sessionId, limit).map((row) => toTimelineEntry(row, names));
      return {...session, actions, omittedActions: session.actionCount - actions.length};
    }),
    outside: outside.map((row) => toTimelineEntry(row, names)),
    omittedSessions: sessions.omitted,
    omittedOutside: outsideTotal - outside.length,
  };
}
