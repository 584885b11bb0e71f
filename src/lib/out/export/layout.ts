/**
 * Where each folder goes in an export: a relative path a user recognises, the folder as mail clients show
 * it, never a path that leaves the export.
 *
 * - a user's folders are named from their path under the user: `user.alice` -> `INBOX`,
 *   `user.alice.Sent` -> `Sent`, `user.alice.Projects.2026` -> `Projects/2026` (virtual domains alike:
 *   `user.alice.Sent@example.com` -> `Sent`); a folder awaiting removal (`DELETED.user.alice.Old.5F1234AB`)
 *   by the name it had (`Old`);
 * - other folders keep their whole name: `shared.Sales` -> `shared/Sales`.
 *
 * Each name part becomes one path segment. `%`, `/`, `\`, NUL and other control characters are written
 * `%XX` (so the mapping stays one-to-one); a part that is `.` or `..`, or that would collide with what the
 * format puts beside it (`cur`, `new`, `tmp` in a Maildir, `<uid>.eml`, `<name>.mbox`, `manifest.json`,
 * `SHA256SUMS`), has its first character written `%XX` too. Two folders that still end up on the same
 * path (ignoring case, for case-insensitive file systems) are told apart by `~<mailboxID>`.
 */
import {parseMailboxName} from '../../core/event/mailbox-name.js';

/** The output formats of `bonnie export`. */
export const EXPORT_FORMATS = ['eml', 'mbox', 'maildir', 'tar.zst'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Files at the root of every export. */
export const MANIFEST_FILE = 'manifest.json';
export const CHECKSUM_FILE = 'SHA256SUMS';

/** One folder to place. */
export interface NamedFolder {
  mailboxId: string;
  /** Admin form: user.alice.Sent. */
  name: string;
}

/** Relative paths (`/`-separated, no leading `/`), by mailboxID, in the order given. */
export function folderPaths(folders: readonly NamedFolder[], format: ExportFormat): Map<string, string> {
  const paths = new Map<string, string>();
  const taken = new Set<string>();
  for (const folder of folders) {
    let path = nameSegments(folder.name)
      .map((part, i) => safeSegment(part, format, i === 0))
      .join('/');
    if (taken.has(path.toLowerCase())) path = `${path}~${safeSegment(folder.mailboxId, format, false)}`;
    taken.add(path.toLowerCase());
    paths.set(folder.mailboxId, path);
  }
  return paths;
}

/** The folder's name parts, as a user sees them (before any escaping). */
function nameSegments(adminName: string): string[] {
  const parsed = parseMailboxName(adminName);
  if (parsed.owner !== undefined) return parsed.isInbox ? ['INBOX'] : parsed.path;
  return parsed.path.length > 0 ? parsed.path : [adminName];
}

/** One path segment that stays inside its parent and collides with nothing the format writes. */
export function safeSegment(part: string, format: ExportFormat, topLevel: boolean): string {
  let out = '';
  for (const ch of part) {
    const code = ch.codePointAt(0) as number;
    out += code < 0x20 || code === 0x7f || ch === '%' || ch === '/' || ch === '\\' ? percent(code) : ch;
  }
  if (out === '') return '%';
  if (out === '.' || out === '..' || reserved(out, format, topLevel)) return percent(out.charCodeAt(0)) + out.slice(1);
  return out;
}

function reserved(segment: string, format: ExportFormat, topLevel: boolean): boolean {
  const lower = segment.toLowerCase();
  if (topLevel && (lower === MANIFEST_FILE.toLowerCase() || lower === CHECKSUM_FILE.toLowerCase())) return true;
  if (format === 'maildir') return lower === 'cur' || lower === 'new' || lower === 'tmp';
  if (format === 'eml' || format === 'tar.zst') return /^\d+\.eml$/.test(lower);
  // A folder X is the file X.mbox and its children the folder X/: a folder named X.mbox must not be X.mbox/.
  return lower.endsWith('.mbox');
}

function percent(code: number): string {
  return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
}
