import {existsSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../src/lib/catalog/catalog.js';
import {LATEST_SCHEMA_VERSION, MIGRATIONS} from '../../../src/lib/catalog/migrations.js';
import {BonnieError} from '../../../src/lib/errors.js';
import {useTempDirs} from '../../helpers/tmp.js';

const tempDir = useTempDirs();

describe('openCatalog', () => {
  it('migrates an empty catalog to the latest version, recording each migration', () => {
    const path = join(tempDir(), 'new', 'catalog.db');
    const catalog = openCatalog(path, {create: true});
    expect(catalog.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const tables = catalog.db.prepare<[], {name: string}>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['job', 'notification', 'quarantine', 'schema_migration', 'spill_drained']));
    const applied = catalog.db.prepare<[], {version: number}>('SELECT version FROM schema_migration ORDER BY version').all().map((r) => r.version);
    expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect(catalog.db.pragma('journal_mode', {simple: true})).toBe('wal');
    expect(catalog.db.pragma('foreign_keys', {simple: true})).toBe(1);
    catalog.close();
  });

  it('creates the catalog folder private to owner and group', () => {
    const dir = join(tempDir(), 'state');
    const previous = process.umask(0o027);
    try {
      openCatalog(join(dir, 'catalog.db'), {create: true}).close();
    } finally {
      process.umask(previous);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o750);
    expect(statSync(join(dir, 'catalog.db')).mode & 0o007).toBe(0);
  });

  it('opening twice applies nothing twice', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    const again = openCatalog(path);
    expect(again.db.prepare('SELECT count(*) AS n FROM schema_migration').get()).toEqual({n: MIGRATIONS.length});
    again.close();
  });

  it('refuses a catalog written by a newer bonnie and leaves it unchanged', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const before = readFileSync(path);
    let error: unknown;
    try {
      openCatalog(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BonnieError);
    expect((error as BonnieError).code).toBe('CatalogTooNew');
    expect((error as BonnieError).exit).toBe(4);
    expect((error as BonnieError).hint).toMatch(/Upgrade bonnie/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses to read an older catalog without upgrading it, and says how to upgrade', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION - 1}`);
    raw.close();
    const before = readFileSync(path);
    let error: unknown;
    try {
      openCatalog(path, {readOnly: true});
    } catch (e) {
      error = e;
    }
    expect((error as BonnieError).code).toBe('CatalogTooOld');
    expect((error as BonnieError).exit).toBe(4);
    expect((error as BonnieError).hint).toContain('bonnie init');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('does not create a missing catalog unless asked', () => {
    const path = join(tempDir(), 'catalog.db');
    expect(() => openCatalog(path)).toThrow(/no catalog at/);
    expect(existsSync(path)).toBe(false);
  });

  it('keeps notifications immutable and undeletable', () => {
    const catalog = openCatalog(join(tempDir(), 'catalog.db'), {create: true});
    const {db} = catalog;
    db.prepare(
      "INSERT INTO notification (sha256, raw, received_at, source, event_type, last_delivered_at) VALUES (x'00', x'7b7d', 1, 'stdin', 'Login', 1)",
    ).run();
    expect(() => db.prepare("UPDATE notification SET raw = x'00'").run()).toThrow(/evidence/);
    expect(() => db.prepare('DELETE FROM notification').run()).toThrow(/evidence/);
    expect(() => db.prepare('UPDATE notification SET deliveries = deliveries + 1').run()).not.toThrow();
    catalog.close();
  });
});
