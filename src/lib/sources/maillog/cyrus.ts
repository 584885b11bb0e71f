/**
 * Cyrus IMAP 3.6 lmtpd lines into `mailbox` records: where a message was stored. Formats from the
 * cyrus-imapd-3.6 source:
 * - imap/lmtpd.c deliver_mailbox(), after append_commit(), always at LOG_INFO:
 *   `Delivered: %s to mailbox: %s` with the Message-ID header's body (lmtpengine.c makes one,
 *   `<cmu-lmtpd-...@host>`, when the message had none) and the internal mailbox name (`user.alice`,
 *   `example.com!user.alice.Sent`);
 * - imap/mailbox.c, with `auditlog: yes` only: `auditlog: append sessionid=<%s> mailbox=<%s> uniqueid=<%s>
 *   uid=<%u> modseq=<%llu> sysflags=<%s> guid=<%s> messageid=%s size=<%u>` (messageid already has its
 *   brackets, or is `unknown`). The session ID is the one lmtpd returns in its 250 reply
 *   (lmtp_err.et LMTP_OK `250 2.1.5 %s SESSIONID=<%s>`), which Postfix logs in the delivery's reason: the
 *   join from an MTA's delivery to the mailbox. imapd logs the same line for an IMAP APPEND, which is why
 *   only lmtp programs are read.
 */
import type {MaillogRecord} from './record.js';
import {normalizeMessageId} from './message-id.js';
import type {ParseResult} from './postfix.js';
import type {SyslogLine} from './syslog-line.js';

/**
 * Whether a syslog tag is Cyrus lmtpd's: the service name from cyrus.conf (`lmtp`, `lmtpunix`; `lmtpd`
 * where the binary's name is used), optionally after a `syslog_prefix` (`cyrus/lmtp`, `cyruslab/lmtpunix`).
 * Call it after Postfix's test: `postfix/lmtp` is Postfix's LMTP client.
 */
export function isCyrusLmtpProgram(program: string): boolean {
  const slash = program.lastIndexOf('/');
  const service = slash < 0 ? program : program.slice(slash + 1);
  return service.startsWith('lmtp');
}

/** `key=<value>` from `s`, or undefined. */
function angleField(s: string, key: string): string | undefined {
  const at = s.indexOf(` ${key}=<`);
  if (at < 0) return undefined;
  const start = at + key.length + 3;
  const end = s.indexOf('>', start);
  return end < 0 ? undefined : s.slice(start, end);
}

const DELIVERED = 'Delivered: ';
const TO_MAILBOX = ' to mailbox: ';
const APPEND = 'auditlog: append ';

/** One Cyrus lmtpd line: `mailbox` for a delivery, `ignored` for the rest (connections, duplicate checks, sieve). */
export function parseCyrus(line: SyslogLine): ParseResult {
  const message = line.message;
  const base: MaillogRecord = {time: line.time, host: line.host, mta: 'cyrus', program: line.program, kind: 'mailbox'};
  if (message.startsWith(DELIVERED)) {
    // The Message-ID is the header's raw body and may hold spaces: the mailbox name is after the last marker.
    const at = message.lastIndexOf(TO_MAILBOX);
    if (at < DELIVERED.length) return 'unknown';
    base.messageId = normalizeMessageId(message.slice(DELIVERED.length, at));
    base.mailbox = message.slice(at + TO_MAILBOX.length).trimEnd();
    return base;
  }
  if (message.startsWith(APPEND)) {
    const rest = message.slice(APPEND.length - 1);
    const sessionId = angleField(rest, 'sessionid');
    const mailbox = angleField(rest, 'mailbox');
    if (sessionId === undefined || mailbox === undefined) return 'unknown';
    base.sessionId = sessionId;
    base.mailbox = mailbox;
    const idAt = rest.indexOf(' messageid=');
    if (idAt >= 0) {
      const end = rest.indexOf(' size=<', idAt);
      base.messageId = normalizeMessageId(rest.slice(idAt + 11, end < 0 ? rest.length : end));
    }
    const size = angleField(rest, 'size');
    if (size !== undefined && /^\d+$/.test(size)) base.size = Number(size);
    return base;
  }
  return 'ignored';
}
