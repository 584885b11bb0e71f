/**
 * `bonnie history --user`: a person over time: their versions (logins, addresses, groups), their
 * sessions, and everything the changelog says they did.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {FolderNames} from './folder-names.js';
import {personVersions, resolvePerson, type PersonFacts, type PersonVersionEntry} from './people.js';
import {listSessions, type SessionEntry} from './sessions.js';
import {keepNewest, NOT_ECHO, TIMELINE_COLUMNS, TIMELINE_FROM, toTimelineEntry, type TimelineEntry, type TimelineRow} from './timeline.js';

export interface UserHistory {
  person: PersonFacts;
  /** Oldest first. */
  versions: PersonVersionEntry[];
  /** Newest last. */
  sessions: SessionEntry[];
  /** What they did (Login and Logout included), newest last. */
  timeline: TimelineEntry[];
  /** Older sessions left out by `limit`. */
  omittedSessions: number;
  /** Older timeline entries left out by `limit`. */
  omitted: number;
}

/** The history of the person `login` names. Throws BonnieError UserUnknown / UserAmbiguous. */
export function userHistory(db: Db, login: string, options: {limit?: number} = {}): UserHistory {
  const person = resolvePerson(db, login);
  const sessions = keepNewest(listSessions(db, person.id), options.limit);
  const total = (db.prepare<[number], {n: number}>(`SELECT count(*) AS n FROM change c WHERE c.actor_person_id = ? AND ${NOT_ECHO}`).get(person.id) as {n: number}).n;
  const names = new FolderNames(db);
  const rows = db
    .prepare<{person: number; limit: number}, TimelineRow>(
      `SELECT ${TIMELINE_COLUMNS} FROM ${TIMELINE_FROM} WHERE c.actor_person_id = @person AND ${NOT_ECHO} ORDER BY c.at DESC, c.id DESC LIMIT @limit`,
    )
    .all({person: person.id, limit: options.limit ?? -1})
    .reverse();
  return {
    person,
    versions: personVersions(db, person.id),
    sessions: sessions.kept,
    timeline: rows.map((row) => toTimelineEntry(row, names)),
    omittedSessions: sessions.omitted,
    omitted: total - rows.length,
  };
}
