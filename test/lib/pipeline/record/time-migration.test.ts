/**
 * Migration 13: a catalog whose record was written with ISO 8601 text times (every bonnie before it) is
 * upgraded in place to milliseconds since the epoch, the same instants, indexes included, and the record
 * written afterwards reads back the same way.
 */
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {useSchema, type Schema} from '../../../../src/lib/base/catalog/migrations.js';
import {CATALOG_SCHEMA} from '../../../../src/lib/cli/schema.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

afterEach(() => useSchema(CATALOG_SCHEMA));

function upTo(version: number): Schema {
  return {migrations: CATALOG_SCHEMA.migrations.filter((m) => m.version <= version), latest: version};
}

describe('record times, migration 13', () => {
  it('turns every ISO 8601 time of a released catalog into the same instant in ms, nulls kept, indexes rebuilt', () => {
    const path = join(tempDir(), 'catalog.db');
    useSchema(upTo(12));
    const old = openCatalog(path, {create: true});
    const db = old.db;
    db.prepare("INSERT INTO notification (sha256, raw, received_at, source, event_type, last_delivered_at) VALUES (randomblob(32), x'7b7d', 1, 'stdin', 'Login', 1)").run();
    db.prepare("INSERT INTO person (id, key, first_seen) VALUES (1, 'login:alice', '2026-11-22T11:53:59.610Z')").run();
    db.prepare(
      "INSERT INTO person_version (person_id, login, aliases, groups, valid_from, valid_to, notification_id) VALUES (1, 'alice', '[]', '[]', '2026-11-22T11:53:59.610Z', '2026-11-22T12:54:15.901+01:00', 1)",
    ).run();
    db.prepare(
      "INSERT INTO session (session_id, person_id, login, login_at, logout_at, first_event_at, last_event_at, events) VALUES ('s1', 1, 'alice', '2026-11-22T11:53:59.610Z', NULL, '2026-11-22T11:53:59.610Z', '2026-11-22t11:54:00.5z', 2)",
    ).run();
    db.prepare("INSERT INTO folder (mailbox_id, created_at, deleted_at) VALUES ('m1', '2026-11-22T11:53:57.598Z', NULL)").run();
    db.prepare("INSERT INTO folder_version (mailbox_id, name, change, valid_from, valid_to, notification_id) VALUES ('m1', 'user.alice', 'created', '2026-11-22T11:53:57.598Z', NULL, 1)").run();
    db.prepare("INSERT INTO message (id, email_id, first_seen_at, first_notification_id) VALUES (1, 'M1', '2026-11-22T11:54:03.725Z', 1)").run();
    db.prepare("INSERT INTO placement (mailbox_id, uid_validity, uid, message, origin, added_at, added_notification, removed_at, removal) VALUES ('m1', 7, 1, 1, 'delivered', '2026-11-22T11:54:03.725Z', 1, '2026-11-22T11:54:11.366Z', 'expunged')").run();
    db.prepare("INSERT INTO change (notification_id, at, actor_person_id, actor_login, kind, action) VALUES (1, '2026-11-22T11:54:11.366Z', 1, 'alice', 'session', 'login')").run();
    old.close();

    useSchema(CATALOG_SCHEMA);
    const catalog = openCatalog(path);
    const one = <T>(sql: string) => catalog.db.prepare(sql).get() as T;
    const ms = (iso: string) => Date.parse(iso);
    expect(one('SELECT first_seen FROM person')).toEqual({first_seen: ms('2026-11-22T11:53:59.610Z')});
    expect(one('SELECT valid_from, valid_to FROM person_version')).toEqual({valid_from: ms('2026-11-22T11:53:59.610Z'), valid_to: ms('2026-11-22T11:54:15.901Z')});
    expect(one('SELECT login_at, logout_at, first_event_at, last_event_at FROM session')).toEqual({
      login_at: ms('2026-11-22T11:53:59.610Z'),
      logout_at: null,
      first_event_at: ms('2026-11-22T11:53:59.610Z'),
      last_event_at: ms('2026-11-22T11:54:00.500Z'),
    });
    expect(one('SELECT created_at, deleted_at FROM folder')).toEqual({created_at: ms('2026-11-22T11:53:57.598Z'), deleted_at: null});
    expect(one('SELECT valid_from, valid_to FROM folder_version')).toEqual({valid_from: ms('2026-11-22T11:53:57.598Z'), valid_to: null});
    expect(one('SELECT first_seen_at FROM message')).toEqual({first_seen_at: ms('2026-11-22T11:54:03.725Z')});
    expect(one('SELECT added_at, removed_at FROM placement')).toEqual({added_at: ms('2026-11-22T11:54:03.725Z'), removed_at: ms('2026-11-22T11:54:11.366Z')});
    expect(one('SELECT at FROM change')).toEqual({at: ms('2026-11-22T11:54:11.366Z')});
    // Integers now, in STRICT tables: text is refused.
    expect(() => catalog.db.prepare("UPDATE change SET at = '2026-11-22T11:54:11.366Z'").run()).toThrow(/cannot store TEXT value in INTEGER column change.at/);
    const indexes = catalog.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('person_version_current', 'session_by_person', 'session_open', 'change_by_actor') ORDER BY name").all();
    expect(indexes).toEqual([{name: 'change_by_actor'}, {name: 'person_version_current'}, {name: 'session_by_person'}, {name: 'session_open'}]);
    expect(catalog.db.pragma('foreign_key_check')).toEqual([]);
    catalog.close();
  });
});
