/**
 * A hostile IMAP server on 127.0.0.1 for TLS experiments: it greets, answers CAPABILITY, ID, STARTTLS
 * (when it offers it) and LOGOUT, and refuses every LOGIN or AUTHENTICATE (so a client that trusted it
 * fails with a login error, having sent its password). It keeps every byte it received on the wire (through
 * a recording front, before any TLS) and every command line it read (after TLS).
 */
import {createServer, connect, type Server, type Socket} from 'node:net';
import {createSecureContext, TLSSocket} from 'node:tls';
import type {KeyPair} from '../helpers/certificates.js';

export interface FakeImapOptions {
  /** `implicit`: TLS from the first byte (imaps); `starttls`: plain, STARTTLS offered; `none`: plain only. */
  tls: 'implicit' | 'starttls' | 'none';
  /** The certificate presented (implicit, starttls). */
  pair?: KeyPair;
}

export interface FakeImap {
  port: number;
  /** Every byte clients sent, as received on the wire (ciphertext once TLS is up). */
  wire(): Buffer;
  /** The command lines read (decrypted when TLS is up). */
  commands(): string[];
  /** The commands that carry a password: LOGIN, AUTHENTICATE, and SASL continuation lines after it. */
  credentialCommands(): string[];
  close(): Promise<void>;
}

export async function startFakeImap(options: FakeImapOptions): Promise<FakeImap> {
  const wire: Buffer[] = [];
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const context = options.pair === undefined ? undefined : createSecureContext({key: options.pair.key, cert: options.pair.cert});
  const capability = `IMAP4rev1 ID SASL-IR AUTH=PLAIN${options.tls === 'starttls' ? ' STARTTLS' : ''}`;

  const inner = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (options.tls === 'implicit') {
      const secure = new TLSSocket(socket, {isServer: true, secureContext: context});
      secure.on('error', () => undefined); // a client that rejects the certificate aborts the handshake
      secure.once('secure', () => converse(secure));
    } else converse(socket);
  });

  function converse(socket: Socket, upgraded = false): void {
    let buffered = '';
    const send = (text: string) => socket.write(text);
    if (!upgraded) send(`* OK [CAPABILITY ${capability}] fake IMAP ready\r\n`);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        lines.push(line);
        const [tag = '*', command = ''] = line.split(' ');
        switch (command.toUpperCase()) {
          case 'CAPABILITY':
            send(`* CAPABILITY ${upgraded ? capability.replace(' STARTTLS', '') : capability}\r\n${tag} OK done\r\n`);
            break;
          case 'ID':
            send(`* ID NIL\r\n${tag} OK done\r\n`);
            break;
          case 'STARTTLS': {
            if (options.tls !== 'starttls' || upgraded) {
              send(`${tag} BAD no\r\n`);
              break;
            }
            socket.off('data', onData);
            send(`${tag} OK begin TLS now\r\n`);
            const secure = new TLSSocket(socket, {isServer: true, secureContext: context});
            secure.on('error', () => undefined);
            secure.once('secure', () => converse(secure, true));
            return;
          }
          case 'LOGIN':
          case 'AUTHENTICATE':
            send(`${tag} NO [AUTHENTICATIONFAILED] fake server: credentials noted\r\n`);
            break;
          case 'LOGOUT':
            send(`* BYE\r\n${tag} OK bye\r\n`);
            socket.end();
            break;
          default:
            send(`${tag} BAD unknown command\r\n`);
        }
      }
    };
    socket.on('data', onData);
  }

  // The front records the wire, then relays to the server above: what arrived is known whatever TLS did.
  const front = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const upstream = connect((inner.address() as {port: number}).port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.on('data', (chunk: Buffer) => wire.push(Buffer.from(chunk)));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });

  await listen(inner);
  await listen(front);
  return {
    port: (front.address() as {port: number}).port,
    wire: () => Buffer.concat(wire),
    commands: () => [...lines],
    credentialCommands: () => lines.filter((line) => /^\S+ (LOGIN|AUTHENTICATE)\b/i.test(line)),
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([inner, front].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
