/**
 * THE folder reference: how bonnie names a folder between modules. A folder is known by its name, always in
 * the admin form events use (`user.alice`, `user.alice.Sent`, `user.alice@example.com`; `user/alice/Sent`
 * under unixhierarchysep), and, when known, Cyrus' mailboxID (stable across renames, RFC 8474) and the
 * UIDVALIDITY its UIDs belong to (RFC 3501 2.3.1.1).
 */

/** A folder: its name, and what identifies it when known. */
export interface FolderRef {
  /** Admin form of the name. */
  name: string;
  /** Cyrus' mailboxID, when known (the spool and events give it; IMAP learns it on SELECT). */
  mailboxId?: string;
  /** The UIDVALIDITY its UIDs were seen under; 0 or absent when not known. */
  uidValidity?: number;
}

/** The admin form of an internal name: `example.com!user.alice` -> `user.alice@example.com`. */
export function adminName(internal: string): string {
  const bang = internal.indexOf('!');
  return bang > 0 ? `${internal.slice(bang + 1)}@${internal.slice(0, bang)}` : internal;
}

/**
 * Whether two admin names name the same folder: equal, or `user/alice/Sent` given for `user.alice.Sent`
 * (a name typed with the other hierarchy separator, when it holds no dot of its own).
 */
export function sameFolderName(actual: string, given: string): boolean {
  if (actual === given) return true;
  return !actual.includes('/') && given.includes('/') && !given.includes('.') && actual === given.replaceAll('/', '.');
}
