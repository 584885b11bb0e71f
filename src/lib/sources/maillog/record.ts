/**
 * One MTA log line, understood: what `bonnie maillog` keeps of Postfix, Exim and Cyrus lmtpd lines to
 * chase a message through the hosts it crossed (issue 18). Flat, with optional fields, so that the parsers
 * stay simple and the catalog's tables map one field to one column.
 *
 * Times are ms since the epoch (core/time.ts). A line of a program bonnie does not trace (cron, sshd) is
 * not a record; a line of a mail program that no parser understands is counted as unknown, never fatal.
 */
export type Mta = 'postfix' | 'exim' | 'cyrus';

/**
 * What the line says happened:
 * - `client`: a queue entry was opened for a message from a client (Postfix smtpd `client=`, Exim `<=`);
 * - `pickup`: a queue entry for locally submitted mail (Postfix pickup `uid= from=`);
 * - `message-id`: the message's Message-ID (Postfix cleanup);
 * - `queued`: envelope sender, size and recipient count (Postfix qmgr `from= size= nrcpt=`);
 * - `delivery`: one recipient's delivery attempt (Postfix smtp/lmtp/local/virtual/pipe/error `to=`,
 *   Exim `=>`, `->`, `**`, `==`), with its status;
 * - `notice`: a new message made from this one (Postfix bounce: `sender non-delivery notification: QID`);
 * - `removed`: the queue entry is gone (Postfix qmgr `removed`, Exim `Completed`);
 * - `reject`: refused before a queue entry existed (Postfix `NOQUEUE: reject:`, Exim `rejected RCPT`);
 * - `mailbox`: Cyrus lmtpd stored the message in a mailbox (`Delivered: <msgid> to mailbox: user.x`).
 */
export type MaillogKind = 'client' | 'pickup' | 'message-id' | 'queued' | 'delivery' | 'notice' | 'removed' | 'reject' | 'mailbox';

/** A delivery's outcome; `rejected` only for `reject` records. */
export type DeliveryStatus = 'sent' | 'deferred' | 'bounced' | 'expired' | 'rejected';

export interface MaillogRecord {
  /** When the line was written, ms since the epoch. */
  time: number;
  /** The host that wrote it: syslog's host field, or the one given for a file without one (Exim's mainlog). */
  host: string;
  mta: Mta;
  /** The program as logged: `postfix/smtpd`, `postfix-b/lmtp`, `exim`, `lmtpunix`, `cyrus/lmtp`. */
  program: string;
  kind: MaillogKind;
  /** The MTA's queue ID on this host (Postfix `4Fh0Zb1XyTz9vWd`, Exim `1tJabc-000123-AB`); absent for `mailbox` and for a `reject` before a queue entry existed (`NOQUEUE`). */
  queueId?: string;
  /** The connecting client, as logged (`host[1.2.3.4]`, `[::1]`). */
  client?: string;
  /** Envelope sender, without angle brackets; `''` for the null sender (bounces). */
  from?: string;
  /** Envelope recipient, without angle brackets. */
  to?: string;
  /** The recipient before rewriting (Postfix `orig_to=`, Exim's `<original>` or `P=` parent). */
  origTo?: string;
  /** Message size in bytes, as the MTA counted it. */
  size?: number;
  nrcpt?: number;
  /** The Message-ID header's value, always in angle brackets (`<abc@host>`, normalizeMessageId); `''` when the message had none (Postfix `message-id=<>`). */
  messageId?: string;
  /** Where a delivery went: `mx.example.com[1.2.3.4]:25`, `127.0.0.1[127.0.0.1]:2003`, `local`, `none`. */
  relay?: string;
  status?: DeliveryStatus;
  /** The enhanced status code (`2.0.0`, `4.4.1`, `5.1.1`). */
  dsn?: string;
  /** The text in parentheses after the status, or Exim's error text: the reason for a deferral or bounce. */
  reason?: string;
  /**
   * The queue ID the message was given next: by the next hop for a delivery (`250 2.0.0 Ok: queued as
   * 4Fh1...`, Exim `C="250 OK id=1tJ..."`), or of the notice a `notice` record made.
   */
  nextQueueId?: string;
  /** Cyrus' LMTP session ID from the 250 reply (`SESSIONID=<cyrus-...>`): the `vnd.cmu.sessionId` of its events. */
  sessionId?: string;
  /** For `mailbox`: the Cyrus mailbox name as logged (`user.alice`, `user.alice.Sent`). */
  mailbox?: string;
  /** Protocol of a received message (`ESMTP`, Exim `P=esmtps`). */
  protocol?: string;
}
