/**
 * The one reader of a message's header section (RFC 5322 2.1-2.2): its fields, unfolded, looked up by name
 * without regard to case. Restore's message keys (Message-ID), export's mboxrd From_ line (Return-Path,
 * From) and groupware's X-Kolab-Type all read headers through it.
 *
 * Contracts:
 * - The header section is everything before the first empty line; lines end with CRLF or a bare LF (Cyrus
 *   stores CRLF; files and tests often have LF). A message without an empty line is all header.
 * - Bytes are read as latin1, one character per byte: values are the raw field bodies, never decoded
 *   (no RFC 2047 encoded words, no charset). Nobody who reads through here needs a decoded value; a caller
 *   that does would decode with postal-mime's decoder, which the search already loads.
 * - Unfolding removes each line break that is followed by a space or a tab and keeps the whitespace
 *   (RFC 5322 2.2.3). Values are returned trimmed of surrounding whitespace.
 * - Obsolete syntax is accepted (RFC 5322 4.5.3: whitespace between the name and the colon); a line that
 *   is neither a field nor a continuation (an mbox From_ line, garbage) is skipped, as is a continuation
 *   with no field before it.
 * - Only the first {@link HEADER_SCAN_BYTES} bytes are read: a header section is a few kilobytes, and a
 *   "message" without an empty line (a binary file) must not be turned into one huge string.
 */

/** How much of a message is searched for the end of its header section. */
export const HEADER_SCAN_BYTES = 256 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** One header field as written: its name (the case the sender used) and its body, unfolded, untrimmed. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** A message's header fields, in order; names compared without regard to case. */
export class MessageHeader {
  /** Every field in the order it appears (a name may appear more than once: Received, Comments). */
  readonly fields: readonly HeaderField[];
  private readonly byName = new Map<string, string[]>();

  constructor(fields: readonly HeaderField[]) {
    this.fields = fields;
    for (const field of fields) {
      const key = field.name.toLowerCase();
      const values = this.byName.get(key);
      if (values === undefined) this.byName.set(key, [field.value.trim()]);
      else values.push(field.value.trim());
    }
  }

  /** The first field called `name` (any case), trimmed; undefined when there is none ('' when it is empty). */
  get(name: string): string | undefined {
    return this.byName.get(name.toLowerCase())?.[0];
  }

  /** Every field called `name` (any case), in order, trimmed; empty when there is none. */
  getAll(name: string): string[] {
    return [...(this.byName.get(name.toLowerCase()) ?? [])];
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }
}

/** The header of a whole message (or of its first bytes): see the module comment. */
export function readHeader(message: Uint8Array): MessageHeader {
  return parseHeader(headerSection(message));
}

/**
 * The header section of a message as latin1 text, without the empty line that ends it (the last field's
 * line break included). Only the first {@link HEADER_SCAN_BYTES} bytes are searched.
 */
export function headerSection(message: Uint8Array): string {
  const bytes = Buffer.from(message.buffer, message.byteOffset, Math.min(message.byteLength, HEADER_SCAN_BYTES));
  return bytes.toString('latin1', 0, headerEnd(bytes));
}

/** Where the header section of `bytes` ends: the offset of the empty line, or the length when there is none. */
function headerEnd(bytes: Buffer): number {
  // An empty line at the very start: no header at all.
  if (bytes[0] === LF || (bytes[0] === CR && bytes[1] === LF)) return 0;
  for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
    const next = lf + 1;
    if (bytes[next] === LF || (bytes[next] === CR && bytes[next + 1] === LF)) return next;
  }
  return bytes.length;
}

/** RFC 5322 2.2: a field name is printable US-ASCII but the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** The fields of a header section given as text (CRLF or LF line ends; a trailing empty line is fine). */
export function parseHeader(section: string): MessageHeader {
  const fields: Array<{name: string; value: string}> = [];
  let current: {name: string; value: string} | undefined;
  for (const rawLine of section.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // Folded: the line break goes, the whitespace stays (RFC 5322 2.2.3).
      if (current !== undefined) current.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).replace(/[ \t]+$/, '');
    if (!FIELD_NAME.test(name)) {
      current = undefined;
      continue;
    }
    current = {name, value: line.slice(colon + 1)};
    fields.push(current);
  }
  return new MessageHeader(fields);
}
