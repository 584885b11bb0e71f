/**
 * Search over the record of the real Cyrus specimens (../shared/cyrus/specimens, the demo's samples): the
 * index follows the record (flags, expunges, a move, renames, a deleted folder) and the snapshots, and
 * every ref it prints is accepted by `bonnie history --message` and by `bonnie restore --message`.
 *
 * The record is built in two steps: alice's four APPENDs and her flag changes (specimens 1-43), archived
 * from a spool in that state; then the rest (copy, move, EXPUNGE, renames, deliveries, bob's folder
 * deleted), first without a new snapshot (the index learns it from the record alone), then archived again.
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {selectTargets} from '../../../../src/lib/out/restore/targets.js';
import {searchMessages, type SearchHit} from '../../../../src/lib/read/search/search.js';
import {updateSearch} from '../../../../src/lib/read/search/update.js';
import {archiveFolders} from '../../../../src/lib/pipeline/snapshot/archiver.js';
import {SpoolSource} from '../../../../src/lib/pipeline/snapshot/spool-source.js';
import {REPO, SPECIMENS} from '../../../helpers/paths.js';
import {bonnie, run} from '../../../helpers/run.js';
import {ALL, ARCHIVE, INBOX, WORK, feed} from '../discovery/record.js';

let dir: string;
let catalog: Catalog;
let archive: string;
const env = {BONNIE_CONFIG: '/dev/null'};

/** Lays out a spool as the specimens up to `last` leave it (scripts/demo-spool.js), and archives it as at `at`. */
async function archiveSpool(name: string, last: number, at: string): Promise<void> {
  const files = readdirSync(SPECIMENS)
    .filter((f) => f.endsWith('.json') && Number(f.slice(0, 2)) <= last)
    .sort()
    .map((f) => join(SPECIMENS, f));
  const spool = join(dir, name);
  const laid = await run(process.execPath, [join(REPO, 'scripts/demo-spool.js'), spool, ...files]);
  if (laid.code !== 0) throw new Error(laid.stderr);
  await archiveFolders(catalog, new SpoolSource([spool]), {kind: 'all'}, {archiveDir: archive, now: () => Date.parse(at)});
}

const search = (query: string, includeDeleted = false) => searchMessages(catalog.db, query, {includeDeleted}).hits;
/** Hits as text, newest first; places of one message (one date) by folder and UID. */
const brief = (hits: SearchHit[]) =>
  hits
    .map((h, i) => ({h, i}))
    .sort((a, b) => (a.h.date === b.h.date && a.h.blob === b.h.blob ? `${a.h.folder}:${a.h.uid}`.localeCompare(`${b.h.folder}:${b.h.uid}`) : a.i - b.i))
    .map(({h}) => `${h.subject} ${h.folder}:${h.uid}${h.deleted ? ` (${h.removal})` : ''} [${[...h.flags].sort().join(' ')}]`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-search-samples-'));
  archive = join(dir, 'archive');
  catalog = openCatalog(join(dir, 'catalog.db'), {create: true});
  await feed(catalog, ALL.filter((n) => n <= 43));
  // Just after specimen 43 (STORE 4 +FLAGS \Deleted at 11:54:10.356), before the COPY at 11:54:10.859.
  await archiveSpool('spool-1', 43, '2026-11-22T11:54:10.500Z');
});
afterAll(() => {
  catalog.close();
  rmSync(dir, {recursive: true, force: true});
});

describe('the search index follows the record and the snapshots', () => {
  // Flags as scripts/demo-spool.js left them in the spool (it replays FLAGS changes roughly: no \Deleted
  // from MessageTrash, \Flagged kept on message 2): what matters is that the snapshot's flags are the ones shown.
  it('indexes alice\'s four messages with the flags of the snapshot', async () => {
    const first = await updateSearch(catalog, archive);
    expect(first).toMatchObject({rebuilt: false, docs: 4, locations: 4, problems: 0});
    expect(brief(search('message'))).toEqual([
      'Fourth message user.alice:4 [\\Flagged \\Seen]',
      'Third message user.alice:3 [\\Draft]',
      'Second message user.alice:2 [$Important Work \\Answered \\Flagged \\Seen]',
      'First message user.alice:1 [Work \\Flagged \\Seen]',
    ]);
    // Nothing new: nothing done.
    expect(await updateSearch(catalog, archive)).toMatchObject({locations: 0, docs: 0, refreshed: 0});
  });

  it('learns the move, the expunges and later flags from the record alone', async () => {
    await feed(catalog, ALL.filter((n) => n > 43));
    const update = await updateSearch(catalog, archive);
    expect(update).toMatchObject({locations: 0, docs: 0});
    expect(update.refreshed).toBeGreaterThanOrEqual(3);
    expect(brief(search('message'))).toEqual(['Third message user.alice:3 [\\Draft]']);
    expect(brief(search('message', true))).toEqual([
      'Fourth message user.alice:4 (expunged) [\\Flagged \\Seen]',
      'Third message user.alice:3 [\\Draft]',
      'Second message user.alice:2 (moved) [$Important Work \\Answered \\Flagged \\Seen]',
      // STORE 1 +FLAGS (\Deleted) came after the snapshot: the record's flags.
      'First message user.alice:1 (expunged) [Work \\Deleted \\Flagged \\Seen]',
    ]);
  });

  it('adds the copies, the deliveries and bob\'s mail when the folders are archived again', async () => {
    await archiveSpool('spool-2', 96, '2026-11-22T11:55:00.000Z');
    const update = await updateSearch(catalog, archive);
    expect(update).toMatchObject({docs: 6, locations: 9});
    expect(brief(search('deleted:no'))).toEqual([
      'Plus addressed user.alice.Job:2 []',
      'Delivered via cyrdeliver user.alice.Archive:3 []',
      'Plus to Work user.alice:6 []',
      'Delivered via LMTP user.alice:5 []',
      'Third message user.alice:3 [\\Draft]',
      'Second message user.alice.Archive:2 [$Important Work \\Answered \\Flagged \\Seen]',
      'Second message user.alice.Job:1 [$Important Work \\Answered \\Flagged \\Seen]',
      'First message user.alice.Archive:1 [Work \\Flagged \\Seen]',
    ]);
    // bob's folder was deleted; the old message of user.alice.Old expired (cyr_expire).
    expect(brief(search('deleted:yes'))).toEqual([
      'Bob first user.bob:1 (folder-deleted) []',
      'Fourth message user.alice:4 (expunged) [\\Flagged \\Seen]',
      'Second message user.alice:2 (moved) [$Important Work \\Answered \\Flagged \\Seen]',
      // The second snapshot is later than the record's STORE +FLAGS (\Deleted): its flags now.
      'First message user.alice:1 (expunged) [Work \\Flagged \\Seen]',
      'Very old message user.alice.Old:1 (expired) []',
    ]);
  });

  it('finds a folder by any name it had, and a message by a keyword the record set', () => {
    expect(brief(search('folder:user.alice.Work'))).toEqual(['Plus addressed user.alice.Job:2 []', 'Second message user.alice.Job:1 [$Important Work \\Answered \\Flagged \\Seen]']);
    expect(brief(search('folder:user.alice.Projects'))).toEqual(brief(search('folder:Job')));
    expect(search('flag:$important').map((h) => h.mailboxId).sort()).toEqual([ARCHIVE, WORK]);
    expect(search('user:bob', true).map((h) => h.ref)).toEqual(['cu0g4lc9qdp3vrer52mfw1h9:1']);
  });

  it('prints refs that bonnie history --message and restore --message accept', async () => {
    const hits = search('message OR delivered OR plus OR bob', true);
    expect(hits.length).toBe(13);
    for (const hit of hits) {
      expect(hit.ref).toBe(`${hit.mailboxId}:${hit.uid}`);
      expect(hit.messageRef).toMatch(/^M[0-9a-f]{24}$/);
      const [target] = selectTargets(catalog.db, {kind: 'message', ref: hit.ref}, Date.parse('2026-11-22T12:00:00Z'));
      expect(target?.messages.map((m) => m.uid), hit.ref).toEqual([hit.uid]);
    }
    const inbox = hits.find((h) => h.mailboxId === INBOX && h.uid === 1) as SearchHit;
    const history = await bonnie(['history', '--message', inbox.ref, '--json', '--catalog', catalog.path], {env});
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject({kind: 'message', message: {ref: inbox.messageRef, subject: 'First message'}});
    const all = await Promise.all(hits.map((h) => bonnie(['history', '--message', h.ref, '--catalog', catalog.path], {env})));
    expect(all.map((r) => r.code)).toEqual(hits.map(() => 0));
  });
});
