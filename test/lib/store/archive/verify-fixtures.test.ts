/**
 * The committed archive fixtures (test/fixtures/archive) cannot rot silently: they are what
 * scripts/make-archive-fixtures.js produces (archive format 3), and each damaged case is the sound one with
 * exactly the damage its damage.json describes; the frozen format 1 ones (format-1/) too, and they stay
 * format 1 (no version file, blobs only).
 */
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {ARCHIVE_FIXTURES, DAMAGED_CASES, FORMAT_1_FIXTURES, FORMAT_2_FIXTURES, readDamage} from '../../../fixtures/archive/fixtures.js';
import {hashBlob} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveReader} from '../../../../src/lib/store/archive/reader.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {REPO} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const CASES = ['sound', ...DAMAGED_CASES, 'carried'];

/** Files under `dir`, relative, sorted; the catalog and the helpers aside. */
function filesOf(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, {withFileTypes: true})) {
      const path = join(d, entry.name);
      if (path === FORMAT_1_FIXTURES || path === FORMAT_2_FIXTURES) continue; // beside them, frozen: checked apart
      if (entry.isDirectory()) walk(path);
      else found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.filter((f) => !/(^|\/)catalog\.db$/.test(f) && !['README.md', 'fixtures.ts', '.gitattributes'].includes(f)).sort();
}

/**
 * Every row of every table of a copy of the catalog at `path`, migrated to this code's schema. The
 * migration log is left out: migrations newer than the fixture are applied now, at a time of their own.
 */
function rowsOf(path: string, dir: string): Record<string, unknown[]> {
  const copy = join(dir, `${Math.random().toString(36).slice(2)}.db`);
  cpSync(path, copy);
  openCatalog(copy).close();
  const db = new Database(copy, {readonly: true});
  try {
    const tables = db.prepare<[], {name: string}>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migration' ORDER BY name").all();
    return Object.fromEntries(
      tables.map(({name}) => {
        const columns = db.prepare<[], {name: string}>(`SELECT name FROM pragma_table_info('${name}')`).all().map((c) => `"${c.name}"`);
        const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY ${columns.join(', ')}`).all() as Array<Record<string, unknown>>;
        return [name, rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])))];
      }),
    );
  } finally {
    db.close();
  }
}

describe('the archive fixtures', () => {
  it('are what scripts/make-archive-fixtures.js produces (regenerate them as test/fixtures/archive/README.md says)', () => {
    const out = tempDir();
    const made = spawnSync(process.execPath, [join(REPO, 'scripts/make-archive-fixtures.js'), out], {encoding: 'utf8'});
    expect(made.status, made.stderr).toBe(0);
    expect(filesOf(out)).toEqual(filesOf(ARCHIVE_FIXTURES));
    for (const file of filesOf(out)) expect(readFileSync(join(out, file)).equals(readFileSync(join(ARCHIVE_FIXTURES, file))), file).toBe(true);
    const scratch = tempDir();
    for (const name of CASES) expect(rowsOf(join(out, name, 'catalog.db'), scratch), name).toEqual(rowsOf(join(ARCHIVE_FIXTURES, name, 'catalog.db'), scratch));
  });

  it('are small', () => {
    const total = [...filesOf(ARCHIVE_FIXTURES), ...CASES.map((c) => join(c, 'catalog.db'))].reduce((sum, f) => sum + statSync(join(ARCHIVE_FIXTURES, f)).size, 0);
    // Each empty table and index of the schema costs a page or two per catalog (512-byte pages): the bound
    // grows with the schema (migrations 14-16 added the transport, DLP and retention tables), never with the data.
    expect(total).toBeLessThan(800 * 1024);
  });

  it('keep the format 1 ones of bonnie 0.1.0 beside them, blobs only and without a version file (the compatibility case)', () => {
    const format1 = filesOf(FORMAT_1_FIXTURES);
    expect(format1.filter((f) => f.includes('/archive/')).every((f) => /\/archive\/segments\/[0-9a-f]{2}\/[0-9a-f]{32}\.tar$/.test(f))).toBe(true);
    for (const file of format1.filter((f) => f.endsWith('.tar'))) {
      const names = spawnSync('tar', ['-tf', join(FORMAT_1_FIXTURES, file)], {encoding: 'utf8'}).stdout.trim().split('\n');
      if (file.startsWith('truncated-segment/')) continue; // tar stops at the cut
      expect(names.every((n) => /^[0-9a-f]{64}\.eml\.zst$/.test(n)), file).toBe(true);
    }
    const sound = new Database(join(FORMAT_1_FIXTURES, 'sound', 'catalog.db'), {readonly: true});
    expect(sound.prepare('SELECT DISTINCT format FROM segment').all()).toEqual([{format: 1}]);
    sound.close();
  });

  it('keep the format 2 ones beside them (before format 3): still verified sound and read back byte for byte', () => {
    for (const name of ['sound', 'carried']) {
      const dir = join(tempDir(), name);
      cpSync(join(FORMAT_2_FIXTURES, name), dir, {recursive: true});
      expect(JSON.parse(readFileSync(join(dir, 'archive', 'bonnie-archive.json'), 'utf8'))).toMatchObject({format: 2});
      const catalog = openCatalog(join(dir, 'catalog.db'));
      expect(verifyArchive(catalog, join(dir, 'archive'), {readData: true})).toMatchObject({sound: true, problems: []});
      const reader = new ArchiveReader(catalog, join(dir, 'archive'));
      const index = new ArchiveIndex(catalog.db);
      const blobs = index.listSegments().flatMap((s) => index.listBlobs(s.id));
      expect(blobs.length).toBeGreaterThan(0);
      for (const blob of blobs) expect(hashBlob(reader.readBlob(blob.id)).equals(blob.id)).toBe(true);
      reader.close();
      catalog.close();
    }
  });

  for (const [format, root] of [[3, ARCHIVE_FIXTURES], [1, FORMAT_1_FIXTURES]] as const) for (const name of DAMAGED_CASES) {
    it(`${name} (format ${format}) is the sound case with only the damage its damage.json describes`, () => {
      const damage = readDamage(name, {format});
      const dir = join(tempDir(), name);
      cpSync(join(root, 'sound'), dir, {recursive: true});
      if (damage.file !== undefined) {
        const file = join(dir, damage.file);
        expect(existsSync(file)).toBe(true);
        if (damage.removed === true) rmSync(file);
        else if (damage.truncateTo !== undefined) truncateSync(file, damage.truncateTo);
        else if (damage.offset !== undefined && damage.xor !== undefined) {
          const bytes = readFileSync(file);
          bytes[damage.offset] = (bytes[damage.offset] ?? 0) ^ damage.xor;
          writeFileSync(file, bytes);
        } else throw new Error(`${name}: damage.json names a file but no change`);
      }
      if (damage.blob !== undefined && damage.was !== undefined && damage.now !== undefined) {
        const db = new Database(join(dir, 'catalog.db'));
        const changed = db
          .prepare('UPDATE blob SET header_offset = ?, data_offset = ? WHERE sha256 = ? AND header_offset = ? AND data_offset = ?')
          .run(damage.now.headerOffset, damage.now.dataOffset, Buffer.from(damage.blob, 'hex'), damage.was.headerOffset, damage.was.dataOffset).changes;
        db.close();
        expect(changed).toBe(1);
      }
      const fixture = join(root, name);
      expect(filesOf(dir)).toEqual(filesOf(fixture).filter((f) => f !== 'damage.json'));
      for (const file of filesOf(dir)) expect(readFileSync(join(dir, file)).equals(readFileSync(join(fixture, file))), file).toBe(true);
      const scratch = tempDir();
      expect(rowsOf(join(dir, 'catalog.db'), scratch)).toEqual(rowsOf(join(fixture, 'catalog.db'), scratch));
    });
  }
});
