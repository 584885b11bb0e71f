/**
 * IMAP clients for the lab: imapflow for what a mail client does, and {@link RawImap}, a minimal
 * line-based client (RFC 3501) for what imapflow has no API for or would rewrite: SETACL / DELETEACL
 * (RFC 4314), SETQUOTA (RFC 2087), and admin commands on `user.x` names (imapflow prefixes its
 * personal namespace, `INBOX.`, to every path).
 */
import {createConnection} from 'node:net';
import type {Socket} from 'node:net';
import {ImapFlow} from 'imapflow';
import type {Endpoint, LabInfo} from './lab.js';

/** A connected, logged-in imapflow client for one of the lab's users (or its admin). Log out when done. */
export async function imapClient(lab: LabInfo, user: string): Promise<ImapFlow> {
  const pass = user === lab.admin.user ? lab.admin.password : lab.users[user];
  if (pass === undefined) throw new Error(`the lab has no user ${user}`);
  const client = new ImapFlow({
    host: lab.imap.host,
    port: lab.imap.port,
    secure: false,
    auth: {user, pass},
    logger: false,
    // The lab has no TLS; no IDLE between commands (it would interleave with what a test asserts).
    doSTARTTLS: false,
    disableAutoIdle: true,
  });
  await client.connect();
  return client;
}

export interface ImapResponse {
  /** `OK` (anything else throws). */
  status: string;
  /** Text of the tagged response after the status. */
  text: string;
  /** Untagged responses, without the leading `* `; literals inlined. */
  untagged: string[];
}

/** How long one raw command may take. */
const COMMAND_TIMEOUT_MS = 30_000;

/** A minimal IMAP client: one command at a time, tagged responses, literals in responses understood. */
export class RawImap {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private tagCounter = 0;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connects, reads the greeting and logs in with LOGIN. */
  static async login(endpoint: Endpoint, user: string, password: string): Promise<RawImap> {
    const socket = createConnection(endpoint);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawImap(socket);
    const greeting = await client.readLine();
    if (!greeting.startsWith('* OK')) throw new Error(`unexpected IMAP greeting: ${greeting}`);
    await client.command(`LOGIN ${RawImap.quote(user)} ${RawImap.quote(password)}`);
    return client;
  }

  /** An IMAP quoted string (RFC 3501 section 4.3). */
  static quote(text: string): string {
    if (/[\r\n\0]/.test(text)) throw new Error('a quoted string cannot hold CR, LF or NUL');
    return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }

  /** Sends one command (without tag and CRLF); resolves on OK, throws on NO / BAD with the server's text. */
  async command(command: string): Promise<ImapResponse> {
    const tag = `R${++this.tagCounter}`;
    this.socket.write(`${tag} ${command}\r\n`);
    const untagged: string[] = [];
    for (;;) {
      const line = await this.readResponse();
      if (line.startsWith('* ')) {
        untagged.push(line.slice(2));
        continue;
      }
      if (!line.startsWith(`${tag} `)) continue; // continuation requests: never asked for
      const [status = '', ...rest] = line.slice(tag.length + 1).split(' ');
      const response = {status: status.toUpperCase(), text: rest.join(' '), untagged};
      if (response.status !== 'OK') throw new Error(`IMAP ${command.split(' ')[0]} failed: ${status} ${response.text}`);
      return response;
    }
  }

  /** LOGOUT and close; safe to call on a closed connection. */
  async logout(): Promise<void> {
    if (!this.closed) {
      try {
        await this.command('LOGOUT');
      } catch {
        // The server may close before the tagged OK: the session is over either way.
      }
    }
    this.socket.destroy();
  }

  /** One response: a line, with any `{n}` literals it announces read and inlined. */
  private async readResponse(): Promise<string> {
    let line = await this.readLine();
    for (let literal = /\{(\d+)\}$/.exec(line); literal !== null; literal = /\{(\d+)\}$/.exec(line)) {
      const bytes = await this.readBytes(Number(literal[1]));
      line = line.slice(0, literal.index) + JSON.stringify(bytes.toString('utf8')) + (await this.readLine());
    }
    return line;
  }

  private async readLine(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('utf8');
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      await this.more();
    }
  }

  private async readBytes(count: number): Promise<Buffer> {
    while (this.buffer.length < count) await this.more();
    const bytes = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return bytes;
  }

  private more(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('IMAP connection closed by the server'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no IMAP response within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
      this.waiting = () => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve();
      };
    });
  }
}

/** A logged-in {@link RawImap} for one of the lab's users or its admin. */
export function rawImap(lab: LabInfo, user: string): Promise<RawImap> {
  const password = user === lab.admin.user ? lab.admin.password : lab.users[user];
  if (password === undefined) throw new Error(`the lab has no user ${user}`);
  return RawImap.login(lab.imap, user, password);
}
