/**
 * A DLP alert as a mail (RFC 5322, plain text) and its sending through the relay of `dlp_smtp` with
 * nodemailer, loaded on first use (the processes that never mail never pay for it).
 *
 * TLS as for IMAP and LDAP (config/tls.ts): with `dlp_smtp_tls: verify` (the default) the relay's
 * certificate and name are checked, and a relay other than loopback must offer STARTTLS (RFC 3207) before
 * anything is sent, AUTH included; port 465 is TLS from the first byte (RFC 8314). The AUTH password is the
 * first line of `dlp_smtp_password_file`, read at each sending, never an argument or a setting's value.
 *
 * The mail names what `history`, `restore` and `export` start from: the rule, the person, the session, the
 * client address, the folder and the message references. Samples are masked as stored: the clear secret
 * never reaches this module.
 */
import {hostname} from 'node:os';
import type {Db} from '../../base/catalog/catalog.js';
import type {DlpNotifySettings} from '../../base/config/settings.js';
import {planTls, tlsConnectionOptions} from '../../base/config/tls.js';
import {readPasswordFile} from '../../sources/directory/password.js';
import {errorMessage} from '../../base/errors.js';
import {alertView, renderAlert} from './alert-report.js';
import {Alerts, type Alert} from './alerts.js';
import {NotifyOutbox, retryDelay} from './notify.js';

/** A plain-text mail, as a transport takes it. */
export interface AlertMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

/** Sends one mail; resolves with its Message-ID (null when the transport gives none). */
export type MailSender = (mail: AlertMail, settings: DlpNotifySettings) => Promise<string | null>;

/** SMTP timeouts: a relay that does not answer must not hold `bonnie process` for long. */
const CONNECTION_TIMEOUT_MS = 15_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** The mail of `alert` (subject, body, headers) for `settings.to`. */
export function alertMail(alert: Alert, settings: Pick<DlpNotifySettings, 'to' | 'from'>): AlertMail {
  const who = alert.login ?? 'unknown person';
  const what = alert.kind === 'content' ? `${alert.hits.map((h) => h.detector).join(', ') || 'content'} (${alert.direction ?? 'direction unknown'})` : (alert.behaviour ?? 'behaviour');
  const view = alertView(alert);
  const refs = alert.messages.map((m) => `  - Message-ID ${m.messageId ?? '-'}, emailid ${m.emailId ?? '-'}, mailbox ${m.mailboxId ?? '-'} UID ${m.uid ?? '-'}`);
  const lines = [
    `bonnie raised DLP alert #${alert.id} on ${hostname()}.`,
    '',
    `Rule:      ${alert.rule} (severity ${alert.severity})`,
    `What:      ${what}`,
    `When:      ${view.at} (raised ${view.raisedAt})`,
    `Person:    ${who}${alert.personId === null ? '' : ` (person ${alert.personId})`}`,
    `Session:   ${alert.sessionId ?? '-'}`,
    `Client:    ${alert.clientIp ?? '-'}`,
    `Folder:    ${alert.folder ?? '-'}${alert.mailboxId === null ? '' : ` (mailbox ${alert.mailboxId})`}`,
    `Count:     ${alert.count}`,
    `Messages:  ${alert.messages.length === 0 ? '-' : `${alert.messages.length}`}`,
    ...refs.slice(0, 50),
    ...(refs.length > 50 ? [`  and ${refs.length - 50} more (bonnie dlp alerts --json)`] : []),
    '',
    renderAlert(view),
    '',
    'Samples are masked; bonnie never stores what a detector matched in clear.',
    `Follow up: bonnie dlp alerts --json | jq '.alerts[] | select(.id == ${alert.id})'`,
    `Acknowledge: bonnie dlp ack ${alert.id} --note "..."`,
  ];
  return {
    from: settings.from ?? `bonnie@${hostname()}`,
    to: settings.to,
    subject: `[bonnie DLP] ${alert.severity.toUpperCase()} ${alert.rule}: ${what} by ${who} (alert #${alert.id})`,
    text: `${lines.join('\n')}\n`,
    headers: {'X-Bonnie-Dlp-Alert': String(alert.id), 'X-Bonnie-Dlp-Rule': alert.rule, 'Auto-Submitted': 'auto-generated'},
  };
}

/** Mails `alert` to `settings.to` through `sender` (default: {@link smtpSender}); resolves with the Message-ID. */
export async function sendAlertMail(alert: Alert, settings: DlpNotifySettings, sender: MailSender = smtpSender): Promise<string | null> {
  return sender(alertMail(alert, settings), settings);
}

/** The relay of `settings` with nodemailer: one connection per mail (alerts are rare; nothing stays open). */
export const smtpSender: MailSender = async (mail, settings) => {
  const {createTransport} = await import('nodemailer');
  const plan = planTls(settings.secure, settings.host, settings.tls);
  const tls = tlsConnectionOptions({protocol: 'SMTP', url: `${settings.host}:${settings.port}`, host: settings.host, key: 'dlp_smtp', mode: settings.tls, caFile: settings.caFile});
  const pass = settings.user === undefined || settings.passwordFile === undefined ? undefined : readPasswordFile({file: settings.passwordFile, key: 'dlp_smtp_password_file', source: undefined, what: 'SMTP password'}, () => undefined);
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: plan.implicit,
    requireTLS: plan.startTls === 'required',
    // Loopback with verify: plain, as the bytes never leave the machine (a local MTA's certificate rarely names localhost).
    ignoreTLS: plan.startTls === 'never' && !plan.implicit,
    tls,
    auth: pass === undefined ? undefined : {user: settings.user as string, pass},
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, headers: mail.headers});
    return typeof info.messageId === 'string' ? info.messageId : null;
  } finally {
    transport.close();
  }
};

/** What one delivery round did. */
export interface DeliverySummary {
  sent: number;
  failed: number;
  /** Still pending after the round (waiting for a retry, or beyond this round's batch). */
  pending: number;
}

export interface DeliveryOptions {
  /** Told about each failure (the caller logs it: syslog, stderr). */
  onError?: (message: string) => void;
  /** Told about each mail sent (the caller logs it). */
  onSent?: (message: string) => void;
  /** The transport (tests, benches); default: nodemailer to the configured relay. */
  sender?: MailSender;
  now?: () => number;
}

/**
 * Mails every due alert of the outbox to `settings.to` through the relay. Never throws for a mail that
 * fails: it is counted, reported to `onError` and retried later. Without `settings` (dlp_notify unset),
 * nothing is sent and the rows wait.
 */
export async function deliverAlertMail(db: Db, settings: DlpNotifySettings | undefined, options: DeliveryOptions = {}): Promise<DeliverySummary> {
  const outbox = new NotifyOutbox(db);
  const summary: DeliverySummary = {sent: 0, failed: 0, pending: 0};
  const now = options.now ?? Date.now;
  if (settings === undefined) {
    summary.pending = outbox.pending();
    return summary;
  }
  const alerts = new Alerts(db);
  for (const row of outbox.due(now())) {
    const alert = alerts.get(row.alert_id);
    if (alert === undefined) continue;
    try {
      const messageId = await sendAlertMail(alert, settings, options.sender);
      outbox.markSent(alert.id, now(), messageId);
      summary.sent++;
      options.onSent?.(`DLP alert #${alert.id} mailed to ${settings.to.join(', ')} through ${settings.host}:${settings.port}${messageId === null ? '' : ` as ${messageId}`}`);
    } catch (error) {
      const reason = errorMessage(error);
      outbox.markFailed(alert.id, row.attempts, now(), reason);
      summary.failed++;
      options.onError?.(`DLP alert #${alert.id}: cannot mail it to ${settings.to.join(', ')} through ${settings.host}:${settings.port} (attempt ${row.attempts + 1}, retried in ${Math.round(retryDelay(row.attempts + 1) / 1000)}s): ${reason}`);
      // The relay is most likely down for the others too: they wait for the next round, no attempt spent.
      break;
    }
  }
  summary.pending = outbox.pending();
  return summary;
}

/** The delivery of a command: failures to `log` (error) and `warn`, mails sent to `log` (info). */
export function alertMailer(db: Db, settings: DlpNotifySettings | undefined, log: (level: 'error' | 'info', message: string) => void, warn: (message: string) => void): () => Promise<DeliverySummary> {
  return () =>
    deliverAlertMail(db, settings, {
      onError: (message) => {
        log('error', message);
        warn(message);
      },
      onSent: (message) => log('info', message),
    });
}
