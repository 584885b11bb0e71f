/** A person's sessions as history and audit show them. */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {sessionsOf, type SessionRow} from '../../pipeline/record/read-sessions.js';

/** One Cyrus session (a Login/Logout pair by `vnd.cmu.sessionId`, and the events in between). */
export interface SessionEntry {
  sessionId: string;
  login: string | null;
  service: string | null;
  clientIp: string | null;
  clientPort: number | null;
  /** The Login's time, or the first event's when no Login was received. */
  start: string;
  loginAt: string | null;
  logoutAt: string | null;
  /**
   * `logout`: ended by Logout; `timeout`: no Logout, closed once idle for the session timeout; `open`: no
   * Logout yet; `no-login`: events without a Login (a Login never received). LMTP and cyr_expire sessions
   * have no actor, so belong to no person and are never listed.
   */
  state: 'logout' | 'timeout' | 'open' | 'no-login';
  /** The Logout's time, otherwise the last event's. */
  end: string;
  /** From start to end, in seconds (millisecond precision). */
  durationSeconds: number;
  /** Changes recorded in the session, Login and Logout not counted. */
  actionCount: number;
}

/** Time bounds, ms since the epoch, inclusive; null is unbounded. */
export interface TimeRange {
  since: number | null;
  until: number | null;
}

/** The person's sessions that overlap `range`, oldest first. */
export function listSessions(db: Db, personId: number, range: TimeRange = {since: null, until: null}): SessionEntry[] {
  return sessionsOf(db, personId, range.since, range.until).map(toSessionEntry);
}

function toSessionEntry(row: SessionRow): SessionEntry {
  const start = row.login_at ?? row.first_event_at;
  const end = row.logout_at ?? row.last_event_at;
  const state = row.closed_by ?? (row.login_at === null ? 'no-login' : 'open');
  return {
    sessionId: row.session_id,
    login: row.login,
    service: row.service,
    clientIp: row.client_ip,
    clientPort: row.client_port,
    start: isoTime(start),
    loginAt: isoTimeOrNull(row.login_at),
    logoutAt: isoTimeOrNull(row.logout_at),
    state,
    end: isoTime(end),
    durationSeconds: Math.max(0, end - start) / 1000,
    actionCount: row.actions,
  };
}
