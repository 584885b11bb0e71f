/**
 * A corrupted catalog page, as a failing disk or a stray write leaves it: `bonnie verify` names the table
 * (and index) that is damaged, exits 5 and says how to repair; a command that merely meets the damage
 * exits 4 with CatalogCorrupt and a hint, never a raw SqliteError. The catalog is the archive fixture's
 * (test/fixtures/archive/sound), migrated, closed, then one b-tree page of one table is overwritten in the
 * file, found through `dbstat` (which pages belong to which table) and `PRAGMA page_size`.
 */
import {closeSync, openSync, writeSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import type {CatalogCheckReport} from '../../src/lib/base/catalog/integrity.js';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {copyArchiveFixture, type FixtureCopy} from '../fixtures/archive/fixtures.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null'};

type Damage = 'page-type' | 'zeroed' | 'garbage';

/**
 * Overwrites one b-tree page of `name` (a table or an index) in the closed catalog file: its last page,
 * or its root (then every read of it fails). Returns the page number.
 */
function corruptPage(catalogPath: string, name: string, damage: Damage, which: 'last' | 'root' = 'last'): number {
  const catalog = openCatalog(catalogPath);
  let page: number;
  let pageSize: number;
  try {
    const pages = catalog.db.prepare<[string], {pageno: number}>('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').all(name);
    expect(pages.length, `${name} has pages`).toBeGreaterThan(0);
    page = ((which === 'root' ? pages[0] : pages.at(-1)) as {pageno: number}).pageno;
    pageSize = catalog.db.pragma('page_size', {simple: true}) as number;
    // Everything in the main file, nothing left in the WAL to override the damage.
    catalog.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    catalog.close();
  }
  const bytes =
    damage === 'page-type'
      ? Buffer.from([0xff]) // the b-tree page type: no such page type
      : damage === 'zeroed'
        ? Buffer.alloc(pageSize)
        : Buffer.alloc(pageSize, 0xa5);
  const fd = openSync(catalogPath, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
  return page;
}

interface IntegrityJson {
  sound: boolean;
  catalog: CatalogCheckReport;
}

async function verifyIntegrity(copy: FixtureCopy): Promise<{code: number | null; json: IntegrityJson; stderr: string}> {
  const ran = await bonnie(['verify', '--integrity', '--json', '--catalog', copy.catalog], {env});
  return {code: ran.code, json: JSON.parse(ran.stdout) as IntegrityJson, stderr: ran.stderr};
}

describe('a corrupted catalog page', () => {
  it('finds the migrated fixture catalog sound', async () => {
    const copy = copyArchiveFixture('sound', tempDir());
    const {code, json} = await verifyIntegrity(copy);
    expect(code).toBe(0);
    expect(json.catalog).toMatchObject({sound: true, problems: [], hint: null});
  });

  const cases: Array<[string, Damage]> = [
    ['message_link', 'page-type'],
    ['snapshot_message', 'zeroed'],
    ['blob', 'page-type'],
    ['blob', 'garbage'],
    ['notification', 'garbage'],
  ];
  for (const [table, damage] of cases) {
    it(`in ${table} (${damage}): verify names the table, exits 5 and says how to repair`, async () => {
      const copy = copyArchiveFixture('sound', tempDir());
      corruptPage(copy.catalog, table, damage);
      const {code, json, stderr} = await verifyIntegrity(copy);
      expect(stderr).not.toMatch(/SqliteError|\n\s+at /);
      expect(code).toBe(5);
      expect(json.sound).toBe(false);
      expect(json.catalog.problems.length).toBeGreaterThan(0);
      expect(new Set(json.catalog.problems.map((p) => p.table))).toEqual(new Set([table]));
      expect(json.catalog.hint).toContain('.recover');

      // The text report, and the whole verify: the other checks go as far as the damage lets them.
      const text = await bonnie(['verify', '--catalog', copy.catalog, '--archive', copy.archive], {env});
      expect(text.stderr).not.toMatch(/SqliteError|\n\s+at /);
      expect(text.code).toBe(5);
      expect(text.stdout).toMatch(new RegExp(`^catalog: PROBLEM Corrupt in table ${table}\\b`, 'm'));
      expect(text.stdout).toMatch(/^catalog: NOT SOUND$/m);
      expect(text.stdout).toMatch(/^catalog: hint: Stop bonnie's services and restore the catalog from its backup/m);
    });
  }

  it('in an index only: names the index and hints REINDEX', async () => {
    const copy = copyArchiveFixture('sound', tempDir());
    corruptPage(copy.catalog, 'blob_by_segment', 'garbage');
    const {code, json} = await verifyIntegrity(copy);
    expect(code).toBe(5);
    expect(json.catalog.problems.length).toBeGreaterThan(0);
    expect(json.catalog.problems.every((p) => p.table === 'blob' && p.index === 'blob_by_segment')).toBe(true);
    expect(json.catalog.hint).toContain('REINDEX blob_by_segment');
  });

  it('met by a check that does not look for it: exit 4, CatalogCorrupt and a hint, no stack trace', async () => {
    const copy = copyArchiveFixture('sound', tempDir());
    corruptPage(copy.catalog, 'blob', 'page-type', 'root');
    const ran = await bonnie(['verify', '--segments', '--json', '--catalog', copy.catalog, '--archive', copy.archive], {env});
    expect(ran.code).toBe(4);
    const {error} = JSON.parse(ran.stdout) as {error: {code: string; hint: string; exit: number}};
    expect(error).toMatchObject({code: 'CatalogCorrupt', exit: 4});
    expect(error.hint).toContain('bonnie verify --integrity');
    const text = await bonnie(['export', '--user', 'alice', '--format', 'eml', '--out', `${copy.dir}/out`, '--catalog', copy.catalog, '--archive', copy.archive], {env});
    expect(text.code).toBe(4);
    expect(text.stderr).toMatch(/^bonnie: the catalog is damaged: .*\(SQLITE_CORRUPT\)\nhint: /);
  });
});
