/**
 * Sessions: Login and Logout paired by Cyrus' `vnd.cmu.sessionId`, in whichever order they arrive (events
 * are not in timestamp order), and every event linked to its session. A session with a Login and no
 * Logout is closed by `closeIdle` once the newest event processed is `timeoutMs` past its last event.
 */
import type {Db} from '../../base/catalog/catalog.js';

export interface SessionEvent {
  sessionId: string;
  /** When (ms since the epoch). */
  at: number;
  service: string | undefined;
  personId: number | undefined;
  login: string | undefined;
}

/** Touches of one session not written yet: what the rows they would have written add up to. */
interface PendingTouch {
  events: number;
  first: number;
  last: number;
  /** The first value given (coalesce keeps the first non-null, event after event). */
  service: string | null;
  person: number | null;
  login: string | null;
}

export class Sessions {
  private readonly touchStatement;
  /**
   * Touches held back until {@link flush}: most events only count in their session, and one upsert per
   * session and batch costs far less than one per event. Anything that reads or sets a session's row
   * writes its pending touches first, so no reader can tell.
   */
  private readonly pending = new Map<string, PendingTouch>();
  private readonly loginStatement;
  private readonly logoutStatement;
  private readonly closeIdleStatement;
  private readonly loggedInStatement;

  constructor(db: Db) {
    this.touchStatement = db.prepare<{id: string; first: number; last: number; events: number; service: string | null; person: number | null; login: string | null}>(
      `INSERT INTO session (session_id, service, person_id, login, first_event_at, last_event_at, events)
       VALUES (@id, @service, @person, @login, @first, @last, @events)
       ON CONFLICT (session_id) DO UPDATE SET
         events = events + excluded.events,
         first_event_at = min(first_event_at, excluded.first_event_at),
         last_event_at = max(last_event_at, excluded.last_event_at),
         service = coalesce(service, excluded.service),
         person_id = coalesce(person_id, excluded.person_id),
         login = coalesce(login, excluded.login)`,
    );
    this.loginStatement = db.prepare<{id: string; at: number; person: number | null; login: string | null; ip: string | null; port: number | null; nid: number}>(
      `UPDATE session SET login_at = @at, login_notification_id = @nid, person_id = coalesce(@person, person_id), login = coalesce(@login, login),
         client_ip = coalesce(client_ip, @ip), client_port = coalesce(client_port, @port)
       WHERE session_id = @id`,
    );
    this.logoutStatement = db.prepare<{id: string; at: number; ip: string | null; port: number | null; nid: number}>(
      `UPDATE session SET logout_at = @at, logout_notification_id = @nid, closed_by = 'logout',
         client_ip = coalesce(client_ip, @ip), client_port = coalesce(client_port, @port)
       WHERE session_id = @id`,
    );
    this.loggedInStatement = db.prepare<[string], {login: string}>('SELECT login FROM session WHERE session_id = ? AND login_at IS NOT NULL AND login IS NOT NULL');
    this.closeIdleStatement = db.prepare<{cutoff: number}>(
      `UPDATE session SET closed_by = 'timeout' WHERE closed_by IS NULL AND login_at IS NOT NULL AND last_event_at < @cutoff`,
    );
  }

  /**
   * Counts an event in its session (creating the session when it is the first one seen). Written by
   * {@link flush} (or before the session is next read or set): call flush before the transaction commits.
   */
  touch(event: SessionEvent): void {
    const service = event.service ?? null;
    const person = event.personId ?? null;
    const login = event.login ?? null;
    const held = this.pending.get(event.sessionId);
    if (held === undefined) {
      this.pending.set(event.sessionId, {events: 1, first: event.at, last: event.at, service, person, login});
      return;
    }
    held.events++;
    if (event.at < held.first) held.first = event.at;
    if (event.at > held.last) held.last = event.at;
    held.service ??= service;
    held.person ??= person;
    held.login ??= login;
  }

  /** Writes every touch held back. */
  flush(): void {
    for (const sessionId of this.pending.keys()) this.flushOne(sessionId);
  }

  /** Drops the touches held back (their transaction was rolled back). */
  forget(): void {
    this.pending.clear();
  }

  private flushOne(sessionId: string): void {
    const held = this.pending.get(sessionId);
    if (held === undefined) return;
    this.pending.delete(sessionId);
    this.touchStatement.run({id: sessionId, ...held});
  }

  login(event: SessionEvent, clientIp: string | undefined, clientPort: number | undefined, notificationId: number): void {
    this.touch(event);
    this.flushOne(event.sessionId);
    this.loginStatement.run({id: event.sessionId, at: event.at, person: event.personId ?? null, login: event.login ?? null, ip: clientIp ?? null, port: clientPort ?? null, nid: notificationId});
  }

  /** A Logout also reopens a session that was closed by timeout: the Logout is the better evidence. */
  logout(event: SessionEvent, clientIp: string | undefined, clientPort: number | undefined, notificationId: number): void {
    this.touch(event);
    this.flushOne(event.sessionId);
    this.logoutStatement.run({id: event.sessionId, at: event.at, ip: clientIp ?? null, port: clientPort ?? null, nid: notificationId});
  }

  /** The login of the session's Login, if it has been seen. */
  loggedIn(sessionId: string): string | undefined {
    this.flushOne(sessionId);
    return this.loggedInStatement.get(sessionId)?.login;
  }

  /** Closes sessions idle for `timeoutMs` before `now` (ms: the newest event time processed, not the clock). */
  closeIdle(now: number, timeoutMs: number): number {
    const cutoff = now - timeoutMs;
    this.flush();
    return this.closeIdleStatement.run({cutoff}).changes;
  }
}
