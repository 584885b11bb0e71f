/**
 * The one MIME extraction: a message's addresses, subject, Message-ID, decoded body text (text/plain, and the
 * text of text/html) and attachment file names, from the exact bytes, decoded by postal-mime (every charset
 * Node's TextDecoder knows, encoded words, quoted-printable, base64). The search index keeps what
 * {@link extractDoc} returns, without attachments' content (not decoded at all: binary-parts.ts); data-loss
 * prevention asks {@link extractMessage} for the content too, to tell attachments' types by their bytes.
 */
import type PostalMimeModule from 'postal-mime';
import {withoutBinaryContent} from './binary-parts.js';

export interface MessageDoc {
  from: string;
  to: string;
  cc: string;
  subject: string;
  messageId: string;
  body: string;
  attachments: string;
  /** The Date header, ms since the epoch, when it parses. */
  date: number | undefined;
  /** First From address, for display. */
  fromDisplay: string;
  hasAttachment: boolean;
}

/** One attachment: its name (may be ''), declared type, and decoded content. */
export interface MessageAttachment {
  filename: string;
  /** The Content-Type the sender declared (never trusted for what the bytes are). */
  mimeType: string;
  /** The decoded bytes; a base64 binary part's (not text, message or multipart) are empty unless {@link ExtractOptions.attachmentContent}. */
  content: Uint8Array;
}

/** A message's fields and its attachments (every part that is not the body text, inline images too). */
export interface ExtractedMessage {
  doc: MessageDoc;
  attachments: MessageAttachment[];
}

export interface ExtractOptions {
  /** Decode attachments' content too (default false: their base64 is skipped, which is most of the cost). */
  attachmentContent?: boolean;
}

/** Body text of at most this many characters per message (a huge text/plain part is cut, not dropped). */
const MAX_BODY_CHARS = 1_000_000;

/** postal-mime, imported on first use: a search that does not update the index never parses mail. */
let postalMime: Promise<{default: typeof PostalMimeModule}> | undefined;

/** Parses a message into the fields the index keeps. Never throws: a message it cannot parse gives what it could. */
export async function extractDoc(bytes: Uint8Array): Promise<MessageDoc> {
  return (await extractMessage(bytes)).doc;
}

/**
 * Parses a message into its fields and attachments. Never throws: a message it cannot parse gives its bytes
 * as latin1 text, and no attachments.
 */
export async function extractMessage(bytes: Uint8Array, options: ExtractOptions = {}): Promise<ExtractedMessage> {
  const {default: PostalMime} = await (postalMime ??= import('postal-mime'));
  const content = options.attachmentContent === true;
  let email;
  try {
    email = await PostalMime.parse(content ? bytes : withoutBinaryContent(bytes), {attachmentEncoding: 'arraybuffer'});
  } catch {
    const text = Buffer.from(bytes).toString('latin1');
    return {doc: {from: '', to: '', cc: '', subject: '', messageId: '', body: text.slice(0, MAX_BODY_CHARS), attachments: '', date: undefined, fromDisplay: '', hasAttachment: false}, attachments: []};
  }
  const addresses = (list: ReadonlyArray<{address?: string; name?: string; group?: ReadonlyArray<{address?: string; name?: string}>}> | undefined) =>
    (list ?? []).flatMap((a) => (a.group !== undefined ? a.group : [a])).map((a) => [a.name ?? '', a.address ?? ''].filter(Boolean).join(' ')).join(', ');
  const from = email.from === undefined ? '' : addresses([email.from]);
  // The text of the HTML only when there is no plain text: alternatives say the same thing twice.
  const plain = email.text ?? '';
  const body = (plain.trim() !== '' || email.html === undefined ? plain : htmlToText(email.html)).slice(0, MAX_BODY_CHARS);
  // An attachment: a part sent as one, or a named part that is not an image the HTML shows (multipart/related).
  const attachments = email.attachments.filter((a) => a.disposition === 'attachment' || ((a.filename ?? '') !== '' && a.related !== true));
  const names = attachments.map((a) => a.filename ?? '').filter((n) => n !== '');
  const parsedDate = email.date === undefined ? Number.NaN : Date.parse(email.date);
  const doc: MessageDoc = {
    from,
    to: addresses(email.to),
    cc: addresses(email.cc),
    subject: email.subject ?? '',
    messageId: email.messageId ?? '',
    body,
    attachments: names.join(' '),
    date: Number.isNaN(parsedDate) ? undefined : parsedDate,
    fromDisplay: email.from?.address || email.from?.name || '',
    hasAttachment: attachments.length > 0,
  };
  return {
    doc,
    // Every part that is not the body text, inline images too: what the sender could hide there counts.
    attachments: email.attachments.map((a) => ({
      filename: a.filename ?? '',
      mimeType: a.mimeType,
      content: a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : new Uint8Array(0),
    })),
  };
}

/** HTML's named character references that mail uses: the Latin-1 block (U+00A0..U+00FF, in order) and a few more. */
const LATIN1_NAMES =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo ' +
  'frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute ' +
  'Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml ' +
  'igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';
const ENTITIES: Record<string, string> = {
  ...Object.fromEntries(LATIN1_NAMES.split(' ').map((name, i) => [name, String.fromCharCode(0xa0 + i)])),
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", OElig: '\u0152', oelig: '\u0153', Scaron: '\u0160', scaron: '\u0161', Yuml: '\u0178', ndash: '\u2013', mdash: '\u2014',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201a', ldquo: '\u201c', rdquo: '\u201d', bdquo: '\u201e', bull: '\u2022', hellip: '\u2026', euro: '\u20ac', trade: '\u2122',
  zwnj: '', zwj: '', lrm: '', rlm: '',
};

/** The text of an HTML body: scripts and styles dropped, tags removed, block ends as line breaks, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/li|\/tr|\/h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return safeChar(Number.parseInt(name.slice(2), 16), whole);
      if (name.startsWith('#')) return safeChar(Number.parseInt(name.slice(1), 10), whole);
      return ENTITIES[name] ?? ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t\f\v\r]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n\s*\n+/g, '\n')
    .trim();
}

function safeChar(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}
