/**
 * A hostile IMAP server: the built CLI (`bonnie archive --from imap`) against a fake server on 127.0.0.1
 * that records every byte it receives. With a certificate for another name, a self-signed or an unknown
 * CA's certificate, or no STARTTLS on imap:// to a host that is not loopback by name, bonnie must refuse
 * with a documented code and hint and send neither LOGIN nor AUTHENTICATE nor the password. The controls
 * show the same server does receive the password when bonnie trusts it: with imap_ca_file, on loopback
 * imap://, and with imap_tls: off.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loopbackAlias, makeCertificates, type TestCertificates} from '../helpers/certificates.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';
import {startFakeImap, type FakeImap, type FakeImapOptions} from './fake-imap.js';

const PASSWORD = 'S3cret-admin-password';
const tempDir = useTempDirs();
let certDir: string;
let certs: TestCertificates;
/** The host name: resolves to 127.0.0.1 (/etc/hosts) but is not loopback by bonnie's policy. */
let alias: string | undefined;
const servers: FakeImap[] = [];

beforeAll(async () => {
  alias = await loopbackAlias();
  // Shared by the file's tests: useTempDirs() folders go after each test.
  certDir = mkdtempSync(join(tmpdir(), 'bonnie-tls-'));
  certs = makeCertificates(certDir, alias === undefined ? [] : [alias]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(certDir, {recursive: true, force: true});
});

async function fake(options: FakeImapOptions): Promise<FakeImap> {
  const server = await startFakeImap(options);
  servers.push(server);
  return server;
}

interface CliError {
  code: string;
  message: string;
  hint: string | null;
  exit: number;
}

/** `bonnie archive --from imap --all --json` with only the environment given (no configuration file). */
async function archiveFrom(url: string, env: Record<string, string> = {}): Promise<{exit: number | null; error: CliError | undefined; stderr: string}> {
  const dir = tempDir();
  const passwordFile = join(dir, 'imap.password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, {mode: 0o600});
  // Only init creates a catalog.
  expect((await bonnie(['init', '--catalog', join(dir, 'catalog.db')], {env: {BONNIE_CONFIG: '/dev/null'}})).code).toBe(0);
  const ran = await bonnie(['archive', '--from', 'imap', '--all', '--json'], {
    env: {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: join(dir, 'catalog.db'), BONNIE_IMAP_URL: url, BONNIE_IMAP_PASSWORD_FILE: passwordFile, NODE_EXTRA_CA_CERTS: '', ...env},
  });
  const parsed = ran.stdout.trim() === '' ? undefined : (JSON.parse(ran.stdout) as {error?: CliError});
  return {exit: ran.code, error: parsed?.error, stderr: ran.stderr};
}

/** Nothing that carries the password reached the server, on the wire or after TLS. */
function expectNoPassword(server: FakeImap): void {
  expect(server.credentialCommands()).toEqual([]);
  const wire = server.wire().toString('latin1');
  expect(wire).not.toContain(PASSWORD);
  expect(wire).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 16));
  expect(wire).not.toMatch(/LOGIN|AUTHENTICATE/i);
}

/** The commands the server read but CAPABILITY (imapflow asks or not, depending on the greeting). */
function commandNames(server: FakeImap): string[] {
  return server
    .commands()
    .map((line) => (line.split(' ')[1] ?? '').toUpperCase())
    .filter((name) => name !== 'CAPABILITY');
}

/** The password reached the server (after TLS when `overTls`), and the fake refused it. */
function expectPasswordSent(server: FakeImap, result: Awaited<ReturnType<typeof archiveFrom>>, overTls: boolean): void {
  expect(result.error?.code).toBe('ImapLoginFailed');
  expect(server.credentialCommands().length).toBeGreaterThan(0);
  expect(server.wire().toString('latin1').includes('AUTHENTICATE') || server.wire().toString('latin1').includes('LOGIN')).toBe(!overTls);
}

describe('imaps:// to a server whose certificate fails the check', () => {
  it('refuses a self-signed certificate for another name, sends no password, exits 1 with TlsCertificateRejected', async () => {
    const server = await fake({tls: 'implicit', pair: certs.wrongName});
    const result = await archiveFrom(`imaps://localhost:${server.port}`);
    expect(result.exit).toBe(1);
    expect(result.error?.code).toBe('TlsCertificateRejected');
    expect(result.error?.message).toContain(`imaps://localhost:${server.port}`);
    expect(result.error?.hint).toContain('imap_ca_file');
    expect(result.error?.hint).toContain('imap_tls: off');
    expect(server.commands()).toEqual([]);
    expectNoPassword(server);
  });

  it('refuses a certificate for the right name from a CA it was not told to trust', async () => {
    const server = await fake({tls: 'implicit', pair: certs.signed});
    const result = await archiveFrom(`imaps://localhost:${server.port}`);
    expect(result.error?.code).toBe('TlsCertificateRejected');
    expect(result.error?.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    expectNoPassword(server);
  });

  it('refuses a certificate from the trusted CA (imap_ca_file) for another name', async () => {
    const server = await fake({tls: 'implicit', pair: certs.signedElsewhere});
    const result = await archiveFrom(`imaps://localhost:${server.port}`, {BONNIE_IMAP_CA_FILE: certs.caFile});
    expect(result.error?.code).toBe('TlsCertificateRejected');
    expect(result.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expectNoPassword(server);
  });
});

describe('imaps:// to a server whose CA is in imap_ca_file', () => {
  it('connects and sends the password only inside TLS', async () => {
    const server = await fake({tls: 'implicit', pair: certs.signed});
    const result = await archiveFrom(`imaps://localhost:${server.port}`, {BONNIE_IMAP_CA_FILE: certs.caFile});
    expectPasswordSent(server, result, true);
    expect(server.wire().toString('latin1')).not.toContain(PASSWORD);
  });

  it('imap_tls: off accepts the impostor: the password reaches it (what verify prevents)', async () => {
    const server = await fake({tls: 'implicit', pair: certs.wrongName});
    const result = await archiveFrom(`imaps://localhost:${server.port}`, {BONNIE_IMAP_TLS: 'off'});
    expectPasswordSent(server, result, true);
  });
});

describe('imap:// (STARTTLS)', () => {
  it('refuses a server without STARTTLS at a name that is not loopback, before LOGIN', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'none'});
    const result = await archiveFrom(`imap://${alias}:${server.port}`);
    expect(result.exit).toBe(1);
    expect(result.error?.code).toBe('StartTlsUnavailable');
    expect(result.error?.hint).toContain('imap_tls: off');
    expect(result.error?.hint).toContain('imaps://');
    // The greeting listed the capabilities: imapflow had nothing to ask before it gave up.
    expect(commandNames(server)).toEqual([]);
    expectNoPassword(server);
  });

  it('sends the password in the clear to the same server on loopback (127.0.0.1), or with imap_tls: off', async (context) => {
    const server = await fake({tls: 'none'});
    expectPasswordSent(server, await archiveFrom(`imap://127.0.0.1:${server.port}`), false);
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const off = await fake({tls: 'none'});
    expectPasswordSent(off, await archiveFrom(`imap://${alias}:${off.port}`, {BONNIE_IMAP_TLS: 'off'}), false);
  });

  it('refuses a STARTTLS certificate for another name, before LOGIN', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'starttls', pair: certs.wrongName});
    const result = await archiveFrom(`imap://${alias}:${server.port}`);
    expect(result.error?.code).toBe('TlsCertificateRejected');
    expect(commandNames(server)).toEqual(['STARTTLS']);
    expectNoPassword(server);
  });

  it('upgrades with STARTTLS to a server whose CA is in imap_ca_file and logs in inside TLS', async (context) => {
    if (alias === undefined) context.skip('no host name resolving to 127.0.0.0/8 in /etc/hosts');
    const server = await fake({tls: 'starttls', pair: certs.signed});
    const result = await archiveFrom(`imap://${alias}:${server.port}`, {BONNIE_IMAP_CA_FILE: certs.caFile});
    expectPasswordSent(server, result, true);
    expect(commandNames(server)[0]).toBe('STARTTLS');
  });
});
