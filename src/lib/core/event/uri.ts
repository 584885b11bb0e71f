/**
 * Cyrus event URIs: `imap://<server>/<name>;UIDVALIDITY=<n>[/;UID=<u>]`, an RFC 5092 IMAP URL written by
 * lib/imapurl.c `imapurl_toURL`. The name is UTF-8, percent-encoded (RFC 3986 section 2.1); Cyrus escapes
 * `@`, `^`, `;`, `%`, blanks and non-ASCII, but not the `/` separator. Login/Logout carry no name at all.
 */

import {parseMailboxName} from './mailbox-name.js';
import type {MailboxRef} from './types.js';

/** Result of {@link parseMailboxUri}: `mailbox` is undefined for a URI without a mailbox part. */
export type MailboxUriResult =
  | {ok: true; mailbox: MailboxRef | undefined; uid: number | undefined}
  | {ok: false; error: string};

/** Options for {@link parseMailboxUri}. */
export interface MailboxUriOptions {
  /** The server's hierarchy separator, when known (`unixhierarchysep: yes` is `/`); guessed otherwise. */
  separator?: '.' | '/';
}

const SCHEME = 'imap://';
const MAX_NUMBER = 4_294_967_295;

/**
 * Parses a Cyrus event URI. Never throws: a wrong scheme, an invalid percent-encoding (RFC 3986) or a
 * malformed `;UIDVALIDITY=` / `;UID=` (RFC 5092 section 6: non-zero 32-bit numbers) come back as errors.
 */
export function parseMailboxUri(uri: string, options: MailboxUriOptions = {}): MailboxUriResult {
  if (uri.slice(0, SCHEME.length).toLowerCase() !== SCHEME) {
    return fail(uri, 'not an imap:// URL');
  }
  const rest = uri.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  // RFC 5092 iserver = [iuserinfo "@"] host [":" port]; Cyrus sends no userinfo, drop it if present.
  const server = authority.slice(authority.lastIndexOf('@') + 1);
  if (server === '') return fail(uri, 'no server');

  const tail = slash < 0 ? '' : rest.slice(slash + 1);
  const semicolon = tail.indexOf(';');
  let encodedName = semicolon < 0 ? tail : tail.slice(0, semicolon);
  if (encodedName.endsWith('/')) encodedName = encodedName.slice(0, -1);

  let uidValidity: number | undefined;
  let uid: number | undefined;
  if (semicolon >= 0) {
    for (const raw of tail.slice(semicolon + 1).split(';')) {
      const param = raw.endsWith('/') ? raw.slice(0, -1) : raw;
      const equals = param.indexOf('=');
      const key = (equals < 0 ? param : param.slice(0, equals)).toUpperCase();
      const value = equals < 0 ? '' : param.slice(equals + 1);
      if (key !== 'UIDVALIDITY' && key !== 'UID') return fail(uri, `unexpected parameter ";${param}"`);
      const number = parseNzNumber(value);
      if (number === undefined) return fail(uri, `${key}=${value} is not a valid number`);
      if (key === 'UID') uid = number;
      else uidValidity = number;
    }
  }

  if (encodedName === '') {
    return uidValidity === undefined ? {ok: true, mailbox: undefined, uid} : fail(uri, 'UIDVALIDITY without a mailbox');
  }
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    // decodeURIComponent rejects both a malformed %XX and bytes that are not UTF-8.
    return fail(uri, 'invalid percent-encoding (RFC 3986) or not UTF-8');
  }

  const parts = parseMailboxName(name, options.separator);
  const mailbox: MailboxRef = {
    name,
    separator: parts.separator,
    owner: parts.owner,
    domain: parts.domain,
    path: parts.path,
    isInbox: parts.isInbox,
    server,
    uidValidity,
  };
  if (parts.deletedAt !== undefined) mailbox.deletedAt = parts.deletedAt;
  return {ok: true, mailbox, uid};
}

/** RFC 5092 / RFC 3501 nz-number: 1 to 2^32-1, no leading zero. */
function parseNzNumber(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value > MAX_NUMBER ? undefined : value;
}

function fail(uri: string, reason: string): MailboxUriResult {
  const shown = uri.length > 120 ? `${uri.slice(0, 117)}...` : uri;
  return {ok: false, error: `invalid URI "${shown}": ${reason}`};
}
