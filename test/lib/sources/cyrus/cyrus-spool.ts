/**
 * scripts/lib/cyrus-spool.js (plain JavaScript, shared with the demo and the benchmarks) with the types
 * its JSDoc states: TypeScript does not read a .js file's JSDoc here (no allowJs), so the module is
 * imported by URL and given its interface once, in this file.
 */
export interface SpoolMessage {
  uid: number;
  /** The file's bytes; without them (or unlinked) no file is written. */
  bytes?: Buffer;
  flags?: string[];
  /** ms since the epoch (stored as seconds). */
  internalDate?: number;
  modseq?: number;
  expunged?: boolean;
  unlinked?: boolean;
}

export interface SpoolFolder {
  mailboxId: string;
  /** The internal name: user.alice.Sent, example.com!user.dave. */
  name: string;
  uidValidity: number;
  highestModseq?: number;
  acl?: Record<string, string>;
  messages: SpoolMessage[];
}

interface CyrusSpool {
  /** Writes cyrus.header, cyrus.index and the `<UID>.` files; returns the folder's path. */
  writeMailbox(root: string, folder: SpoolFolder): string;
  /** `<root>/uuid/<id[0]>/<id[1]>/<id>`. */
  mailboxFolder(root: string, mailboxId: string): string;
  newMailboxId(random?: () => number): string;
}

const spool = (await import(new URL('../../../../scripts/lib/cyrus-spool.js', import.meta.url).href)) as CyrusSpool;

export const writeMailbox = spool.writeMailbox;
export const mailboxFolder = spool.mailboxFolder;

