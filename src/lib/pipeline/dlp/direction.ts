/**
 * Which way a message goes, for the content rules' `direction` scope, and which ACL subjects are outside
 * the organisation, both from `local_domains` (issue 15, 1 and 3).
 *
 * - in: delivered (LMTP, MessageNew).
 * - out: appended (IMAP APPEND, MessageAppend) to a Sent folder (`Sent`, `Sent Items`, `Sent/2026`: the
 *   folder's path starts with "Sent", any case) with at least one recipient (To, Cc, Bcc) outside
 *   local_domains. Without local_domains every APPEND counts as out (bonnie cannot tell inside from outside).
 * - null (neither): with local_domains, any other APPEND (a draft, an import, mail sent only inside): a rule
 *   scoped to a direction does not apply to it, a rule without one does.
 *
 * A domain is local when it is one of local_domains or a subdomain of one (`example.org` covers
 * `mail.example.org`); names are compared without regard to case.
 */
import {readHeader} from '../../core/mail/headers.js';
import type {Direction} from './rules.js';

/** An address in a header field or an ACL subject: local part, @, domain. */
const ADDRESS = /[^\s<>,;:"()[\]@]+@([A-Za-z0-9.-]+)/g;

/** Whether `domain` is one of `localDomains` or under one. */
export function isLocalDomain(domain: string, localDomains: readonly string[]): boolean {
  const name = domain.toLowerCase().replace(/\.$/, '');
  return localDomains.some((d) => {
    const local = d.toLowerCase().replace(/^\.|\.$/g, '');
    return name === local || name.endsWith(`.${local}`);
  });
}

/** The domains of the recipients (To, Cc, Bcc) of a message, lowercased, each once. */
export function recipientDomains(bytes: Uint8Array): string[] {
  const header = readHeader(bytes);
  const domains = new Set<string>();
  for (const field of ['to', 'cc', 'bcc']) {
    for (const value of header.getAll(field)) for (const match of value.matchAll(ADDRESS)) domains.add((match[1] as string).toLowerCase());
  }
  return [...domains];
}

/** Whether a folder path (as its owner sees it, `/`-separated) is a Sent folder. */
export function isSentFolder(path: string): boolean {
  return /^sent/i.test(path);
}

/** The direction of an APPEND to `folderPath` of `bytes` (see the module comment). */
export function appendDirection(folderPath: string, bytes: Uint8Array, localDomains: readonly string[]): Direction | null {
  if (localDomains.length === 0) return 'out';
  if (!isSentFolder(folderPath)) return null;
  return recipientDomains(bytes).some((d) => !isLocalDomain(d, localDomains)) ? 'out' : null;
}

/**
 * Whether an ACL subject is someone outside: an identifier with a domain (`bob@partner.example`) not in
 * local_domains. Bare logins (`bob`) are local users of a single-domain server. False without local_domains.
 */
export function isOutsideSubject(subject: string, localDomains: readonly string[]): boolean {
  if (localDomains.length === 0) return false;
  const at = subject.lastIndexOf('@');
  return at > 0 && at < subject.length - 1 && !isLocalDomain(subject.slice(at + 1), localDomains);
}
