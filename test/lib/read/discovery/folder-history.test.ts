import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {folderHistory} from '../../../../src/lib/read/discovery/folder-history.js';
import {renderFolderHistory} from '../../../../src/lib/read/discovery/render-history.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {ARCHIVE, INBOX, NEW_TRASH, reusedNameRecord, SECOND, TRASH, WORK} from './record.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await reusedNameRecord();
});
afterAll(() => catalog.close());

const history = (folder: string, limit?: number) => folderHistory(catalog.db, folder, {limit});

describe('history --folder', () => {
  it('shows Work/Job from its creation as Projects: renames, each ACL change and what changed', () => {
    const h = history('user.alice.Job');
    expect(h.folder).toMatchObject({ref: WORK, mailboxId: WORK, name: 'user.alice.Job', owner: 'alice', createdAt: '2026-11-22T11:54:00.113Z', deletedAt: null});
    expect(h.versions.map((v) => [v.change, v.name, v.summary])).toEqual([
      ['created', 'user.alice.Projects', 'created as user.alice.Projects, ACL alice lrswipkxtecdan'],
      ['renamed', 'user.alice.Work', 'renamed user.alice.Projects -> user.alice.Work'],
      ['acl', 'user.alice.Work', 'bob: none -> lrs (+lrs)'],
      ['acl', 'user.alice.Work', 'bob: lrs -> lr (-s)'],
      ['acl', 'user.alice.Work', 'bob: lr -> none (-lr)'],
      ['renamed', 'user.alice.Job', 'renamed user.alice.Work -> user.alice.Job'],
      ['acl', 'user.alice.Job', 'anyone: none -> p (+p)'],
    ]);
    expect(h.versions[2]?.aclChanges).toEqual([{subject: 'bob', before: '', after: 'lrs'}]);
    expect(h.versions.map((v) => v.until)).toEqual([...h.versions.slice(1).map((v) => v.at), null]);
  });

  it('lists its changes newest last, each under the name the folder had then', () => {
    expect(history(WORK).timeline.map((e) => [e.action, e.actor, e.folder, e.placementRef, e.summary])).toEqual([
      ['created', 'alice', 'user.alice.Projects', null, 'user.alice.Projects'],
      ['subscribed', 'alice', 'user.alice.Projects', null, ''],
      ['unsubscribed', 'alice', 'user.alice.Projects', null, ''],
      ['renamed', 'alice', 'user.alice.Work', null, 'user.alice.Projects -> user.alice.Work'],
      ['moved', 'alice', 'user.alice.Work', 'user.alice.Work:1', 'user.alice:2 -> user.alice.Work:1'],
      ['acl-granted', 'alice', 'user.alice.Work', null, 'bob: none -> lrs (+lrs)'],
      ['acl-revoked', 'alice', 'user.alice.Work', null, 'bob: lrs -> lr (-s)'],
      ['acl-revoked', 'alice', 'user.alice.Work', null, 'bob: lr -> none (-lr)'],
      ['renamed', 'cyrus', 'user.alice.Job', null, 'user.alice.Work -> user.alice.Job'],
      ['acl-granted', 'cyrus', 'user.alice.Job', null, 'anyone: none -> p (+p)'],
      // LMTP to alice+Job: a delivery has no actor (a message arrived; alice, the owner, did nothing).
      ['delivered', null, 'user.alice.Job', 'user.alice.Job:2', 'no flags'],
    ]);
  });

  it('finds the folder by any name it had, or its mailboxID', () => {
    for (const name of ['user.alice.Projects', 'user.alice.Work', 'user.alice.Job', WORK]) expect(history(name).folder.mailboxId).toBe(WORK);
  });

  it('shows copies and moves out of a folder as well as into it', () => {
    const inbox = history(INBOX).timeline.filter((e) => e.action === 'copied' || e.action === 'moved');
    expect(inbox.map((e) => [e.action, e.direction, e.mailboxId, e.placementRef, e.messageRef])).toEqual([
      ['copied', 'out', ARCHIVE, 'user.alice.Archive:1', 'M9c44bebc02a85abc0c8606d6'],
      ['copied', 'out', ARCHIVE, 'user.alice.Archive:2', SECOND],
      ['moved', 'out', WORK, 'user.alice.Work:1', SECOND],
    ]);
    expect(history(ARCHIVE).timeline.filter((e) => e.action === 'copied').map((e) => e.direction)).toEqual(['in', 'in']);
    expect(history(INBOX).timeline.filter((e) => e.action === 'expunged').map((e) => e.placementRef)).toEqual(['user.alice:1', 'user.alice:4']);
  });

  it('shows a deleted folder and its end', () => {
    const h = history(TRASH);
    expect(h.folder).toMatchObject({name: 'user.alice.Trash', deletedAt: '2026-11-22T11:54:15.396Z'});
    expect(h.versions.at(-1)).toMatchObject({change: 'deleted', summary: 'deleted (was user.alice.Trash)'});
    expect(h.timeline.map((e) => e.action)).toEqual(['created', 'appended', 'deleted']);
  });

  it('asks to choose between folders that had the same name (exit 2), listing their mailboxIDs', () => {
    let error: unknown;
    try {
      history('user.alice.Trash');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(BonnieError);
    expect(error).toMatchObject({code: 'FolderAmbiguous', exit: 2});
    expect((error as BonnieError).message).toMatch(new RegExp(`^  ${TRASH} .*deleted 2026-11-22T11:54:15.396Z`, 'm'));
    expect((error as BonnieError).message).toMatch(new RegExp(`^  ${NEW_TRASH} `, 'm'));
    expect(history(NEW_TRASH).timeline.map((e) => [e.action, e.placementRef])).toEqual([
      ['created', null],
      // A name two folders had is not a reference: the mailboxID stands in.
      ['appended', `${NEW_TRASH}:1`],
    ]);
  });

  it('reports an unknown folder (exit 1) with a hint', () => {
    expect(() => history('INBOX.Work')).toThrow(expect.objectContaining({code: 'FolderUnknown', exit: 1, hint: expect.stringMatching(/user\.alice\.Work/)}));
  });

  it('keeps the newest changes under --limit, and renders versions and changes', () => {
    const h = history(WORK, 2);
    expect(h.timeline.map((e) => e.action)).toEqual(['acl-granted', 'delivered']);
    expect(h.omitted).toBe(9);
    const text = renderFolderHistory(history(INBOX));
    expect(text).toMatch(/^Folder user\.alice \(mailboxID 76yzkoa5vpplgcimbgeofaee\)$/m);
    expect(text).toMatch(/^ {2}\S+ +alice +moved \(out\) +user\.alice\.Work:1 +Mb505991248156e00f911ba8c +cyruslab-\S+ +user\.alice:2 -> user\.alice\.Work:1$/m);
  });
});
