/**
 * Splitting a message at its MIME part boundaries (archive format 3, docs/FORMAT.md "Format 3"): the
 * bodies of its large leaf parts are cut out as parts of their own (a forwarded or re-sent attachment is
 * then stored once), the rest of the message stays as its skeleton. {@link splitMessage} only finds byte
 * ranges; the message is the skeleton with each part's encoded bytes put back at its offset
 * ({@link reassemble}), checked byte for byte by the caller before anything is stored as split.
 *
 * The boundary scan is hand-written: the maintained parsers on npm (postal-mime, mailparser, mailsplit)
 * decode and stream but give no byte offsets of part bodies, and an exact split needs exactly those; only
 * offsets are needed here, nothing is decoded but base64 bodies. It handles nested multiparts, CRLF and
 * LF (mixed too), preamble and epilogue (they stay in the skeleton), a missing final boundary (the last
 * part runs to the end), and leaves anything it does not understand (no boundary, no blank line after the
 * headers, too deep) in the skeleton: correctness never depends on the scan, only on the check.
 *
 * Only base64 bodies are cut out by default (attachments; text stays with the headers it compresses
 * with), stored as they are (raw). With `decodeBase64`, a base64 body is stored decoded when encoding the
 * decoded bytes again with the line length, line ending and final line break found in it gives back the
 * exact bytes (padding included), else raw. Not the default: measured on the bench corpus it saves 0.8
 * points of the source for ~40 % more CPU (docs/FORMAT.md, "Reasons").
 */

/** Leaf bodies at least this long (encoded bytes) become parts (measured: bench/README.md, "archive"). */
export const DEFAULT_PART_MIN_BYTES = 4096;
/** Multiparts nested deeper than this are left whole in the skeleton. */
const MAX_DEPTH = 16;

const LF = 0x0a;
const CR = 0x0d;

/** How a part's stored bytes give back its bytes in the message. */
export type PartEncoding = {kind: 'raw'} | {kind: 'base64'; line: number; eol: 'crlf' | 'lf'; final: boolean};

/** One part cut out of a message. */
export interface SplitPart {
  /** Offset of the body in the message, and its length there (encoded). */
  at: number;
  length: number;
  /** What is stored: the decoded bytes of a base64 body, or the body as it is. */
  content: Buffer;
  encoding: PartEncoding;
}

export interface SplitOptions {
  /** Leaf bodies shorter than this stay in the skeleton (default {@link DEFAULT_PART_MIN_BYTES}). */
  minBytes?: number;
  /** Also cut out bodies not in base64 (quoted-printable, 7bit, 8bit, binary), stored raw (default false). */
  rawParts?: boolean;
  /** Store base64 bodies decoded when they encode back exactly (default false: as they are). */
  decodeBase64?: boolean;
}

/**
 * The parts to cut out of `message`, in message order, or an empty list when there is nothing worth
 * cutting (no MIME, small parts, anything odd).
 */
export function splitMessage(message: Buffer, options: SplitOptions = {}): SplitPart[] {
  const minBytes = options.minBytes ?? DEFAULT_PART_MIN_BYTES;
  const parts: SplitPart[] = [];
  try {
    scanEntity(message, 0, message.length, 0, {minBytes, rawParts: options.rawParts ?? false, decodeBase64: options.decodeBase64 ?? false}, parts);
  } catch {
    return []; // anything the scan did not foresee: the message is stored whole
  }
  return parts;
}

/** The encoded bytes of a part as they are in the message. */
export function encodePart(content: Buffer, encoding: PartEncoding): Buffer {
  if (encoding.kind === 'raw') return content;
  const b64 = Buffer.from(content.toString('base64'), 'latin1');
  const eol = encoding.eol === 'crlf' ? 2 : 1;
  const lines = encoding.line > 0 ? Math.ceil(b64.length / encoding.line) : 1;
  const total = b64.length + Math.max(0, lines - 1) * eol + (encoding.final ? eol : 0);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  const step = encoding.line > 0 ? encoding.line : b64.length;
  for (let i = 0; i < b64.length; i += step) {
    if (i > 0) pos = writeEol(out, pos, eol);
    pos += b64.copy(out, pos, i, Math.min(b64.length, i + step));
  }
  if (encoding.final) pos = writeEol(out, pos, eol);
  return pos === total ? out : out.subarray(0, pos);
}

/**
 * The message: `skeleton` with each part's encoded bytes inserted at its offset (parts in message order).
 * Returns a reason instead when the pieces do not fit together into `length` bytes.
 */
export function reassemble(skeleton: Buffer, parts: ReadonlyArray<{at: number; bytes: Buffer}>, length: number): Buffer | string {
  const total = parts.reduce((n, p) => n + p.bytes.length, skeleton.length);
  if (total !== length) return `skeleton and parts make ${total} bytes, the manifest says ${length}`;
  const out = Buffer.allocUnsafe(length);
  let from = 0;
  let to = 0;
  for (const part of parts) {
    const gap = part.at - to;
    if (gap < 0 || from + gap > skeleton.length) return `part at offset ${part.at} overlaps the one before it`;
    skeleton.copy(out, to, from, from + gap);
    from += gap;
    to += gap;
    part.bytes.copy(out, to);
    to += part.bytes.length;
  }
  skeleton.copy(out, to, from);
  return out;
}

/** The message without the parts' bodies (what the manifest carries). */
export function skeletonOf(message: Buffer, parts: ReadonlyArray<{at: number; length: number}>): Buffer {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const part of parts) {
    pieces.push(message.subarray(from, part.at));
    from = part.at + part.length;
  }
  pieces.push(message.subarray(from));
  return Buffer.concat(pieces);
}

interface ScanOptions {
  minBytes: number;
  rawParts: boolean;
  decodeBase64: boolean;
}

/** Scans the entity (headers, blank line, body) in [start, end) and adds its large leaf bodies to `parts`. */
function scanEntity(message: Buffer, start: number, end: number, depth: number, options: ScanOptions, parts: SplitPart[]): void {
  const headerEnd = findHeaderEnd(message, start, end);
  if (headerEnd === undefined) return; // no body: nothing to cut
  const headers = parseHeaders(message.toString('latin1', start, headerEnd.headers));
  const bodyStart = headerEnd.body;
  const type = headers.get('content-type') ?? '';
  const media = (type.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (media.startsWith('multipart/')) {
    const boundary = parameter(type, 'boundary');
    if (boundary === undefined || boundary.length === 0 || boundary.length > 200 || depth >= MAX_DEPTH) return;
    scanMultipart(message, bodyStart, end, boundary, depth, options, parts);
    return;
  }
  if (media === 'message/rfc822' && depth < MAX_DEPTH) {
    // A message attached whole (a forward as attachment): its own parts are cut out, its headers stay.
    const encoding = (headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
    if (encoding === '7bit' || encoding === '8bit' || encoding === 'binary') scanEntity(message, bodyStart, end, depth + 1, options, parts);
    return;
  }
  if (end - bodyStart < options.minBytes) return;
  const encoding = (headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const body = message.subarray(bodyStart, end);
  if (encoding === 'base64' && options.decodeBase64) {
    const decoded = base64Form(body);
    if (decoded !== undefined) {
      parts.push({at: bodyStart, length: body.length, content: decoded.content, encoding: decoded.encoding});
      return;
    }
  }
  // A view of the message, not a copy: the caller owns the message and does not change it meanwhile.
  if (options.rawParts || encoding === 'base64') parts.push({at: bodyStart, length: body.length, content: body, encoding: {kind: 'raw'}});
}

/** Each body part between the delimiters of a multipart body in [bodyStart, end), scanned in turn. */
function scanMultipart(message: Buffer, bodyStart: number, end: number, boundary: string, depth: number, options: ScanOptions, parts: SplitPart[]): void {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let partStart: number | undefined;
  let search = bodyStart;
  while (search < end) {
    const d = message.indexOf(delimiter, search);
    if (d === -1 || d + delimiter.length > end) break;
    search = d + delimiter.length;
    if (d !== bodyStart && message[d - 1] !== LF) continue; // not at the start of a line
    // The rest of the line: "--" (the close delimiter) or transport padding, then the line end.
    let p = d + delimiter.length;
    const close = message[p] === 0x2d && message[p + 1] === 0x2d;
    if (close) p += 2;
    while (p < end && (message[p] === 0x20 || message[p] === 0x09)) p++;
    if (p < end && message[p] !== CR && message[p] !== LF) {
      if (!close) continue; // a longer word starting with the boundary
      // "--boundary--" followed by text: still the close delimiter (RFC 2046 allows no text, senders do)
    }
    // The line break before the delimiter belongs to it (RFC 2046 section 5.1.1).
    const before = d === bodyStart ? d : message[d - 2] === CR ? d - 2 : d - 1;
    if (partStart !== undefined && before > partStart) scanEntity(message, partStart, before, depth + 1, options, parts);
    if (close) return; // the epilogue stays in the skeleton
    partStart = lineEnd(message, p, end);
    search = partStart;
  }
  // No close delimiter: the last part runs to the end of the body.
  if (partStart !== undefined && end > partStart) scanEntity(message, partStart, end, depth + 1, options, parts);
}

/** The offset after the line break at or after `p` (CRLF or LF), or `end`. */
function lineEnd(message: Buffer, p: number, end: number): number {
  const lf = message.indexOf(LF, p);
  return lf === -1 || lf >= end ? end : lf + 1;
}

/** Where the headers of the entity at `start` end (before the blank line) and its body starts (after it). */
function findHeaderEnd(message: Buffer, start: number, end: number): {headers: number; body: number} | undefined {
  let p = start;
  // An entity starting with a blank line has no headers (RFC 2046: default content type text/plain).
  while (p < end) {
    const lf = message.indexOf(LF, p);
    if (lf === -1 || lf >= end) return undefined;
    const empty = lf === p || (lf === p + 1 && message[p] === CR);
    if (empty) return {headers: p, body: lf + 1};
    p = lf + 1;
  }
  return undefined;
}

/** Header fields by lower-case name (the first of each), values unfolded. */
function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  const unfolded = text.replace(/\r?\n[ \t]/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** A parameter of a structured header value (RFC 2045 section 5.1), quoted or not. */
function parameter(value: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(value);
  if (match === null) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

/** The decoded bytes of a base64 body and how to encode them back exactly, or undefined when they would not be. */
function base64Form(body: Buffer): {content: Buffer; encoding: PartEncoding} | undefined {
  const lf = body.indexOf(LF);
  let encoding: PartEncoding;
  if (lf === -1) {
    encoding = {kind: 'base64', line: body.length, eol: 'lf', final: false};
  } else {
    const crlf = lf > 0 && body[lf - 1] === CR;
    const eolLength = crlf ? 2 : 1;
    const line = lf + 1 - eolLength;
    if (line <= 0) return undefined;
    const final = body.length >= eolLength && body[body.length - 1] === LF && (!crlf || body[body.length - 2] === CR);
    encoding = {kind: 'base64', line, eol: crlf ? 'crlf' : 'lf', final};
  }
  const content = Buffer.from(body.toString('latin1'), 'base64');
  return encodePart(content, encoding).equals(body) ? {content, encoding} : undefined;
}

function writeEol(out: Buffer, pos: number, eol: number): number {
  if (eol === 2) out[pos++] = CR;
  out[pos++] = LF;
  return pos;
}
