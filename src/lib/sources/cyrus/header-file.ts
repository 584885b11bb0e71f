/**
 * A folder's `cyrus.header` (Cyrus 3.x): a fixed magic text, then a dlist naming the folder (`N`, the
 * internal name such as `user.alice.Sent` or `example.com!user.alice`), its unique id (`I`, the
 * mailboxID of events and of the spool path), its ACL (`A`) and the names of its user flags (`U`, in
 * bit order: the index record's user-flag bit n is the n-th name).
 */
import {readFileSync} from 'node:fs';
import {parseDlist} from './dlist.js';

/** MAILBOX_HEADER_MAGIC (imap/mailbox.h), as bytes. */
const MAGIC = Buffer.from('\u00a1\u0002\u008b\rCyrus mailbox header\n"The best thing about this system was that it had lots of goals."\n\t--Jim Morris on Andrew\n', 'latin1');

export interface MailboxHeader {
  /** The internal name (`user.alice.Sent`, `example.com!user.alice`). */
  name: string;
  /** Cyrus' mailboxID (uniqueid). */
  uniqueId: string;
  /** User flag names by bit number. */
  userFlags: string[];
  /** identifier -> rights. */
  acl: Record<string, string>;
}

/** Reads and parses a cyrus.header file. Throws Error naming the file when it is not one. */
export function readMailboxHeader(path: string): MailboxHeader {
  const bytes = readFileSync(path);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path}: not a Cyrus mailbox header (the magic text is missing)`);
  let parsed;
  try {
    parsed = parseDlist(bytes.subarray(MAGIC.length), MAGIC.length);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message} (a header older than Cyrus 3.0 is not supported)`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: the header is not a key-value list`);
  const name = parsed.N;
  const uniqueId = parsed.I;
  if (typeof name !== 'string' || typeof uniqueId !== 'string') throw new Error(`${path}: the header has no name (N) or unique id (I)`);
  // Positions matter (bit n is the n-th name): a slot that is not a name stays, as '', rather than shift the rest.
  const flags = Array.isArray(parsed.U) ? parsed.U.map((f) => (typeof f === 'string' ? f : '')) : [];
  const acl: Record<string, string> = {};
  const rawAcl = parsed.A;
  if (rawAcl !== null && typeof rawAcl === 'object' && !Array.isArray(rawAcl)) {
    for (const [who, rights] of Object.entries(rawAcl)) if (typeof rights === 'string') acl[who] = rights;
  }
  return {name, uniqueId, userFlags: flags, acl};
}
