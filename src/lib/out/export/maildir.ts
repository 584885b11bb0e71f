/**
 * Maildir file names (https://cr.yp.to/proto/maildir.html, and Dovecot's and mutt's reading of it):
 * `<internal date, s>.<uid>_bonnie.<host>:2,<info>` in `cur/`, where the info letters are the IMAP flags
 * the format knows, in ASCII order:
 *
 * | letter | IMAP flag |
 * | --- | --- |
 * | D (draft) | \Draft |
 * | F (flagged) | \Flagged |
 * | P (passed) | $Forwarded (the keyword clients set when they forward, RFC 5788 registry) |
 * | R (replied) | \Answered |
 * | S (seen) | \Seen |
 * | T (trashed) | \Deleted |
 *
 * Other keywords are not put in the name (no dovecot-keywords file is written): the manifest lists every
 * flag of every message. \Recent is a session's, not the message's, and is dropped.
 */
import {hostname} from 'node:os';

/** IMAP flag (lower case) -> Maildir info letter. */
const INFO_LETTERS = new Map<string, string>([
  ['\\draft', 'D'],
  ['\\flagged', 'F'],
  ['$forwarded', 'P'],
  ['\\answered', 'R'],
  ['\\seen', 'S'],
  ['\\deleted', 'T'],
]);

/** The Maildir info letters of `flags`, in ASCII order (IMAP flags compare without case). */
export function maildirInfo(flags: readonly string[]): string {
  const letters = new Set<string>();
  for (const flag of flags) {
    const letter = INFO_LETTERS.get(flag.toLowerCase());
    if (letter !== undefined) letters.add(letter);
  }
  return [...letters].sort().join('');
}

/** The file name (in `cur/`) of message `uid` of internal date `internalDate` (ms) with `flags`. */
export function maildirFileName(uid: number, internalDate: number, flags: readonly string[], host = maildirHost()): string {
  return `${Math.floor(internalDate / 1000)}.${uid}_bonnie.${host}:2,${maildirInfo(flags)}`;
}

/** This host's name as Maildir names carry it: "/" written \057 and ":" written \072, as the format asks. */
export function maildirHost(name = hostname()): string {
  return (name === '' ? 'localhost' : name).replaceAll('/', '\\057').replaceAll(':', '\\072');
}
