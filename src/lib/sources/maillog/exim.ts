/**
 * Exim main log lines into {@link MaillogRecord}s, from Exim's own mainlog (`2026-12-07 15:27:11 <id> <= ...`,
 * no host: the caller names it) or through syslog (`host exim[123]: ...`, where the message keeps Exim's
 * timestamp unless `syslog_timestamp = false`). Formats from Exim's specification (doc/doc-docbook/spec.xfpt,
 * chapter "Log files": "Logging message reception", "Logging deliveries", "Deferred deliveries", "Delivery
 * failures", "Completion", the field table) and its test suite's expected logs (test/log/*).
 *
 * Message IDs: up to 4.96 `16ZCW1-0005MB-00` (6-6-2), from 4.97 `10HmaX-000000005vi-0000` (6-11-4: the
 * pid part grew; src/local_scan.h MESSAGE_ID_PID_LEN 11, MESSAGE_ID_SUBTIME_LEN 4). Both are read.
 */
import type {DeliveryStatus, MaillogRecord} from './record.js';
import {normalizeMessageId} from './message-id.js';
import {nextQueueIdIn, sessionIdIn, type ParseResult} from './postfix.js';
import {isoTimeAt} from './syslog-line.js';

/** Whether a syslog tag is Exim's (`exim`; Debian's `exim4`; `syslog_processname` left alone). */
export function isEximProgram(program: string): boolean {
  return program.startsWith('exim');
}

function isBase62(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/** Whether `s` is an Exim message ID, old (6-6-2, 16 characters) or 4.97+ (6-11-4, 23). */
export function isEximQueueId(s: string): boolean {
  if (s.length === 16) return s[6] === '-' && s[13] === '-' && isBase62(s, 0, 6) && isBase62(s, 7, 13) && isBase62(s, 14, 16);
  if (s.length === 23) return s[6] === '-' && s[18] === '-' && isBase62(s, 0, 6) && isBase62(s, 7, 18) && isBase62(s, 19, 23);
  return false;
}

/** Exim's field identifiers (spec, "Summary of Fields in Log Lines"): `KEY=value` tokens. */
const FIELD = /^(?:A|C|Ci|CV|D|DKIM|DN|DS|DT|F|H|I|id\*?|M8S|P|PRX|PS|Q|QT|R|RT|S|SNI|ST|T|TFO|U|X)=/;
/** Flags logged without a value: `L` (pipelining), `K` (chunking), `PRDR`, `*` (a reused connection). */
const FLAGS = new Set(['L', 'K', 'PRDR', '*']);

interface Fields {
  values: Map<string, string>;
  /** Where the text after the fields begins (a deferral's or failure's reason), or -1. */
  reasonAt: number;
}

/**
 * Reads `KEY=value` fields from `pos`: a quoted value (`C="250 OK id=..."`, `T="a subject"`) runs to the
 * quote before a space or the end; `H=` runs through the `[ip]` token (`H=name (helo) [1.2.3.4]:25`). The
 * first token that is no field starts the reason; a token ending in `:` ends the fields (`T=remote_smtp:
 * SMTP error ...`, `<a@b>: unknown mail domain`).
 */
function readFields(s: string, pos: number): Fields {
  const values = new Map<string, string>();
  let p = pos;
  while (p < s.length) {
    while (s.charCodeAt(p) === 32) p++;
    if (p >= s.length) break;
    let end = s.indexOf(' ', p);
    if (end < 0) end = s.length;
    const token = s.slice(p, end);
    if (token === ':') return {values, reasonAt: end + 1};
    const match = FIELD.exec(token);
    if (!match) {
      if (FLAGS.has(token)) { p = end; continue; }
      return {values, reasonAt: p};
    }
    const key = match[0].slice(0, -1);
    const valueStart = p + match[0].length;
    let valueEnd = end;
    if (s[valueStart] === '"') {
      let q = s.indexOf('"', valueStart + 1);
      while (q >= 0 && q + 1 < s.length && s[q + 1] !== ' ' && s[q + 1] !== ':') q = s.indexOf('"', q + 1);
      valueEnd = q < 0 ? s.length : q + 1;
    } else if (key === 'H' && s[valueStart] !== '[') {
      const bracket = s.indexOf(' [', valueStart);
      if (bracket >= 0) {
        const close = s.indexOf(' ', bracket + 2);
        valueEnd = close < 0 ? s.length : close;
      }
    }
    let value = s.slice(valueStart, valueEnd);
    const endsReason = value.endsWith(':') && s.charCodeAt(valueEnd) === 32;
    if (endsReason) value = value.slice(0, -1);
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!values.has(key)) values.set(key, value);
    if (endsReason) return {values, reasonAt: valueEnd + 1};
    p = valueEnd;
  }
  return {values, reasonAt: -1};
}

/** An enhanced status code (RFC 3463) in a reply: `553 5.3.0 ...`. */
const DSN = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

function setReason(record: MaillogRecord, s: string, at: number): void {
  if (at < 0 || at >= s.length) return;
  const reason = s.slice(at).trim();
  if (reason === '') return;
  record.reason = reason;
  const dsn = DSN.exec(reason);
  if (dsn?.[1] !== undefined) record.dsn = dsn[1];
}

/** `<= sender fields`: the message was received (spec, "Logging message reception"). */
function received(record: MaillogRecord, s: string, pos: number): ParseResult {
  let end = s.indexOf(' ', pos);
  if (end < 0) end = s.length;
  const sender = s.slice(pos, end);
  record.kind = 'client';
  record.from = sender === '<>' ? '' : sender;
  const {values} = readFields(s, end);
  const host = values.get('H');
  if (host !== undefined) record.client = host;
  const protocol = values.get('P');
  if (protocol !== undefined) record.protocol = protocol;
  const size = values.get('S');
  if (size !== undefined && /^\d+$/.test(size)) record.size = Number(size);
  const id = values.get('id') ?? values.get('id*');
  if (id !== undefined) record.messageId = normalizeMessageId(id);
  return record;
}

/**
 * `=>`/`->`/`>>`, `**`, `==` lines: `address [<original>] [(parent)] fields [reason]` (spec, "Logging
 * deliveries": the original address in angle brackets, an intermediate one in parentheses).
 */
function delivered(record: MaillogRecord, s: string, pos: number, status: DeliveryStatus): ParseResult {
  let end = s.indexOf(' ', pos);
  if (end < 0) end = s.length;
  let address = s.slice(pos, end);
  record.kind = 'delivery';
  record.status = status;
  let p = end;
  let reasonAt = -1;
  if (address.endsWith(':')) { // `** jim@x: reason`: nothing but the address
    address = address.slice(0, -1);
    reasonAt = end + 1;
  }
  record.to = address;
  if (reasonAt < 0 && s[p + 1] === '<') {
    const close = s.indexOf('>', p + 2);
    if (close > 0) {
      record.origTo = s.slice(p + 2, close);
      p = close + 1;
      if (s[p] === ':') reasonAt = p + 1;
    }
  }
  if (reasonAt < 0 && s[p + 1] === '(') {
    const close = s.indexOf(')', p + 2);
    if (close > 0) p = close + 1;
  }
  if (reasonAt < 0) {
    const fields = readFields(s, p);
    reasonAt = fields.reasonAt;
    const relay = fields.values.get('H');
    if (relay !== undefined) record.relay = relay;
    const confirmation = fields.values.get('C');
    if (confirmation !== undefined) {
      // spec, smtp_confirmation: the reply to the final `.`; Exim's `250 OK id=...`, Postfix's `queued as`.
      const next = nextQueueIdIn(confirmation);
      if (next !== undefined) record.nextQueueId = next;
      const session = sessionIdIn(confirmation);
      if (session !== undefined) record.sessionId = session;
      if (status === 'sent') record.reason = confirmation;
    }
  }
  if (status !== 'sent') setReason(record, s, reasonAt);
  return record;
}

/** `H=... F=<a> rejected RCPT <b>: reason` (acl.c; the test suite's logs), without a message ID. */
function rejected(record: MaillogRecord, s: string, pos: number, at: number): ParseResult {
  const {values} = readFields(s.slice(0, at), pos);
  record.kind = 'reject';
  record.status = 'rejected';
  const host = values.get('H');
  if (host !== undefined) record.client = host;
  const from = values.get('F');
  if (from !== undefined) record.from = from.startsWith('<') && from.endsWith('>') ? from.slice(1, -1) : from;
  const open = s.indexOf('<', at);
  const close = open < 0 ? -1 : s.indexOf('>', open);
  if (close > 0) record.to = s.slice(open + 1, close);
  if (close > 0 && s[close + 1] === ':') setReason(record, s, close + 2);
  return record;
}

const MARKERS: Readonly<Record<string, DeliveryStatus>> = {'=>': 'sent', '->': 'sent', '>>': 'sent', '**': 'bounced', '==': 'deferred'};

/**
 * An Exim log message (after syslog's header, or after the mainlog's timestamp) into a record. `base`
 * carries time, host and program. Lines of Exim with nothing to trace (queue runs, connections, `Frozen`,
 * SMTP errors that a `==` or `**` line repeats, fake deliveries `*>`) are `ignored`.
 */
export function parseEximMessage(message: string, base: Pick<MaillogRecord, 'time' | 'host' | 'program'>): ParseResult {
  let s = message;
  if (s.charCodeAt(0) === 91 /* [ */) {
    // log.c splits a long line for syslog into `[1/3] `, `[2\3] `...: only the first part has the ID.
    const chunk = /^\[(\d+)[\\/](\d+)\] /.exec(s);
    if (chunk) {
      if (chunk[1] !== '1') return 'ignored';
      s = s.slice(chunk[0].length);
    }
  }
  let pos = 0;
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const stamp = isoTimeAt(s, 0); // syslog_timestamp (the default) keeps Exim's own time in the message
    if (stamp && s[stamp[1]] === ' ') pos = stamp[1] + 1;
  }
  if (s.charCodeAt(pos) === 91 /* [ */) { // log_selector +pid: `[1236] `
    const close = s.indexOf('] ', pos);
    if (close > 0 && /^\d+$/.test(s.slice(pos + 1, close))) pos = close + 2;
  }
  const record: MaillogRecord = {time: base.time, host: base.host, mta: 'exim', program: base.program, kind: 'client'};
  const idEnd = s.indexOf(' ', pos);
  const id = idEnd < 0 ? s.slice(pos) : s.slice(pos, idEnd);
  if (!isEximQueueId(id)) {
    const at = s.indexOf('rejected RCPT ', pos);
    return at >= 0 ? rejected(record, s, pos, at) : 'ignored';
  }
  record.queueId = id;
  const rest = idEnd + 1;
  const markerEnd = s.indexOf(' ', rest);
  const marker = markerEnd < 0 ? s.slice(rest) : s.slice(rest, markerEnd);
  if (marker === 'Completed') {
    record.kind = 'removed';
    return record;
  }
  if (markerEnd < 0) return 'ignored';
  if (marker === '<=') return received(record, s, markerEnd + 1);
  const status = MARKERS[marker];
  if (status) return delivered(record, s, markerEnd + 1, status);
  if (s.startsWith('rejected RCPT ', rest) || s.includes(' rejected RCPT ', rest)) return rejected(record, s, rest, s.indexOf('rejected RCPT ', rest));
  return 'ignored';
}

/**
 * One line of Exim's own mainlog (`2026-12-07 15:27:11[.123] [+0100] [[pid]] ...`, local time unless the
 * zone is logged): `host` is the machine whose log it is, since the file does not say. Undefined when the
 * line does not start with Exim's timestamp.
 */
export function parseEximMainlogLine(line: string, host: string, program = 'exim'): ParseResult | undefined {
  const stamp = isoTimeAt(line, 0);
  if (!stamp || line[10] !== ' ' || line[stamp[1]] !== ' ') return undefined;
  return parseEximMessage(line.slice(stamp[1] + 1), {time: stamp[0], host, program});
}
