/**
 * A hostile LDAP server on 127.0.0.1 for TLS tests (BER by hand, RFC 4511): it answers StartTLS (accepting
 * or refusing it) and refuses every bind with invalidCredentials (49), so a client that trusted it fails
 * having sent its password. It keeps the bytes received before any TLS and the operations read (decrypted
 * once TLS is up).
 */
import {createServer, type Socket} from 'node:net';
import {createSecureContext, TLSSocket} from 'node:tls';
import type {KeyPair} from '../../../helpers/certificates.js';

/** RFC 4511 section 4.2 and following: the protocolOp tags this server reads and writes. */
const OP = {bindRequest: 0x60, bindResponse: 0x61, unbindRequest: 0x42, extendedRequest: 0x77, extendedResponse: 0x78} as const;
const RESULT = {success: 0, protocolError: 2, invalidCredentials: 49} as const;

export interface FakeLdapOptions {
  /** `implicit`: ldaps; `starttls`: StartTLS accepted; `refuse-starttls`: answered protocolError. */
  tls: 'implicit' | 'starttls' | 'refuse-starttls';
  pair?: KeyPair;
}

export interface FakeLdap {
  port: number;
  /** Bytes received in the clear (before TLS, or on a connection that never had it). */
  plainBytes(): Buffer;
  /** Operations read, by name: `extended`, `bind`, `unbind`, `other`. */
  operations(): string[];
  /** Simple-bind passwords received (the bind requests' [0] value). */
  bindPasswords(): string[];
  close(): Promise<void>;
}

export async function startFakeLdap(options: FakeLdapOptions): Promise<FakeLdap> {
  const plain: Buffer[] = [];
  const operations: string[] = [];
  const passwords: string[] = [];
  const sockets = new Set<Socket>();
  const context = options.pair === undefined ? undefined : createSecureContext({key: options.pair.key, cert: options.pair.cert});

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (options.tls === 'implicit') upgrade(socket);
    else converse(socket, false);
  });

  function upgrade(socket: Socket): void {
    const secure = new TLSSocket(socket, {isServer: true, secureContext: context});
    secure.on('error', () => undefined); // a client that rejects the certificate aborts the handshake
    secure.once('secure', () => converse(secure, true));
  }

  function converse(socket: Socket, secured: boolean): void {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      if (!secured) plain.push(Buffer.from(chunk));
      buffered = Buffer.concat([buffered, chunk]);
      for (let message = readMessage(buffered); message !== undefined; message = readMessage(buffered)) {
        buffered = buffered.subarray(message.length);
        if (message.op === OP.extendedRequest) {
          operations.push('extended');
          const accept = options.tls === 'starttls' && !secured;
          socket.write(response(message.id, OP.extendedResponse, accept ? RESULT.success : RESULT.protocolError, accept ? '' : 'StartTLS is not supported here'));
          if (accept) {
            socket.off('data', onData);
            upgrade(socket);
            return;
          }
        } else if (message.op === OP.bindRequest) {
          operations.push('bind');
          passwords.push(simplePassword(message.body));
          socket.write(response(message.id, OP.bindResponse, RESULT.invalidCredentials, 'fake server: credentials noted'));
        } else if (message.op === OP.unbindRequest) {
          operations.push('unbind');
          socket.end();
        } else operations.push('other');
      }
    };
    socket.on('data', onData);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as {port: number}).port,
    plainBytes: () => Buffer.concat(plain),
    operations: () => [...operations],
    bindPasswords: () => [...passwords],
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Message {
  /** Bytes of the whole LDAPMessage. */
  length: number;
  id: number;
  op: number;
  /** The protocolOp's contents. */
  body: Buffer;
}

/** A TLV's header: where its value starts and how long it is; undefined until enough bytes arrived. */
function header(bytes: Buffer, at: number): {start: number; length: number} | undefined {
  const first = bytes[at + 1];
  if (first === undefined) return undefined;
  if (first < 0x80) return {start: at + 2, length: first};
  const count = first & 0x7f;
  if (bytes.length < at + 2 + count) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[at + 2 + i] as number);
  return {start: at + 2 + count, length};
}

function readMessage(bytes: Buffer): Message | undefined {
  const outer = header(bytes, 0);
  if (outer === undefined || bytes.length < outer.start + outer.length) return undefined;
  const idTlv = header(bytes, outer.start) as {start: number; length: number};
  let id = 0;
  for (let i = 0; i < idTlv.length; i++) id = id * 256 + (bytes[idTlv.start + i] as number);
  const opAt = idTlv.start + idTlv.length;
  const op = header(bytes, opAt) as {start: number; length: number};
  return {length: outer.start + outer.length, id, op: bytes[opAt] as number, body: bytes.subarray(op.start, op.start + op.length)};
}

/** BindRequest: version INTEGER, name OCTET STRING, authentication [0] simple OCTET STRING. */
function simplePassword(body: Buffer): string {
  const version = header(body, 0) as {start: number; length: number};
  const name = header(body, version.start + version.length) as {start: number; length: number};
  const authAt = name.start + name.length;
  const auth = header(body, authAt) as {start: number; length: number};
  return body[authAt] === 0x80 ? body.subarray(auth.start, auth.start + auth.length).toString('utf8') : '';
}

function tlv(tag: number, value: Buffer): Buffer {
  const length = value.length < 0x80 ? Buffer.from([value.length]) : Buffer.from([0x82, value.length >> 8, value.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, value]);
}

/** LDAPMessage { messageID, op { resultCode ENUMERATED, matchedDN "", diagnosticMessage } }. */
function response(id: number, op: number, resultCode: number, diagnostic: string): Buffer {
  const result = Buffer.concat([tlv(0x0a, Buffer.from([resultCode])), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from(diagnostic))]);
  const idBytes = id < 0x80 ? Buffer.from([id]) : Buffer.from([id >> 8, id & 0xff]);
  return tlv(0x30, Buffer.concat([tlv(0x02, idBytes), tlv(op, result)]));
}
