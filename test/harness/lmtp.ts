/**
 * LMTP delivery into the lab (RFC 2033), spoken by hand over TCP to `lmtpd -a` (pre-authenticated): the
 * way an MTA delivers, which is what makes Cyrus emit MessageNew (IMAP APPEND gives MessageAppend).
 */
import {createConnection} from 'node:net';
import type {LabInfo} from './lab.js';

export interface LmtpDelivery {
  /** Envelope sender (`MAIL FROM`); `''` for the null sender. */
  from: string;
  /** Recipients: a lab user (`alice`), a plus-address (`alice+Archive`) or a full address. */
  to: string[];
  /** The message (RFC 5322); bare LFs become CRLF, dot-stuffing is done here. */
  message: string;
}

/** What lmtpd answered for one recipient after DATA (RFC 2033 section 4.2: one reply per accepted RCPT). */
export interface LmtpRecipientResult {
  recipient: string;
  code: number;
  text: string;
}

const LMTP_TIMEOUT_MS = 30_000;

/**
 * Delivers one message. Resolves with one result per recipient (250 = delivered); a recipient refused at
 * RCPT gets that refusal. Throws if the session itself fails (greeting, LHLO, MAIL, DATA).
 */
export async function lmtpDeliver(lab: LabInfo, delivery: LmtpDelivery): Promise<LmtpRecipientResult[]> {
  const socket = createConnection(lab.lmtp);
  socket.setTimeout(LMTP_TIMEOUT_MS, () => socket.destroy(new Error(`LMTP timed out after ${LMTP_TIMEOUT_MS} ms`)));
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
    failure ??= new Error('LMTP connection closed');
    wake?.();
  });

  /** One reply, possibly multi-line (`250-...` lines then `250 ...`). */
  const reply = async (): Promise<{code: number; text: string}> => {
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
  };
  const expect = async (step: string, ok: (code: number) => boolean) => {
    const r = await reply();
    if (!ok(r.code)) throw new Error(`LMTP ${step} refused: ${r.code} ${r.text}`);
    return r;
  };
  const send = (line: string) => socket.write(`${line}\r\n`);

  try {
    await expect('greeting', (c) => c === 220);
    send('LHLO lab.test');
    await expect('LHLO', (c) => c === 250);
    send(`MAIL FROM:<${delivery.from}>`);
    await expect('MAIL FROM', (c) => c === 250);
    const results: LmtpRecipientResult[] = [];
    const accepted: LmtpRecipientResult[] = [];
    for (const recipient of delivery.to) {
      const address = recipient.includes('@') ? recipient : `${recipient}@${lab.servername}`;
      send(`RCPT TO:<${address}>`);
      const r = await reply();
      const result = {recipient, code: r.code, text: r.text};
      results.push(result);
      if (r.code === 250) accepted.push(result);
    }
    if (accepted.length > 0) {
      send('DATA');
      await expect('DATA', (c) => c === 354);
      const body = delivery.message
        .replace(/\r?\n/g, '\r\n')
        .replace(/\r\n$/, '')
        .split('\r\n')
        .map((line) => (line.startsWith('.') ? `.${line}` : line))
        .join('\r\n');
      socket.write(`${body}\r\n.\r\n`);
      // One reply per recipient accepted at RCPT, in the same order.
      for (const result of accepted) {
        const r = await reply();
        result.code = r.code;
        result.text = r.text;
      }
    }
    send('QUIT');
    await reply().catch(() => undefined);
    return results;
  } finally {
    socket.destroy();
  }
}

/** A small RFC 5322 message for tests; `messageId` without angle brackets. */
export function testMessage(fields: {from: string; to: string; subject: string; messageId: string; body?: string; date?: Date}): string {
  return [
    `From: ${fields.from}`,
    `To: ${fields.to}`,
    `Subject: ${fields.subject}`,
    `Date: ${(fields.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${fields.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    fields.body ?? 'Hello from the bonnie lab.',
    '',
  ].join('\r\n');
}
