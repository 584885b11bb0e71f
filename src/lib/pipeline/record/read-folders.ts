/**
 * Folders read back by the read models (history, restore, search): a folder's row, its versions, the
 * version valid at an instant, the folders that ever had a name. Times are ms since the epoch, as the record writes
 * them. Statements are prepared once per reader.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {FolderChange} from './folders.js';

/** A folder's row: its owner and when the record saw it created and deleted. */
export interface FolderRow {
  owner_login: string | null;
  created_at: number | null;
  deleted_at: number | null;
}

/** One version of a folder (a name and an ACL, from `valid_from` until `valid_to`). */
export interface FolderVersionRow {
  name: string;
  uid_validity: number | null;
  /** JSON list of ACL entries; null when the event carried none. */
  acl: string | null;
  change: FolderChange;
  valid_from: number;
  valid_to: number | null;
}

/** A folder that had a given name, and when. */
export interface NamedFolder {
  mailbox_id: string;
  /** When it first took the name (ms). */
  first: number;
  /** When it last had it (ms). */
  last: number;
  deleted_at: number | null;
}

const VERSION_COLUMNS = 'name, uid_validity, acl, change, valid_from, valid_to';

export class FolderVersions {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      folder: db.prepare<[string], FolderRow>('SELECT owner_login, created_at, deleted_at FROM folder WHERE mailbox_id = ?'),
      versions: db.prepare<[string], FolderVersionRow>(`SELECT ${VERSION_COLUMNS} FROM folder_version WHERE mailbox_id = ? ORDER BY id`),
      latest: db.prepare<[string], FolderVersionRow>(`SELECT ${VERSION_COLUMNS} FROM folder_version WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1`),
      at: db.prepare<[string, number], FolderVersionRow>(`SELECT ${VERSION_COLUMNS} FROM folder_version WHERE mailbox_id = ? AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1`),
      deletion: db.prepare<[string, number], FolderVersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM folder_version WHERE mailbox_id = ? AND change = 'deleted' AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1`,
      ),
      named: db.prepare<[string], NamedFolder>(
        `SELECT v.mailbox_id, min(v.valid_from) AS first, max(coalesce(v.valid_to, v.valid_from)) AS last, f.deleted_at
         FROM folder_version v JOIN folder f ON f.mailbox_id = v.mailbox_id
         WHERE v.name = ? GROUP BY v.mailbox_id ORDER BY first`,
      ),
    };
  }

  /** The folder's row; undefined for a folder the record does not know. */
  folder(mailboxId: string): FolderRow | undefined {
    return this.s.folder.get(mailboxId);
  }

  /** Every version of the folder, oldest first. */
  versions(mailboxId: string): FolderVersionRow[] {
    return this.s.versions.all(mailboxId);
  }

  /** The folder's newest version (its deletion, if it was deleted). */
  latest(mailboxId: string): FolderVersionRow | undefined {
    return this.s.latest.get(mailboxId);
  }

  /** The version that began last at or before `at`. */
  at(mailboxId: string, at: number): FolderVersionRow | undefined {
    return this.s.at.get(mailboxId, at);
  }

  /** The folder's last deletion at or before `at`, if it was deleted by then. */
  deletionBy(mailboxId: string, at: number): FolderVersionRow | undefined {
    return this.s.deletion.get(mailboxId, at);
  }

  /** The folders that ever had the name `name`, by when they first took it. */
  named(name: string): NamedFolder[] {
    return this.s.named.all(name);
  }
}
