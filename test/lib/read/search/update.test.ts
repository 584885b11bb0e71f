/**
 * Keeping the index current: the writers' hook (indexLocations), the catch-up from snapshots and links,
 * a folder deleted the delayed way, an unreadable blob, an idle update that writes nothing, --reindex.
 */
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {indexLocations} from '../../../../src/lib/read/search/indexer.js';
import {searchMessages} from '../../../../src/lib/read/search/search.js';
import {updateSearch} from '../../../../src/lib/read/search/update.js';
import {archiveFolders} from '../../../../src/lib/pipeline/snapshot/archiver.js';
import {SnapshotRepository} from '../../../../src/lib/pipeline/snapshot/repository.js';
import {SpoolSource} from '../../../../src/lib/pipeline/snapshot/spool-source.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {writeMailbox, type SpoolFolder} from '../../sources/cyrus/cyrus-spool.js';
import {ALICE, BOB, FOLDERS, MAIL, OLD} from './mail-fixture.js';

const tempDir = useTempDirs();

interface Setup {
  catalog: Catalog;
  archive: string;
  spool: string;
  /** Writes folders into the spool and archives every folder. */
  archiveAll(folders: SpoolFolder[]): Promise<void>;
}

function setup(): Setup {
  const dir = tempDir();
  const spool = join(dir, 'spool');
  const s: Setup = {
    catalog: openCatalog(join(dir, 'catalog.db'), {create: true}),
    archive: join(dir, 'archive'),
    spool,
    archiveAll: async (folders) => {
      for (const f of folders) writeMailbox(spool, f);
      await archiveFolders(s.catalog, new SpoolSource([spool]), {kind: 'all'}, {archiveDir: s.archive});
    },
  };
  return s;
}

const subjects = (s: Setup, query: string, includeDeleted = false) => searchMessages(s.catalog.db, query, {includeDeleted}).hits.map((h) => `${h.subject}@${h.folder}:${h.uid}`);
const alice = FOLDERS[0] as SpoolFolder;

describe('keeping the search index current', () => {
  it('catches up with new snapshots: a new message, changed flags, a folder deleted the delayed way', async () => {
    const s = setup();
    await s.archiveAll([{...alice, messages: alice.messages.slice(0, 2)}, FOLDERS[2] as SpoolFolder]);
    expect(await updateSearch(s.catalog, s.archive)).toMatchObject({rebuilt: false, docs: 4, locations: 4});
    expect(subjects(s, 'flag:flagged')).toEqual(['Grüße aus München@user.alice:2']);

    // Alice gets a third message, flags UID 1 and unflags 2, expunges nothing; bob's folder is deleted (delayed).
    const messages = alice.messages.slice(0, 3).map((m) => ({...m, flags: m.uid === 1 ? ['\\Seen', '\\Flagged'] : m.uid === 2 ? [] : m.flags, modseq: 10 + m.uid}));
    rmSync(join(s.spool, 'uuid'), {recursive: true});
    // (A higher HIGHESTMODSEQ: `bonnie archive` records no snapshot of a folder whose modseq and count are unchanged.)
    await s.archiveAll([{...alice, messages}, {...(FOLDERS[2] as SpoolFolder), name: 'DELETED.user.bob.5F1234AB', highestModseq: 100}]);
    // Refreshed: every place of both folders but the new one (computed as it was added).
    expect(await updateSearch(s.catalog, s.archive)).toMatchObject({docs: 1, locations: 1, refreshed: 4});
    expect(subjects(s, 'flag:flagged')).toEqual(['Quarterly report@user.alice:1']);
    expect(subjects(s, 'user:bob')).toEqual([]);
    expect(subjects(s, 'user:bob', true)).toEqual(['Old invoice 4711@user.bob:2', 'Large export@user.bob:1']);
    expect(searchMessages(s.catalog.db, 'user:bob', {includeDeleted: true}).hits.map((h) => h.removal)).toEqual(['folder-deleted', 'folder-deleted']);
    expect(subjects(s, '会議')).toEqual(['議事録@user.alice:3']);

    // Idle: nothing read, nothing written.
    const changes = s.catalog.db.prepare('SELECT total_changes() AS n').get() as {n: number};
    expect(await updateSearch(s.catalog, s.archive)).toMatchObject({docs: 0, locations: 0, refreshed: 0});
    expect(s.catalog.db.prepare('SELECT total_changes() AS n').get()).toEqual(changes);
    s.catalog.close();
  });

  it('indexes what a writer hands over with its bytes, at once, and the catch-up adds nothing twice', async () => {
    const s = setup();
    await s.archiveAll([{...alice, messages: alice.messages.slice(0, 1)}]);
    await updateSearch(s.catalog, s.archive);
    // As `bonnie archive --message` or the collector would: store, commit, link, then hand the places over.
    const writer = ArchiveWriter.open(s.catalog, s.archive);
    const put = writer.put(MAIL.htmlOnly);
    writer.commit();
    writer.close();
    new SnapshotRepository(s.catalog.db).link(ALICE, 1001, 'spool', [{uid: 5, sha256: put.id, reason: null}], Date.now());
    const copy = {mailboxId: BOB, uidValidity: 1003, uid: 9, sha256: put.id, bytes: MAIL.htmlOnly};
    expect(await indexLocations(s.catalog.db, [{mailboxId: ALICE, uidValidity: 1001, uid: 5, sha256: put.id, bytes: MAIL.htmlOnly}, copy])).toEqual({locations: 2, docs: 1, problems: 0});
    expect(await indexLocations(s.catalog.db, [copy])).toEqual({locations: 0, docs: 0, problems: 0});
    expect(subjects(s, 'launch').sort()).toEqual(['Spring sale@b0b0000000000000000search:9', 'Spring sale@user.alice:5']);
    expect(await updateSearch(s.catalog, s.archive)).toMatchObject({docs: 0, locations: 0});
    s.catalog.close();
  });

  it('keeps a message whose blob cannot be read, without its text, and says why', async () => {
    const s = setup();
    await s.archiveAll([FOLDERS[3] as SpoolFolder]);
    const segments = s.catalog.db.prepare('SELECT path FROM segment').pluck().all() as string[];
    for (const path of segments) rmSync(join(s.archive, path), {force: true});
    const update = await updateSearch(s.catalog, s.archive);
    expect(update).toMatchObject({docs: 1, locations: 1, problems: 1});
    const [hit] = searchMessages(s.catalog.db, 'folder:user.bob.Old', {includeDeleted: true}).hits;
    expect(hit).toMatchObject({mailboxId: OLD, subject: '', dateSource: 'internal', size: MAIL.inDeletedFolder.length});
    expect(hit?.problem).toMatch(/^SegmentMissing: /);
    expect(subjects(s, 'falcon', true)).toEqual([]);
    s.catalog.close();
  });

  it('rebuilds with --reindex to the same results', async () => {
    const s = setup();
    await s.archiveAll(FOLDERS);
    await updateSearch(s.catalog, s.archive);
    const queries = ['deleted:no', 'deleted:yes', 'cafe OR 会議', 'flag:seen', 'user:bob'];
    const before = queries.map((q) => searchMessages(s.catalog.db, q, {includeDeleted: true}).hits);
    expect(await updateSearch(s.catalog, s.archive, {reindex: true})).toMatchObject({rebuilt: true, docs: 12, locations: 13, problems: 0});
    expect(queries.map((q) => searchMessages(s.catalog.db, q, {includeDeleted: true}).hits)).toEqual(before);
    expect(s.catalog.db.prepare('SELECT docs, items FROM search_state').get()).toEqual({docs: 12, items: 13});
    s.catalog.close();
  });
});
