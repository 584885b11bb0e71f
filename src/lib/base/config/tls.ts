/**
 * TLS for the connections that carry a secret: the IMAP admin's password (imap_url) and the LDAP bind
 * password (ldap_url). settings.ts validates `imap_tls` / `ldap_tls`; imap/connect.ts and
 * directory/ldap.ts apply {@link planTls} and turn a refusal into a BonnieError with a stable code.
 *
 * `verify` (the default): implicit TLS (imaps://, ldaps://) and STARTTLS check the server's certificate
 * and name against Node's trusted CAs, or only against `*_ca_file` when it is set. imap:// and ldap:// to
 * any host but loopback must upgrade with STARTTLS before anything else is sent; to loopback they stay
 * plain, as the bytes never leave the machine. Loopback is decided by the configured name (localhost,
 * 127.0.0.0/8, ::1), never by what the name resolves to.
 * `off`: no certificate check; imap:// uses STARTTLS when offered (unchecked), ldap:// stays plain.
 *
 * This module is imported by settings.ts, on the dealer's start-up path: node:fs and errors.js only
 * (node:tls is a type import).
 */
import {readFileSync} from 'node:fs';
import type {ConnectionOptions} from 'node:tls';
import {BonnieError, EXIT, errorMessage} from '../errors.js';

export type TlsMode = 'verify' | 'off';

/** The values `imap_tls` and `ldap_tls` accept, the default first. */
export const TLS_MODES: readonly TlsMode[] = ['verify', 'off'];

/** The mode `raw` names, or undefined: exactly `verify` or `off`, nothing else (no yes/no/true guessing). */
export function parseTlsMode(raw: string): TlsMode | undefined {
  const text = raw.trim();
  return (TLS_MODES as readonly string[]).includes(text) ? (text as TlsMode) : undefined;
}

/**
 * True for a host name that is loopback by its spelling: `localhost`, an IPv4 address in 127.0.0.0/8,
 * `::1` (brackets already removed). Not resolved: a name that /etc/hosts maps to 127.0.0.1 is not loopback
 * here, since the file (or DNS) may say otherwise tomorrow.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:)?127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return v4 !== null && v4.slice(1).every((octet) => Number(octet) <= 255);
}

/** How one connection is protected. */
export interface TlsPlan {
  /** TLS from the first byte (imaps://, ldaps://). */
  implicit: boolean;
  /** STARTTLS before anything else: required (refuse otherwise), if the server offers it, or never. */
  startTls: 'required' | 'if-offered' | 'never';
  /** The certificate is checked (chain and name). */
  verify: boolean;
}

/** The plan for a server: `secure` is implicit TLS (imaps://, ldaps://). */
export function planTls(secure: boolean, host: string, mode: TlsMode): TlsPlan {
  const verify = mode === 'verify';
  if (secure) return {implicit: true, startTls: 'never', verify};
  if (!verify) return {implicit: false, startTls: 'if-offered', verify};
  return {implicit: false, startTls: isLoopbackHost(host) ? 'never' : 'required', verify};
}

/** A server bonnie sends a secret to, for tls.connect() options and for messages. */
export interface TlsTarget {
  /** `IMAP` or `LDAP`, for messages. */
  protocol: 'IMAP' | 'LDAP' | 'SMTP';
  /** The configured URL, for messages. */
  url: string;
  /** Host name or address as configured (no brackets). */
  host: string;
  /** Settings prefix the hints name: `imap` (imap_tls, imap_ca_file) or `ldap`. */
  key: 'imap' | 'ldap' | 'dlp_smtp';
  mode: TlsMode;
  /** PEM file of the CAs to trust instead of Node's; undefined: Node's. */
  caFile: string | undefined;
}

/**
 * tls.connect() options for the target: certificate checked unless the mode is `off`; `ca` replaces
 * Node's CAs when `*_ca_file` is set (read now, at each connection, so a renewed CA needs no restart).
 * Throws BonnieError(TlsCaFileUnreadable) when the file cannot be read or holds no PEM certificate.
 */
export function tlsConnectionOptions(target: TlsTarget): ConnectionOptions {
  const options: ConnectionOptions = {rejectUnauthorized: target.mode === 'verify', host: target.host};
  // SNI takes a name, never an address (RFC 6066 section 3); the name check uses `host` either way.
  if (!/^[\d.]+$/.test(target.host) && !target.host.includes(':')) options.servername = target.host;
  if (target.caFile !== undefined) options.ca = readCaFile(target);
  return options;
}

function readCaFile(target: TlsTarget): string {
  let text: string;
  try {
    text = readFileSync(target.caFile as string, 'utf8');
  } catch (error) {
    throw new BonnieError('TlsCaFileUnreadable', `cannot read ${target.key}_ca_file ${target.caFile}: ${errorMessage(error)}`, {
      exit: EXIT.config,
      cause: error,
      hint: `Set ${target.key}_ca_file to a PEM file bonnie can read, holding the CA certificate(s) that signed the ${target.protocol} server's certificate.`,
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BonnieError('TlsCaFileUnreadable', `${target.key}_ca_file ${target.caFile} holds no PEM certificate`, {
      exit: EXIT.config,
      hint: 'Give the CA certificate(s) in PEM ("-----BEGIN CERTIFICATE-----"), e.g. converted with: openssl x509 -inform der -in ca.der -out ca.pem',
    });
  }
  return text;
}

/**
 * Codes of this module's errors: a caller that sorts errors treats them as the run's (or the directory's),
 * not one folder's or one login's, and does not retry them as an outage.
 */
export const TLS_ERROR_CODES: ReadonlySet<string> = new Set(['TlsCertificateRejected', 'StartTlsUnavailable', 'TlsCaFileUnreadable']);

/**
 * The OpenSSL verification code of an error when a certificate failed the check (`DEPTH_ZERO_SELF_SIGNED_CERT`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, `CERT_HAS_EXPIRED`...), else undefined.
 */
export function certificateProblem(error: unknown): string | undefined {
  const code = (error as {code?: unknown} | undefined)?.code;
  return typeof code === 'string' && CERTIFICATE_CODES.has(code) ? code : undefined;
}

/** Node's codes for a certificate that failed verification (X509_V_ERR_* names, and the name check). */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** The certificate failed the check: nothing was sent after the handshake. */
export function certificateRejected(target: TlsTarget, error: unknown): BonnieError {
  const code = certificateProblem(error) ?? 'unknown';
  return new BonnieError('TlsCertificateRejected', `refused the ${target.protocol} server ${target.url}: its certificate did not pass the check (${code}: ${errorMessage(error)}); no password was sent`, {
    cause: error,
    hint:
      `If the server is the right one, set ${target.key}_ca_file to the PEM file of the CA that signed its certificate (and use the name the certificate is for in ${target.key}_url); ` +
      `${target.key}_tls: off skips the check, and anyone between bonnie and the server can then take the password.`,
  });
}

/** STARTTLS was required and the server did not offer it or refused it: nothing else was sent. */
export function startTlsUnavailable(target: TlsTarget, reason: string, error: unknown): BonnieError {
  const secureUrl = target.key === 'imap' ? 'imaps://host:993' : 'ldaps://host:636';
  return new BonnieError('StartTlsUnavailable', `refused the ${target.protocol} server ${target.url}: STARTTLS is required on ${target.key}:// to a host other than loopback, and ${reason}; no password was sent`, {
    cause: error,
    hint: `Enable TLS on the server, or use ${secureUrl} in ${target.key}_url; ${target.key}_tls: off allows a connection without TLS, and anyone between bonnie and the server can then read the password.`,
  });
}
