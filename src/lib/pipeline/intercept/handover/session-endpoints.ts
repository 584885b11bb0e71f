/**
 * What the mapping needs to know of sessions: Cyrus sends the client's and the server's address and port
 * only on Login and Logout, and every other event of the session carries the same `vnd.cmu.sessionId`
 * (docs/INTERCEPT.md). The serve side keeps one book, maps an event with `{session: book.lookUp}`, then
 * notes it.
 */
import type {BonnieEvent} from '../../../core/event/types.js';
import {loginEndpoints} from './event-map.js';
import type {SessionEndpoints} from './record-types.js';

/** Sessions remembered at most: the oldest is forgotten first (a session whose Logout was never seen). */
export const MAX_OPEN_SESSIONS = 50_000;

export class SessionEndpointBook {
  private readonly open = new Map<string, SessionEndpoints>();

  constructor(private readonly limit: number = MAX_OPEN_SESSIONS) {}

  /** Remembers a Login's endpoints; forgets them at the session's Logout. Other events change nothing. */
  note(event: BonnieEvent): void {
    if (event.sessionId === undefined) return;
    if (event.type === 'Logout') {
      this.open.delete(event.sessionId);
      return;
    }
    if (event.type !== 'Login') return;
    this.open.delete(event.sessionId);
    this.open.set(event.sessionId, loginEndpoints(event));
    if (this.open.size > this.limit) {
      const oldest = this.open.keys().next();
      if (oldest.done !== true) this.open.delete(oldest.value);
    }
  }

  /** The endpoints of an open session, for `MapContext.session`. */
  readonly lookUp = (sessionId: string): SessionEndpoints | undefined => this.open.get(sessionId);

  get size(): number {
    return this.open.size;
  }
}
