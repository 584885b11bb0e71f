/**
 * `flagNames`: the flags an event is about, space-separated. System flags are case-insensitive
 * (RFC 3501 section 2.3.2) and Cyrus writes them lower case on MessageAppend (`\flagged`), so they are
 * given their RFC spelling; keywords are kept exactly as sent.
 */

/** RFC 3501 section 2.3.2 system flags, by lower-case spelling. */
const SYSTEM_FLAGS: ReadonlyMap<string, string> = new Map(
  ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent'].map((flag) => [flag.toLowerCase(), flag]),
);

/**
 * Splits `flagNames` into flags: system flags canonically capitalized (`\seen` -> `\Seen`), keywords as
 * sent, duplicates (compared case-insensitively, RFC 3501 flags are) dropped, first spelling kept, order kept.
 */
export function splitFlags(text: string): string[] {
  const flags: string[] = [];
  const seen = new Set<string>();
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const lower = token.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    flags.push(SYSTEM_FLAGS.get(lower) ?? token);
  }
  return flags;
}
