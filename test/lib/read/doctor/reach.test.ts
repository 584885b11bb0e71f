/**
 * Reachability as bonnie doctor checks it, against small loopback servers: the greeting and the TLS
 * handshake its settings call for, and never a password without --login.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createServer as createTlsServer} from 'node:tls';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import type {ImapSettings, LdapSettings} from '../../../../src/lib/base/config/settings.js';
import {checkImapReach, checkLdapReach} from '../../../../src/lib/read/doctor/reach.js';
import {makeCertificates, type TestCertificates} from '../../../helpers/certificates.js';
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Listens on loopback; `received` gathers every byte clients send. */
async function listen(server: Server, received: string[]): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => socket.on('data', (chunk: Buffer) => received.push(chunk.toString('latin1'))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as {port: number}).port;
}

const greet = (socket: Socket, line = '* OK [CAPABILITY IMAP4rev1] Cyrus IMAP ready\r\n') => socket.write(line);

function imap(url: string, port: number, extra: Partial<ImapSettings> = {}): ImapSettings {
  return {url: `${url}:${port}`, host: '127.0.0.1', port, secure: url.startsWith('imaps'), user: 'cyrus', passwordFile: '/nonexistent', passwordFileSource: 'test', tls: 'verify', caFile: undefined, ...extra};
}

// Made once for the file (openssl takes a while), removed at its end.
let certificates: {dir: string; made: TestCertificates} | undefined;
const certs = (): TestCertificates => {
  if (certificates === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'bonnie-doctor-certs-'));
    certificates = {dir, made: makeCertificates(dir)};
  }
  return certificates.made;
};
afterAll(() => {
  if (certificates !== undefined) rmSync(certificates.dir, {recursive: true, force: true});
});

describe('reach.imap', () => {
  it('is ok when Cyrus greets on loopback, and sends nothing but LOGOUT', async () => {
    const received: string[] = [];
    const port = await listen(createServer((s) => greet(s)), received);
    const result = await checkImapReach(imap('imap://127.0.0.1', port));
    expect(result).toMatchObject({id: 'reach.imap', level: 'ok', found: `imap://127.0.0.1:${port}: Cyrus answered (loopback, no TLS needed)`});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.join('')).toBe('D9 LOGOUT\r\n');
  });

  it('is an error when nothing listens, or something that is not IMAP answers', async () => {
    const closed = createServer();
    const port = await listen(closed, []);
    closed.close();
    expect(await checkImapReach(imap('imap://127.0.0.1', port))).toMatchObject({level: 'error', found: expect.stringMatching(/^cannot reach .*ECONNREFUSED/) as string});
    const http = await listen(createServer((s) => s.write('HTTP/1.1 400 Bad Request\r\n')), []);
    expect((await checkImapReach(imap('imap://127.0.0.1', http))).found).toMatch(/greeted with "HTTP\/1.1 400/);
  });

  it('gives up after the timeout when the server never greets', async () => {
    const port = await listen(createServer(), []);
    expect(await checkImapReach(imap('imap://127.0.0.1', port), {timeoutMs: 200})).toMatchObject({level: 'error', found: expect.stringContaining('timed out after 200 ms waiting for the greeting') as string});
  });

  it('checks the certificate of imaps://: refused without the CA, ok with imap_ca_file', async () => {
    const {signed, caFile} = certs();
    const received: string[] = [];
    const port = await listen(createTlsServer({...signed}, (s) => s.write('* OK ready\r\n')) as unknown as Server, received);
    const refused = await checkImapReach(imap('imaps://127.0.0.1', port));
    expect(refused).toMatchObject({level: 'error', fix: expect.stringContaining('imap_ca_file') as string});
    expect(refused.found).toMatch(/certificate did not pass the check \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    const trusted = await checkImapReach(imap('imaps://127.0.0.1', port, {caFile}));
    expect(trusted).toMatchObject({level: 'ok', found: expect.stringMatching(/Cyrus answered, TLS TLSv1\.[23], certificate verified$/) as string});
    expect(received.join('')).not.toMatch(/LOGIN|AUTHENTICATE/i);
  });

  it('warns when imap_tls is off: the certificate is not checked', async () => {
    const {wrongName} = certs();
    const port = await listen(createTlsServer({...wrongName}, (s) => s.write('* OK ready\r\n')) as unknown as Server, []);
    expect(await checkImapReach(imap('imaps://127.0.0.1', port, {tls: 'off'}))).toMatchObject({level: 'warning', found: expect.stringContaining('imap_tls: off') as string});
  });

  it('is ok without imap_url: nothing to reach', async () => {
    expect((await checkImapReach(undefined)).level).toBe('ok');
  });
});

describe('reach.ldap', () => {
  const ldap = (url: string, extra: Partial<LdapSettings> = {}): LdapSettings => ({url, tls: 'verify', caFile: undefined, bindDn: undefined, passwordFile: undefined, passwordFileSource: undefined, baseDn: 'dc=lab,dc=test', filter: '(uid=%u)', groupFilter: undefined, idAttribute: 'entryUUID', cacheTtlMs: 0, timeoutMs: 1000, ...extra});

  it('connects to ldap:// on loopback and sends nothing', async () => {
    const received: string[] = [];
    const port = await listen(createServer(), received);
    expect(await checkLdapReach(ldap(`ldap://127.0.0.1:${port}`))).toMatchObject({level: 'ok', found: `ldap://127.0.0.1:${port}: connected (loopback, no TLS needed)`});
    expect(received).toEqual([]);
  });

  it('checks the certificate of ldaps://', async () => {
    const {signed, caFile} = certs();
    const port = await listen(createTlsServer({...signed}) as unknown as Server, []);
    expect((await checkLdapReach(ldap(`ldaps://127.0.0.1:${port}`))).level).toBe('error');
    expect(await checkLdapReach(ldap(`ldaps://127.0.0.1:${port}`, {caFile}))).toMatchObject({level: 'ok', found: expect.stringMatching(/TLS TLSv1\.[23], certificate verified$/) as string});
  });
});
