/**
 * `bonnie history --object` on a record and an archive built in-process (kolab-scenario.ts): revisions and
 * their actors, moves and the deletion, --raw and --diff, mail from before bonnie, one UID in two calendars,
 * and the errors a user can make.
 */
import {describe, expect, it} from 'vitest';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {objectDiff} from '../../../../src/lib/read/groupware/object-diff.js';
import {objectHistory, objectRaw, type ObjectHistory} from '../../../../src/lib/read/groupware/object-history.js';
import {renderObjectDiff, renderObjectHistory} from '../../../../src/lib/read/groupware/render-object.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {rejectedBonnieError} from '../../pipeline/snapshot/helpers.js';
import {kolabEvent, type EventFields} from './kolab-fixture.js';
import {KolabScenario} from './kolab-scenario.js';

const tempDir = useTempDirs();
const UID = 'b6cf2bd5-5c1b-4a2f-a9a3-0e9d5e7b5f21';
const CALENDAR = 'user.alice.Calendar';
const CALENDAR_ID = 'calendar0alice0000000001';
const ARCHIVE = 'user.alice.Archive';

const base: EventFields = {uid: UID, summary: 'Budget meeting', start: '2026-03-02T10:00:00', end: '2026-03-02T11:00:00', sequence: 0, lastModified: '2026-03-01T09:00:10Z'};
/** The event as saved four times: created by alice, then changed by bob, alice and bob. */
const REVISIONS = [
  kolabEvent(base),
  kolabEvent({...base, sequence: 1, lastModified: '2026-03-01T09:10:00Z', location: 'Room 4'}),
  kolabEvent({...base, sequence: 2, lastModified: '2026-03-01T09:20:00Z', location: 'Room 4', start: '2026-03-02T14:00:00', end: '2026-03-02T15:00:00'}),
  kolabEvent({...base, sequence: 3, lastModified: '2026-03-01T09:30:00Z', location: 'Room 4', start: '2026-03-02T14:00:00', end: '2026-03-02T15:00:00', summary: 'Budget meeting (moved)'}),
];

/** Alice creates the event, then bob, alice and bob modify it the Kolab way (APPEND the new, expunge the old). */
function modifiedThreeTimes(): KolabScenario {
  const s = new KolabScenario(tempDir()).login('alice', '2026-03-01T08:59:00.000Z').login('bob', '2026-03-01T08:59:30.000Z');
  s.createFolder(CALENDAR, CALENDAR_ID, 1772355600, 'alice', '2026-03-01T09:00:00.000Z');
  s.append(CALENDAR, 1, REVISIONS[0] as Buffer, UID, 'alice', '2026-03-01T09:00:10.000Z');
  const actors = ['bob', 'alice', 'bob'];
  for (let rev = 2; rev <= 4; rev++) {
    const minute = String((rev - 1) * 10).padStart(2, '0');
    s.append(CALENDAR, rev, REVISIONS[rev - 1] as Buffer, UID, actors[rev - 2] as string, `2026-03-01T09:${minute}:00.000Z`);
    s.remove(CALENDAR, rev - 1, actors[rev - 2] as string, `2026-03-01T09:${minute}:01.000Z`);
  }
  return s;
}

const summary = (h: ObjectHistory) => ({
  revisions: h.revisions.map((r) => [r.rev, r.action, r.actor, r.placementRef]),
  changelog: h.changelog.map((e) => [e.action, e.rev, e.actor, e.placementRef, e.from]),
});

async function withCatalog<T>(s: KolabScenario, use: (catalog: Catalog, archiveDir: string) => Promise<T>, options: {record?: boolean} = {}): Promise<T> {
  const {catalog, archiveDir} = await s.build(options);
  try {
    return await use(catalog, archiveDir);
  } finally {
    catalog.close();
  }
}

describe('bonnie history --object', () => {
  it('a Kolab event modified three times shows four revisions with the right actors', async () => {
    await withCatalog(modifiedThreeTimes(), async (catalog, archiveDir) => {
      const h = await objectHistory(catalog, archiveDir, {uid: UID});
      expect(summary(h)).toEqual({
        revisions: [
          [1, 'created', 'alice', `${CALENDAR}:1`],
          [2, 'modified', 'bob', `${CALENDAR}:2`],
          [3, 'modified', 'alice', `${CALENDAR}:3`],
          [4, 'modified', 'bob', `${CALENDAR}:4`],
        ],
        changelog: [
          ['created', 1, 'alice', `${CALENDAR}:1`, null],
          ['modified', 2, 'bob', `${CALENDAR}:2`, null],
          ['modified', 3, 'alice', `${CALENDAR}:3`, null],
          ['modified', 4, 'bob', `${CALENDAR}:4`, null],
        ],
      });
      expect(h.object).toMatchObject({uid: UID, type: 'event', kolabType: 'application/x-vnd.kolab.event', title: 'Budget meeting (moved)', state: 'present', folder: CALENDAR, mailboxId: CALENDAR_ID, revisions: 4});
      expect(h.object).toMatchObject({createdAt: '2026-03-01T09:00:10.000Z', createdBy: 'alice', lastModifiedAt: '2026-03-01T09:30:00.000Z', lastModifiedBy: 'bob', deletedAt: null, deletedBy: null});
      // Each old revision gave way to the next: expunged by whoever saved that one.
      expect(h.revisions.map((r) => r.places.map((p) => [p.state, p.removedBy]))).toEqual([[['expunged', 'bob']], [['expunged', 'alice']], [['expunged', 'bob']], [['present', null]]]);
      expect(h.revisions.map((r) => r.size)).toEqual(REVISIONS.map((b) => b.length));
      expect(h.revisions[1]?.sessionId).toBe('cyruslab-1795348457-13829-1-12700372125880805197');
      expect(h.indexBehind).toBe(false);

      const text = renderObjectHistory(h);
      expect(text).toMatch(new RegExp(`^Object ${UID} \\(event\\)$`, 'm'));
      expect(text).toMatch(/^ {2}Last modified +2026-03-01T09:30:00\.000Z by bob$/m);
      expect(text).toMatch(/^ {2}2 +2026-03-01T09:10:00\.000Z +bob +modified +user\.alice\.Calendar:2 +Budget meeting +\d+ +[0-9a-f]{12}$/m);
      // --limit keeps the newest entries.
      const limited = await objectHistory(catalog, archiveDir, {uid: UID}, {limit: 1});
      expect([limited.changelog.map((e) => e.rev), limited.omitted]).toEqual([[4], 3]);
    });
  });

  it('prints a revision exactly as archived, and shows what changed as property lines', async () => {
    await withCatalog(modifiedThreeTimes(), async (catalog, archiveDir) => {
      const raw = await objectRaw(catalog, archiveDir, {uid: UID}, 2);
      expect(raw.bytes.equals(REVISIONS[1] as Buffer)).toBe(true);
      expect(raw.revision).toMatchObject({rev: 2, actor: 'bob'});

      const diff = await objectDiff(catalog, archiveDir, {uid: UID}, 1, 4);
      expect(diff).toMatchObject({format: 'properties', from: {rev: 1}, to: {rev: 4}});
      expect(diff.lines.filter((l) => l.op !== ' ').map((l) => `${l.op} ${l.text}`)).toEqual([
        '- dtend;tzid=/kolab.org/Europe/Berlin: 2026-03-02T11:00:00',
        '+ dtend;tzid=/kolab.org/Europe/Berlin: 2026-03-02T15:00:00',
        '- dtstart;tzid=/kolab.org/Europe/Berlin: 2026-03-02T10:00:00',
        '+ dtstart;tzid=/kolab.org/Europe/Berlin: 2026-03-02T14:00:00',
        '- last-modified: 2026-03-01T09:00:10Z',
        '+ last-modified: 2026-03-01T09:30:00Z',
        '+ location: Room 4',
        '- sequence: 0',
        '+ sequence: 3',
        '- summary: Budget meeting',
        '+ summary: Budget meeting (moved)',
      ]);
      expect(diff).toMatchObject({removed: 5, added: 6});
      const text = renderObjectDiff(diff);
      expect(text).toContain('--- revision 1: created 2026-03-01T09:00:10.000Z by alice in user.alice.Calendar');
      expect(text).toContain('+++ revision 4: modified 2026-03-01T09:30:00.000Z by bob in user.alice.Calendar');
      expect(text).toMatch(/^- summary: Budget meeting\n\+ summary: Budget meeting \(moved\)$/m);
      expect(text).toMatch(/\(\d+ properties unchanged\)$/);
      expect(renderObjectDiff(await objectDiff(catalog, archiveDir, {uid: UID}, 3, 3))).toMatch(/\(the same revision\)$/);
    });
  });

  it('shows a move to another folder and the deletion: who and when', async () => {
    const s = modifiedThreeTimes();
    s.createFolder(ARCHIVE, 'archive00alice0000000001', 1772355700, 'alice', '2026-03-01T09:35:00.000Z');
    s.move(CALENDAR, 4, ARCHIVE, 1, 'alice', '2026-03-01T09:40:00.000Z');
    s.remove(ARCHIVE, 1, 'alice', '2026-03-01T09:50:00.000Z');
    await withCatalog(s, async (catalog, archiveDir) => {
      const h = await objectHistory(catalog, archiveDir, {uid: UID});
      expect(summary(h).changelog.slice(3)).toEqual([
        ['modified', 4, 'bob', `${CALENDAR}:4`, null],
        ['moved', 4, 'alice', `${ARCHIVE}:1`, `${CALENDAR}:4`],
        ['deleted', 4, 'alice', `${ARCHIVE}:1`, null],
      ]);
      expect(h.revisions).toHaveLength(4);
      expect(h.revisions[3]?.places.map((p) => [p.placementRef, p.state, p.removedBy])).toEqual([
        [`${CALENDAR}:4`, 'moved', 'alice'],
        [`${ARCHIVE}:1`, 'expunged', 'alice'],
      ]);
      expect(h.object).toMatchObject({state: 'deleted', deletedAt: '2026-03-01T09:50:00.000Z', deletedBy: 'alice', folder: ARCHIVE});
      expect(renderObjectHistory(h)).toMatch(/^ {2}2026-03-01T09:40:00\.000Z +alice +moved +4 +user\.alice\.Archive:1 +from user\.alice\.Calendar:4 +\S+$/m);
    });
  });

  it('dates mail from before bonnie by the snapshots: internal dates, no actors, marked approximate', async () => {
    await withCatalog(
      modifiedThreeTimes(),
      async (catalog, archiveDir) => {
        const h = await objectHistory(catalog, archiveDir, {uid: UID});
        expect(h.revisions.map((r) => [r.rev, r.action, r.actor, r.at, r.approximate, r.placementRef])).toEqual([
          [1, 'created', null, '2026-03-01T09:00:10.000Z', true, `${CALENDAR_ID}:1`],
          [2, 'modified', null, '2026-03-01T09:10:00.000Z', true, `${CALENDAR_ID}:2`],
          [3, 'modified', null, '2026-03-01T09:20:00.000Z', true, `${CALENDAR_ID}:3`],
          [4, 'modified', null, '2026-03-01T09:30:00.000Z', true, `${CALENDAR_ID}:4`],
        ]);
        expect(h.object).toMatchObject({state: 'present', folder: CALENDAR});
        expect(renderObjectHistory(h)).toMatch(/^ {2}1 +~2026-03-01T09:00:10\.000Z +- +created /m);
      },
      {record: false},
    );
  });

  it('tells objects that share a UID apart (an invitation in two calendars) and chooses one with --in', async () => {
    const s = modifiedThreeTimes();
    s.createFolder('user.bob.Calendar', 'calendar0bob000000000001', 1772355800, 'bob', '2026-03-01T09:40:00.000Z');
    s.append('user.bob.Calendar', 1, kolabEvent(base, 'Sun, 01 Mar 2026 10:41:00 +0100', 'bob@lab.test'), UID, 'bob', '2026-03-01T09:41:00.000Z');
    await withCatalog(s, async (catalog, archiveDir) => {
      const ambiguous = await rejectedBonnieError(objectHistory(catalog, archiveDir, {uid: UID}));
      expect(ambiguous).toMatchObject({code: 'ObjectAmbiguous', exit: 2});
      expect(ambiguous.message).toContain('user.alice.Calendar: 4 revision(s), the last 2026-03-01T09:30:00.000Z');
      expect(ambiguous.message).toContain('user.bob.Calendar: 1 revision(s), the last 2026-03-01T09:41:00.000Z');
      expect(ambiguous.hint).toContain('--in');
      const bob = await objectHistory(catalog, archiveDir, {uid: UID, folder: 'user.bob.Calendar'});
      expect(summary(bob).revisions).toEqual([[1, 'created', 'bob', 'user.bob.Calendar:1']]);
      expect((await objectHistory(catalog, archiveDir, {uid: UID, folder: CALENDAR_ID})).revisions).toHaveLength(4);
      const nowhere = await rejectedBonnieError(objectHistory(catalog, archiveDir, {uid: UID, folder: 'user.carol.Calendar'}));
      expect(nowhere).toMatchObject({code: 'ObjectNotInFolder', exit: 1});
      expect(nowhere.hint).toContain('user.bob.Calendar');
    });
  });

  it('refuses unknown objects, mail that only shares the Subject, and revisions the object does not have', async () => {
    const s = modifiedThreeTimes();
    s.append(CALENDAR, 5, Buffer.from(`From: carol@lab.test\r\nSubject: not-an-object\r\nMessage-ID: <x@lab.test>\r\n\r\nHello\r\n`), 'not-an-object', 'alice', '2026-03-01T10:00:00.000Z');
    await withCatalog(s, async (catalog, archiveDir) => {
      const unknown = await rejectedBonnieError(objectHistory(catalog, archiveDir, {uid: 'no-such-uid'}));
      expect(unknown).toMatchObject({code: 'ObjectUnknown', exit: 1, message: 'no groupware object no-such-uid in the archive'});
      expect(unknown.hint).toContain('bonnie archive --mailbox');
      const mail = await rejectedBonnieError(objectHistory(catalog, archiveDir, {uid: 'not-an-object'}));
      expect(mail.message).toContain('1 archived message(s) have that Subject but no X-Kolab-Type header');
      const rev = await rejectedBonnieError(objectRaw(catalog, archiveDir, {uid: UID}, 5));
      expect(rev).toMatchObject({code: 'RevisionUnknown', exit: 2, message: `object ${UID} has no revision 5: it has revisions 1 to 4`});
      expect(await rejectedBonnieError(objectDiff(catalog, archiveDir, {uid: UID}, 1, 9))).toMatchObject({code: 'RevisionUnknown'});
      expect(await rejectedBonnieError(objectHistory(catalog, archiveDir, {uid: '  '}))).toMatchObject({code: 'ObjectUidInvalid', exit: 2});
    });
  });

  it('says when the search index has not read the archive yet', async () => {
    const s = modifiedThreeTimes();
    const {catalog, archiveDir} = await s.build();
    try {
      catalog.db.prepare('DELETE FROM search_segment').run();
      const h = await objectHistory(catalog, archiveDir, {uid: UID});
      expect(h.indexBehind).toBe(true);
      expect(renderObjectHistory(h)).toContain('Note: the search index has not read every archived message yet');
      const unknown = await rejectedBonnieError(objectHistory(catalog, archiveDir, {uid: 'no-such-uid'}));
      expect(unknown.hint).toContain(`run "bonnie search --include-deleted 'subject:"no-such-uid"'" once`);
    } finally {
      catalog.close();
    }
  });
});
