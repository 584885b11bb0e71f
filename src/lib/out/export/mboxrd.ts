/**
 * mboxrd: the mbox variant that round-trips any message (the "mboxrd" of qmail's mbox(5) and of
 * https://www.loc.gov/preservation/digital/formats/fdd/fdd000385.shtml). Each message is
 *
 *     From <envelope sender> <asctime of its internal date, UTC>\n
 *     <the message, every line matching ^>*From  given one more ">">
 *     \n                       (only when the message does not end with a line feed)
 *     \n                       (the blank line before the next From_ line)
 *
 * A reader removes one ">" from every line matching ^>+From , which gives the bytes back exactly (mboxo,
 * which quotes only ^From , cannot tell a quoted line from one that was written with ">From "). The
 * message's own line endings are kept (Cyrus stores CRLF); mutt, Thunderbird and Python's mailbox module
 * read such files. Nothing is added to the message: no Status/X-Status/X-Keywords headers (the flags are in
 * the export's manifest).
 */
import {readHeader} from '../../core/mail/headers.js';

const LF = 0x0a;
const GT = 0x3e;
const FROM = Buffer.from('From ');
const QUOTE = Buffer.from('>');
const NEWLINE = Buffer.from('\n');

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The chunks that make one message's mboxrd entry, From_ line to trailing blank line, in order. */
export function mboxrdEntry(message: Buffer, internalDate: number): Buffer[] {
  const chunks = [Buffer.from(`From ${envelopeSender(message)} ${asctime(internalDate)}\n`), quoteMboxrd(message)];
  if (message.length > 0 && message[message.length - 1] !== LF) chunks.push(NEWLINE);
  chunks.push(NEWLINE);
  return chunks;
}

/** `bytes` with one ">" added before every line matching ^>*From  (the same buffer when none does). */
export function quoteMboxrd(bytes: Buffer): Buffer {
  const at = fromLineStarts(bytes, 0);
  if (at.length === 0) return bytes;
  const parts: Buffer[] = [];
  let previous = 0;
  for (const start of at) {
    parts.push(bytes.subarray(previous, start), QUOTE);
    previous = start;
  }
  parts.push(bytes.subarray(previous));
  return Buffer.concat(parts);
}

/** The reverse of {@link quoteMboxrd}: one ">" removed from every line matching ^>+From . */
export function unquoteMboxrd(bytes: Buffer): Buffer {
  const at = fromLineStarts(bytes, 1);
  if (at.length === 0) return bytes;
  const parts: Buffer[] = [];
  let previous = 0;
  for (const start of at) {
    parts.push(bytes.subarray(previous, start));
    previous = start + 1;
  }
  parts.push(bytes.subarray(previous));
  return Buffer.concat(parts);
}

/** Offsets of the lines that are at least `minQuotes` ">" then "From ". */
function fromLineStarts(bytes: Buffer, minQuotes: number): number[] {
  const starts: number[] = [];
  let line = 0;
  while (line < bytes.length) {
    let i = line;
    while (i < bytes.length && bytes[i] === GT) i++;
    if (i - line >= minQuotes && bytes.length - i >= FROM.length && bytes.compare(FROM, 0, FROM.length, i, i + FROM.length) === 0) starts.push(line);
    const end = bytes.indexOf(LF, line);
    if (end === -1) break;
    line = end + 1;
  }
  return starts;
}

/**
 * The address for the From_ line: the Return-Path the delivering server recorded (RFC 5321 4.4), else the
 * From header's address, else MAILER-DAEMON (also for the null sender `<>`). Only a single token of
 * printable ASCII is used, so the line always parses.
 */
export function envelopeSender(message: Buffer): string {
  const header = readHeader(message);
  const returnPath = header.get('return-path');
  if (returnPath !== undefined) {
    const address = addressIn(returnPath);
    if (address === '') return 'MAILER-DAEMON';
    if (address !== undefined) return address;
  }
  const from = header.get('from');
  return (from === undefined ? undefined : addressIn(from)) || 'MAILER-DAEMON';
}

/** `Sun Nov 22 11:54:03 2026`: C's asctime() of `ms` since the epoch, in UTC, as From_ lines carry it. */
export function asctime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The address in a header value: inside <...>, else the first token holding "@"; '' for `<>`. */
function addressIn(value: string): string | undefined {
  const angle = /<([^<>]*)>/.exec(value);
  const candidate = angle !== null ? (angle[1] as string).trim() : value.split(/[\s,;]+/).find((token) => token.includes('@'));
  if (candidate === undefined) return undefined;
  if (candidate === '') return '';
  return /^[\x21-\x7e]+$/.test(candidate) && candidate.includes('@') ? candidate : undefined;
}
