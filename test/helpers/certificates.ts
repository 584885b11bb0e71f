/**
 * Certificates for TLS tests, made with the openssl CLI into a folder: a self-signed one for a name that is
 * not the server's (what an impostor presents), and a private CA with a server certificate it signed (what
 * `*_ca_file` is for). Also a host name that resolves to loopback without being loopback by its spelling.
 */
import {execFileSync} from 'node:child_process';
import {lookup} from 'node:dns/promises';
import {readFileSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  /** Self-signed, for imap.example.org: the wrong name, and no CA vouches for it. */
  wrongName: KeyPair;
  /** Signed by {@link caFile}, for localhost, 127.0.0.1 and the given extra names. */
  signed: KeyPair;
  /** Signed by {@link caFile} too, but for imap.example.org only: a trusted chain, the wrong name. */
  signedElsewhere: KeyPair;
  /** PEM of the CA that signed `signed`. */
  caFile: string;
  /** The CA's certificate PEM. */
  caPem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, {cwd, stdio: ['ignore', 'ignore', 'pipe']});
}

/** Makes the certificates in `dir` (EC P-256: fast to generate). */
export function makeCertificates(dir: string, extraNames: readonly string[] = []): TestCertificates {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'wrong.key', '-out', 'wrong.pem', '-days', '2', '-subj', '/CN=imap.example.org', '-addext', 'subjectAltName=DNS:imap.example.org'], dir);
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bonnie test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], dir);
  const sign = (name: string, altNames: string[]) => {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${altNames[0]?.replace(/^\w+:/, '')}`], dir);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\n`);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  sign('server', ['DNS:localhost', 'IP:127.0.0.1', ...extraNames.map((n) => `DNS:${n}`)]);
  sign('elsewhere', ['DNS:imap.example.org']);
  const pair = (name: string): KeyPair => ({key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8')});
  return {wrongName: pair('wrong'), signed: pair('server'), signedElsewhere: pair('elsewhere'), caFile: join(dir, 'ca.pem'), caPem: readFileSync(join(dir, 'ca.pem'), 'utf8')};
}

/**
 * A name for this machine that resolves to 127.0.0.0/8 (the host name, from /etc/hosts) but that bonnie's
 * policy does not treat as loopback, so STARTTLS is required to it; undefined when there is none.
 */
export async function loopbackAlias(): Promise<string | undefined> {
  const name = hostname();
  if (name === '' || name === 'localhost') return undefined;
  try {
    const {address} = await lookup(name, {family: 4});
    return address.startsWith('127.') ? name : undefined;
  } catch {
    return undefined;
  }
}
