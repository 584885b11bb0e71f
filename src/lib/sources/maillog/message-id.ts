/**
 * The one spelling of a Message-ID across MTAs, so that a join on it matches: Postfix cleanup logs the header
 * as it came (`message-id=<a@b>`, sometimes without brackets, `<>` when there was none), Exim logs the
 * addr-spec it extracted, without brackets (receive.c: `parse_extract_address`, `id=a@b`), Cyrus logs the
 * header's body (`Delivered: <a@b> to mailbox: ...`, mailbox.c `messageid=<a@b>`).
 */

/**
 * `<local@domain>`: the first `<...>` in `s` if it has one, else `s` trimmed and wrapped in brackets; `''` for
 * a missing one (`''`, `<>`, Cyrus' `unknown`/`NIL`/`<nomsgid>`). Case is kept: a Message-ID's local part is
 * case-sensitive.
 */
export function normalizeMessageId(s: string): string {
  const open = s.indexOf('<');
  if (open >= 0) {
    const close = s.indexOf('>', open + 1);
    const inner = (close < 0 ? s.slice(open + 1) : s.slice(open + 1, close)).trim();
    return inner === '' || inner === 'nomsgid' ? '' : `<${inner}>`;
  }
  const bare = s.trim();
  if (bare === '' || bare === 'unknown' || bare === 'NIL' || bare === '(null)') return '';
  const space = bare.indexOf(' ');
  return `<${space < 0 ? bare : bare.slice(0, space)}>`;
}
