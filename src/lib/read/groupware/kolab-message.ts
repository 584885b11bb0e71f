/**
 * Kolab groupware objects as stored in IMAP (Kolab Format 3.0, "Storage of Kolab objects in IMAP"; Kolab 2
 * alike): one MIME message per object, `X-Kolab-Type: application/x-vnd.kolab.<type>`, the object's UID as
 * the Subject, and a multipart/mixed holding a text/plain note for other clients and the object as XML
 * (`application/calendar+xml` xCal, `application/vcard+xml` xCard, `application/vnd.kolab+xml`, or Kolab 2's
 * `application/x-vnd.kolab.<type>`).
 */
import type PostalMimeModule from 'postal-mime';
import {errorMessage} from '../../base/errors.js';
import {readHeader} from '../../core/mail/headers.js';
import {objectLines, objectTitle} from './object-lines.js';
import {parseXml} from './xml.js';

/** The prefix of X-Kolab-Type values; what follows it is the object's type (`event`, `contact.distlist`). */
export const KOLAB_TYPE_PREFIX = 'application/x-vnd.kolab.';

/** A Kolab message, decoded. */
export interface KolabMessage {
  /** The X-Kolab-Type header, e.g. `application/x-vnd.kolab.event`. */
  kolabType: string;
  /** The Subject: the object's UID. */
  subject: string;
  /** The object's XML part, decoded, and its MIME type; null when the message has none. */
  xml: {mimeType: string; text: string} | null;
  /** The object as property lines (object-lines.ts); null when there is no XML part or it cannot be read. */
  lines: string[] | null;
  /** Why the XML part could not be read, if it could not. */
  problem: string | null;
  /** The decoded text parts (text/plain, else the HTML), for a diff of objects without XML. */
  text: string;
}

/**
 * The X-Kolab-Type of a message from its header section alone (cheap: the body is not decoded), or
 * undefined when it has none.
 */
export function kolabTypeOf(bytes: Uint8Array): string | undefined {
  const value = readHeader(bytes).get('x-kolab-type');
  return value === undefined || value === '' ? undefined : value.toLowerCase();
}

/** The type an X-Kolab-Type value names: `event` for `application/x-vnd.kolab.event`. */
export function objectType(kolabType: string): string {
  return kolabType.startsWith(KOLAB_TYPE_PREFIX) ? kolabType.slice(KOLAB_TYPE_PREFIX.length) : kolabType;
}

/** postal-mime, imported on first use: `bonnie history` without --object never parses mail. */
let postalMime: Promise<{default: typeof PostalMimeModule}> | undefined;

/** Decodes a Kolab message; undefined when it has no X-Kolab-Type (it is mail, not an object). */
export async function readKolabMessage(bytes: Uint8Array): Promise<KolabMessage | undefined> {
  const kolabType = kolabTypeOf(bytes);
  if (kolabType === undefined) return undefined;
  const {default: PostalMime} = await (postalMime ??= import('postal-mime'));
  const email = await PostalMime.parse(bytes, {attachmentEncoding: 'arraybuffer'});
  const part = email.attachments.find((a) => /[/+]xml$/.test(a.mimeType)) ?? email.attachments.find((a) => a.mimeType.startsWith(KOLAB_TYPE_PREFIX) || (a.filename ?? '').toLowerCase().endsWith('.xml'));
  const xml = part === undefined ? null : {mimeType: part.mimeType, text: decodeUtf8(part.content)};
  let lines: string[] | null = null;
  let problem: string | null = null;
  if (xml !== null) {
    try {
      lines = objectLines(parseXml(xml.text));
    } catch (error) {
      problem = errorMessage(error);
    }
  }
  return {kolabType, subject: (email.subject ?? '').trim(), xml, lines, problem, text: email.text ?? email.html ?? ''};
}

/** The object's title (summary, full name), from its lines. */
export function titleOf(message: KolabMessage): string | null {
  return message.lines === null ? null : objectTitle(message.lines);
}

function decodeUtf8(content: ArrayBuffer | Uint8Array | string): string {
  if (typeof content === 'string') return content;
  return new TextDecoder('utf-8').decode(content);
}
