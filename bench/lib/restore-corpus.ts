/**
 * bench/restore's mailbox: N messages as a folder of a real user holds them, deterministic from a seed.
 * - Sizes are log-normal (median ~10 KB), clamped to 2 KB..200 KB. Large messages mostly carry a base64
 *   attachment (a PDF, a photo, an office document: incompressible bytes, as real ones are); a few small
 *   ones carry a small image (a logo in a signature). The rest are text/plain or multipart/alternative
 *   (text + HTML), with the usual headers (Received, Date, From, To, Cc, Subject, Message-ID,
 *   In-Reply-To/References for replies).
 * - Flags as an IMAP client leaves them: most \Seen, some \Answered, \Flagged, $Forwarded, a keyword.
 * - Internal dates over six years, in arrival order; the Date header a few seconds earlier.
 * - A few messages (automated mail) have no Message-ID.
 * Lines end in CRLF, as IMAP requires.
 */
import {createCipheriv, createHash} from 'node:crypto';
import {random} from './random.js';

export interface CorpusMessage {
  bytes: Buffer;
  flags: string[];
  /** Whole seconds: IMAP's date-time has no fraction. */
  internalDate: Date;
  /** Without the angle brackets; undefined for a message without one. */
  messageId: string | undefined;
}

const MIN_BYTES = 2 * 1024;
const MAX_BYTES = 200 * 1024;
const MEDIAN_BYTES = 10 * 1024;
/** Above this size a message is most likely big because of an attachment. */
const ATTACHMENT_FROM_BYTES = 24 * 1024;
const FIRST_DATE = Date.UTC(2019, 0, 7, 8);
const LAST_DATE = Date.UTC(2025, 5, 30, 18);

const WORDS = (
  'the to and of a in for is on that we you this with be it will as are have at from by our please can not if your all ' +
  'about would should could they their there which when what also more time meeting next week project team report update ' +
  'review budget contract customer order invoice payment delivery schedule today tomorrow monday tuesday thursday friday ' +
  'call question issue changes version draft final document attached file information details support service account ' +
  'price offer quote quarter numbers sales plan forecast approval agreement legal signed copy feedback comments agenda ' +
  'notes minutes decision deadline status progress risk resources costs estimate timeline launch release partners ' +
  'supplier shipment warehouse stock request confirm received send sent check discussed agreed prepare share let know'
).split(' ');
const PEOPLE = ['Bob Baker', 'Carol Cooper', 'Dave Dalton', 'Erin Evans', 'Frank Fischer', 'Grace Gomez', 'Heidi Hansen', 'Ivan Ivanov', 'Judy Jensen', 'Mallory Moore', 'Niaj Nakamura', 'Olivia Ortiz'];
const DOMAINS = ['lab.test', 'example.com', 'example.org', 'partner.example', 'supplier.example'];
const ATTACHMENTS = [
  ['application/pdf', 'pdf'],
  ['image/jpeg', 'jpg'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
  ['application/zip', 'zip'],
] as const;
const MAILERS = ['Mozilla Thunderbird 115.9', 'Microsoft Outlook 16.0', 'Apple Mail (2.3774)', 'Roundcube Webmail/1.6.6'];

/** `count` messages from `seed`: the same arguments always make the same bytes, flags and dates. */
export function makeCorpus(count: number, seed = 0x7265737): CorpusMessage[] {
  const next = random(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const chance = (p: number) => next() < p;
  const words = (n: number) => Array.from({length: n}, () => (chance(0.6) ? WORDS[Math.floor(next() ** 2 * WORDS.length)] : pick(WORDS)) as string).join(' ');
  // Incompressible bytes (what a JPEG scan or a deflate stream is): AES-128-CTR keyed from the seed.
  const key = createHash('sha256').update(`restore-corpus-${seed}`).digest().subarray(0, 16);
  const noise = (n: number, i: number) => {
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(i, 12);
    return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(n));
  };
  /** Text of about `size` bytes in lines of at most 76 characters, in paragraphs. */
  const text = (size: number) => {
    const lines: string[] = [];
    for (let length = 0; length < size; ) {
      const line = chance(0.12) ? '' : words(int(6, 12)).slice(0, 76);
      lines.push(line);
      length += line.length + 2;
    }
    return lines.join('\r\n');
  };
  const address = (name: string, domain: string) => `${name.split(' ')[0]?.toLowerCase()}.${name.split(' ')[1]?.toLowerCase()}@${domain}`;

  const span = (LAST_DATE - FIRST_DATE) / count;
  const out: CorpusMessage[] = [];
  for (let i = 0; i < count; i++) {
    const internalDate = new Date(Math.floor((FIRST_DATE + i * span + next() * span * 0.9) / 1000) * 1000);
    const sent = new Date(internalDate.getTime() - int(2, 90) * 1000);
    const normal = Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
    const size = Math.round(Math.min(MAX_BYTES, Math.max(MIN_BYTES, MEDIAN_BYTES * Math.exp(1.1 * normal))));
    const sender = pick(PEOPLE);
    const domain = pick(DOMAINS);
    const reply = chance(0.35);
    const subject = `${reply ? 'Re: ' : ''}${words(int(3, 7)).replace(/^./, (c) => c.toUpperCase())}`;
    const messageId = chance(0.004) ? undefined : `${createHash('sha1').update(`${seed}:${i}`).digest('hex').slice(0, 20)}.${i}@${domain}`;

    const headers = [
      `Return-Path: <${address(sender, domain)}>`,
      `Received: from mx.${domain} (mx.${domain} [192.0.2.${int(1, 254)}])\r\n\tby imap.lab.test (Cyrus 3.6.1) with LMTPA;\r\n\t${sent.toUTCString().replace('GMT', '+0000')}`,
      `Received: from [10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}] by mx.${domain} with ESMTPSA id ${createHash('md5').update(`${i}`).digest('hex').slice(0, 12)};\r\n\t${sent.toUTCString().replace('GMT', '+0000')}`,
      `Date: ${sent.toUTCString().replace('GMT', '+0000')}`,
      `From: ${sender} <${address(sender, domain)}>`,
      'To: Alice Archer <alice@lab.test>',
      ...(chance(0.3) ? [`Cc: ${pick(PEOPLE)} <${address(pick(PEOPLE), pick(DOMAINS))}>`] : []),
      `Subject: ${subject}`,
      ...(messageId === undefined ? [] : [`Message-ID: <${messageId}>`]),
      ...(reply && i > 0 ? [`In-Reply-To: <prev.${i - 1}@${domain}>`, `References: <prev.${i - 1}@${domain}>`] : []),
      `X-Mailer: ${pick(MAILERS)}`,
      'MIME-Version: 1.0',
    ];
    const head = headers.join('\r\n').length + 4;

    let body: string[];
    const boundary = `----=_Part_${i}_${int(100000, 999999)}`;
    const withAttachment = size > ATTACHMENT_FROM_BYTES ? chance(0.8) : chance(0.08);
    if (withAttachment) {
      const [type, extension] = size > ATTACHMENT_FROM_BYTES ? pick(ATTACHMENTS) : (['image/png', 'png'] as const);
      const textBytes = Math.min(int(300, 3000), Math.max(200, size - head - 2048));
      // base64 is 4/3 the size of what it encodes, plus CRLF every 76 characters.
      const encoded = Math.max(1024, size - head - textBytes - 400);
      const raw = noise(Math.floor((encoded * 57) / 78), i).toString('base64').replace(/.{76}/g, '$&\r\n');
      body = [
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        'This is a multi-part message in MIME format.',
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        text(textBytes),
        `--${boundary}`,
        `Content-Type: ${type}; name="${words(2).replace(' ', '-')}.${extension}"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${words(2).replace(' ', '-')}.${extension}"`,
        '',
        raw,
        `--${boundary}--`,
        '',
      ];
    } else if (chance(0.4)) {
      const plain = text(Math.max(200, Math.floor((size - head) * 0.47)));
      const html = `<html><body>${plain
        .split('\r\n\r\n')
        .map((p) => `<p>${p}</p>`)
        .join('\r\n')}</body></html>`;
      body = [`Content-Type: multipart/alternative; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', plain, `--${boundary}`, 'Content-Type: text/html; charset=utf-8', '', html, `--${boundary}--`, ''];
    } else {
      body = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 7bit', '', text(Math.max(200, size - head)), ''];
    }
    const bytes = Buffer.from([...headers, ...body].join('\r\n'));

    const flags: string[] = [];
    if (chance(0.85)) flags.push('\\Seen');
    if (chance(0.15)) flags.push('\\Answered');
    if (chance(0.05)) flags.push('\\Flagged');
    if (chance(0.03)) flags.push('$Forwarded');
    if (chance(0.02)) flags.push('$Label1');
    out.push({bytes, flags, internalDate, messageId});
  }
  return out;
}
