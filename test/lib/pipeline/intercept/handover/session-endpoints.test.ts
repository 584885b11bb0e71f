// The session book joins a session's events to the endpoints its Login gave (real specimens).
import {describe, expect, it} from 'vitest';
import {SessionEndpointBook} from '../../../../../src/lib/pipeline/intercept/handover/session-endpoints.js';
import {mapEvent} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import type {WatchedIntercept} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import {ALICE_SESSION, load} from '../../../core/event/specimen-helpers.js';

const ALICE: WatchedIntercept = {
  liid: 'LIID-ALICE',
  start: Date.parse('2026-11-22T00:00:00Z'),
  end: Date.parse('2026-11-23T00:00:00Z'),
  targets: [{given: 'alice', personId: 'login:alice', login: 'alice', addresses: []}],
};

describe('SessionEndpointBook', () => {
  it('gives the Login\'s endpoints to the session\'s later events, and forgets them at Logout', () => {
    const book = new SessionEndpointBook();
    const through = (file: string) => {
      const event = load(file);
      const records = mapEvent(event, [ALICE], {session: book.lookUp});
      book.note(event);
      return records;
    };
    through('06-Login.json');
    expect(book.lookUp(ALICE_SESSION)).toStrictEqual({clientAddress: '127.0.0.1', clientPort: 41820, serverAddress: '127.0.0.1', serverPort: 11143});
    expect(through('23-MessageRead.json')[0]).toMatchObject({clientAddress: '127.0.0.1', clientPort: 41820, serverAddress: '127.0.0.1', serverPort: 11143});
    expect(through('63-Logout.json')[0]).toMatchObject({clientPort: 41820});
    expect(book.lookUp(ALICE_SESSION)).toBeUndefined();
    // An LMTP delivery has no Login: no endpoints.
    expect(through('65-MessageNew.json')[0]).not.toHaveProperty('clientAddress');
  });

  it('forgets the oldest session past its limit', () => {
    const book = new SessionEndpointBook(1);
    book.note(load('06-Login.json'));
    book.note(load('70-Login.json'));
    expect(book.size).toBe(1);
    expect(book.lookUp(ALICE_SESSION)).toBeUndefined();
  });
});
