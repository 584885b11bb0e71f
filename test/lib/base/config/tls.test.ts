import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {certificateProblem, isLoopbackHost, planTls, tlsConnectionOptions, type TlsTarget} from '../../../../src/lib/base/config/tls.js';
import {EXIT} from '../../../../src/lib/base/errors.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  // By spelling only: a name /etc/hosts maps to 127.0.0.1 may point elsewhere tomorrow.
  it.each(['imap.example.com', 'vm', 'localhost.example.com', 'mylocalhost', '127.0.0.256', '128.0.0.1', '10.0.0.1', '::2', '127.0.0.1.example.com', ''])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('planTls', () => {
  it('requires STARTTLS, checked, on imap:// or ldap:// to a host other than loopback', () => {
    expect(planTls(false, 'imap.example.com', 'verify')).toEqual({implicit: false, startTls: 'required', verify: true});
    expect(planTls(false, '192.0.2.7', 'verify')).toEqual({implicit: false, startTls: 'required', verify: true});
  });

  it('leaves loopback plain: the bytes never leave the machine', () => {
    expect(planTls(false, '127.0.0.1', 'verify')).toEqual({implicit: false, startTls: 'never', verify: true});
    expect(planTls(false, 'localhost', 'verify').startTls).toBe('never');
  });

  it('checks implicit TLS everywhere, loopback included', () => {
    expect(planTls(true, 'localhost', 'verify')).toEqual({implicit: true, startTls: 'never', verify: true});
    expect(planTls(true, 'imap.example.com', 'verify')).toEqual({implicit: true, startTls: 'never', verify: true});
  });

  it('off: nothing checked, STARTTLS only when offered', () => {
    expect(planTls(false, 'imap.example.com', 'off')).toEqual({implicit: false, startTls: 'if-offered', verify: false});
    expect(planTls(true, 'imap.example.com', 'off')).toEqual({implicit: true, startTls: 'never', verify: false});
  });
});

describe('tlsConnectionOptions', () => {
  const target = (overrides: Partial<TlsTarget> = {}): TlsTarget => ({protocol: 'IMAP', url: 'imaps://imap.example.com', host: 'imap.example.com', key: 'imap', mode: 'verify', caFile: undefined, ...overrides});

  it("checks the certificate with Node's CAs, SNI and name from the host", () => {
    expect(tlsConnectionOptions(target())).toEqual({rejectUnauthorized: true, host: 'imap.example.com', servername: 'imap.example.com'});
    expect(tlsConnectionOptions(target({mode: 'off'})).rejectUnauthorized).toBe(false);
  });

  it('sends no SNI for an address (RFC 6066), but still checks the name against it', () => {
    expect(tlsConnectionOptions(target({host: '192.0.2.7'}))).toEqual({rejectUnauthorized: true, host: '192.0.2.7'});
    expect(tlsConnectionOptions(target({host: '2001:db8::1'}))).toEqual({rejectUnauthorized: true, host: '2001:db8::1'});
  });

  it('trusts only the CA file when one is set', () => {
    const file = join(tempDir(), 'ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(file, pem);
    expect(tlsConnectionOptions(target({caFile: file})).ca).toBe(pem);
  });

  it('refuses a CA file that is missing or not PEM, naming the key', () => {
    const missing = thrownBonnieError(() => tlsConnectionOptions(target({key: 'ldap', protocol: 'LDAP', caFile: '/nonexistent/ca.pem'})));
    expect(missing.code).toBe('TlsCaFileUnreadable');
    expect(missing.exit).toBe(EXIT.config);
    expect(missing.message).toContain('ldap_ca_file /nonexistent/ca.pem');
    const der = join(tempDir(), 'ca.der');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    const notPem = thrownBonnieError(() => tlsConnectionOptions(target({caFile: der})));
    expect(notPem.message).toBe(`imap_ca_file ${der} holds no PEM certificate`);
    expect(notPem.hint).toContain('openssl x509 -inform der');
  });
});

describe('certificateProblem', () => {
  it("tells a certificate that failed the check from other TLS and network errors by Node's code", () => {
    expect(certificateProblem(Object.assign(new Error('self-signed'), {code: 'DEPTH_ZERO_SELF_SIGNED_CERT'}))).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(certificateProblem(Object.assign(new Error('altname'), {code: 'ERR_TLS_CERT_ALTNAME_INVALID'}))).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(certificateProblem(Object.assign(new Error('wrong version'), {code: 'ERR_SSL_WRONG_VERSION_NUMBER'}))).toBeUndefined();
    expect(certificateProblem(Object.assign(new Error('refused'), {code: 'ECONNREFUSED'}))).toBeUndefined();
    expect(certificateProblem(new Error('no code'))).toBeUndefined();
    expect(certificateProblem(undefined)).toBeUndefined();
  });
});
