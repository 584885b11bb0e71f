/**
 * Postfix log lines into {@link MaillogRecord}s. Hand-written: no maintained Node library parses Postfix's
 * logging (the ones that exist are Perl/Python report tools or unmaintained npm packages), and the formats
 * are few and fixed by Postfix's source, cited per rule (Postfix 3.x, src/...). String searches rather than
 * one regular expression per line keep this fast enough for files of millions of lines.
 */
import type {DeliveryStatus, MaillogRecord} from './record.js';
import {normalizeMessageId} from './message-id.js';
import type {SyslogLine} from './syslog-line.js';

/** A parser's answer: a record, a line with nothing to trace, or a line no rule understood. */
export type ParseResult = MaillogRecord | 'ignored' | 'unknown';

/**
 * Whether a syslog tag is Postfix's: `<syslog_name>/<service>` with a syslog_name starting with `postfix`
 * (`postfix/smtpd`, the multi-instance `postfix-b/lmtp`, master.cf's `-o syslog_name=postfix/submission`,
 * giving `postfix/submission/smtpd`). `postfix-script` and `postfix` (the command) carry nothing to trace.
 */
export function isPostfixProgram(program: string): boolean {
  return program.startsWith('postfix') && program.indexOf('/') > 0;
}

/**
 * A Postfix queue ID: the short form, upper-case hex (`4D8F21C3B2`: microseconds and inode), or the long
 * form of `enable_long_queue_ids` (postconf(5): `3Pt2mN2VXxznjll`: 6+ characters of seconds, 4 of
 * microseconds, `z`, the inode; an alphabet of digits and consonants). Telling them from words matters:
 * `warning: ...` must not read as queue ID `warning`.
 */
export function isPostfixQueueId(s: string): boolean {
  const n = s.length;
  if (n < 5) return false;
  let hex = true;
  let zAt = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c >= 65 && c <= 70) continue; // A-F
    hex = false;
    const isUpper = c >= 65 && c <= 90;
    const isLower = c >= 97 && c <= 122;
    if (!isUpper && !isLower) return false;
    const ch = s[i];
    if ('AEIOUaeiou'.includes(ch as string)) return false;
    if (c === 122 /* z */ && zAt < 0) zAt = i;
  }
  if (hex) return true;
  return zAt >= 10 && zAt < n - 1; // the separator after 6+4 time characters, then the inode
}

const NOTICES = [
  'sender non-delivery notification: ', // bounce/bounce_notify_service.c
  'postmaster non-delivery notification: ',
  'sender delivery status notification: ', // bounce_trace_service.c
  'sender delay notification: ', // bounce_warn_service.c
  'postmaster delay notification: ',
];

/** Lines after `QID: ` that say nothing about a message's path (resent headers, header_checks actions, SMTP chatter). */
const IGNORED_AFTER_QUEUE_ID = [
  'resent-message-id=', 'reject_warning:', 'warning:', 'warn:', 'info:', 'hold:', 'discard:', 'filter:', 'redirect ', 'redirect:',
  'prepend:', 'replace:', 'enabling PIX workarounds', 'lost connection', 'host ', 'conversation with ', 'Cannot start TLS',
  'skipped, still being delivered', 'postmaster delivery status notification: ', 'enabling ',
];

/** Lines of a Postfix daemon without a queue ID, or with one and a severity, that carry nothing to trace. */
function isNoise(message: string): boolean {
  return message.startsWith('warning:') || message.startsWith('fatal:') || message.startsWith('panic:') || message.startsWith('error:');
}

/** The value of `key<...>` (between the brackets) in `s` from `from`, or undefined. */
function bracketed(s: string, key: string, from = 0): string | undefined {
  const at = s.indexOf(key, from);
  if (at < 0) return undefined;
  const start = at + key.length;
  const end = s.indexOf('>', start);
  return end < 0 ? undefined : s.slice(start, end);
}

/** The text after `key` up to the next `, ` (or the end). */
function commaField(s: string, key: string): string | undefined {
  const at = s.indexOf(key);
  if (at < 0) return undefined;
  const start = at + key.length;
  const end = s.indexOf(', ', start);
  return end < 0 ? s.slice(start) : s.slice(start, end);
}

/** Exim's queue ID in a reply (`250 OK id=1tJabc-000123-AB`). */
const EXIM_ID_IN_REPLY = /\bid=([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4})\b/;

/**
 * The next hop's queue ID in an SMTP/LMTP reply: Postfix smtpd's `250 2.0.0 Ok: queued as 4D8F21C3B2` or
 * `Ok: 10123 bytes queued as 41yYhh41qmznjbD` (BDAT, BDAT_README), a content filter's reply that quotes it,
 * Exim's `250 OK id=10HmaY-000000005vi-0000`. Exported for the Exim parser (`C="..."`).
 */
export function nextQueueIdIn(reply: string): string | undefined {
  const at = reply.lastIndexOf('queued as ');
  if (at >= 0) {
    let end = at + 10;
    while (end < reply.length) {
      const c = reply.charCodeAt(end);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) break;
      end++;
    }
    if (end > at + 10) return reply.slice(at + 10, end);
  }
  if (reply.includes('id=')) return EXIM_ID_IN_REPLY.exec(reply)?.[1];
  return undefined;
}

/** Cyrus lmtpd's session ID in its 250 reply (imap/lmtp_err.et LMTP_OK: `250 2.1.5 %s SESSIONID=<%s>`). */
export function sessionIdIn(reply: string): string | undefined {
  const at = reply.indexOf('SESSIONID=<');
  if (at < 0) return undefined;
  const end = reply.indexOf('>', at + 11);
  return end < 0 ? undefined : reply.slice(at + 11, end);
}

const STATUSES: Readonly<Record<string, DeliveryStatus>> = {sent: 'sent', deferred: 'deferred', bounced: 'bounced', expired: 'expired'};

/**
 * `to=<x>, [orig_to=<y>,] relay=..., [conn_use=N,] delay=N, delays=a/b/c/d, [tls=...,] dsn=X.Y.Z,
 * status=S (reason)` (global/log_adhoc.c). Address-verification probes (`status=deliverable`,
 * `undeliverable`) deliver nothing: ignored.
 */
function delivery(base: MaillogRecord, rest: string): ParseResult {
  const to = bracketed(rest, 'to=<');
  const statusAt = rest.indexOf(', status=');
  if (to === undefined || statusAt < 0) return 'unknown';
  const afterStatus = rest.slice(statusAt + 9);
  const space = afterStatus.indexOf(' ');
  const word = space < 0 ? afterStatus : afterStatus.slice(0, space);
  if (word === 'deliverable' || word === 'undeliverable') return 'ignored';
  const status = STATUSES[word];
  if (!status) return 'unknown';
  base.kind = 'delivery';
  base.to = to;
  base.status = status;
  const head = rest.slice(0, statusAt);
  const origTo = bracketed(head, ', orig_to=<');
  if (origTo !== undefined) base.origTo = origTo;
  const relay = commaField(head, ', relay=');
  if (relay !== undefined) base.relay = relay;
  const dsn = commaField(head, ', dsn=');
  if (dsn !== undefined) base.dsn = dsn;
  if (space >= 0 && afterStatus[space + 1] === '(') {
    const close = afterStatus.lastIndexOf(')');
    const reason = afterStatus.slice(space + 2, close > space ? close : afterStatus.length);
    base.reason = reason;
    const next = nextQueueIdIn(reason);
    if (next !== undefined) base.nextQueueId = next;
    const session = sessionIdIn(reason);
    if (session !== undefined) base.sessionId = session;
  }
  return base;
}

/**
 * smtpd's `reject: RCPT from host[ip]: 550 5.1.1 <x>: Recipient address rejected: ...; from=<a> to=<b>
 * proto=ESMTP helo=<h>` (smtpd/smtpd_check.c log_whatsup: `%s: %s: %s from %s: %s;` then the optional
 * ` from=<>`, ` to=<>`, ` proto=`, ` helo=<>`), and cleanup's milter-reject, which has the same tail.
 */
function reject(base: MaillogRecord, rest: string): ParseResult {
  const fromAt = rest.indexOf(' from ');
  const clientEnd = fromAt < 0 ? -1 : rest.indexOf(': ', fromAt + 6);
  if (clientEnd < 0) return 'unknown';
  base.kind = 'reject';
  base.status = 'rejected';
  base.client = rest.slice(fromAt + 6, clientEnd);
  let tail = rest.lastIndexOf('; from=<');
  if (tail < 0) tail = rest.lastIndexOf('; to=<');
  if (tail < 0) tail = rest.lastIndexOf('; proto=');
  if (tail < 0) tail = rest.lastIndexOf(';');
  const reason = rest.slice(clientEnd + 2, tail < clientEnd ? rest.length : tail);
  base.reason = reason;
  if (reason.length > 10 && reason[3] === ' ' && reason[5] === '.') {
    const dsnEnd = reason.indexOf(' ', 4);
    if (dsnEnd > 4) base.dsn = reason.slice(4, dsnEnd);
  }
  if (tail > clientEnd) {
    const suffix = rest.slice(tail);
    const from = bracketed(suffix, ' from=<');
    if (from !== undefined) base.from = from;
    const to = bracketed(suffix, ' to=<');
    if (to !== undefined) base.to = to;
    const protoAt = suffix.indexOf(' proto=');
    if (protoAt >= 0) {
      const end = suffix.indexOf(' ', protoAt + 7);
      base.protocol = suffix.slice(protoAt + 7, end < 0 ? suffix.length : end);
    }
  }
  return base;
}

/**
 * One Postfix line (the syslog parts of a program {@link isPostfixProgram} accepts) into a record; `ignored`
 * for lines with nothing to trace (`connect from`, `disconnect from`, `warning:`, `statistics:`), `unknown`
 * for a line with a queue ID that no rule understood.
 */
export function parsePostfix(line: SyslogLine): ParseResult {
  const message = line.message;
  const colon = message.indexOf(': ');
  if (colon < 0 || isNoise(message)) return 'ignored';
  const id = message.slice(0, colon);
  const noQueue = id === 'NOQUEUE';
  if (!noQueue && !isPostfixQueueId(id)) return 'ignored';
  const rest = message.slice(colon + 2);
  const base: MaillogRecord = {time: line.time, host: line.host, mta: 'postfix', program: line.program, kind: 'client'};
  if (!noQueue) base.queueId = id;

  if (rest.startsWith('reject: ') || rest.startsWith('milter-reject: ')) return reject(base, rest);
  if (noQueue) return 'ignored'; // NOQUEUE: filter:, NOQUEUE: client=... (no mail transaction)
  if (rest.startsWith('to=<') && rest.includes(', status=')) return delivery(base, rest);
  if (rest.startsWith('client=')) {
    // smtpd/smtpd.c: `%s: client=%s` then optional `, sasl_method=`, `, orig_queue_id=`, `, orig_client=`.
    const end = rest.indexOf(', ', 7);
    base.client = end < 0 ? rest.slice(7) : rest.slice(7, end);
    return base;
  }
  if (rest.startsWith('message-id=')) {
    // cleanup/cleanup_message.c: the header's value as it came, `<>` when there was none.
    base.kind = 'message-id';
    base.messageId = normalizeMessageId(rest.slice(11));
    return base;
  }
  if (rest.startsWith('from=<')) {
    const from = bracketed(rest, 'from=<');
    if (from === undefined) return 'unknown';
    base.from = from;
    const after = rest.slice(6 + from.length + 1);
    if (after.startsWith(', size=')) {
      // global/opened.c: `%s: from=<%s>, size=%ld, nrcpt=%d (queue active)`.
      base.kind = 'queued';
      const size = Number.parseInt(after.slice(7), 10);
      if (Number.isFinite(size)) base.size = size;
      const nrcptAt = after.indexOf(', nrcpt=');
      if (nrcptAt >= 0) {
        const nrcpt = Number.parseInt(after.slice(nrcptAt + 8), 10);
        if (Number.isFinite(nrcpt)) base.nrcpt = nrcpt;
      }
      return base;
    }
    if (after.startsWith(', status=') && after.includes('expired')) {
      // qmgr/qmgr_active.c: `%s: from=<%s>, status=expired, returned to sender` (or force-expired).
      base.kind = 'delivery';
      base.status = 'expired';
      base.reason = after.slice(9);
      return base;
    }
    return 'unknown';
  }
  if (rest === 'removed') {
    base.kind = 'removed';
    return base;
  }
  if (rest.startsWith('uid=')) {
    // pickup/pickup.c: `%s: uid=%d from=<%s>` (and ` orig_id=%s`).
    base.kind = 'pickup';
    const from = bracketed(rest, ' from=<');
    if (from !== undefined) base.from = from;
    return base;
  }
  for (const notice of NOTICES) {
    if (rest.startsWith(notice)) {
      base.kind = 'notice';
      const next = rest.slice(notice.length).trim();
      if (isPostfixQueueId(next)) base.nextQueueId = next;
      return base;
    }
  }
  for (const prefix of IGNORED_AFTER_QUEUE_ID) if (rest.startsWith(prefix)) return 'ignored';
  return 'unknown';
}
