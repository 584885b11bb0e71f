/**
 * LdapDirectory and ldap_tls against a fake LDAP server on 127.0.0.1 (fake-ldap.ts): a certificate that
 * fails the check or a server without StartTLS on ldap:// to a host that is not loopback by name gets no
 * bind, hence no password; a server whose CA is in ldap_ca_file, or loopback ldap://, gets the bind (the
 * fake refuses it, so the lookup fails with invalid credentials: the proof the password was sent).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {LdapSettings} from '../../../../src/lib/base/config/settings.js';
import {LdapDirectory} from '../../../../src/lib/sources/directory/ldap.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {loopbackAlias, makeCertificates, type TestCertificates} from '../../../helpers/certificates.js';
import {startFakeLdap, type FakeLdap, type FakeLdapOptions} from './fake-ldap.js';

const PASSWORD = 'bind-S3cret';
let dir: string;
let certs: TestCertificates;
let alias: string | undefined;
const servers: FakeLdap[] = [];

beforeAll(async () => {
  alias = await loopbackAlias();
  dir = mkdtempSync(join(tmpdir(), 'bonnie-ldap-tls-'));
  certs = makeCertificates(dir, alias === undefined ? [] : [alias]);
  writeFileSync(join(dir, 'bind.password'), `${PASSWORD}\n`, {mode: 0o600});
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, {recursive: true, force: true});
});

async function fake(options: FakeLdapOptions): Promise<FakeLdap> {
  const server = await startFakeLdap(options);
  servers.push(server);
  return server;
}

/** The error of one lookup through an uncached directory at `url`. */
async function lookUpError(url: string, overrides: Partial<LdapSettings> = {}): Promise<BonnieError> {
  const directory = new LdapDirectory(
    {
      url,
      bindDn: 'uid=bonnie,dc=example,dc=com',
      passwordFile: join(dir, 'bind.password'),
      passwordFileSource: 'test',
      baseDn: 'dc=example,dc=com',
      filter: '(uid=%u)',
      groupFilter: undefined,
      idAttribute: 'entryUUID',
      cacheTtlMs: 0,
      timeoutMs: 5000,
      ...overrides,
    },
    {warn: () => {}},
  );
  try {
    await directory.lookUp('alice');
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  } finally {
    await directory.close();
  }
  throw new Error('expected the lookup to fail');
}

function expectNoBind(server: FakeLdap): void {
  expect(server.operations()).not.toContain('bind');
  expect(server.bindPasswords()).toEqual([]);
  expect(server.plainBytes().toString('latin1')).not.toContain(PASSWORD);
}

describe('ldaps://', () => {
  it('refuses a self-signed certificate for another name before the bind', async () => {
    const server = await fake({tls: 'implicit', pair: certs.wrongName});
    const error = await lookUpError(`ldaps://localhost:${server.port}`);
    expect(error.code).toBe('TlsCertificateRejected');
    expect(error.message).toContain(`ldaps://localhost:${server.port}`);
    expect(error.hint).toContain('ldap_ca_file');
    expect(error.hint).toContain('ldap_tls: off');
    expect(server.operations()).toEqual([]);
    expectNoBind(server);
  });

  it('binds inside TLS to a server whose CA is in ldap_ca_file', async () => {
    const server = await fake({tls: 'implicit', pair: certs.signed});
    const error = await lookUpError(`ldaps://localhost:${server.port}`, {caFile: certs.caFile});
    expect(error.code).toBe('DirectoryConfigInvalid');
    expect(error.message).toContain('invalid credentials');
    expect(server.bindPasswords()).toEqual([PASSWORD]);
    expect(server.plainBytes().length).toBe(0);
  });
});

describe('ldap:// to a host that is not loopback by name (StartTLS required)', () => {
  it('refuses a server that refuses StartTLS, without a bind', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'refuse-starttls'});
    const error = await lookUpError(`ldap://${alias}:${server.port}`);
    expect(error.code).toBe('StartTlsUnavailable');
    expect(error.message).toContain('StartTLS is not supported here');
    expect(error.hint).toContain('ldaps://');
    expect(server.operations()).toEqual(['extended']);
    expectNoBind(server);
  });

  it('refuses a StartTLS certificate for another name, without a bind', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'starttls', pair: certs.signedElsewhere});
    const error = await lookUpError(`ldap://${alias}:${server.port}`, {caFile: certs.caFile});
    expect(error.code).toBe('TlsCertificateRejected');
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(server.operations()).toEqual(['extended']);
    expectNoBind(server);
  });

  it('binds after StartTLS to a server whose CA is in ldap_ca_file', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'starttls', pair: certs.signed});
    const error = await lookUpError(`ldap://${alias}:${server.port}`, {caFile: certs.caFile});
    expect(error.code).toBe('DirectoryConfigInvalid');
    expect(server.operations().slice(0, 2)).toEqual(['extended', 'bind']);
    expect(server.bindPasswords()).toEqual([PASSWORD]);
    expect(server.plainBytes().toString('latin1')).not.toContain(PASSWORD);
  });

  it('binds in the clear with ldap_tls: off (what verify prevents)', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'refuse-starttls'});
    const error = await lookUpError(`ldap://${alias}:${server.port}`, {tls: 'off'});
    expect(error.message).toContain('invalid credentials');
    expect(server.operations()[0]).toBe('bind');
    expect(server.plainBytes().toString('latin1')).toContain(PASSWORD);
  });
});

describe('ldap:// to loopback', () => {
  it('binds without StartTLS: the bytes never leave the machine', async () => {
    const server = await fake({tls: 'refuse-starttls'});
    const error = await lookUpError(`ldap://127.0.0.1:${server.port}`);
    expect(error.message).toContain('invalid credentials');
    expect(server.operations()[0]).toBe('bind');
    expect(server.bindPasswords()).toEqual([PASSWORD]);
  });
});
