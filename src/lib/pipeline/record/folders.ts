/**
 * Folders by Cyrus' mailboxID (stable across renames), with a version per name and ACL: created,
 * renamed, ACL changed, deleted. The ACL as it stood at any time is the version valid then.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {AclEntry, MailboxRef} from '../../core/event/types.js';

export type FolderChange = 'created' | 'first-seen' | 'renamed' | 'acl' | 'deleted';

/** A folder below a renamed or deleted one, which Cyrus moved or deleted with it without an event of its own. */
export interface Descendant {
  mailboxId: string;
  /** Its name before the parent's change. */
  before: string;
  /** Its name after a rename (the same as `before` for a deletion). */
  after: string;
}

export interface FolderVersion {
  id: number;
  name: string;
  uidValidity: number | null;
  acl: AclEntry[] | null;
}

interface VersionRow {
  id: number;
  name: string;
  uid_validity: number | null;
  acl: string | null;
  change: FolderChange;
  valid_from: number;
}

/** A current version as {@link Folders} keeps it between events: parsed once, never handed out to be changed. */
interface CurrentVersion extends FolderVersion {
  change: FolderChange;
  validFrom: number;
}

export class Folders {
  private readonly insertFolder;
  private readonly setCreated;
  private readonly setDeleted;
  private readonly currentVersion;
  private readonly closeVersion;
  private readonly insertVersion;
  private readonly byName;
  private readonly namedUnder;
  private readonly setOwner;
  private readonly everNamed;
  /**
   * Current versions by mailboxID (null: none), as read or written since {@link forget}: nearly every
   * event names a folder, few change it. Only this class writes folder_version, so the map stays true
   * until a rollback, after which the caller must call forget.
   */
  private readonly currents = new Map<string, CurrentVersion | null>();
  /** MailboxIDs whose folder row exists (since {@link forget}). */
  private readonly rows = new Set<string>();

  constructor(db: Db) {
    this.insertFolder = db.prepare<{id: string; owner: string | null; person: number | null}>(
      'INSERT INTO folder (mailbox_id, owner_login, owner_person_id) VALUES (@id, @owner, @person) ON CONFLICT (mailbox_id) DO NOTHING',
    );
    this.setCreated = db.prepare<[number, string]>('UPDATE folder SET created_at = ?, deleted_at = NULL WHERE mailbox_id = ?');
    this.setDeleted = db.prepare<[number, string]>('UPDATE folder SET deleted_at = ? WHERE mailbox_id = ?');
    this.currentVersion = db.prepare<[string], VersionRow>('SELECT id, name, uid_validity, acl, change, valid_from FROM folder_version WHERE mailbox_id = ? AND valid_to IS NULL');
    this.closeVersion = db.prepare<[number, number]>('UPDATE folder_version SET valid_to = ? WHERE id = ?');
    this.insertVersion = db.prepare<{id: string; name: string; uidValidity: number | null; acl: string | null; change: FolderChange; at: number; nid: number}>(
      `INSERT INTO folder_version (mailbox_id, name, uid_validity, acl, change, valid_from, notification_id)
       VALUES (@id, @name, @uidValidity, @acl, @change, @at, @nid)`,
    );
    this.byName = db.prepare<[string], {mailbox_id: string; uid_validity: number | null}>(
      "SELECT mailbox_id, uid_validity FROM folder_version WHERE name = ? AND valid_to IS NULL AND change != 'deleted' ORDER BY id DESC LIMIT 1",
    );
    // A range on the name index: every current name that starts with `@low` (the parent's name and its
    // separator) is below `@high` (the same with the separator's next character).
    this.namedUnder = db.prepare<{low: string; high: string}, {mailbox_id: string; name: string}>(
      "SELECT mailbox_id, name FROM folder_version WHERE name > @low AND name < @high AND valid_to IS NULL AND change != 'deleted' ORDER BY name, id",
    );
    this.everNamed = db.prepare<[string, string], {n: number}>('SELECT 1 AS n FROM folder_version WHERE mailbox_id = ? AND name = ? LIMIT 1');
    this.setOwner = db.prepare<{id: string; owner: string; person: number}>('UPDATE folder SET owner_login = @owner, owner_person_id = @person WHERE mailbox_id = @id');
  }

  /**
   * Drops what this repository remembers of the record (current versions, known folders): after a
   * rollback (a failed event's savepoint, a failed batch) it may describe rows that are gone.
   */
  forget(): void {
    this.currents.clear();
    this.rows.clear();
  }

  /** The folder's current version, if it is known. */
  current(mailboxId: string): FolderVersion | undefined {
    const version = this.currentOf(mailboxId);
    return version === undefined ? undefined : {id: version.id, name: version.name, uidValidity: version.uidValidity, acl: version.acl};
  }

  private currentOf(mailboxId: string): CurrentVersion | undefined {
    let version = this.currents.get(mailboxId);
    if (version === undefined) {
      const row = this.currentVersion.get(mailboxId);
      version = row === undefined ? null : {id: row.id, name: row.name, uidValidity: row.uid_validity, acl: parseAcl(row.acl), change: row.change, validFrom: row.valid_from};
      this.currents.set(mailboxId, version);
      if (version !== null) this.rows.add(mailboxId); // a version names its folder's row (foreign key)
    }
    return version ?? undefined;
  }

  /** The folder's row, made when missing (ON CONFLICT DO NOTHING: an existing row keeps its owner). */
  private ensureRow(mailboxId: string, owner: {login: string; personId: number} | undefined): void {
    if (this.rows.has(mailboxId)) return;
    this.insertFolder.run({id: mailboxId, owner: owner?.login ?? null, person: owner?.personId ?? null});
    this.rows.add(mailboxId);
  }

  /** The folder currently called `name` (a copy's or move's source is named by URL, not by id). */
  findByName(name: string): {mailboxId: string; uidValidity: number | null} | undefined {
    const row = this.byName.get(name);
    return row === undefined ? undefined : {mailboxId: row.mailbox_id, uidValidity: row.uid_validity};
  }

  /**
   * Makes sure the folder is known, and records a new version when the event shows another ACL than
   * the current one (every mailbox and message event carries the ACL). Returns the version before.
   *
   * With `trustName`, an event that names the folder otherwise than the record, later than its current
   * version, by a name it never had, is a rename the record missed: the folder was below a renamed one
   * before bonnie knew it (Cyrus sent nothing for it), or the MailboxRename was lost (too large, or
   * dropped). The new name is recorded then, as a rename without an actor. A name the folder had before
   * is not followed back: that is an event from before the rename arriving late. Not for MailboxModseq,
   * which Cyrus sends for a renamed folder's children under their old names.
   */
  observe(
    mailboxId: string,
    mailbox: MailboxRef,
    acl: AclEntry[] | undefined,
    owner: {login: string; personId: number} | undefined,
    at: number,
    nid: number,
    options: {trustName?: boolean} = {},
  ): FolderVersion | undefined {
    this.ensureRow(mailboxId, owner);
    const row = this.currentOf(mailboxId);
    if (row === undefined) {
      this.open(mailboxId, mailbox.name, mailbox.uidValidity ?? null, acl, 'first-seen', at, nid);
      return undefined;
    }
    const before = this.current(mailboxId) as FolderVersion;
    const newAcl = acl !== undefined && JSON.stringify(acl) !== JSON.stringify(before.acl);
    const missedRename =
      options.trustName === true &&
      mailbox.name !== row.name &&
      mailbox.deletedAt === undefined &&
      row.change !== 'deleted' &&
      at > row.validFrom &&
      this.everNamed.get(mailboxId, mailbox.name) === undefined;
    if (newAcl || missedRename) {
      this.close(mailboxId, before.id, at);
      this.open(mailboxId, missedRename ? mailbox.name : before.name, before.uidValidity ?? mailbox.uidValidity ?? null, newAcl ? acl : before.acl, missedRename ? 'renamed' : 'acl', at, nid);
    }
    return before;
  }

  created(mailboxId: string, mailbox: MailboxRef, acl: AclEntry[] | undefined, owner: {login: string; personId: number} | undefined, at: number, nid: number): void {
    this.ensureRow(mailboxId, owner);
    this.setCreated.run(at, mailboxId);
    const before = this.current(mailboxId);
    if (before !== undefined) this.close(mailboxId, before.id, at);
    this.open(mailboxId, mailbox.name, mailbox.uidValidity ?? null, acl, 'created', at, nid);
  }

  /**
   * Records the new name (`from`: the name before, as the event gives it); returns the name before
   * (undefined when the folder was unknown). A rename into
   * another user's hierarchy (`user.a` -> `user.b`, allowusermoves) gives the folder that user as owner.
   */
  renamed(
    mailboxId: string,
    mailbox: MailboxRef,
    from: MailboxRef | undefined,
    acl: AclEntry[] | undefined,
    owner: {login: string; personId: number} | undefined,
    at: number,
    nid: number,
  ): string | undefined {
    // A folder first seen by its rename (older than bonnie) has no row yet: its versions need one.
    this.ensureRow(mailboxId, owner);
    let before = this.current(mailboxId);
    if (before === undefined && from !== undefined) {
      // Its history starts with the name it had, so that the rename reads `from -> to`.
      this.open(mailboxId, from.name, from.uidValidity ?? mailbox.uidValidity ?? null, acl, 'first-seen', at, nid);
      before = this.current(mailboxId);
    }
    if (before !== undefined) this.close(mailboxId, before.id, at);
    this.open(mailboxId, mailbox.name, mailbox.uidValidity ?? before?.uidValidity ?? null, acl ?? before?.acl ?? undefined, 'renamed', at, nid);
    if (owner !== undefined) this.setOwner.run({id: mailboxId, owner: owner.login, person: owner.personId});
    return before?.name;
  }

  /**
   * Renames every folder below `from` to the same place below `to`. Cyrus 3.6 renames a folder's whole
   * subtree but sends one MailboxRename, for the folder named in the command (its children only get a
   * MailboxModseq, under their old names): each descendant gets a version of its own at the same instant.
   * Returns them, nearest first.
   */
  renamedBelow(from: MailboxRef, to: MailboxRef, owner: {login: string; personId: number} | undefined, at: number, nid: number): Descendant[] {
    const target = splitDomain(to);
    const moved = this.below(from).map(({mailboxId, before, rest}) => ({mailboxId, before, after: `${target.base}${to.separator}${rest}${target.suffix}`}));
    for (const folder of moved) {
      const version = this.current(folder.mailboxId) as FolderVersion;
      this.close(folder.mailboxId, version.id, at);
      this.open(folder.mailboxId, folder.after, version.uidValidity, version.acl, 'renamed', at, nid);
      if (owner !== undefined) this.setOwner.run({id: folder.mailboxId, owner: owner.login, person: owner.personId});
    }
    return moved;
  }

  deleted(mailboxId: string, at: number, nid: number): void {
    const before = this.current(mailboxId);
    this.setDeleted.run(at, mailboxId);
    if (before === undefined) return;
    this.close(mailboxId, before.id, at);
    this.open(mailboxId, before.name, before.uidValidity, before.acl ?? undefined, 'deleted', at, nid);
  }

  /**
   * Deletes every folder below `parent`. Cyrus refuses to DELETE a folder that has children, except a
   * user's INBOX deleted by an admin: then the whole `user.x.*` tree goes (to `DELETED.user.x...` under
   * delete_mode: delayed) with one MailboxDelete, for `user.x`. Returns them, nearest first.
   */
  deletedBelow(parent: MailboxRef, at: number, nid: number): Descendant[] {
    const gone = this.below(parent).map(({mailboxId, before}) => ({mailboxId, before, after: before}));
    for (const folder of gone) this.deleted(folder.mailboxId, at, nid);
    return gone;
  }

  /** The known, not deleted folders whose current name is below `parent`'s, with the part after it. */
  private below(parent: MailboxRef): Array<{mailboxId: string; before: string; rest: string}> {
    const {base, suffix} = splitDomain(parent);
    const low = `${base}${parent.separator}`;
    const high = `${base}${String.fromCharCode(parent.separator.charCodeAt(0) + 1)}`;
    return this.namedUnder
      .all({low, high})
      .filter((row) => row.name.endsWith(suffix) && row.name.length > low.length + suffix.length)
      .map((row) => ({mailboxId: row.mailbox_id, before: row.name, rest: row.name.slice(low.length, row.name.length - suffix.length)}));
  }

  private close(mailboxId: string, versionId: number, at: number): void {
    this.currents.delete(mailboxId);
    this.closeVersion.run(at, versionId);
  }

  private open(mailboxId: string, name: string, uidValidity: number | null, acl: AclEntry[] | undefined | null, change: FolderChange, at: number, nid: number): void {
    const json = acl == null ? null : JSON.stringify(acl);
    this.currents.delete(mailboxId);
    const id = Number(this.insertVersion.run({id: mailboxId, name, uidValidity, acl: json, change, at, nid}).lastInsertRowid);
    // What a read of the row would give (the ACL through JSON, as stored).
    this.currents.set(mailboxId, {id, name, uidValidity, acl: parseAcl(json), change, validFrom: at});
  }
}

function parseAcl(json: string | null): AclEntry[] | null {
  return json === null ? null : (JSON.parse(json) as AclEntry[]);
}

/** One name a folder had, from `valid_from` until `valid_to` (ms since the epoch), and the change that gave it. */
export interface FolderNameRow {
  name: string;
  valid_from: number;
  valid_to: number | null;
  change: string;
}

/** Folders read back (discovery, groupware, the collector): names over time, deletion. Prepared once. */
export class FolderReader {
  private readonly versionsStmt;
  private readonly holdersStmt;
  private readonly namedStmt;
  private readonly deletedAtStmt;

  constructor(db: Db) {
    this.versionsStmt = db.prepare<[string], FolderNameRow>('SELECT name, valid_from, valid_to, change FROM folder_version WHERE mailbox_id = ? ORDER BY id');
    this.holdersStmt = db.prepare<[string], {n: number}>('SELECT count(DISTINCT mailbox_id) AS n FROM folder_version WHERE name = ?');
    this.namedStmt = db.prepare<[string], {mailbox_id: string}>('SELECT DISTINCT mailbox_id FROM folder_version WHERE name = ?');
    this.deletedAtStmt = db.prepare<[string], {deleted_at: number | null}>('SELECT deleted_at FROM folder WHERE mailbox_id = ?');
  }

  /** The folder's names, oldest first; empty for a folder the record does not know. */
  versions(mailboxId: string): FolderNameRow[] {
    return this.versionsStmt.all(mailboxId);
  }

  /** How many folders (mailboxIDs) ever had the name `name`. */
  holders(name: string): number {
    return this.holdersStmt.get(name)?.n ?? 0;
  }

  /** The mailboxIDs of the folders that ever had the name `name`. */
  mailboxIdsNamed(name: string): string[] {
    return this.namedStmt.all(name).map((row) => row.mailbox_id);
  }

  /** When the record saw the folder deleted (ms since the epoch); undefined when it was not, or is unknown. */
  deletedAt(mailboxId: string): number | undefined {
    return this.deletedAtStmt.get(mailboxId)?.deleted_at ?? undefined;
  }
}

/** The folder that bore `name` at `at` (ms) and was not deleted then. */
export function folderNamedAt(db: Db, name: string, at: number): string | undefined {
  return db
    .prepare<[string, number, number], {mailbox_id: string}>(
      "SELECT mailbox_id FROM folder_version WHERE name = ? AND change != 'deleted' AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY valid_from DESC LIMIT 1",
    )
    .get(name, at, at)?.mailbox_id;
}

/** The last folder that took the name `name` at or before `at` (ms), deleted or not. */
export function folderLastNamed(db: Db, name: string, at: number): string | undefined {
  return db.prepare<[string, number], {mailbox_id: string}>('SELECT mailbox_id FROM folder_version WHERE name = ? AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1').get(name, at)?.mailbox_id;
}

/** The mailboxIDs of the folders the record says `login` owns. */
export function foldersOwnedBy(db: Db, login: string): string[] {
  return db.prepare<[string], {mailbox_id: string}>('SELECT mailbox_id FROM folder WHERE owner_login = ?').all(login).map((row) => row.mailbox_id);
}

/**
 * A name without its virtual domain written after it (`user.alice.Work@example.com`: the children are
 * `user.alice.Work.X@example.com`); a domain written before it (`example.com!user.alice`) is part of the base.
 */
function splitDomain(mailbox: MailboxRef): {base: string; suffix: string} {
  const suffix = mailbox.domain === undefined ? '' : `@${mailbox.domain}`;
  return suffix !== '' && mailbox.name.endsWith(suffix) ? {base: mailbox.name.slice(0, -suffix.length), suffix} : {base: mailbox.name, suffix: ''};
}
