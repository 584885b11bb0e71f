import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {messageHistory} from '../../../../src/lib/read/discovery/message-history.js';
import {parseMessageRef} from '../../../../src/lib/read/discovery/refs.js';
import {renderMessageHistory} from '../../../../src/lib/read/discovery/render-history.js';
import {SECOND, specimenRecord, WORK} from './record.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await specimenRecord();
});
afterAll(() => catalog.close());

const history = (ref: string, limit?: number) => messageHistory(catalog.db, parseMessageRef(ref), {limit});

describe('history --message', () => {
  it('follows message 2 of user.alice from its APPEND through flag changes, a copy and a move, with folder names as they were', () => {
    const h = history('user.alice:2');
    expect(h.message).toMatchObject({ref: SECOND, emailId: SECOND, subject: 'Second message', from: 'carol@example.org', messageId: '<Second-message-1795348443680@example.org>'});
    expect(h.timeline.map((e) => [e.action, e.placementRef, e.summary])).toEqual([
      ['appended', 'user.alice:2', 'flags \\Flagged $Important'],
      ['read', 'user.alice:2', '+\\Seen'],
      ['flags-set', 'user.alice:2', '+\\Answered'],
      ['flags-set', 'user.alice:2', '+$Custom'],
      ['flags-cleared', 'user.alice:2', '-\\Seen'],
      ['flags-cleared', 'user.alice:2', '-\\Flagged -$Custom'],
      ['read', 'user.alice:2', '+\\Seen'],
      ['flags-set', 'user.alice:2', '+\\Flagged +Work'],
      ['copied', 'user.alice.Archive:2', 'user.alice:2 -> user.alice.Archive:2'],
      // Work was renamed Job later: the move shows the name it had then, and the rename is in the timeline.
      ['moved', 'user.alice.Work:1', 'user.alice:2 -> user.alice.Work:1'],
      ['renamed', 'user.alice.Job:1', 'user.alice.Work -> user.alice.Job'],
    ]);
    const times = h.timeline.map((e) => e.at);
    expect(times).toEqual([...times].sort());
    const byAlice = h.timeline.slice(0, -1);
    expect(byAlice.every((e) => e.actor === 'alice' && e.sessionId === 'cyruslab-1795348439-13829-1-5917269359843833131')).toBe(true);
    expect(byAlice.at(-1)).toMatchObject({mailboxId: WORK, folder: 'user.alice.Work', uid: 1, messageRef: SECOND});
    // The admin renamed the folder (ADMIN RENAME user.alice.Work user.alice.Job): the entry is theirs.
    expect(h.timeline.at(-1)).toMatchObject({kind: 'message', actor: 'cyrus', mailboxId: WORK, folder: 'user.alice.Job', uid: 1, messageRef: SECOND});
  });

  it('lists where the message is now and how it left the INBOX', () => {
    const flags = ['\\Answered', '\\Flagged', '\\Seen', '$Important', 'Work'];
    expect(history(SECOND).placements).toEqual([
      expect.objectContaining({ref: 'user.alice:2', state: 'moved', removedAt: '2026-11-22T11:54:11.364Z', origin: 'appended', source: null}),
      expect.objectContaining({ref: 'user.alice.Archive:2', state: 'present', origin: 'copied', source: 'user.alice:2', flags}),
      expect.objectContaining({ref: 'user.alice.Job:1', stableRef: `${WORK}:1`, folder: 'user.alice.Job', folderThen: 'user.alice.Work', state: 'present', origin: 'moved', source: 'user.alice:2', flags}),
    ]);
  });

  it('gives the same history whichever reference names the message', () => {
    const expected = history(SECOND);
    for (const ref of ['msg:2', '<Second-message-1795348443680@example.org>', 'Second-message-1795348443680@example.org', 'user.alice.Work:1', 'user.alice.Job:1', `${WORK}:1`, 'user.alice.Archive:2']) {
      expect(history(ref), ref).toEqual(expected);
    }
  });

  it('shows expunged and expired messages, and the folder a deleted folder was', () => {
    expect(history('user.alice:1').placements.map((p) => [p.ref, p.state])).toEqual([
      ['user.alice:1', 'expunged'],
      ['user.alice.Archive:1', 'present'],
    ]);
    expect(history('user.alice:1').timeline.map((e) => e.action)).toEqual(['appended', 'read', 'flags-set', 'copied', 'trashed', 'expunged']);
    expect(history('user.alice.Old:1').placements).toMatchObject([{state: 'expired'}]);
    expect(history('user.alice.Old:1').timeline.at(-1)).toMatchObject({action: 'expired', actor: null});
    expect(history('user.bob:1').placements).toMatchObject([{ref: 'user.bob:1', folderDeleted: true, state: 'folder-deleted'}]);
  });

  it('keeps the newest entries under --limit and says how many were left out', () => {
    const h = history(SECOND, 3);
    expect(h.timeline.map((e) => e.action)).toEqual(['copied', 'moved', 'renamed']);
    expect(h.omitted).toBe(8);
    expect(renderMessageHistory(h)).toContain('(8 older entries not shown: raise --limit)');
  });

  it('renders a readable timeline: facts, placements, one aligned row per change', () => {
    const text = renderMessageHistory(history(SECOND));
    expect(text).toMatch(/^Message Mb505991248156e00f911ba8c$/m);
    expect(text).toMatch(/^ {2}Message-ID {2}<Second-message-1795348443680@example\.org>$/m);
    expect(text).toMatch(/^ {2}user\.alice\.Job:1 +present +\\Answered \\Flagged \\Seen \$Important Work +moved from user\.alice:2 /m);
    const rows = text.split('\n').filter((line) => line.startsWith('  2026-'));
    expect(rows).toHaveLength(11);
    // Columns line up: CHANGE starts at the same offset on every row.
    const header = text.split('\n').find((line) => line.startsWith('  TIME')) as string;
    expect(rows.every((row) => row.slice(header.indexOf('CHANGE') - 2, header.indexOf('CHANGE')) === '  ')).toBe(true);
    expect(rows.at(-2)).toMatch(/ {2}moved +user\.alice\.Work:1 +cyruslab-\S+ +user\.alice:2 -> user\.alice\.Work:1$/);
    expect(rows.at(-1)).toMatch(/ {2}renamed +user\.alice\.Job:1 +cyruslab-\S+ +user\.alice\.Work -> user\.alice\.Job$/);
  });
});
