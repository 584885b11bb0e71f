/**
 * What a Cyrus mailbox name says about its owner. Cyrus puts the admin form of the name in event URIs
 * (mboxevent.c sets `isadmin = 1`, `isalt = 0`; mboxname.c `mbname_extname`):
 * - personal folders: `user.alice`, `user.alice.Archive` (`user/alice/Archive` with unixhierarchysep);
 * - shared folders: anything not under `user` (`shared.Sales`);
 * - virtual domains: the domain goes last, `user.alice.Archive@example.com`; the internal form
 *   `example.com!user.alice.Archive` is accepted as well;
 * - with the `.` separator a literal dot in a name is written `^` (`user.jane^doe` is `jane.doe`);
 * - delayed delete: `DELETED.user.alice.Trash.5F1234AB` (deletedprefix, then a hex Unix time).
 */

import type {MailboxRef} from './types.js';

/** The parts of a {@link MailboxRef} that come from the name alone. */
export type MailboxNameParts = Pick<MailboxRef, 'separator' | 'owner' | 'domain' | 'path' | 'isInbox' | 'deletedAt'>;

/** Cyrus' default `deletedprefix`. */
const DELETED_PREFIX = 'DELETED';

/** A DNS name with at least two labels: tells `user.alice@example.com` from a folder named `a@b`. */
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** The hex timestamp Cyrus appends to a DELETED folder name. */
const HEX_TIME = /^[0-9A-F]{8,16}$/i;

/**
 * Splits a decoded mailbox name into owner, domain and path.
 * @param name the name as the URI carries it, percent-decoded
 * @param separator force the hierarchy separator; by default the first of `/` and `.` in the name (with
 *   `.` a folder may be named `a/b`; with `/`, `a.b`). A name under unixhierarchysep whose first level
 *   contains a dot is ambiguous without this hint.
 */
export function parseMailboxName(name: string, separator?: '.' | '/'): MailboxNameParts {
  let rest = name;
  let domain: string | undefined;

  const bang = rest.indexOf('!');
  if (bang > 0 && DOMAIN.test(rest.slice(0, bang))) {
    domain = rest.slice(0, bang);
    rest = rest.slice(bang + 1);
  } else {
    // Cyrus splits at the last `@` too (mbname_from_extname uses strrchr).
    const at = rest.lastIndexOf('@');
    if (at > 0 && DOMAIN.test(rest.slice(at + 1))) {
      domain = rest.slice(at + 1);
      rest = rest.slice(0, at);
    }
  }

  // Whichever comes first separates: `user/jane.doe/Sent` uses `/`; `user.alice.a/b` uses `.` and has a
  // folder named `a/b` (Cyrus allows `/` in a name when `.` separates).
  const slash = rest.indexOf('/');
  const dot = rest.indexOf('.');
  const sep = separator ?? (slash >= 0 && (dot < 0 || slash < dot) ? '/' : '.');
  let parts = rest.split(sep);
  let deletedAt: number | undefined;
  const last = parts[parts.length - 1];
  if (parts.length >= 3 && parts[0] === DELETED_PREFIX && last !== undefined && HEX_TIME.test(last)) {
    deletedAt = Number.parseInt(last, 16);
    parts = parts.slice(1, -1);
  }

  const unescape = sep === '.' ? unescapeDots : (part: string) => part;
  const localpart = parts[0] === 'user' && parts.length >= 2 ? parts[1] : undefined;
  const result: MailboxNameParts =
    localpart === undefined
      ? {separator: sep, owner: undefined, domain, path: parts.map(unescape), isInbox: false}
      : {
          separator: sep,
          owner: domain === undefined ? unescape(localpart) : `${unescape(localpart)}@${domain}`,
          domain,
          path: parts.slice(2).map(unescape),
          isInbox: parts.length === 2,
        };
  if (deletedAt !== undefined) result.deletedAt = deletedAt;
  return result;
}

/** `^` stands for a literal `.` in names that use `.` as the separator (mboxname.c `_append_extbuf`). */
function unescapeDots(part: string): string {
  return part.includes('^') ? part.replaceAll('^', '.') : part;
}
