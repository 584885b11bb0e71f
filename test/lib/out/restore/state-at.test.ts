/**
 * What a folder held at an instant, computed from the record of the real specimens (alice's session of
 * ../shared/cyrus/specimens: four APPENDs to INBOX at 11:54:03–04, flag changes at 11:54:06–10, a copy, a
 * move at 11:54:11.364, an EXPUNGE of UIDs 1 and 4 at 11:54:12.372, later deliveries) and from snapshots.
 * Expected states are written out from the IMAP commands in INDEX.tsv, not read back from the code.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {SnapshotRepository} from '../../../../src/lib/pipeline/snapshot/repository.js';
import {folderStateAt} from '../../../../src/lib/out/restore/state-at.js';
import {mailboxIdFor, selectTargets} from '../../../../src/lib/out/restore/targets.js';
import {INBOX, WORK, specimenRecord} from '../../read/discovery/record.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await specimenRecord();
});
afterAll(() => catalog.close());

const at = (time: string) => Date.parse(`2026-11-22T${time}Z`);
const state = (mailboxId: string, time: string) => folderStateAt(catalog.db, mailboxId, at(time));
const flagsByUid = (s: ReturnType<typeof state>) => Object.fromEntries(s.messages.map((m) => [m.uid, [...m.flags].sort()]));

describe('folderStateAt from the record alone', () => {
  it('knows nothing before the folder existed, and says so', () => {
    const s = state(INBOX, '11:53:00');
    expect(s.messages).toEqual([]);
    expect(s.existed).toBe(false);
    expect(s.limits.join('\n')).toContain('no snapshot');
  });

  it('gives the four appended messages with the flags they were appended with', () => {
    const s = state(INBOX, '11:54:05');
    expect(s.name).toBe('user.alice');
    expect(flagsByUid(s)).toEqual({1: [], 2: ['$Important', '\\Flagged'], 3: ['\\Seen'], 4: []});
    // Without a snapshot, the internal date is the arrival time of the APPEND's event.
    expect(s.messages.map((m) => [m.uid, new Date(m.internalDate).toISOString(), m.dateFrom])).toEqual([
      [1, '2026-11-22T11:54:03.178Z', 'event'],
      [2, '2026-11-22T11:54:03.725Z', 'event'],
      [3, '2026-11-22T11:54:04.273Z', 'event'],
      [4, '2026-11-22T11:54:04.821Z', 'event'],
    ]);
  });

  it('applies each flag change up to the instant, and none after it', () => {
    // After STORE 2 +\Seen, +\Answered, +$Custom (11:54:06.8–07.8), before the -FLAGS at 11:54:08.3.
    expect(flagsByUid(state(INBOX, '11:54:08.000'))[2]).toEqual(['$Custom', '$Important', '\\Answered', '\\Flagged', '\\Seen']);
    // After UID STORE 1:3 +FLAGS (\Seen \Flagged Work) at 11:54:09.349, before STORE 3 FLAGS (\Draft).
    expect(flagsByUid(state(INBOX, '11:54:09.500'))).toEqual({
      1: ['Work', '\\Flagged', '\\Seen'],
      2: ['$Important', 'Work', '\\Answered', '\\Flagged', '\\Seen'],
      3: ['Work', '\\Flagged', '\\Seen'],
      4: [],
    });
    expect(flagsByUid(state(INBOX, '11:54:10.500'))).toEqual({
      1: ['Work', '\\Flagged', '\\Seen'],
      2: ['$Important', 'Work', '\\Answered', '\\Flagged', '\\Seen'],
      3: ['\\Draft'],
      4: ['\\Deleted', '\\Flagged', '\\Seen'],
    });
  });

  it('drops what was moved and expunged, and adds what arrived, at the right instants', () => {
    expect(Object.keys(flagsByUid(state(INBOX, '11:54:11.365')))).toEqual(['1', '3', '4']);
    expect(flagsByUid(state(INBOX, '11:54:12.000'))[1]).toEqual(['Work', '\\Deleted', '\\Flagged', '\\Seen']);
    expect(Object.keys(flagsByUid(state(INBOX, '11:54:12.400')))).toEqual(['3']);
    expect(state(INBOX, '11:54:17.000').messages.map((m) => m.uid)).toEqual([3, 5, 6]);
    // The moved message is in Work (renamed from Projects at 11:54:02) from 11:54:11.364 on.
    expect(state(WORK, '11:54:11.000').messages).toEqual([]);
    const work = state(WORK, '11:54:11.400');
    expect(work.name).toBe('user.alice.Work');
    expect(flagsByUid(work)).toEqual({1: ['$Important', 'Work', '\\Answered', '\\Flagged', '\\Seen']});
  });

  it('resolves a name as it was then: Projects before the rename, Work after', () => {
    expect(mailboxIdFor(catalog.db, 'user.alice.Projects', at('11:54:01'))).toBe(WORK);
    expect(mailboxIdFor(catalog.db, 'user.alice.Work', at('11:54:05'))).toBe(WORK);
    expect(state(WORK, '11:54:01').name).toBe('user.alice.Projects');
  });

  it('selects a removed message as it was just before its removal, without \\Deleted', () => {
    const [target] = selectTargets(catalog.db, {kind: 'message', ref: 'user.alice:4'}, at('11:55:00'));
    expect(target?.messages.map((m) => [m.uid, [...m.flags].sort()])).toEqual([[4, ['\\Flagged', '\\Seen']]]);
    expect(target?.limits.join('\n')).toContain('removed at 2026-11-22T11:54:12.372Z');
  });
});

describe('folderStateAt with a snapshot', () => {
  it('starts from the snapshot: its flags, internal dates and sizes, then the changes after it', () => {
    const repo = new SnapshotRepository(catalog.db);
    const uidValidity = state(INBOX, '11:54:05').uidValidity;
    const date = (d: string) => Date.parse(d);
    repo.record(
      {
        mailboxId: INBOX,
        name: 'user.alice',
        uidValidity,
        highestModseq: 10n,
        messages: [
          {uid: 1, flags: ['\\Seen'], internalDate: date('2020-01-01T00:00:00Z'), size: 111, modseq: 5n, expunged: false},
          {uid: 2, flags: ['\\Flagged', '$Important'], internalDate: date('2020-01-02T00:00:00Z'), size: 222, modseq: 6n, expunged: false},
          {uid: 3, flags: ['\\Seen'], internalDate: date('2020-01-03T00:00:00Z'), size: 333, modseq: 7n, expunged: false},
          {uid: 4, flags: [], internalDate: date('2020-01-04T00:00:00Z'), size: 444, modseq: 8n, expunged: false},
        ],
      },
      'spool',
      at('11:54:06.500'),
    );
    // At the snapshot's instant: the snapshot as is (UID 1's \Seen from the read at 11:54:06.328 included).
    const s = state(INBOX, '11:54:06.600');
    expect(s.basis).toMatchObject({snapshotAt: at('11:54:06.500')});
    expect(flagsByUid(s)).toEqual({1: ['\\Seen'], 2: ['$Important', '\\Flagged'], 3: ['\\Seen'], 4: []});
    expect(s.messages.map((m) => [m.uid, new Date(m.internalDate).toISOString().slice(0, 10), m.size, m.dateFrom])).toEqual([
      [1, '2020-01-01', 111, 'snapshot'],
      [2, '2020-01-02', 222, 'snapshot'],
      [3, '2020-01-03', 333, 'snapshot'],
      [4, '2020-01-04', 444, 'snapshot'],
    ]);
    // Later: the flag changes after the snapshot are applied, the move and the expunge remove.
    expect(flagsByUid(state(INBOX, '11:54:10.500'))[3]).toEqual(['\\Draft']);
    const later = state(INBOX, '11:54:12.400');
    expect(later.messages.map((m) => [m.uid, new Date(m.internalDate).toISOString().slice(0, 10)])).toEqual([[3, '2020-01-03']]);
    // Before the snapshot, the record alone (and the snapshot's dates, which never change for a UID).
    const before = state(INBOX, '11:54:05');
    expect(before.basis.snapshotId).toBeUndefined();
    expect(before.limits.join('\n')).toContain("before the folder's first snapshot");
    expect(before.messages.map((m) => m.dateFrom)).toEqual(['snapshot', 'snapshot', 'snapshot', 'snapshot']);
    // ... but flags as the record had them then, not the ones of today nor of the later snapshot.
    expect(flagsByUid(before)).toEqual({1: [], 2: ['$Important', '\\Flagged'], 3: ['\\Seen'], 4: []});
  });
});

describe('a message only a snapshot knows (mail from before bonnie)', () => {
  it('is selected by folder name or mailboxID and UID, as the snapshot saw it', () => {
    const repo = new SnapshotRepository(catalog.db);
    const date = Date.parse('2019-06-01T08:00:00Z');
    repo.record(
      {mailboxId: 'preexisting0000000000000a', name: 'user.carol', uidValidity: 42, highestModseq: 3n, messages: [{uid: 7, flags: ['\\Seen', '\\Deleted'], internalDate: date, size: 1234, modseq: 3n, expunged: false}]},
      'spool',
      at('11:50:00'),
    );
    for (const ref of ['user.carol:7', 'preexisting0000000000000a:7']) {
      const [target] = selectTargets(catalog.db, {kind: 'message', ref}, at('12:00:00'));
      expect(target?.mailboxId, ref).toBe('preexisting0000000000000a');
      expect(target?.messages.map((m) => [m.uid, m.flags, m.internalDate, m.size])).toEqual([[7, ['\\Seen', '\\Deleted'], date, 1234]]);
    }
    expect(() => selectTargets(catalog.db, {kind: 'message', ref: 'user.carol:8'}, at('12:00:00'))).toThrow(/no message at user.carol:8/);
  });
});
