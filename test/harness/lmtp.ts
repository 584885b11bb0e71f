/**
 * LMTP delivery into the lab (RFC 2033), spoken by hand over TCP to `lmtpd -a` (pre-authenticated): the
 * way an MTA delivers, which is what makes Cyrus emit MessageNew (IMAP APPEND gives MessageAppend).
 */
import {dotStuffed, openReplySession} from './reply-session.js';
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
  const session = openReplySession(lab.lmtp, 'LMTP', LMTP_TIMEOUT_MS);
  const reply = () => session.reply();
  const expect = async (step: string, ok: (code: number) => boolean) => {
    const r = await reply();
    if (!ok(r.code)) throw new Error(`LMTP ${step} refused: ${r.code} ${r.text}`);
    return r;
  };
  const send = (line: string) => session.write(line);

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
      session.write(`${dotStuffed(delivery.message)}\r\n.`);
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
    session.close();
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
