/**
 * bonnie's IMAP connections to Cyrus (imapflow): as the admin of `imap_user`, reading a user's folders by
 * proxy authorization (SASL PLAIN with the user as authzid; Cyrus lets its `admins` do this), because a
 * Cyrus admin has no read right on other people's folders. The password comes from `imap_password_file`,
 * read at each connection, never from argv, the environment or a log, and sent only over TLS whose
 * certificate passed the check, or in the clear to loopback (`imap_tls`, config/tls.ts). TCP_NODELAY is
 * set: without it small commands wait ~40 ms on Nagle's algorithm (measured in bench/capture).
 */
import type {ImapFlow} from 'imapflow';
import type {ImapSettings} from '../../base/config/settings.js';
import {certificateProblem, certificateRejected, isLoopbackHost, planTls, startTlsUnavailable, tlsConnectionOptions, type TlsTarget} from '../../base/config/tls.js';
import {readPasswordFile} from '../directory/password.js';
import {BonnieError, errorMessage} from '../../base/errors.js';

export interface ImapConnectOptions {
  /** Act as this user (authzid): their folders, in their namespace (`INBOX`, `INBOX.Sent`). Default: the admin itself. */
  as?: string;
  /** Called with warnings (a password file readable by everyone). */
  warn?: (message: string) => void;
}

/**
 * A connected, logged-in client. Throws ImapUnreachable or ImapLoginFailed with a hint; TlsCertificateRejected
 * or StartTlsUnavailable (before any LOGIN or AUTHENTICATE was sent) when `imap_tls` forbids the connection;
 * TlsCaFileUnreadable.
 */
export async function connectImap(settings: ImapSettings, options: ImapConnectOptions = {}): Promise<ImapFlow> {
  const target: TlsTarget = {protocol: 'IMAP', url: settings.url, host: settings.host, key: 'imap', mode: settings.tls ?? 'verify', caFile: settings.caFile};
  const plan = planTls(settings.secure, settings.host, target.mode);
  const pass = readPasswordFile({file: settings.passwordFile ?? '', key: 'imap_password_file', source: settings.passwordFileSource, what: 'IMAP admin password'}, options.warn ?? (() => {}));
  const auth: {user: string; pass: string; authzid?: string} = {user: settings.user, pass};
  if (options.as !== undefined && options.as !== settings.user) auth.authzid = options.as;
  // Imported here: imapflow and its dependencies are ~150 module files and ~200 ms of CPU, which a command
  // that reads the spool (the collector's default, `bonnie archive` from the spool) must not pay.
  const {ImapFlow} = await import('imapflow');
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth,
    logger: false,
    disableAutoIdle: true,
    // DEFLATE buys nothing on loopback and was the largest CPU cost of a restore (bench/restore).
    disableCompression: isLoopbackHost(settings.host),
    // imapflow checks capabilities, then upgrades (or fails with tlsFailed) before ID and authentication.
    // Undefined: STARTTLS when offered; imapflow refuses doSTARTTLS together with secure.
    doSTARTTLS: plan.startTls === 'required' ? true : plan.startTls === 'never' && !plan.implicit ? false : undefined,
    tls: plan.implicit || plan.startTls !== 'never' ? tlsConnectionOptions(target) : undefined,
  });
  client.on('error', () => {
    // A dropped connection surfaces as the failing command's error.
  });
  try {
    await client.connect();
  } catch (error) {
    const e = error as {authenticationFailed?: boolean; code?: string; responseText?: string; tlsFailed?: boolean};
    if (certificateProblem(error) !== undefined) throw certificateRejected(target, error);
    if (e.tlsFailed === true && plan.startTls === 'required') throw startTlsUnavailable(target, `the server answered: ${errorMessage(error)}`, error);
    if (e.authenticationFailed === true || e.code === 'AUTHENTICATIONFAILED') {
      const who = auth.authzid === undefined ? settings.user : `${settings.user} acting as ${auth.authzid}`;
      throw new BonnieError('ImapLoginFailed', `IMAP login to ${settings.url} as ${who} failed${e.responseText ? `: ${e.responseText}` : ''}`, {
        cause: error,
        hint: `Check the password in imap_password_file, that ${settings.user} is listed in imapd.conf's admins (needed to act as another user), and that the user exists.`,
      });
    }
    throw new BonnieError('ImapUnreachable', `cannot reach the IMAP server ${settings.url}: ${errorMessage(error)}`, {
      cause: error,
      hint: 'Check imap_url and that Cyrus is running (cyrus.conf imap service).',
    });
  }
  const socket = (client as unknown as {socket?: {setNoDelay?: (on: boolean) => void}}).socket;
  socket?.setNoDelay?.(true);
  return client;
}

/**
 * The name a user sees for one of their folders, from its admin name: `user.alice` -> `INBOX`,
 * `user.alice.Sent` -> `INBOX.Sent` (Cyrus' standard namespace; the separator is kept). Undefined for a
 * folder outside `user.` (a shared folder) or a deleted one.
 */
export function userFolderPath(adminName: string, separator: string): string | undefined {
  const bare = adminName.replace(/@[^@]+$/, '').replace(/^[^!]+!/, '');
  const parts = bare.split(separator);
  if (parts[0] !== 'user' || parts.length < 2) return undefined;
  return ['INBOX', ...parts.slice(2)].join(separator);
}

/** The login to act as for a folder's owner: `alice`, or `alice@example.com` with virtual domains. */
export function ownerLogin(adminName: string, separator: string): string | undefined {
  let domain: string | undefined;
  let bare = adminName;
  const bang = bare.indexOf('!');
  if (bang > 0) {
    domain = bare.slice(0, bang);
    bare = bare.slice(bang + 1);
  } else {
    const at = bare.lastIndexOf('@');
    if (at > 0) {
      domain = bare.slice(at + 1);
      bare = bare.slice(0, at);
    }
  }
  const parts = bare.split(separator);
  if (parts[0] !== 'user' || parts.length < 2 || parts[1] === undefined) return undefined;
  const local = separator === '.' ? parts[1].replaceAll('^', '.') : parts[1];
  return domain === undefined ? local : `${local}@${domain}`;
}
