/**
 * The client end of a protocol with SMTP-style replies (RFC 5321 4.2: `250-text` continues a reply,
 * `250 text` ends it), over TCP: what the tests' minimal SMTP (postfix.ts) and LMTP (lmtp.ts) clients share.
 */
import {createConnection} from 'node:net';
import type {Endpoint} from './lab.js';

export interface Reply {
  code: number;
  /** The reply's text lines (without their codes), joined by `\n`. */
  text: string;
}

export interface ReplySession {
  /** The next reply. Throws when the connection failed or closed before it came whole. */
  reply(): Promise<Reply>;
  /** Sends one line (CRLF added). */
  write(line: string): void;
  close(): void;
}

/** Connects to `server`; `protocol` names it in errors (`SMTP timed out after ...`). */
export function openReplySession(server: Endpoint, protocol: string, timeoutMs: number): ReplySession {
  const socket = createConnection(server);
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${protocol} timed out after ${timeoutMs} ms`)));
  let buffer = '';
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  socket.on('data', (data: Buffer) => {
    buffer += data.toString('utf8');
    wake?.();
  });
  socket.on('error', (error) => {
    failure = error;
    wake?.();
  });
  socket.on('close', () => {
    failure ??= new Error(`${protocol} connection closed`);
    wake?.();
  });
  return {
    async reply(): Promise<Reply> {
      const lines: string[] = [];
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) {
          if (failure !== undefined) throw failure;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        lines.push(line.slice(4));
        if (line[3] !== '-') return {code: Number(line.slice(0, 3)), text: lines.join('\n')};
      }
    },
    write: (line) => void socket.write(`${line}\r\n`),
    close: () => socket.destroy(),
  };
}

/** A message as DATA sends it: CRLF line ends, a leading `.` doubled (RFC 5321 4.5.2), without the final `.`. */
export function dotStuffed(message: string): string {
  return message
    .replace(/\r?\n/g, '\r\n')
    .replace(/\r\n$/, '')
    .split('\r\n')
    .map((line) => (line.startsWith('.') ? `.${line}` : line))
    .join('\r\n');
}
