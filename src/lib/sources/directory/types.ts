/**
 * Who a login is: the directory (LDAP) answers with a person whose persistent id survives renames of the
 * login or the address. Without a directory (the embedded default) a person is their canonical login.
 */

/** A person as the directory describes them at lookup time. */
export interface DirectoryPerson {
  /** Persistent id: `entryUUID` (OpenLDAP), `nsuniqueid` (389 DS, Kolab); `login:<canonical login>` without LDAP. */
  id: string;
  /** Distinguished name; undefined without LDAP. */
  dn: string | undefined;
  uid: string | undefined;
  mail: string | undefined;
  /** Other addresses (`alias`, `mailAlternateAddress`), sorted. */
  aliases: string[];
  /** Display name (`cn`). */
  cn: string | undefined;
  /** Groups the person belongs to (their `cn`), sorted. */
  groups: string[];
}

/** Looks people up. Implementations: LDAP (ldapts) and none (canonical login). */
export interface Directory {
  /** Short description for logs and `bonnie status`: `ldap://host:389 (entryUUID)` or `none`. */
  readonly description: string;
  /**
   * Who `login` is (a Cyrus login, `alice` or `alice@example.com`), or undefined when the directory does
   * not know them. Throws BonnieError with code `DirectoryUnavailable` when the directory cannot answer
   * (unreachable, bind refused, timeout): the caller retries later, it never records a guess.
   */
  lookUp(login: string): Promise<DirectoryPerson | undefined>;
  close(): Promise<void>;
}

/** The canonical form of a Cyrus login: lower case, surrounding blanks removed. */
export function canonicalLogin(login: string): string {
  return login.trim().toLowerCase();
}

/** The embedded default: no directory; a person is identified by their canonical login. */
export class NoDirectory implements Directory {
  readonly description = 'none';

  async lookUp(login: string): Promise<DirectoryPerson | undefined> {
    const canonical = canonicalLogin(login);
    return {id: `login:${canonical}`, dn: undefined, uid: canonical, mail: undefined, aliases: [], cn: undefined, groups: []};
  }

  async close(): Promise<void> {}
}
