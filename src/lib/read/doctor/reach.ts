/**
 * Can bonnie reach the IMAP server and the LDAP directory? `bonnie doctor` connects and completes the TLS
 * handshake its settings call for (config/tls.ts: implicit TLS, or STARTTLS where required), then hangs
 * up: no password is sent. With `login`, it logs in the way the collector (IMAP) and process (LDAP) do;
 * those modules (imapflow, ldapts) are imported only then.
 */
import {connect as netConnect, type Socket} from 'node:net';
import {connect as tlsConnect, type TLSSocket} from 'node:tls';
import type {ImapSettings, LdapSettings} from '../../base/config/settings.js';
import {certificateProblem, planTls, tlsConnectionOptions, type TlsTarget} from '../../base/config/tls.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {error, ok, warning, type CheckResult} from './check.js';

/** How long each step (connect, greeting, handshake) may take. */
export const REACH_TIMEOUT_MS = 5000;

/** RFC 4511 section 4.14.1: an ExtendedRequest with the StartTLS OID, message id 1. */
const LDAP_STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const LDAP_STARTTLS_REQUEST = Buffer.concat([Buffer.from([0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]), Buffer.from(LDAP_STARTTLS_OID, 'latin1')]);

export interface ReachOptions {
  timeoutMs?: number;
  /** Log in (sends the password from the password file). */
  login?: boolean;
}

export async function checkImapReach(imap: ImapSettings | undefined, options: ReachOptions = {}): Promise<CheckResult> {
  const id = 'reach.imap';
  if (imap === undefined) return ok(id, 'imap_url is not set: the collector reads the spool only');
  const timeoutMs = options.timeoutMs ?? REACH_TIMEOUT_MS;
  const target: TlsTarget = {protocol: 'IMAP', url: imap.url, host: imap.host, key: 'imap', mode: imap.tls ?? 'verify', caFile: imap.caFile};
  const plan = planTls(imap.secure, imap.host, target.mode);
  let socket: Socket | undefined;
  let found: string;
  try {
    let tls: TLSSocket | undefined;
    if (plan.implicit) {
      tls = await handshake(target, undefined, timeoutMs);
      socket = tls;
    } else {
      socket = await tcp(imap.host, imap.port, timeoutMs);
    }
    const greeting = await readUntil(socket, (text) => /\r?\n/.test(text), timeoutMs, 'the greeting');
    if (!/^\* (OK|PREAUTH)/i.test(greeting)) return error(id, `${imap.url} greeted with "${greeting.trim().slice(0, 80)}", not an IMAP server's OK`, 'Check imap_url: host and port of Cyrus\' imap (143) or imaps (993) service.');
    if (tls === undefined && plan.startTls !== 'never') {
      let offered = /STARTTLS/i.test(greeting);
      if (!offered && plan.startTls === 'if-offered') {
        socket.write('D0 CAPABILITY\r\n');
        offered = /STARTTLS/i.test(await readUntil(socket, (text) => /^D0 /m.test(text), timeoutMs, 'CAPABILITY'));
      }
      if (offered || plan.startTls === 'required') {
        socket.write('D1 STARTTLS\r\n');
        const answer = await readUntil(socket, (text) => /^D1 /m.test(text), timeoutMs, 'STARTTLS');
        if (!/^D1 OK/im.test(answer)) {
          return error(id, `${imap.url} refused STARTTLS (${answer.trim().slice(0, 80)}): bonnie will not send the password`, 'Enable TLS in Cyrus (tls_server_cert, tls_server_key), or use imaps:// in imap_url.');
        }
        tls = await handshake(target, socket, timeoutMs);
        socket = tls;
      }
    }
    found = tls === undefined ? `${imap.url}: Cyrus answered (loopback, no TLS needed)` : `${imap.url}: Cyrus answered, TLS ${tls.getProtocol() ?? ''}${plan.verify ? ', certificate verified' : ''}`;
    socket.write('D9 LOGOUT\r\n');
    if (tls === undefined && plan.startTls === 'if-offered') {
      socket.destroy();
      return warning(id, `${imap.url}: Cyrus answered without offering STARTTLS; with imap_tls: off the password goes in the clear`, 'Enable TLS in Cyrus, or use imaps:// in imap_url.');
    }
  } catch (e) {
    socket?.destroy();
    return reachFailure(id, target, e);
  }
  socket.destroy();
  if (!plan.verify) return warning(id, `${found}; the certificate is not checked (imap_tls: off)`, 'Set imap_ca_file to the CA that signed the server\'s certificate and remove imap_tls: off.');
  if (options.login !== true) return ok(id, found);
  try {
    const {connectImap} = await import('../../sources/imap/connect.js');
    const client = await connectImap(imap);
    await client.logout();
    return ok(id, `${found}; logged in as ${imap.user}`);
  } catch (e) {
    return reachFailure(id, target, e);
  }
}

export async function checkLdapReach(ldap: LdapSettings | undefined, options: ReachOptions = {}): Promise<CheckResult> {
  const id = 'reach.ldap';
  if (ldap === undefined) return ok(id, 'ldap_url is not set: people are identified by their login');
  const timeoutMs = options.timeoutMs ?? REACH_TIMEOUT_MS;
  const url = new URL(ldap.url);
  const secure = url.protocol === 'ldaps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (secure ? 636 : 389) : Number(url.port);
  const target: TlsTarget = {protocol: 'LDAP', url: ldap.url, host, key: 'ldap', mode: ldap.tls ?? 'verify', caFile: ldap.caFile};
  const plan = planTls(secure, host, target.mode);
  let socket: Socket | undefined;
  let found: string;
  try {
    if (plan.implicit) {
      socket = await handshake({...target}, undefined, timeoutMs, port);
      found = `${ldap.url}: TLS ${(socket as TLSSocket).getProtocol() ?? ''}${plan.verify ? ', certificate verified' : ''}`;
    } else {
      socket = await tcp(host, port, timeoutMs);
      // ldap:// with tls off stays plain (directory/ldap.ts): only `required` upgrades.
      if (plan.startTls === 'required') {
        socket.write(LDAP_STARTTLS_REQUEST);
        const code = await ldapExtendedResult(socket, timeoutMs);
        if (code !== 0) return error(id, `${ldap.url} refused StartTLS (result code ${code}): bonnie will not bind`, 'Enable TLS on the directory (olcTLSCertificateFile...), or use ldaps:// in ldap_url.');
        socket = await handshake(target, socket, timeoutMs);
        found = `${ldap.url}: StartTLS, TLS ${(socket as TLSSocket).getProtocol() ?? ''}, certificate verified`;
      } else {
        found = `${ldap.url}: connected${plan.startTls === 'never' ? ' (loopback, no TLS needed)' : ''}`;
      }
    }
  } catch (e) {
    socket?.destroy();
    return reachFailure(id, target, e);
  }
  socket.destroy();
  if (!plan.verify) return warning(id, `${found}; the certificate is not checked and ldap:// stays plain (ldap_tls: off)`, 'Set ldap_ca_file to the CA that signed the directory\'s certificate and remove ldap_tls: off.');
  if (options.login !== true) return ok(id, found);
  try {
    const {LdapDirectory} = await import('../../sources/directory/ldap.js');
    const directory = new LdapDirectory(ldap, {warn: () => {}});
    try {
      // A login nobody has: the bind and a search under ldap_base_dn happen; the answer does not matter.
      await directory.lookUp('bonnie-doctor-probe');
    } finally {
      await directory.close();
    }
    return ok(id, `${found}; bound${ldap.bindDn === undefined ? ' anonymously' : ` as ${ldap.bindDn}`} and searched ${ldap.baseDn}`);
  } catch (e) {
    return reachFailure(id, target, e);
  }
}

function reachFailure(id: string, target: TlsTarget, e: unknown): CheckResult {
  const problem = certificateProblem(e);
  if (problem !== undefined) {
    return error(id, `${target.url}: the certificate did not pass the check (${problem}: ${errorMessage(e)})`, `Set ${target.key}_ca_file to the PEM file of the CA that signed it, and use the name the certificate is for in ${target.key}_url.`);
  }
  if (e instanceof BonnieError) return error(id, e.message, e.hint ?? `Check ${target.key}_url.`);
  const hint = target.key === 'imap' ? 'Check imap_url and that Cyrus is running (cyrus.conf\'s imap or imaps service), and firewalls between.' : 'Check ldap_url and that the directory is running, and firewalls between.';
  return error(id, `cannot reach ${target.url}: ${errorMessage(e)}`, hint);
}

function tcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({host, port});
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** TLS over `socket` (STARTTLS) or a new connection to the target's port (implicit TLS). */
function handshake(target: TlsTarget, socket: Socket | undefined, timeoutMs: number, port?: number): Promise<TLSSocket> {
  const options = tlsConnectionOptions(target);
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const tls = tlsConnect({...options, ...(socket === undefined ? {port: port ?? (url.port === '' ? (target.key === 'imap' ? 993 : 636) : Number(url.port))} : {socket})});
    const timer = setTimeout(() => {
      tls.destroy();
      reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      tls.removeAllListeners('error');
      tls.on('error', () => {});
      resolve(tls);
    });
    tls.once('error', (e) => {
      clearTimeout(timer);
      tls.destroy();
      reject(e);
    });
  });
}

/** Reads text until `done` says the answer is complete. */
function readUntil(socket: Socket, done: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (result: Error | string) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', finish);
      socket.off('close', onClose);
      if (typeof result === 'string') resolve(result);
      else reject(result);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (done(text)) finish(text);
    };
    const onClose = () => finish(new Error(`the server closed the connection before ${what}`));
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    socket.on('data', onData);
    socket.on('error', finish);
    socket.on('close', onClose);
  });
}

/** The resultCode of the ExtendedResponse ([APPLICATION 24]) to the StartTLS request. */
async function ldapExtendedResult(socket: Socket, timeoutMs: number): Promise<number> {
  const locate = (text: string): number | undefined => {
    const bytes = Buffer.from(text, 'latin1');
    const response = bytes.indexOf(0x78);
    if (response < 0) return undefined;
    const code = bytes.indexOf(Buffer.from([0x0a, 0x01]), response);
    return code < 0 || code + 2 >= bytes.length ? undefined : (bytes[code + 2] as number);
  };
  const text = await readUntil(socket, (t) => locate(t) !== undefined, timeoutMs, 'the StartTLS answer');
  return locate(text) as number;
}
