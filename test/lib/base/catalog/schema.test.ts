import {describe, expect, it} from 'vitest';
import {composeSchema, latestSchemaVersion} from '../../../../src/lib/base/catalog/migrations.js';
import {CATALOG_SCHEMA} from '../../../../src/lib/cli/schema.js';

describe('the catalog schema composed from the domains (issue 14)', () => {
  it('numbers every migration once, 1..latest, with the released names', () => {
    expect(CATALOG_SCHEMA.migrations.map((m) => m.version)).toEqual(Array.from({length: CATALOG_SCHEMA.latest}, (_, i) => i + 1));
    expect(latestSchemaVersion()).toBe(CATALOG_SCHEMA.latest);
    // Names already written into schema_migration of released catalogs.
    expect(CATALOG_SCHEMA.migrations[0]?.name).toBe('queue: notifications, jobs, quarantine, spill');
    expect(CATALOG_SCHEMA.migrations[2]?.name).toBe('record: people, sessions, folders, messages, changelog; evidence chain');
    // Version 1 creates the catalog's own table before the queue's.
    const v1 = CATALOG_SCHEMA.migrations[0]?.sql ?? '';
    expect(v1.indexOf('CREATE TABLE schema_migration')).toBeGreaterThanOrEqual(0);
    expect(v1.indexOf('CREATE TABLE schema_migration')).toBeLessThan(v1.indexOf('CREATE TABLE notification'));
  });

  it('refuses a list with a hole, and joins two domains of the same version in the order given', () => {
    expect(() => composeSchema([[{version: 1, name: 'a', sql: 'A;'}], [{version: 3, name: 'c', sql: 'C;'}]])).toThrow(/migration 2 is missing/);
    const joined = composeSchema([[{version: 1, name: 'a', sql: 'A;'}], [{version: 1, name: 'b', sql: 'B;'}, {version: 2, name: 'c', sql: 'C;'}]]);
    expect(joined.migrations).toEqual([{version: 1, name: 'a; b', sql: 'A;B;'}, {version: 2, name: 'c', sql: 'C;'}]);
    expect(joined.latest).toBe(2);
  });
});
