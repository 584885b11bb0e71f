/**
 * One LMTP connection (RFC 2033) that stays open and delivers message after message, the way an MTA's
 * connection cache does: greeting and LHLO once, then MAIL/RCPT/DATA per message. test/harness/lmtp.ts
 * opens a connection per message, which would charge the TCP and lmtpd set-up to every delivery.
 */
import {createConnection, type Socket} from 'node:net';
import type {Endpoint} from '../../test/harness/lab.js';

const LMTP_TIMEOUT_MS = 60_000;

export class LmtpSession {
  private buffer = '';
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer += data.toString('latin1');
      this.wake?.();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake?.();
    });
    socket.on('close', () => {
      this.failure ??= new Error('LMTP connection closed');
      this.wake?.();
    });
  }

  /** Connects and says LHLO; TCP_NODELAY so that no answer waits for a delayed ACK. */
  static async open(endpoint: Endpoint): Promise<LmtpSession> {
    const socket = createConnection(endpoint);
    socket.setNoDelay(true);
    socket.setTimeout(LMTP_TIMEOUT_MS, () => socket.destroy(new Error(`LMTP timed out after ${LMTP_TIMEOUT_MS} ms`)));
    const session = new LmtpSession(socket);
    await session.expect('greeting', 220);
    socket.write('LHLO lab.test\r\n');
    await session.expect('LHLO', 250);
    return session;
  }

  /**
   * Delivers `message` (CRLF lines, already dot-stuffed) to one recipient; resolves once lmtpd answered 250
   * for it (the message is in the mailbox), throws on any other answer.
   */
  async deliver(from: string, recipient: string, message: string): Promise<void> {
    this.socket.write(`MAIL FROM:<${from}>\r\n`);
    await this.expect('MAIL FROM', 250);
    this.socket.write(`RCPT TO:<${recipient}>\r\n`);
    await this.expect(`RCPT TO ${recipient}`, 250);
    this.socket.write('DATA\r\n');
    await this.expect('DATA', 354);
    this.socket.write(`${message}\r\n.\r\n`);
    await this.expect(`delivery to ${recipient}`, 250);
  }

  async close(): Promise<void> {
    if (this.failure === undefined) {
      this.socket.write('QUIT\r\n');
      await this.reply().catch(() => undefined);
    }
    this.socket.destroy();
  }

  private async expect(step: string, code: number): Promise<void> {
    const reply = await this.reply();
    if (reply.code !== code) throw new Error(`LMTP ${step}: ${reply.code} ${reply.text}`);
  }

  /** One reply, possibly multi-line (`250-...` lines, then `250 ...`). */
  private async reply(): Promise<{code: number; text: string}> {
    const lines: string[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) {
        if (this.failure !== undefined) throw this.failure;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      lines.push(line.slice(4));
      if (line[3] !== '-') return {code: Number(line.slice(0, 3)), text: lines.join('\n')};
    }
  }
}
