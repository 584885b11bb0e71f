import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {mailboxDir} from '../../../../src/lib/sources/cyrus/partition.js';
import type {FolderRef, FolderSource, Selector} from '../../../../src/lib/pipeline/snapshot/source.js';
import {FILE_GONE, SpoolSource} from '../../../../src/lib/pipeline/snapshot/spool-source.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {writeMailbox} from '../../sources/cyrus/cyrus-spool.js';
import {collectAll, rejectedBonnieError} from './helpers.js';
import {ALICE, BOB, DAVE, MAIL, OLD, SENT, folder, writeSite} from './spool-fixture.js';

const tempDir = useTempDirs();
const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

async function names(source: FolderSource, selector: Selector): Promise<string[]> {
  return (await source.listFolders(selector)).map((f) => f.name);
}

/** The one folder named `name`. */
async function listed(source: FolderSource, name: string): Promise<FolderRef> {
  const [found, ...more] = await source.listFolders({kind: 'mailbox', name});
  if (found === undefined || more.length > 0) throw new Error(`expected one folder ${name}`);
  return found;
}

describe('SpoolSource', () => {
  it('lists every folder of every partition under its admin name, with its mailbox id', async () => {
    const site = writeSite(tempDir());
    const source = new SpoolSource(site.roots);
    expect(await source.listFolders({kind: 'all'})).toEqual([
      {name: 'DELETED.user.alice.Old.5F1234AB', mailboxId: OLD, dir: site.dir(OLD)},
      {name: 'user.alice', mailboxId: ALICE, dir: site.dir(ALICE)},
      {name: 'user.alice.Sent', mailboxId: SENT, dir: site.dir(SENT)},
      {name: 'user.bob', mailboxId: BOB, dir: site.dir(BOB)},
      {name: 'user.dave@example.com', mailboxId: DAVE, dir: mailboxDir(site.second, DAVE)},
    ]);
  });

  it('selects by user (their deleted folders included), by folder, virtual domains in the admin form', async () => {
    const source = new SpoolSource(writeSite(tempDir()).roots);
    expect(await names(source, {kind: 'user', login: 'alice'})).toEqual(['DELETED.user.alice.Old.5F1234AB', 'user.alice', 'user.alice.Sent']);
    expect(await names(source, {kind: 'user', login: 'dave@example.com'})).toEqual(['user.dave@example.com']);
    expect(await names(source, {kind: 'user', login: 'dave'})).toEqual([]);
    expect(await names(source, {kind: 'mailbox', name: 'user.dave@example.com'})).toEqual(['user.dave@example.com']);
    expect(await names(source, {kind: 'mailbox', name: 'user/alice/Sent'})).toEqual(['user.alice.Sent']);
    expect(await names(source, {kind: 'message', ref: 'user.bob:2'})).toEqual(['user.bob']);
  });

  it("reads a folder's state from its index: UIDVALIDITY, HIGHESTMODSEQ, flags, dates, sizes, SHA-1, expunged", async () => {
    const source = new SpoolSource(writeSite(tempDir()).roots);
    const alice = await listed(source, 'user.alice');
    const state = await source.readFolder(alice);
    const expected = folder(ALICE);
    expect(state).toMatchObject({mailboxId: ALICE, name: 'user.alice', uidValidity: 1795348438, highestModseq: 6n});
    expect(state.messages).toEqual(
      expected.messages.map((m) => ({
        uid: m.uid,
        flags: m.flags,
        internalDate: m.internalDate,
        size: m.bytes?.length,
        modseq: BigInt(m.modseq ?? 0),
        expunged: m.expunged === true,
        guid: sha1(m.bytes as Buffer),
      })),
    );
  });

  it('reads the bytes of the files, expunged ones still on disk included; a missing file is gone, with the reason', async () => {
    const site = writeSite(tempDir());
    rmSync(join(site.dir(ALICE), '2.'));
    const source = new SpoolSource(site.roots);
    const alice = await listed(source, 'user.alice');
    const state = await source.readFolder(alice);
    expect(await collectAll(source.readMessages(state, [3, 2, 1]))).toEqual([
      {uid: 3, bytes: MAIL.a3},
      {uid: 2, gone: FILE_GONE},
      {uid: 1, bytes: MAIL.a1},
    ]);
  });

  it('marks an unlinked record gone without looking for its file', async () => {
    const site = writeSite(tempDir());
    const alice = folder(ALICE);
    alice.messages.push({uid: 4, bytes: Buffer.from('cleaned by cyr_expire\r\n'), expunged: true, unlinked: true, modseq: 7});
    writeMailbox(site.main, alice);
    const source = new SpoolSource(site.roots);
    const ref = await listed(source, 'user.alice');
    const state = await source.readFolder(ref);
    expect(state.messages.at(-1)).toMatchObject({uid: 4, expunged: true, gone: FILE_GONE});
    expect(state.messages.filter((m) => m.gone !== undefined)).toHaveLength(1);
  });

  it("finds a message file on another partition root (Cyrus' archive partition) before calling it gone", async () => {
    const dir = tempDir();
    const site = writeSite(dir);
    const archivePartition = join(dir, 'archive');
    mkdirSync(mailboxDir(archivePartition, ALICE), {recursive: true});
    renameSync(join(site.dir(ALICE), '1.'), join(mailboxDir(archivePartition, ALICE), '1.'));
    const source = new SpoolSource([...site.roots, archivePartition]);
    const alice = await listed(source, 'user.alice');
    const state = await source.readFolder(alice);
    expect(await collectAll(source.readMessages(state, [1]))).toEqual([{uid: 1, bytes: MAIL.a1}]);
  });

  it('refuses a root that is not a partition (SpoolNotFound) rather than listing nothing', async () => {
    const dir = tempDir();
    writeSite(dir);
    const error = await rejectedBonnieError(new SpoolSource([join(dir, 'spool')]).listFolders({kind: 'all'}));
    expect(error.code).toBe('SpoolNotFound');
  });

  it('reports a damaged header or index as SpoolDamaged, naming the file, with the hint', async () => {
    const site = writeSite(tempDir());
    const header = join(site.dir(BOB), 'cyrus.header');
    writeFileSync(header, 'garbage');
    const error = await rejectedBonnieError(new SpoolSource(site.roots).listFolders({kind: 'all'}));
    expect(error.code).toBe('SpoolDamaged');
    expect(error.message).toBe(`${header}: not a Cyrus mailbox header (the magic text is missing)`);
    expect(error.hint).toMatch(/reconstruct/);

    const other = writeSite(tempDir());
    const source = new SpoolSource(other.roots);
    const alice = await listed(source, 'user.alice');
    rmSync(join(other.dir(ALICE), 'cyrus.index'));
    const missing = await rejectedBonnieError(source.readFolder(alice));
    expect(missing.code).toBe('SpoolDamaged');
    expect(missing.message).toContain(join(other.dir(ALICE), 'cyrus.index'));
  });

  it('passes IndexVersionUnsupported through, with its hint to use --from imap', async () => {
    const site = writeSite(tempDir());
    const index = join(site.dir(ALICE), 'cyrus.index');
    const bytes = readFileSync(index);
    bytes.writeUInt32BE(20, 8);
    bytes.writeUInt32BE(144, 16);
    writeFileSync(index, bytes);
    const source = new SpoolSource(site.roots);
    const alice = await listed(source, 'user.alice');
    const error = await rejectedBonnieError(source.readFolder(alice));
    expect(error.code).toBe('IndexVersionUnsupported');
    expect(error.hint).toContain('--from imap');
  });

  it('refuses a folder it did not list', async () => {
    const source = new SpoolSource(writeSite(tempDir()).roots);
    await expect(source.readFolder({name: 'user.alice', mailboxId: ALICE})).rejects.toThrow('readFolder: user.alice was not listed by this source');
  });
});
