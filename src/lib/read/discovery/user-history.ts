/**
 * `bonnie history --user`: a person over time: their versions (logins, addresses, groups), their
 * sessions, and everything the changelog says they did.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {FolderNames} from './folder-names.js';
import {personVersions, resolvePerson, type PersonFacts, type PersonVersionEntry} from './people.js';
import {listSessions, type SessionEntry} from './sessions.js';
import {keepNewest, toTimelineEntry, type TimelineEntry} from './timeline.js';

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
  const changes = new ChangeReader(db);
  const total = changes.countByActor(person.id);
  const names = new FolderNames(db);
  const rows = changes.byActor(person.id, options.limit ?? -1);
  return {
    person,
    versions: personVersions(db, person.id),
    sessions: sessions.kept,
    timeline: rows.map((row) => toTimelineEntry(row, names)),
    omittedSessions: sessions.omitted,
    omitted: total - rows.length,
  };
}
