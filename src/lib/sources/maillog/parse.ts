/**
 * One line of an MTA's log into a {@link MaillogRecord}: the entry point of `bonnie maillog` (issue 18). A
 * syslog line goes to the parser of its program (Postfix, Exim, Cyrus lmtpd); a line that starts with Exim's
 * own timestamp is a line of Exim's mainlog. Pure and synchronous: reading files, and what the records mean
 * together, are the catalog's.
 */
import {isCyrusLmtpProgram, parseCyrus} from './cyrus.js';
import {isEximProgram, parseEximMainlogLine, parseEximMessage} from './exim.js';
import {isPostfixProgram, parsePostfix, type ParseResult} from './postfix.js';
import {parseSyslogLine} from './syslog-line.js';

export {normalizeMessageId} from './message-id.js';
export type {ParseResult} from './postfix.js';

/** What a line needs besides itself. */
export interface MaillogContext {
  /** ms since the epoch: the file's mtime. RFC 3164 lines have no year; see syslog-line.ts. */
  referenceTime: number;
  /** The host of lines that do not name one (Exim's mainlog); `''` when not given. */
  defaultHost?: string;
}

/** Whether the line starts like Exim's mainlog: `2026-12-07 15:27:11` (a space, not RFC 3339's `T`). */
function looksLikeEximMainlog(line: string): boolean {
  return line.length > 20 && line[4] === '-' && line[7] === '-' && line[10] === ' ' && line[13] === ':' && line[16] === ':';
}

function parse(line: string, context: MaillogContext): ParseResult {
  if (looksLikeEximMainlog(line)) return parseEximMainlogLine(line, context.defaultHost ?? '') ?? 'unknown';
  const syslog = parseSyslogLine(line, context.referenceTime);
  if (!syslog || Number.isNaN(syslog.time)) return 'unknown';
  const program = syslog.program;
  if (isPostfixProgram(program)) return parsePostfix(syslog);
  if (isEximProgram(program)) return parseEximMessage(syslog.message, syslog);
  if (isCyrusLmtpProgram(program)) return parseCyrus(syslog);
  return 'ignored';
}

/**
 * Parses one log line (without its line feed; a trailing CR is dropped). Returns the record, `ignored` for a
 * line of a program bonnie does not trace or a mail program's line with nothing to trace (connections,
 * warnings, statistics), or `unknown` for a line in no known format or a mail program's line no rule
 * understood. Never throws: a log is untrusted input, and one odd line must not stop a file.
 */
export function parseMaillogLine(line: string, context: MaillogContext): ParseResult {
  const text = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
  try {
    return parse(text, context);
  } catch {
    // A parser bug on a strange line: count it as not understood, as the contract says, instead of stopping.
    return 'unknown';
  }
}
