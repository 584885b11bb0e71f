/**
 * `vnd.cmu.mailboxACL`: Cyrus' stored ACL string, `subject TAB rights TAB` repeated (with a trailing tab).
 * Rights letters are those of RFC 4314 section 2.1 plus Cyrus' own; they are kept as sent.
 */

import type {AclEntry} from './types.js';

/** Result of {@link parseMailboxAcl}. */
export type AclResult = {ok: true; acl: AclEntry[]} | {ok: false; error: string};

/**
 * Parses a `vnd.cmu.mailboxACL` value into entries, in order. Negative rights keep their leading `-` on
 * the subject (RFC 4314 section 2). Never throws: an unpaired subject or an empty subject is an error.
 */
export function parseMailboxAcl(text: string): AclResult {
  if (text === '') return {ok: true, acl: []};
  const fields = text.split('\t');
  if (fields[fields.length - 1] === '') fields.pop();
  if (fields.length % 2 !== 0) {
    return {ok: false, error: `ACL has a subject without rights: "${shorten(text)}"`};
  }
  const acl: AclEntry[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const subject = fields[i] ?? '';
    if (subject === '') return {ok: false, error: `ACL has an empty subject: "${shorten(text)}"`};
    acl.push({subject, rights: fields[i + 1] ?? ''});
  }
  return {ok: true, acl};
}

function shorten(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return shown.replaceAll('\t', '\\t');
}
