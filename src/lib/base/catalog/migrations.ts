/**
 * The catalog's schema: numbered migrations, oldest first. Each domain owns its tables and exports its
 * migrations next to their SQL (e.g. pipeline/queue/schema.ts, QUEUE_MIGRATIONS); src/lib/cli/schema.ts
 * composes them and hands the list to the catalog with useSchema() when a program starts (every command
 * through the base command, the per-event dealer through its entry). So the catalog imports no domain,
 * and the domains import the catalog: one direction.
 *
 * Never edit a released migration: add a new one to the owning domain's list, and add that list to
 * src/lib/cli/schema.ts if it is a new domain.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The catalog's own bookkeeping: created with the first migration, before any domain's tables. */
export const CATALOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'catalog: applied migrations',
    sql: `
CREATE TABLE schema_migration (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL -- ms since the epoch
) STRICT;
`,
  },
];

export interface Schema {
  /** One per version, 1..latest without holes. */
  migrations: readonly Migration[];
  latest: number;
}

/**
 * One list from the domains' lists. Migrations of the same version (released before the domains split
 * them, e.g. version 1: the catalog's table and the queue's) become one, their SQL in the order given, and
 * their names joined with "; " (the catalog's own name gives way: version 1 keeps its released name, the queue's).
 */
export function composeSchema(lists: ReadonlyArray<readonly Migration[]>): Schema {
  const byVersion = new Map<number, Migration>();
  for (const list of lists) {
    for (const migration of list) {
      const seen = byVersion.get(migration.version);
      if (seen === undefined) {
        byVersion.set(migration.version, {...migration});
        continue;
      }
      const name = seen.name === CATALOG_MIGRATIONS[0]?.name ? migration.name : `${seen.name}; ${migration.name}`;
      byVersion.set(migration.version, {version: seen.version, name, sql: seen.sql + migration.sql});
    }
  }
  const migrations = [...byVersion.values()].sort((a, b) => a.version - b.version);
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) throw new Error(`catalog schema: migration ${i + 1} is missing (next is ${migration.version})`);
  });
  return {migrations, latest: migrations.length};
}

let current: Schema | undefined;

/** Sets the schema every catalog opened from now on is checked and migrated against. */
export function useSchema(schema: Schema): void {
  current = schema;
}

/** The schema set by useSchema(). A program that opens a catalog without one is a bug in bonnie. */
export function catalogSchema(): Schema {
  if (current === undefined) throw new Error('bonnie bug: no catalog schema set; the entry point must import src/lib/cli/schema.js');
  return current;
}

/** The newest schema version this bonnie knows. */
export function latestSchemaVersion(): number {
  return catalogSchema().latest;
}
