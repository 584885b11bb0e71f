/** A person's sessions read back, each with how many changes were recorded in it. */
import type {Db} from '../../base/catalog/catalog.js';
import {NOT_ECHO} from './read-changes.js';

/** One `session` row and the count of its actions (Login, Logout and rename echoes not counted). */
export interface SessionRow {
  session_id: string;
  login: string | null;
  service: string | null;
  client_ip: string | null;
  client_port: number | null;
  login_at: number | null;
  logout_at: number | null;
  closed_by: 'logout' | 'timeout' | null;
  first_event_at: number;
  last_event_at: number;
  actions: number;
}

/** The sessions of person `personId` that overlap the bounds (ms, inclusive; null: unbounded), oldest first. */
export function sessionsOf(db: Db, personId: number, since: number | null, until: number | null): SessionRow[] {
  return db
    .prepare<{person: number; since: number | null; until: number | null}, SessionRow>(
      `SELECT s.session_id, s.login, s.service, s.client_ip, s.client_port, s.login_at, s.logout_at, s.closed_by, s.first_event_at, s.last_event_at,
         (SELECT count(*) FROM change c WHERE c.session_id = s.session_id AND c.kind != 'session' AND ${NOT_ECHO}) AS actions
       FROM session s
       WHERE s.person_id = @person
         AND (@until IS NULL OR coalesce(s.login_at, s.first_event_at) <= @until)
         AND (@since IS NULL OR coalesce(s.logout_at, s.last_event_at) >= @since)
       ORDER BY coalesce(s.login_at, s.first_event_at), s.session_id`,
    )
    .all({person: personId, since, until});
}
