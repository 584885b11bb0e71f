import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {audit} from '../../../../src/lib/read/discovery/audit.js';
import {folderHistory} from '../../../../src/lib/read/discovery/folder-history.js';
import {messageHistory} from '../../../../src/lib/read/discovery/message-history.js';
import {formatMessageRef, formatPlacementRef, parseMessageRef, resolveMessage} from '../../../../src/lib/read/discovery/refs.js';
import {userHistory} from '../../../../src/lib/read/discovery/user-history.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {IN_NEW_TRASH, IN_OLD_TRASH, NEW_TRASH, reusedNameRecord, TRASH} from './record.js';

/** The BonnieError `run` throws. */
function failure(run: () => unknown): BonnieError {
  try {
    run();
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('parseMessageRef', () => {
  it('reads every form', () => {
    expect(parseMessageRef('M9c44bebc02a85abc0c8606d6')).toEqual({kind: 'email-id', emailId: 'M9c44bebc02a85abc0c8606d6'});
    expect(parseMessageRef('msg:12')).toEqual({kind: 'message', id: 12});
    expect(parseMessageRef('<a.b@example.org>')).toEqual({kind: 'message-id', messageId: '<a.b@example.org>'});
    expect(parseMessageRef('a.b@example.org')).toEqual({kind: 'message-id', messageId: '<a.b@example.org>'});
    expect(parseMessageRef('user.alice.Work:1')).toEqual({kind: 'placement', folder: 'user.alice.Work', uid: 1});
    expect(parseMessageRef(' 8noufdk8233tibe0dudubmdt:42 ')).toEqual({kind: 'placement', folder: '8noufdk8233tibe0dudubmdt', uid: 42});
    // Folder names may hold colons and at signs; the UID is what follows the last colon.
    expect(parseMessageRef('user.alice.a:b@c:7')).toEqual({kind: 'placement', folder: 'user.alice.a:b@c', uid: 7});
  });

  it('refuses what is none of them, as a usage error with the formats in the hint', () => {
    for (const text of ['', 'nonsense', 'user.alice.Work:0', 'user.alice.Work:4294967296', 'msg:x', ':1', 'M9c44']) {
      const error = failure(() => parseMessageRef(text));
      expect(error, text).toMatchObject({code: 'RefInvalid', exit: 2});
      expect(error.hint).toContain('<folder>:<uid>');
    }
  });

  it('writes what it reads', () => {
    expect(formatMessageRef({id: 3, emailId: 'M9c44bebc02a85abc0c8606d6'})).toBe('M9c44bebc02a85abc0c8606d6');
    expect(formatMessageRef({id: 3, emailId: null})).toBe('msg:3');
    expect(parseMessageRef(formatMessageRef({id: 3, emailId: null}))).toEqual({kind: 'message', id: 3});
    expect(parseMessageRef(formatPlacementRef('user.alice.Job', 1))).toEqual({kind: 'placement', folder: 'user.alice.Job', uid: 1});
  });
});

describe('resolveMessage', () => {
  let catalog: Catalog;
  beforeAll(async () => {
    catalog = await reusedNameRecord();
  });
  afterAll(() => catalog.close());
  const resolve = (text: string) => resolveMessage(catalog.db, parseMessageRef(text));
  const emailIdOf = (id: number) => (catalog.db.prepare('SELECT email_id FROM message WHERE id = ?').get(id) as {email_id: string}).email_id;

  it('accepts back every reference history and audit print, and each names the message it was printed for', () => {
    const printed: Array<[string, string]> = [];
    const note = (ref: string | null, message: string | null) => {
      if (ref !== null && message !== null) printed.push([ref, message]);
    };
    for (const login of ['alice', 'bob', 'cyrus']) {
      const a = audit(catalog.db, {user: login});
      for (const entry of [...a.sessions.flatMap((s) => s.actions), ...a.outside]) {
        note(entry.messageRef, entry.messageRef);
        note(entry.placementRef, entry.messageRef);
      }
      for (const entry of userHistory(catalog.db, login).timeline) note(entry.placementRef, entry.messageRef);
    }
    for (const folder of [TRASH, NEW_TRASH, 'user.alice', 'user.alice.Job', 'user.alice.Archive', 'user.alice.Old', 'user.bob']) {
      for (const entry of folderHistory(catalog.db, folder).timeline) note(entry.placementRef, entry.messageRef);
    }
    for (const [ref] of [...printed]) {
      const h = messageHistory(catalog.db, parseMessageRef(ref));
      note(h.message.ref, h.message.ref);
      for (const p of h.placements) {
        note(p.ref, p.messageRef);
        note(p.stableRef, p.messageRef);
        note(p.source, p.messageRef);
      }
    }
    expect(printed.length).toBeGreaterThan(100);
    for (const [ref, message] of printed) expect(emailIdOf(resolve(ref)), ref).toBe(message);
  });

  it('reports an unknown message (exit 1) with a hint', () => {
    for (const text of ['Mffffffffffffffffffffffff', 'msg:999', '<nobody@example.org>', 'user.alice:99', 'user.nobody:1']) {
      const error = failure(() => resolve(text));
      expect(error, text).toMatchObject({code: 'MessageUnknown', exit: 1});
      expect(error.hint).toMatch(/bonnie audit/);
    }
    // user.alice.Work existed, but not while the message now at user.alice.Job:2 was there.
    expect(failure(() => resolve('user.alice.Work:2')).code).toBe('MessageUnknown');
    // ... and no message was in the folder while it was called Projects.
    expect(failure(() => resolve('user.alice.Projects:1')).code).toBe('MessageUnknown');
  });

  it('asks to choose when a Message-ID or a reused folder name matches several messages (exit 2), listing their references', () => {
    for (const text of ['<Reused@example.org>', 'user.alice.Trash:1']) {
      const error = failure(() => resolve(text));
      expect(error, text).toMatchObject({code: 'MessageAmbiguous', exit: 2});
      expect(error.message).toContain(IN_OLD_TRASH);
      expect(error.message).toContain(IN_NEW_TRASH);
      expect(error.hint).toMatch(/Choose one/);
    }
    expect(emailIdOf(resolve(`${TRASH}:1`))).toBe(IN_OLD_TRASH);
    expect(emailIdOf(resolve(`${NEW_TRASH}:1`))).toBe(IN_NEW_TRASH);
  });

  it('binds text as parameters: SQL in a reference is only a name that matches nothing', () => {
    expect(failure(() => resolve("x' OR '1'='1:1")).code).toBe('MessageUnknown');
    expect(failure(() => resolve("<x'--@example.org>")).code).toBe('MessageUnknown');
  });
});
