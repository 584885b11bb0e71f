/**
 * The catalog check's own cross-checks and the mapping of SQLite's failures: on a fresh catalog with rows
 * that contradict each other (written with foreign keys off, as an edit or a partial restore would),
 * `checkCatalog` names the table and what is wrong; page damage is in test/chaos/catalog-corruption.test.ts.
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {afterCatalogCheck, checkCatalog} from '../../../../src/lib/base/catalog/integrity.js';
import {catalogReferences} from '../../../../src/lib/cli/reference-checks.js';
import {forEachDoneBlob} from '../../../../src/lib/pipeline/collect/jobs.js';
import {forEachLinkedBlob} from '../../../../src/lib/pipeline/snapshot/repository.js';
import {catalogFailure, isCorruption} from '../../../../src/lib/base/catalog/sqlite-errors.js';
import {BonnieError, EXIT} from '../../../../src/lib/base/errors.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

function freshCatalog(): Catalog {
  return openCatalog(join(tempDir(), 'catalog.db'), {create: true});
}

const SHA = (byte: number) => Buffer.alloc(32, byte);

describe('checkCatalog', () => {
  it('finds a new catalog sound', () => {
    const catalog = freshCatalog();
    const report = checkCatalog(catalog, catalogReferences(catalog.db));
    expect(report).toMatchObject({sound: true, problems: [], hint: null});
    expect(report.tables).toBeGreaterThan(20);
    catalog.close();
  });

  it('names a message link to a blob the index does not know, and a job without its notification', () => {
    const catalog = freshCatalog();
    const {db} = catalog;
    db.pragma('foreign_keys = OFF');
    db.prepare("INSERT INTO segment (id, path, state, format, created_at) VALUES (?, 'segments/aa/x.tar', 'closed', 1, 0)").run('a'.repeat(32));
    db.prepare('INSERT INTO blob (sha256, segment_id, header_offset, data_offset, stored_length, original_length, stored_at) VALUES (?, ?, 0, 512, 10, 10, 0)').run(SHA(1), 'a'.repeat(32));
    db.prepare("INSERT INTO message_link (mailbox_id, uid_validity, uid, sha256, reason, source, linked_at) VALUES ('m0000000000000000000001', 1, 1, ?, NULL, 'spool', 0)").run(SHA(1));
    db.prepare("INSERT INTO message_link (mailbox_id, uid_validity, uid, sha256, reason, source, linked_at) VALUES ('m0000000000000000000001', 1, 2, ?, NULL, 'spool', 0)").run(SHA(2));
    db.prepare("INSERT INTO job (notification_id, state, updated_at) VALUES (42, 'pending', 0)").run();
    const report = checkCatalog(catalog, catalogReferences(db));
    expect(report.sound).toBe(false);
    expect(report.problems).toEqual([
      {kind: 'ForeignKey', table: 'job', index: null, detail: '1 row(s) refer to notification rows that do not exist'},
      {kind: 'LinkWithoutBlob', table: 'message_link', index: null, detail: '1 archived message(s) link to a blob the archive index does not know'},
    ]);
    expect(report.hint).toContain('restore the catalog from one backup');
    catalog.close();
  });

  it('counts every link and done job to a missing blob, page after page', () => {
    const catalog = freshCatalog();
    const {db} = catalog;
    db.pragma('foreign_keys = OFF');
    const link = db.prepare("INSERT INTO message_link (mailbox_id, uid_validity, uid, sha256, reason, source, linked_at) VALUES ('m0000000000000000000001', 1, ?, ?, NULL, 'spool', 0)");
    // Three links to blob 2 (none stored), two to blob 3: five links, two blobs.
    for (const [uid, byte] of [[1, 2], [2, 2], [3, 3], [4, 2], [5, 3]] as const) link.run(uid, SHA(byte));
    const job = db.prepare("INSERT INTO collect_job (mailbox_id, mailbox_name, uid_validity, uid, notification_id, state, sha256, created_at, updated_at) VALUES ('m0000000000000000000001', 'user.a', 1, ?, 1, 'done', ?, 0, 0)");
    for (const uid of [1, 2, 3]) job.run(uid, SHA(9));
    const seen: Array<[string, number]> = [];
    forEachLinkedBlob(db, (sha256, links) => seen.push([sha256.toString('hex').slice(0, 2), links]), 1);
    expect(seen).toEqual([['02', 3], ['03', 2]]);
    let jobs = 0;
    forEachDoneBlob(db, () => jobs++, 2);
    expect(jobs).toBe(3);
    expect(checkCatalog(catalog, catalogReferences(db)).problems.filter((p) => p.kind === 'LinkWithoutBlob')).toEqual([
      {kind: 'LinkWithoutBlob', table: 'message_link', index: null, detail: '5 archived message(s) link to a blob the archive index does not know'},
      {kind: 'LinkWithoutBlob', table: 'collect_job', index: null, detail: '3 collected message(s) link to a blob the archive index does not know'},
    ]);
    catalog.close();
  });

  it('reports a check stopped by damage as a problem, and lets other failures through', () => {
    const catalog = freshCatalog();
    const report = checkCatalog(catalog);
    const corrupt = Object.assign(new Error('database disk image is malformed'), {name: 'SqliteError', code: 'SQLITE_CORRUPT'});
    expect(afterCatalogCheck(report, catalog, 'the archive check', () => {
      throw corrupt;
    })).toBeNull();
    expect(report).toMatchObject({sound: false, problems: [{kind: 'Unreadable', table: null, detail: 'the archive check stopped on a damaged page: database disk image is malformed'}]});
    expect(report.hint).toContain('.recover');
    expect(() => afterCatalogCheck(report, catalog, 'x', () => {
      throw new Error('not SQLite');
    })).toThrow('not SQLite');
    catalog.close();
  });
});

describe('catalogFailure', () => {
  const sqliteError = (code: string) => Object.assign(new Error(`failed: ${code}`), {name: 'SqliteError', code});

  it('maps corruption (SQLITE_CORRUPT and its extended codes, SQLITE_NOTADB) to CatalogCorrupt, exit 4', () => {
    for (const code of ['SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_NOTADB']) {
      expect(isCorruption(sqliteError(code))).toBe(true);
      const mapped = catalogFailure(sqliteError(code));
      expect(mapped).toBeInstanceOf(BonnieError);
      expect(mapped).toMatchObject({code: 'CatalogCorrupt', exit: EXIT.catalog});
      expect(mapped?.hint).toContain('bonnie verify --integrity');
    }
  });

  it('finds SQLite failures wrapped in another error, maps a full disk or a lock, and leaves the rest', () => {
    const wrapped = new BonnieError('CollectFailed', 'boom', {cause: sqliteError('SQLITE_FULL')});
    expect(catalogFailure(wrapped)).toMatchObject({code: 'CatalogUnavailable', exit: EXIT.catalog});
    expect(catalogFailure(sqliteError('SQLITE_BUSY'))?.hint).toContain('locked');
    expect(catalogFailure(sqliteError('SQLITE_CONSTRAINT_UNIQUE'))).toBeUndefined();
    expect(catalogFailure(new Error('plain'))).toBeUndefined();
    expect(isCorruption(new Error('database disk image is malformed'))).toBe(false);
  });
});
