/**
 * `vnd.cmu.envelope`: the message's IMAP ENVELOPE (RFC 3501 section 7.4.2) from Cyrus' cache:
 * `(date subject from sender reply-to to cc bcc in-reply-to message-id)`, each address
 * `(name adl mailbox host)`. Subjects and display names are RFC 2047-decoded; the rest is kept as sent.
 */

import {decodeEncodedWords} from './encoded-words.js';
import {parseImapData} from './imap-data.js';
import type {ImapValue} from './imap-data.js';
import type {Envelope, EnvelopeAddress} from './types.js';

/** Result of {@link parseEnvelope}. */
export type EnvelopeResult = {ok: true; envelope: Envelope} | {ok: false; error: string};

class EnvelopeError extends Error {}

/** Parses an IMAP ENVELOPE string. Never throws: a malformed envelope comes back as an error. */
export function parseEnvelope(text: string): EnvelopeResult {
  const parsed = parseImapData(text);
  if (!parsed.ok) return {ok: false, error: `invalid envelope: ${parsed.error}`};
  const fields = parsed.value;
  if (!Array.isArray(fields) || fields.length !== 10) {
    return {ok: false, error: 'invalid envelope: expected a list of 10 fields'};
  }
  try {
    const subject = nstring(fields[1], 'subject');
    return {
      ok: true,
      envelope: {
        date: nstring(fields[0], 'date'),
        subject: subject === undefined ? undefined : decodeEncodedWords(subject),
        from: addresses(fields[2], 'from'),
        sender: addresses(fields[3], 'sender'),
        replyTo: addresses(fields[4], 'reply-to'),
        to: addresses(fields[5], 'to'),
        cc: addresses(fields[6], 'cc'),
        bcc: addresses(fields[7], 'bcc'),
        inReplyTo: nstring(fields[8], 'in-reply-to'),
        messageId: nstring(fields[9], 'message-id'),
      },
    };
  } catch (error) {
    if (error instanceof EnvelopeError) return {ok: false, error: `invalid envelope: ${error.message}`};
    throw error;
  }
}

function nstring(value: ImapValue | undefined, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw new EnvelopeError(`${field} is a list, not a string`);
  return value;
}

/**
 * env-from etc.: NIL or a list of addresses. RFC 3501 group syntax: `(NIL NIL "team" NIL)` opens group
 * "team", `(NIL NIL NIL NIL)` closes it; the markers are dropped and members carry `group`.
 */
function addresses(value: ImapValue | undefined, field: string): EnvelopeAddress[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new EnvelopeError(`${field} is not an address list`);
  const out: EnvelopeAddress[] = [];
  let group: string | undefined;
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 4) throw new EnvelopeError(`${field} has a malformed address`);
    const name = nstring(item[0], field);
    const mailbox = nstring(item[2], field);
    const host = nstring(item[3], field);
    if (host === undefined) {
      group = mailbox === undefined ? undefined : decodeEncodedWords(mailbox);
      continue;
    }
    const address: EnvelopeAddress = {
      name: name === undefined ? undefined : decodeEncodedWords(name),
      mailbox,
      host,
      address: mailbox === undefined ? undefined : `${mailbox}@${host}`,
    };
    if (group !== undefined) address.group = group;
    out.push(address);
  }
  return out;
}
