/**
 * People: the acting user and the mailbox owner of each event, by persistent id. A person gets a new
 * version when what the directory says about them changes (a renamed login or address keeps the person).
 */
import type {Db} from '../../base/catalog/catalog.js';
import {canonicalLogin, type DirectoryPerson} from '../../sources/directory/types.js';

interface VersionRow {
  id: number;
  login: string;
  uid: string | null;
  mail: string | null;
  cn: string | null;
  dn: string | null;
  aliases: string;
  groups: string;
}

export class People {
  private readonly byKey;
  private readonly insertPerson;
  private readonly current;
  private readonly closeVersion;
  private readonly insertVersion;
  /** person id by login and attributes, for repeated lookups until {@link forget}. */
  private readonly memo = new Map<string, number>();
  /**
   * The last answer by login, with the directory entry it was for. Every event of a batch gets the same
   * entry object for a login (looked up once per batch, never changed), so the same object means the same
   * attributes: the answer holds without building the memo's key.
   */
  private readonly last = new Map<string, {person: DirectoryPerson | undefined; id: number}>();

  constructor(db: Db) {
    this.byKey = db.prepare<[string], {id: number}>('SELECT id FROM person WHERE key = ?');
    this.insertPerson = db.prepare<[string, number], {id: number}>('INSERT INTO person (key, first_seen) VALUES (?, ?) RETURNING id');
    this.current = db.prepare<[number], VersionRow>('SELECT id, login, uid, mail, cn, dn, aliases, groups FROM person_version WHERE person_id = ? AND valid_to IS NULL');
    this.closeVersion = db.prepare<[number, number]>('UPDATE person_version SET valid_to = ? WHERE id = ?');
    this.insertVersion = db.prepare<[number, string, string | null, string | null, string | null, string | null, string, string, number, number]>(
      'INSERT INTO person_version (person_id, login, uid, mail, cn, dn, aliases, groups, valid_from, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Drops the remembered ids: after a rollback they may name people that are gone. */
  forget(): void {
    this.memo.clear();
    this.last.clear();
  }

  /**
   * The person behind `login` as the directory described them (`person`; undefined when the directory
   * does not know the login: identified by the login then). Records a new version when they changed.
   */
  identify(login: string, person: DirectoryPerson | undefined, at: number, notificationId: number): number {
    const canonical = canonicalLogin(login);
    const last = this.last.get(canonical);
    if (last !== undefined && last.person === person) return last.id;
    const id = this.identifyAnew(canonical, person, at, notificationId);
    this.last.set(canonical, {person, id});
    return id;
  }

  private identifyAnew(canonical: string, person: DirectoryPerson | undefined, at: number, notificationId: number): number {
    const key = person?.id ?? `login:${canonical}`;
    const attributes = {
      login: canonical,
      uid: person?.uid ?? null,
      mail: person?.mail ?? null,
      cn: person?.cn ?? null,
      dn: person?.dn ?? null,
      aliases: JSON.stringify(person?.aliases ?? []),
      groups: JSON.stringify(person?.groups ?? []),
    };
    const memoKey = `${key}\u0000${JSON.stringify(attributes)}`;
    const known = this.memo.get(memoKey);
    if (known !== undefined) return known;

    const id = this.byKey.get(key)?.id ?? (this.insertPerson.get(key, at) as {id: number}).id;
    const version = this.current.get(id);
    const same =
      version !== undefined &&
      version.login === attributes.login &&
      version.uid === attributes.uid &&
      version.mail === attributes.mail &&
      version.cn === attributes.cn &&
      version.dn === attributes.dn &&
      version.aliases === attributes.aliases &&
      version.groups === attributes.groups;
    if (!same) {
      if (version !== undefined) this.closeVersion.run(at, version.id);
      const a = attributes;
      this.insertVersion.run(id, a.login, a.uid, a.mail, a.cn, a.dn, a.aliases, a.groups, at, notificationId);
    }
    this.memo.set(memoKey, id);
    return id;
  }
}

// Reading people back (discovery: `bonnie history --user`, `bonnie audit`). Prepared per call: each runs
// a handful of times per command.

/** `[id]` when person `id` exists, else `[]`. */
export function personIdsById(db: Db, id: number): number[] {
  return db.prepare<[number], {id: number}>('SELECT id FROM person WHERE id = ?').all(id).map((row) => row.id);
}

/** The person whose persistent key is `key`. */
export function personIdByKey(db: Db, key: string): number | undefined {
  return db.prepare<[string], {id: number}>('SELECT id FROM person WHERE key = ?').get(key)?.id;
}

/** People any version of whom had `canonical` (a canonical login) as login, uid, mail or alias. */
export function personIdsByName(db: Db, canonical: string): number[] {
  return db
    .prepare<{name: string}, {person_id: number}>(
      `SELECT DISTINCT person_id FROM person_version
       WHERE login = @name OR lower(uid) = @name OR lower(mail) = @name
          OR EXISTS (SELECT 1 FROM json_each(aliases) WHERE lower(json_each.value) = @name)
       ORDER BY person_id`,
    )
    .all({name: canonical})
    .map((row) => row.person_id);
}

/** A person's key, first sighting and login now (of the current version, else the latest). */
export function personSummary(db: Db, id: number): {key: string; first_seen: number; login: string | null} | undefined {
  return db
    .prepare<[number], {key: string; first_seen: number; login: string | null}>(
      `SELECT p.key, p.first_seen, (SELECT v.login FROM person_version v WHERE v.person_id = p.id ORDER BY v.valid_to IS NULL DESC, v.id DESC LIMIT 1) AS login
       FROM person p WHERE p.id = ?`,
    )
    .get(id);
}

/** A person's versions as stored (aliases and groups as JSON arrays), oldest first. */
export function personVersionRows(db: Db, personId: number): Array<Omit<VersionRow, 'id'> & {valid_from: number; valid_to: number | null}> {
  return db
    .prepare<[number], Omit<VersionRow, 'id'> & {valid_from: number; valid_to: number | null}>(
      'SELECT valid_from, valid_to, login, uid, mail, cn, dn, aliases, groups FROM person_version WHERE person_id = ? ORDER BY id',
    )
    .all(personId);
}

/** The groups of the person a login names, in the record's newest version of them (empty when the record does not know the login). */
export function latestGroups(db: Db, login: string): string[] {
  const [personId] = personIdsByName(db, login.toLowerCase());
  const latest = personId === undefined ? undefined : personVersionRows(db, personId).at(-1);
  return latest === undefined ? [] : (JSON.parse(latest.groups) as string[]);
}
