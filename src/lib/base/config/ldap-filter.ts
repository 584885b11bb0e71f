/**
 * LDAP search filters built from the configured templates (`ldap_filter`, `ldap_group_filter`).
 *
 * A template is an RFC 4515 filter with placeholders: `%s` the login, `%u` its local part, `%d` its domain
 * (login filter), `%D` the person's DN (group filter), `%%` a percent sign. Every value put in is escaped,
 * so a login like `*` or `a)(uid=*` matches nothing instead of everything.
 *
 * No imports: settings.ts (on the dealer's start-up path) checks templates with this module, and the
 * directory (sources/directory/ldap.ts) expands them: it is configuration's syntax, so it lives in config.
 */

/** Placeholders of `ldap_filter`. */
export const LOGIN_PLACEHOLDERS = ['s', 'u', 'd'] as const;
/** Placeholders of `ldap_group_filter`. */
export const GROUP_PLACEHOLDERS = ['D'] as const;

/** Matches mail, an alias or the uid: OpenLDAP (mailAlternateAddress), Kolab/389 DS (alias), uid logins. */
export const DEFAULT_LOGIN_FILTER = '(|(uid=%u)(mail=%s)(mailAlternateAddress=%s)(alias=%s))';
/** groupOfNames (`member`) and groupOfUniqueNames (`uniqueMember`, Kolab) that list the person's DN. */
export const DEFAULT_GROUP_FILTER = '(|(member=%D)(uniqueMember=%D))';

/**
 * Escapes a value for an RFC 4515 filter: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`,
 * `\00`. Other characters, non-ASCII included, stay as they are: RFC 4515 allows UTF-8 in values, and
 * ldapts decodes each `\XX` to one UTF-16 unit (not one UTF-8 byte), so escaping `é` as `\c3\a9` would
 * send `Ã©`.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The parts of a login a template can use; `domain` is empty when the login has no `@`. */
export interface LoginParts {
  login: string;
  local: string;
  domain: string;
}

/** Splits `alice@example.com` at its last `@` (a domain never contains one). */
export function splitLogin(login: string): LoginParts {
  const at = login.lastIndexOf('@');
  return at < 0 ? {login, local: login, domain: ''} : {login, local: login.slice(0, at), domain: login.slice(at + 1)};
}

/** `ldap_filter` with the login's parts put in, escaped. The template must have passed {@link checkFilterTemplate}. */
export function expandLoginFilter(template: string, login: string): string {
  const parts = splitLogin(login);
  return expand(template, {s: parts.login, u: parts.local, d: parts.domain});
}

/** `ldap_group_filter` with the person's DN put in, escaped. */
export function expandGroupFilter(template: string, dn: string): string {
  return expand(template, {D: dn});
}

function expand(template: string, values: Record<string, string>): string {
  return template.replace(/%(.)/gs, (whole, name: string) => {
    if (name === '%') return '%';
    const value = values[name];
    if (value === undefined) throw new Error(`unknown placeholder ${whole} in filter template ${template}`);
    return escapeFilterValue(value);
  });
}

/**
 * What is wrong with a filter template, or undefined if nothing: it must be one parenthesized filter with
 * balanced parentheses, use only `allowed` placeholders (and `%%`), and at least one of them. A syntax
 * error deeper than parentheses is reported by the directory on first use.
 */
export function checkFilterTemplate(template: string, allowed: readonly string[]): string | undefined {
  const list = allowed.map((p) => `%${p}`).join(', ');
  if (!template.startsWith('(') || !template.endsWith(')')) return 'a filter starts with "(" and ends with ")"';
  let depth = 0;
  let used = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '%') {
      // Never the last character: the template ends with ")".
      const next = template[i + 1] as string;
      if (next !== '%') {
        if (!allowed.includes(next)) return `unknown placeholder "%${next}" (known: ${list}; %% for a percent sign)`;
        used++;
      }
      i++;
    } else if (c === '\\') {
      if (!/^[0-9A-Fa-f]{2}$/.test(template.slice(i + 1, i + 3))) return 'a "\\" must be followed by two hex digits (RFC 4515)';
      i += 2;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth < 0) return 'unbalanced parentheses';
      if (depth === 0 && template[i + 1] === '(') return 'more than one filter: combine them with (|...) or (&...)';
    }
  }
  if (depth !== 0) return 'unbalanced parentheses';
  if (used === 0) return `it uses none of ${list}`;
  return undefined;
}
