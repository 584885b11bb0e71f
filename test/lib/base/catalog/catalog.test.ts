import {copyFileSync, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {CATALOG_APPLICATION_ID, openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {CATALOG_SCHEMA} from '../../../../src/lib/cli/schema.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

describe('openCatalog', () => {
  it('migrates an empty catalog to the latest version, recording each migration', () => {
    const path = join(tempDir(), 'new', 'catalog.db');
    const catalog = openCatalog(path, {create: true});
    expect(catalog.schemaVersion).toBe(CATALOG_SCHEMA.latest);
    const tables = catalog.db.prepare<[], {name: string}>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['job', 'notification', 'quarantine', 'schema_migration', 'spill_drained']));
    const applied = catalog.db.prepare<[], {version: number}>('SELECT version FROM schema_migration ORDER BY version').all().map((r) => r.version);
    expect(applied).toEqual(CATALOG_SCHEMA.migrations.map((m) => m.version));
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
    expect(again.db.prepare('SELECT count(*) AS n FROM schema_migration').get()).toEqual({n: CATALOG_SCHEMA.migrations.length});
    again.close();
  });

  it('refuses a catalog written by a newer bonnie and leaves it unchanged', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${CATALOG_SCHEMA.latest + 1}`);
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
    raw.pragma(`user_version = ${CATALOG_SCHEMA.latest - 1}`);
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

const refusal = thrownBonnieError;

describe('openCatalog: only a bonnie catalog', () => {
  const foreignFile = (): string => {
    const path = join(tempDir(), 'other-app.db');
    const db = new Database(path);
    db.exec("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts (name) VALUES ('alice')");
    db.close();
    return path;
  };
  const tables = (path: string): string[] => {
    const db = new Database(path, {readonly: true});
    try {
      return db.prepare<[], {name: string}>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    } finally {
      db.close();
    }
  };

  it('stamps a new catalog with bonnie\'s application id', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    const db = new Database(path, {readonly: true});
    expect(db.pragma('application_id', {simple: true})).toBe(CATALOG_APPLICATION_ID);
    db.close();
  });

  it.each([
    ['a writer', {}],
    ['a reader', {readOnly: true}],
    ['init', {create: true}],
  ])('refuses another application\'s SQLite file (%s) and leaves it byte for byte', (_who, options) => {
    const path = foreignFile();
    const before = readFileSync(path);
    const error = refusal(() => openCatalog(path, options));
    expect(error).toMatchObject({code: 'CatalogForeign', exit: 4});
    expect(error.message).toContain('not a bonnie catalog');
    expect(error.hint).toContain('bonnie init');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(tables(path)).toEqual(['contacts']);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuses a database stamped by another application, even with a schema_migration table', () => {
    const path = join(tempDir(), 'x.db');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migration (version INTEGER)');
    db.pragma('application_id = 1234');
    db.close();
    expect(refusal(() => openCatalog(path))).toMatchObject({code: 'CatalogForeign', message: expect.stringContaining('application id 1234')});
  });

  it('refuses an empty file but for init', () => {
    const path = join(tempDir(), 'empty.db');
    writeFileSync(path, '');
    expect(refusal(() => openCatalog(path))).toMatchObject({code: 'CatalogForeign', message: expect.stringContaining('an empty database')});
    expect(statSync(path).size).toBe(0);
    const catalog = openCatalog(path, {create: true});
    expect(catalog.schemaVersion).toBe(CATALOG_SCHEMA.latest);
    catalog.close();
  });

  it('accepts a catalog made before application ids (id 0, bonnie\'s tables); a writer stamps it, a reader does not', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    const raw = new Database(path);
    raw.pragma('application_id = 0');
    raw.close();
    openCatalog(path, {readOnly: true}).close();
    const read = new Database(path, {readonly: true});
    expect(read.pragma('application_id', {simple: true})).toBe(0);
    read.close();
    openCatalog(path).close();
    const written = new Database(path, {readonly: true});
    expect(written.pragma('application_id', {simple: true})).toBe(CATALOG_APPLICATION_ID);
    written.close();
  });

  it('says a file that is not SQLite at all is not a database, with a hint naming the path settings', () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'these are not the pages you are looking for\n'.repeat(200));
    const before = readFileSync(path);
    const error = refusal(() => openCatalog(path));
    expect(error).toMatchObject({code: 'CatalogUnavailable', exit: 4});
    expect(error.hint).toContain('BONNIE_CATALOG');
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('openCatalog: readers that may not write the folder', () => {
  it('a writer leaves the -wal and -shm files a read-only opener needs when it closes', () => {
    const path = join(tempDir(), 'catalog.db');
    openCatalog(path, {create: true}).close();
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(existsSync(`${path}-shm`)).toBe(true);
    const writer = openCatalog(path);
    writer.db.prepare("INSERT INTO spill_drained (name, drained_at) VALUES ('x', 1)").run();
    writer.close();
    expect(existsSync(`${path}-wal`)).toBe(true);
    // What was committed is read back by a later opener: the WAL left behind is the catalog's.
    const reader = openCatalog(path, {readOnly: true});
    expect(reader.db.prepare('SELECT name FROM spill_drained').all()).toEqual([{name: 'x'}]);
    reader.close();
    expect(existsSync(`${path}-wal`)).toBe(true);
    // The writer copied its WAL into the catalog file when it closed: a copy of that file alone has the row.
    const copy = join(tempDir(), 'copy.db');
    copyFileSync(path, copy);
    const alone = new Database(copy, {readonly: true});
    expect(alone.prepare('SELECT name FROM spill_drained').all()).toEqual([{name: 'x'}]);
    alone.close();
  });
});
