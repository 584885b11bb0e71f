/**
 * Sessions: Login and Logout paired by Cyrus' `vnd.cmu.sessionId`, in whichever order they arrive (events
 * are not in timestamp order), and every event linked to its session. A session with a Login and no
 * Logout is closed by `closeIdle` once the newest event processed is `timeoutMs` past its last event.
 */
import type {Db} from '../../base/catalog/catalog.js';

export interface SessionEvent {
  sessionId: string;
  at: string;
  service: string | undefined;
  personId: number | undefined;
  login: string | undefined;
}

export class Sessions {
  private readonly touchStatement;
  private readonly loginStatement;
  private readonly logoutStatement;
  private readonly closeIdleStatement;
  private readonly loggedInStatement;

  constructor(db: Db) {
    this.touchStatement = db.prepare<{id: string; at: string; service: string | null; person: number | null; login: string | null}>(
      `INSERT INTO session (session_id, service, person_id, login, first_event_at, last_event_at, events)
       VALUES (@id, @service, @person, @login, @at, @at, 1)
       ON CONFLICT (session_id) DO UPDATE SET
         events = events + 1,
         first_event_at = min(first_event_at, excluded.first_event_at),
         last_event_at = max(last_event_at, excluded.last_event_at),
         service = coalesce(service, excluded.service),
         person_id = coalesce(person_id, excluded.person_id),
         login = coalesce(login, excluded.login)`,
    );
    this.loginStatement = db.prepare<{id: string; at: string; person: number | null; login: string | null; ip: string | null; port: number | null; nid: number}>(
      `UPDATE session SET login_at = @at, login_notification_id = @nid, person_id = coalesce(@person, person_id), login = coalesce(@login, login),
         client_ip = coalesce(client_ip, @ip), client_port = coalesce(client_port, @port)
       WHERE session_id = @id`,
    );
    this.logoutStatement = db.prepare<{id: string; at: string; ip: string | null; port: number | null; nid: number}>(
      `UPDATE session SET logout_at = @at, logout_notification_id = @nid, closed_by = 'logout',
         client_ip = coalesce(client_ip, @ip), client_port = coalesce(client_port, @port)
       WHERE session_id = @id`,
    );
    this.loggedInStatement = db.prepare<[string], {login: string}>('SELECT login FROM session WHERE session_id = ? AND login_at IS NOT NULL AND login IS NOT NULL');
    this.closeIdleStatement = db.prepare<{cutoff: string}>(
      `UPDATE session SET closed_by = 'timeout' WHERE closed_by IS NULL AND login_at IS NOT NULL AND last_event_at < @cutoff`,
    );
  }

  /** Counts an event in its session (creating the session when it is the first one seen). */
  touch(event: SessionEvent): void {
    this.touchStatement.run({id: event.sessionId, at: event.at, service: event.service ?? null, person: event.personId ?? null, login: event.login ?? null});
  }

  login(event: SessionEvent, clientIp: string | undefined, clientPort: number | undefined, notificationId: number): void {
    this.touch(event);
    this.loginStatement.run({id: event.sessionId, at: event.at, person: event.personId ?? null, login: event.login ?? null, ip: clientIp ?? null, port: clientPort ?? null, nid: notificationId});
  }

  /** A Logout also reopens a session that was closed by timeout: the Logout is the better evidence. */
  logout(event: SessionEvent, clientIp: string | undefined, clientPort: number | undefined, notificationId: number): void {
    this.touch(event);
    this.logoutStatement.run({id: event.sessionId, at: event.at, ip: clientIp ?? null, port: clientPort ?? null, nid: notificationId});
  }

  /** The login of the session's Login, if it has been seen. */
  loggedIn(sessionId: string): string | undefined {
    return this.loggedInStatement.get(sessionId)?.login;
  }

  /** Closes sessions idle for `timeoutMs` before `now` (the newest event time processed, not the clock). */
  closeIdle(now: string, timeoutMs: number): number {
    const cutoff = new Date(Date.parse(now) - timeoutMs).toISOString();
    return this.closeIdleStatement.run({cutoff}).changes;
  }
}
