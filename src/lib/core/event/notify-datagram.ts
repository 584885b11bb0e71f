/**
 * Cyrus' notify datagram: what imapd, lmtpd and the other services send to `notifysocket` for every
 * notification, events included. Pure functions, no I/O.
 *
 * Layout, from cyrus-imapd `imap/notify.c`, `notify()` (each `add_arg()` appends the field and its NUL):
 *
 *     method NUL class NUL priority NUL user NUL mailbox NUL nopt NUL option_1 NUL ... option_nopt NUL
 *     message NUL [fname NUL]
 *
 * - Every field ends with a NUL, the last one included; a NULL argument is sent as an empty field.
 * - `nopt` is the option count in decimal (`snprintf("%d")`); that many option fields follow it.
 * - `fname` is sent only when the caller passed one.
 * - Events (`imap/mboxevent.c`, `mboxevent_notify()`) are sent as
 *   `notify(event_notifier, "EVENT", NULL, NULL, NULL, 0, NULL, json, NULL)`, so with
 *   `event_notifier: external` the datagram is `external\0EVENT\0\0\0\0` `0\0` `<json>\0`: the JSON as
 *   notify_external would get it on stdin, without the newline notifyd adds.
 * - Size: at most min(SO_SNDBUF / 10 - 32, NOTIFY_MAXSIZE = 65536) bytes; Cyrus does not send a larger
 *   one (syslog `NOTIFY(EVENT): datagram too large`). Linux' default SO_SNDBUF (212992) gives 21267 bytes.
 *
 * The receiver, `notifyd/notifyd.c` `do_notify()`, parses the same layout with `fetch_arg()`; it accepts a
 * datagram whose last field lacks its NUL and ignores fields after `fname`. egara (Kolab,
 * `egara_incoming_cyrus_imap.erl`) split on NUL and took the second-to-last piece, which relies on the
 * trailing NUL (and takes `fname` for the message when one is present).
 *
 * We are stricter than notifyd: Cyrus always ends the datagram with a NUL, so a missing one means the
 * datagram was cut short (or did not come from Cyrus), and extra fields mean a sender we do not know.
 * Neither is dropped: the caller quarantines the whole datagram with the reason.
 */

const NUL = 0x00;
/** method, class, priority, user, mailbox, nopt. */
const HEADER_FIELDS = ['method', 'class', 'priority', 'user', 'mailbox', 'nopt'] as const;
/** The message field holds at most NOTIFY_MAXSIZE bytes anyway; a count above this is nonsense. */
const NOPT_PATTERN = /^\d{1,9}$/;
const SHOWN_FIELD_CHARS = 40;
const utf8 = new TextDecoder('utf-8', {fatal: true});

/** One decoded notify datagram. */
export interface NotifyDatagram {
  /** The notifyd method (`event_notifier`'s value for events, e.g. `external`); empty means notifyd's default. */
  method: string;
  /** `EVENT` for event notifications; `MAIL` (mailnotifier) and `SIEVE` (Sieve notify) are not events. */
  class: string;
  priority: string;
  user: string;
  mailbox: string;
  options: string[];
  /** The message's bytes without their NUL (for events: the JSON). A view into the datagram. */
  message: Uint8Array;
  /** Present only when the sender passed a file name. */
  fname: string | undefined;
}

export type DatagramDecoding = {ok: true; datagram: NotifyDatagram} | {ok: false; error: string};

/** Decodes one datagram. Never throws; a datagram that does not follow the layout gets the reason. */
export function decodeNotifyDatagram(bytes: Uint8Array): DatagramDecoding {
  if (bytes.length === 0) return {ok: false, error: 'empty datagram'};
  if (bytes[bytes.length - 1] !== NUL) {
    return {ok: false, error: `truncated datagram: its last field does not end with a NUL (${bytes.length} bytes)`};
  }
  const fields: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(NUL, start);
    fields.push(bytes.subarray(start, end));
    start = end + 1;
  }

  const minimum = HEADER_FIELDS.length + 1;
  if (fields.length < minimum) {
    return {ok: false, error: `missing fields: ${fields.length} of at least ${minimum} (${HEADER_FIELDS.join(', ')}, message)`};
  }
  const header: string[] = [];
  for (const [index, name] of HEADER_FIELDS.entries()) {
    const text = decodeText(fields[index] as Uint8Array);
    if (text === undefined) return {ok: false, error: `field ${name} is not valid UTF-8`};
    header.push(text);
  }
  const [method, eventClass, priority, user, mailbox, noptText] = header as [string, string, string, string, string, string];
  if (!NOPT_PATTERN.test(noptText)) return {ok: false, error: `nopt "${shorten(noptText)}" is not a decimal count`};
  const nopt = Number(noptText);

  const rest = fields.length - HEADER_FIELDS.length;
  if (rest < nopt + 1) {
    return {ok: false, error: `missing fields: nopt is ${nopt}, so ${nopt} option(s) and a message must follow, but ${rest} field(s) do`};
  }
  if (rest > nopt + 2) {
    return {ok: false, error: `${rest - nopt - 2} unexpected field(s) after the file name`};
  }
  const options: string[] = [];
  for (let i = 0; i < nopt; i++) {
    const text = decodeText(fields[HEADER_FIELDS.length + i] as Uint8Array);
    if (text === undefined) return {ok: false, error: `option ${i + 1} is not valid UTF-8`};
    options.push(text);
  }
  const message = fields[HEADER_FIELDS.length + nopt] as Uint8Array;
  let fname: string | undefined;
  if (rest === nopt + 2) {
    fname = decodeText(fields[fields.length - 1] as Uint8Array);
    if (fname === undefined) return {ok: false, error: 'field fname is not valid UTF-8'};
  }
  return {ok: true, datagram: {method, class: eventClass, priority, user, mailbox, options, message, fname}};
}

/** What {@link encodeNotifyDatagram} takes: the message, and the other fields (empty when left out). */
export interface NotifyDatagramFields {
  method?: string;
  class?: string;
  priority?: string;
  user?: string;
  mailbox?: string;
  options?: readonly string[];
  message: string | Uint8Array;
  fname?: string;
}

/**
 * Builds a datagram exactly as `notify()` does (for tests and benchmarks). The defaults are what
 * `mboxevent_notify()` sends with `event_notifier: external`.
 */
export function encodeNotifyDatagram(fields: NotifyDatagramFields): Buffer {
  const options = fields.options ?? [];
  const parts: Array<string | Uint8Array> = [
    fields.method ?? 'external',
    fields.class ?? 'EVENT',
    fields.priority ?? '',
    fields.user ?? '',
    fields.mailbox ?? '',
    String(options.length),
    ...options,
    fields.message,
  ];
  if (fields.fname !== undefined) parts.push(fields.fname);
  const terminator = Buffer.of(NUL);
  return Buffer.concat(parts.flatMap((part) => [typeof part === 'string' ? Buffer.from(part) : part, terminator]));
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function shorten(text: string): string {
  const printable = JSON.stringify(text).slice(1, -1);
  return printable.length > SHOWN_FIELD_CHARS ? `${printable.slice(0, SHOWN_FIELD_CHARS - 3)}...` : printable;
}
