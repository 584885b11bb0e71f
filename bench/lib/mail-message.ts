/**
 * Messages of bench/archive's corpus, written the way real mail clients and servers write them.
 *
 * A message is composed once by the sender's client ({@link composeMessage}: its headers in that client's
 * order, Message-ID and boundary formats, text/plain + text/html alternatives in its transfer encoding,
 * related logo, attachments in base64 at 76 characters a line). That is the copy the client APPENDs to the
 * sender's Sent folder. On its way to local mailboxes the servers put trace headers on top
 * ({@link traceHeaders}: the sender's provider, the MX, amavis, Cyrus' lmtpd), the same for every
 * recipient of one LMTP transaction (Postfix writes `for <rcpt>` only when there is one). Nothing else
 * differs between the copies: dedup finds exactly these.
 */
import {makeIcs, type Attachment} from './mail-attachments.js';
import type {Rng} from './mail-rng.js';
import {LANGUAGES, paragraph, type Lang} from './mail-words.js';

/** The sender's mail client; `mailer`: an application or a mass mailer (JavaMail, an ESP). */
export type Client = 'outlook' | 'gmail' | 'thunderbird' | 'apple' | 'mailer';
/** Who runs the sender's mail: Microsoft 365, Google, a Postfix of their own; `site` is the archived site. */
export type Provider = 'site' | 'm365' | 'google' | 'postfix';

export interface Company {
  name: string;
  domain: string;
  provider: Provider;
  lang: Lang;
  /** A legal footer under every message. */
  disclaimer: boolean;
  /** The logo in HTML signatures (multipart/related), the same bytes in every message. */
  logo: Attachment | undefined;
  street: string;
}

export interface Person {
  first: string;
  last: string;
  address: string;
  title: string;
  company: Company;
  client: Client;
  lang: Lang;
  /** Set for the site's users: their Cyrus login. */
  login?: string;
}

export interface Body {
  text: string;
  /** The HTML inside the body element (a reply quotes it). */
  html: string;
}

/** Everything about one message but its bytes. */
export interface Draft {
  from: Person;
  to: Person[];
  cc: Person[];
  subject: string;
  /** The language it is written in (a thread keeps its language whoever answers). */
  lang: Lang;
  /** ms since the epoch. */
  date: number;
  messageId: string;
  references: string[];
  body: Body;
  /** Plain text only (no HTML alternative): mailing list regulars, Thunderbird in plain-text mode. */
  plainOnly: boolean;
  attachments: Attachment[];
  /** A meeting request (text/calendar alternative plus invite.ics). */
  calendar: Buffer | undefined;
  /** Headers an automated sender or a list server adds (List-*, Feedback-ID...). */
  extraHeaders: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Dates, addresses, encodings

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date-time in +0100 (the site's zone, winter time is close enough). */
export function rfcDate(ms: number, zeroPadDay = false): string {
  const d = new Date(ms + 3_600_000);
  const day = zeroPadDay ? pad2(d.getUTCDate()) : String(d.getUTCDate());
  return `${DAYS[d.getUTCDay()]}, ${day} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0100`;
}

const isAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** RFC 2047 encoded words for a header text with non-ASCII characters (Q for Latin scripts, B for Japanese). */
export function encodeWords(text: string): string {
  if (isAscii(text)) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (/[\u3000-\u9fff]/.test(text)) {
    const words: string[] = [];
    for (let at = 0; at < text.length; at += 12) words.push(`=?UTF-8?B?${Buffer.from(text.slice(at, at + 12), 'utf8').toString('base64')}?=`);
    return words.join('\r\n ');
  }
  let q = '';
  for (const b of bytes) q += (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ? String.fromCharCode(b) : b === 0x20 ? '_' : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  const words: string[] = [];
  for (let at = 0; at < q.length; ) {
    let end = Math.min(q.length, at + 60);
    while (end < q.length && q[end - 1] !== '=' && q.lastIndexOf('=', end - 1) > end - 3) end--;
    if (q.lastIndexOf('=', end - 1) > end - 3) end = q.lastIndexOf('=', end - 1);
    if (end <= at) end = Math.min(q.length, at + 60);
    words.push(`=?UTF-8?Q?${q.slice(at, end)}?=`);
    at = end;
  }
  return words.join('\r\n ');
}

export function displayName(p: Person): string {
  return (p.lang === 'ja' && p.company.lang === 'ja' ? `${p.last} ${p.first}` : `${p.first} ${p.last}`).trim();
}

export function mailbox(p: Person): string {
  const name = displayName(p);
  return isAscii(name) ? `${/[,.]/.test(name) ? `"${name}"` : name} <${p.address}>` : `${encodeWords(name)} <${p.address}>`;
}

/** `Name: value`, folded at commas or spaces so that no line passes 78 characters. */
export function header(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= 78 || value.includes('\r\n')) return line;
  const out: string[] = [];
  let current = '';
  for (const token of line.split(/(?<=[, ;]) /)) {
    if (current !== '' && current.length + token.length + 1 > 78) {
      out.push(current);
      current = ` ${token}`;
    } else current = current === '' ? token : `${current} ${token}`;
  }
  out.push(current);
  return out.join('\r\n');
}

/** Base64 in lines of 76 characters (RFC 2045), CRLF. */
export function base64Lines(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < b64.length; at += 76) lines.push(b64.slice(at, at + 76));
  return lines.join('\r\n');
}

/** Quoted-printable (RFC 2045): CRLF kept as hard line breaks, soft breaks before 76 characters. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\r\n')) {
    const bytes = Buffer.from(line, 'utf8');
    let current = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      const piece = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      if (current.length + piece.length > 75) {
        out.push(`${current}=`);
        current = '';
      }
      current += piece;
    }
    out.push(current);
  }
  return out.join('\r\n');
}

/** Thunderbird's format=flowed (RFC 3676): lines of at most 72 characters, soft breaks end in a space. */
function flowed(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line.length <= 72 || line.startsWith('>')) {
      out.push(line);
      continue;
    }
    let rest = line;
    while (rest.length > 72) {
      let cut = rest.lastIndexOf(' ', 72);
      if (cut <= 0) cut = 72;
      out.push(`${rest.slice(0, cut)} `);
      rest = rest.slice(cut).trimStart();
    }
    out.push(rest);
  }
  return out.join('\r\n');
}

const LOCALE: Record<Lang, string> = {en: 'en-US', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', ja: 'ja-JP'};

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// ---------------------------------------------------------------------------------------------------------
// Bodies

/** What a body says before any quotation: greeting, paragraphs, closing, signature. */
export function writeBody(rng: Rng, from: Person, to: Person | undefined, paragraphs: number, lang: Lang = from.lang): Body {
  const language = LANGUAGES[lang];
  const greetings = to === undefined ? language.greetings.filter((g) => !g.includes('{')) : language.greetings;
  const greeting = rng.pick(greetings).replace('{first}', to?.first ?? '').replace('{last}', to?.last ?? '');
  const texts: string[] = [];
  for (let i = 0; i < paragraphs; i++) texts.push(paragraph(rng, language));
  const closing = rng.pick(language.closings);
  const company = from.company;
  const phone = `+49 40 ${rng.int(100, 999)} ${rng.int(1000, 9999)}-${rng.int(10, 99)}`;
  const signature = [displayName(from), from.title, company.name, company.street, `Tel. ${phone}`, `https://www.${company.domain}`];
  const footer = company.disclaimer ? LANGUAGES[company.lang].disclaimer : '';
  const text = [greeting, '', ...texts.flatMap((t) => [t, '']), closing, displayName(from), '', '-- ', ...signature, ...(footer === '' ? [] : ['', footer])].join('\r\n');

  let html: string;
  if (from.client === 'outlook') {
    const p = (t: string) => `<p class="MsoNormal"><span lang="${lang.toUpperCase()}" style="font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif;mso-fareast-language:EN-US">${escapeHtml(t)}<o:p></o:p></span></p>\r\n`;
    const empty = '<p class="MsoNormal"><span style="font-size:11.0pt"><o:p>&nbsp;</o:p></span></p>\r\n';
    const logo = company.logo === undefined ? '' : `<tr><td style="padding:0cm 0cm 0cm 0cm"><p class="MsoNormal"><span style="mso-fareast-language:DE"><img width="160" height="48" style="width:1.6666in;height:.5in" id="Grafik_x0020_1" src="cid:image001.png@01DA${rng.hex(4).toUpperCase()}.${rng.hex(8).toUpperCase()}" alt="${escapeHtml(company.name)}"></span></p></td></tr>\r\n`;
    const sig = signature.map((s) => `<tr><td style="padding:0cm 0cm 0cm 0cm"><p class="MsoNormal"><span style="font-size:9.0pt;font-family:&quot;Arial&quot;,sans-serif;color:#595959">${escapeHtml(s)}<o:p></o:p></span></p></td></tr>\r\n`).join('');
    html = [p(greeting), empty, ...texts.flatMap((t) => [p(t), empty]), p(closing), p(displayName(from)), empty, `<table class="MsoNormalTable" border="0" cellspacing="0" cellpadding="0" style="border-collapse:collapse">\r\n${sig}${logo}</table>\r\n`, footer === '' ? '' : `<p class="MsoNormal"><span style="font-size:7.5pt;color:gray">${escapeHtml(footer)}<o:p></o:p></span></p>\r\n`].join('');
  } else {
    const div = (t: string) => (from.client === 'gmail' ? `<div>${escapeHtml(t)}</div>` : from.client === 'apple' ? `<div>${escapeHtml(t)}</div>\r\n` : `<p>${escapeHtml(t)}</p>\r\n`);
    const br = from.client === 'thunderbird' ? '' : '<div><br></div>';
    const sigHtml = `<div ${from.client === 'gmail' ? 'dir="ltr" class="gmail_signature" data-smartmail="gmail_signature"' : 'class="moz-signature"'}>-- <br>${signature.map(escapeHtml).join('<br>')}${footer === '' ? '' : `<br><br><span style="font-size:x-small;color:#888">${escapeHtml(footer)}</span>`}</div>`;
    html = `${div(greeting)}${br}${texts.map((t) => div(t) + br).join('')}${div(closing)}${div(displayName(from))}${br}${sigHtml}\r\n`;
  }
  return {text, html};
}

/** A reply's body: what the replier writes, then the message replied to, quoted as the replier's client does. */
export function quoteBody(own: Body, from: Person, quoted: Draft): Body {
  const language = LANGUAGES[quoted.lang];
  const who = displayName(quoted.from);
  if (from.client === 'outlook') {
    const o = language.outlook;
    const block = [`${o.from}: ${who} <${quoted.from.address}>`, `${o.sent}: ${rfcDate(quoted.date)}`, `${o.to}: ${quoted.to.map(displayName).join('; ')}`, `${o.subject}: ${quoted.subject}`];
    const text = `${own.text}\r\n\r\n${'_'.repeat(32)}\r\n${block.join('\r\n')}\r\n\r\n${quoted.body.text}`;
    const html = `${own.html}<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\r\n<p class="MsoNormal"><b><span style="font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif">${block.map((line) => escapeHtml(line)).join('<br>\r\n')}<o:p></o:p></span></b></p>\r\n</div>\r\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\r\n${quoted.body.html}`;
    return {text, html};
  }
  const intro = language.quoteIntro.replace('{date}', rfcDate(quoted.date)).replace('{name}', `${who} <${quoted.from.address}>`);
  const prefixed = quoted.body.text.split('\r\n').map((line) => (line.startsWith('>') ? `>${line}` : line === '' ? '>' : `> ${line}`)).join('\r\n');
  const text = `${own.text}\r\n\r\n${intro}\r\n${prefixed}`;
  const html =
    from.client === 'gmail'
      ? `${own.html}<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">${escapeHtml(intro)}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${quoted.body.html}</blockquote></div>\r\n`
      : `${own.html}<div class="moz-cite-prefix">${escapeHtml(intro)}<br></div>\r\n<blockquote type="cite" cite="mid:${quoted.messageId.slice(1, -1)}">${quoted.body.html}</blockquote>\r\n`;
  return {text, html};
}

/** A forward's body: a line or two, then the forwarded message's headers and text. */
export function forwardBody(own: Body, from: Person, forwarded: Draft, lang: Lang): Body {
  const o = LANGUAGES[lang].outlook;
  const block = [`${o.from}: ${displayName(forwarded.from)} <${forwarded.from.address}>`, `${o.sent}: ${rfcDate(forwarded.date)}`, `${o.to}: ${forwarded.to.map(displayName).join(', ')}`, `${o.subject}: ${forwarded.subject}`];
  const rule = from.client === 'outlook' ? '_'.repeat(32) : '---------- Forwarded message ---------';
  return {
    text: `${own.text}\r\n\r\n${rule}\r\n${block.join('\r\n')}\r\n\r\n${forwarded.body.text}`,
    html: `${own.html}<div><br></div><div class="gmail_quote">${rule}<br>${block.map(escapeHtml).join('<br>')}<br><br>${forwarded.body.html}</div>\r\n`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Composition: what the sender's client writes (the Sent copy)

const OUTLOOK_HEAD =
  '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">\r\n' +
  '<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\r\n' +
  '<style><!--\r\n/* Font Definitions */\r\n@font-face\r\n\t{font-family:"Cambria Math";\r\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\r\n@font-face\r\n\t{font-family:Calibri;\r\n\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\r\n' +
  '@font-face\r\n\t{font-family:Aptos;}\r\n/* Style Definitions */\r\np.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0cm;\r\n\tfont-size:12.0pt;\r\n\tfont-family:"Aptos",sans-serif;\r\n\tmso-ligatures:standardcontextual;\r\n\tmso-fareast-language:EN-US;}\r\n' +
  'a:link, span.MsoHyperlink\r\n\t{mso-style-priority:99;\r\n\tcolor:#467886;\r\n\ttext-decoration:underline;}\r\nspan.E-MailFormatvorlage17\r\n\t{mso-style-type:personal-compose;\r\n\tfont-family:"Aptos",sans-serif;\r\n\tcolor:windowtext;}\r\n' +
  '.MsoChpDefault\r\n\t{mso-style-type:export-only;\r\n\tfont-size:10.0pt;\r\n\tmso-ligatures:none;}\r\n@page WordSection1\r\n\t{size:612.0pt 792.0pt;\r\n\tmargin:70.85pt 70.85pt 2.0cm 70.85pt;}\r\ndiv.WordSection1\r\n\t{page:WordSection1;}\r\n' +
  '--></style><!--[if gte mso 9]><xml>\r\n<o:shapedefaults v:ext="edit" spidmax="1026" />\r\n</xml><![endif]--><!--[if gte mso 9]><xml>\r\n<o:shapelayout v:ext="edit">\r\n<o:idmap v:ext="edit" data="1" />\r\n</o:shapelayout></xml><![endif]-->\r\n</head>\r\n';

function htmlDocument(client: Client, inner: string, lang: Lang): string {
  switch (client) {
    case 'outlook':
      return `${OUTLOOK_HEAD}<body lang="${lang.toUpperCase()}" link="#467886" vlink="#96607D" style="word-wrap:break-word">\r\n<div class="WordSection1">\r\n${inner}</div>\r\n</body>\r\n</html>\r\n`;
    case 'gmail':
      return `<div dir="ltr">${inner}</div>\r\n`;
    case 'thunderbird':
      return `<!DOCTYPE html>\r\n<html>\r\n  <head>\r\n    <meta http-equiv="content-type" content="text/html; charset=UTF-8">\r\n  </head>\r\n  <body>\r\n${inner}  </body>\r\n</html>\r\n`;
    case 'apple':
      return `<html aria-label="message body"><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">${inner}</body></html>`;
    case 'mailer':
      return inner;
  }
}

function boundary(rng: Rng, client: Client): string {
  switch (client) {
    case 'outlook':
      return `_00${rng.int(0, 9)}_${rng.alnum(4).toUpperCase()}PR0${rng.int(1, 9)}MB${rng.int(1000, 9999)}${rng.alnum(12).toUpperCase()}prod_`;
    case 'gmail':
      return `0000000000${rng.hex(16)}`;
    case 'thunderbird':
      return `------------${rng.alnum(24)}`;
    case 'apple':
      return `Apple-Mail=_${randomUuid(rng).toUpperCase()}`;
    case 'mailer':
      return `----=_Part_${rng.int(100_000, 999_999)}_${rng.int(100_000_000, 999_999_999)}.${rng.int(1_700_000_000_000, 1_799_999_999_999)}`;
  }
}

/** A UUID made from the seeded generator (node's randomUUID is not seeded). */
function randomUuid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A Message-ID as the sender's client or provider makes it. */
export function newMessageId(rng: Rng, from: Person): string {
  switch (from.client) {
    case 'outlook':
      return from.company.provider === 'm365'
        ? `<${rng.alnum(4).toUpperCase()}PR0${rng.int(1, 9)}MB${rng.int(1000, 9999)}${rng.alnum(20).toUpperCase()}@${rng.alnum(4).toUpperCase()}PR0${rng.int(1, 9)}MB${rng.int(1000, 9999)}.eurprd0${rng.int(1, 9)}.prod.outlook.com>`
        : `<${rng.hex(32)}@${from.company.domain}>`;
    case 'gmail':
      return `<CA${rng.alnum(2)}${rng.base64(36).replace(/[/=]/g, '_')}@mail.gmail.com>`;
    case 'thunderbird':
      return `<${randomUuid(rng)}@${from.company.domain}>`;
    case 'apple':
      return `<${randomUuid(rng).toUpperCase()}@${from.company.domain}>`;
    case 'mailer':
      return `<${rng.int(1_000_000, 9_999_999)}.${rng.int(100_000, 999_999)}.${rng.int(1_700_000_000_000, 1_799_999_999_999)}.JavaMail.app@${from.company.domain}>`;
  }
}

interface Part {
  headers: string[];
  body: string;
}

function renderPart(part: Part): string {
  return `${part.headers.join('\r\n')}\r\n\r\n${part.body}`;
}

function multipart(type: string, b: string, parts: Part[], extra = ''): Part {
  return {headers: [`Content-Type: ${type};${extra}\r\n\tboundary="${b}"`], body: `${parts.map((p) => `--${b}\r\n${renderPart(p)}\r\n`).join('')}--${b}--\r\n`};
}

function textPart(client: Client, subtype: 'plain' | 'html', text: string, lang: Lang): Part {
  const charset = client === 'outlook' ? '"utf-8"' : client === 'gmail' ? '"UTF-8"' : subtype === 'plain' && client === 'thunderbird' ? 'UTF-8; format=flowed' : 'UTF-8';
  const type = `Content-Type: text/${subtype}; charset=${charset}`;
  if (client === 'thunderbird') {
    const body = subtype === 'plain' ? flowed(text) : text;
    return {headers: [type, `Content-Transfer-Encoding: ${isAscii(body.replace(/\r\n/g, '')) ? '7bit' : '8bit'}`], body};
  }
  if (client === 'gmail' && lang === 'ja') return {headers: [type, 'Content-Transfer-Encoding: base64'], body: base64Lines(Buffer.from(text, 'utf8'))};
  if (client === 'gmail' && isAscii(text.replace(/\r\n/g, ''))) return {headers: [type], body: text};
  return {headers: [type, 'Content-Transfer-Encoding: quoted-printable'], body: quotedPrintable(text)};
}

function attachmentPart(a: Attachment, client: Client, inlineId?: string): Part {
  const name = encodeWords(a.filename);
  const quoted = name.includes('=?') ? name : `"${name}"`;
  const headers =
    client === 'outlook'
      ? [`Content-Type: ${a.contentType}; name=${quoted}`, `Content-Description: ${name}`, `Content-Disposition: ${inlineId === undefined ? 'attachment' : 'inline'}; filename=${quoted}; size=${a.bytes.length};\r\n\tcreation-date="${rfcDate(Date.UTC(2026, 0, 5))}";\r\n\tmodification-date="${rfcDate(Date.UTC(2026, 0, 5))}"`]
      : [`Content-Type: ${a.contentType}; name=${quoted}`, `Content-Disposition: ${inlineId === undefined ? 'attachment' : 'inline'}; filename=${quoted}`];
  if (inlineId !== undefined) headers.push(`Content-ID: <${inlineId}>`);
  if (client === 'gmail' && inlineId === undefined) headers.push(`X-Attachment-Id: f_m${'0123456789abcdef'[a.bytes.length % 16]}${a.bytes.length.toString(36)}`);
  headers.push('Content-Transfer-Encoding: base64');
  return {headers, body: base64Lines(a.bytes)};
}

/** The message as the sender's client writes it: what lands in their Sent folder. */
export function composeMessage(rng: Rng, d: Draft): Buffer {
  const client = d.from.client;
  const lang = d.lang;
  const alternatives: Part[] = [textPart(client, 'plain', d.body.text, lang)];
  if (!d.plainOnly) alternatives.push(textPart(client, 'html', htmlDocument(client, d.body.html, lang), lang));
  if (d.calendar !== undefined) alternatives.push({headers: ['Content-Type: text/calendar; charset="utf-8"; method=REQUEST', 'Content-Transfer-Encoding: base64'], body: base64Lines(d.calendar)});
  let root: Part = alternatives.length === 1 ? (alternatives[0] as Part) : multipart('multipart/alternative', boundary(rng, client), alternatives);
  const logo = d.from.company.logo;
  if (logo !== undefined && !d.plainOnly && (client === 'outlook' || client === 'apple')) {
    root = multipart('multipart/related', boundary(rng, client), [root, attachmentPart(logo, client, `image001.png@01DA${rng.hex(4).toUpperCase()}.${rng.hex(8).toUpperCase()}`)], ' type="multipart/alternative";');
  }
  const files = [...d.attachments];
  if (d.calendar !== undefined && client !== 'outlook') files.push({kind: 'ics', filename: 'invite.ics', contentType: 'application/ics', bytes: d.calendar, incompressible: 0});
  if (files.length > 0) root = multipart('multipart/mixed', boundary(rng, client), [root, ...files.map((a) => attachmentPart(a, client))]);

  const to = d.to.map(mailbox).join(', ');
  const cc = d.cc.map(mailbox).join(', ');
  const subject = encodeWords(d.subject);
  const refs = d.references.length === 0 ? [] : [header('References', d.references.join(' ')), header('In-Reply-To', d.references.at(-1) as string)];
  const ct = root.headers.join('\r\n');
  let headers: string[];
  switch (client) {
    case 'outlook':
      headers = [
        header('From', mailbox(d.from)), header('To', to), ...(cc === '' ? [] : [header('CC', cc)]), `Subject: ${subject}`,
        `Thread-Topic: ${encodeWords(d.subject.replace(/^(\w{2,3} ?: ?)+/i, ''))}`, `Thread-Index: AQHa${rng.base64(18).slice(0, 24)}`,
        `Date: ${rfcDate(d.date)}`, `Message-ID: ${d.messageId}`, ...refs, `Accept-Language: ${LOCALE[lang]}, en-US`,
        `Content-Language: ${LOCALE[lang]}`, 'X-MS-Has-Attach: ' + (files.length > 0 ? 'yes' : ''), 'X-MS-TNEF-Correlator:',
        `msip_labels: MSIP_Label_${randomUuid(rng)}_Enabled=True;\r\n MSIP_Label_${randomUuid(rng)}_SetDate=${new Date(d.date).toISOString()};`,
        ct, 'MIME-Version: 1.0',
      ];
      break;
    case 'gmail':
      headers = ['MIME-Version: 1.0', ...refs, header('From', mailbox(d.from)), `Date: ${rfcDate(d.date)}`, `Message-ID: ${d.messageId}`, `Subject: ${subject}`, header('To', to), ...(cc === '' ? [] : [header('Cc', cc)]), ct];
      break;
    case 'thunderbird':
      headers = [`Message-ID: ${d.messageId}`, `Date: ${rfcDate(d.date)}`, 'MIME-Version: 1.0', 'User-Agent: Mozilla Thunderbird', `Content-Language: ${LOCALE[lang]}`, header('To', to), ...(cc === '' ? [] : [header('Cc', cc)]), ...refs.slice(0, 1), header('From', mailbox(d.from)), `Subject: ${subject}`, ...refs.slice(1), ct];
      break;
    case 'apple':
      headers = [header('From', mailbox(d.from)), ct, 'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.400.131.1.6\\))', `Subject: ${subject}`, `Date: ${rfcDate(d.date)}`, ...refs.slice(1), ...(cc === '' ? [] : [header('Cc', cc)]), header('To', to), ...refs.slice(0, 1), `Message-Id: ${d.messageId}`, 'X-Mailer: Apple Mail (2.3826.400.131.1.6)'];
      break;
    case 'mailer':
      headers = [`Date: ${rfcDate(d.date, true)}`, header('From', mailbox(d.from)), header('To', to), `Message-ID: ${d.messageId}`, `Subject: ${subject}`, 'MIME-Version: 1.0', ct];
      break;
  }
  return Buffer.from(`${[...d.extraHeaders, ...headers].join('\r\n')}\r\n\r\n${root.body}`, 'utf8');
}

/** A meeting request's ICS for this draft (organizer: the sender). */
export function calendarFor(rng: Rng, d: Draft, start: number): Buffer {
  const who = (p: Person) => ({name: displayName(p), address: p.address});
  return makeIcs(rng, who(d.from), [...d.to, ...d.cc].map(who), d.subject, d.body.text.slice(0, 1500), start);
}

// ---------------------------------------------------------------------------------------------------------
// Delivery: the trace headers on top of the delivered copies

function queueId(rng: Rng): string {
  return `4${rng.alnum(11)}`;
}

function signature(rng: Rng): string {
  const b = rng.base64(256);
  return `${b.slice(0, 60)}\r\n\t ${b.slice(60, 136)}\r\n\t ${b.slice(136, 212)}\r\n\t ${b.slice(212, 288)}\r\n\t ${b.slice(288)}`;
}

function dkim(rng: Rng, domain: string, selector: string, t: number, signed: string): string {
  return `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${domain};\r\n\ts=${selector}; t=${Math.floor(t / 1000)}; x=${Math.floor(t / 1000) + 604800}; darn=${SITE_DOMAIN};\r\n\th=${signed};\r\n\tbh=${rng.base64(32)};\r\n\tb=${signature(rng)}`;
}

/** The domain of the archived site; its servers are mx1 (Postfix + amavis) and imap (Cyrus). */
export const SITE_DOMAIN = 'elbe-logistik.example';

/**
 * The headers servers add on the way from the sender to the site's Cyrus, newest first (as they appear):
 * lmtpd's Received, amavis' verdict, the MX's Received and Authentication-Results, and the sender's
 * provider's own (Microsoft 365 adds ~6 kB, Google ~2 kB). `rcpts` are the recipients of the one LMTP
 * transaction: Postfix names the recipient only when there is one. `relay`: a list server or mass mailer
 * that sends it on (its domain, its bounce address).
 */
export function traceHeaders(rng: Rng, d: Draft, rcpts: Person[], sentAt: number, relay?: {company: Company; bounce: string}): string {
  const sender = relay?.company ?? d.from.company;
  const provider = sender.provider;
  const at = (delay: number) => rfcDate(sentAt + delay * 1000);
  const forRcpt = rcpts.length === 1 ? `\r\n\tfor <${(rcpts[0] as Person).address}>` : '';
  const envelopeFrom = relay?.bounce ?? d.from.address;
  const senderDomain = sender.domain;
  const out: string[] = [
    `Return-Path: <${envelopeFrom}>`,
    `Received: from mx1.${SITE_DOMAIN} ([unix socket])\r\n\t by imap.${SITE_DOMAIN} (Cyrus 3.6.1-Debian-3.6.1-4+deb12u2) with LMTPA;\r\n\t ${at(3)}`,
    'X-Sieve: CMU Sieve 3.0',
    `X-Virus-Scanned: Debian amavisd-new at ${SITE_DOMAIN}`,
    'X-Spam-Flag: NO',
    `X-Spam-Score: ${(-rng.float() * 3).toFixed(3)}`,
    'X-Spam-Level:',
    `X-Spam-Status: No, score=${(-rng.float() * 3).toFixed(3)} tagged_above=-999 required=6.31\r\n\ttests=[BAYES_00=-1.9, DKIM_SIGNED=0.1, DKIM_VALID=-0.1, DKIM_VALID_AU=-0.1,\r\n\tHTML_MESSAGE=0.001, RCVD_IN_DNSWL_NONE=-0.0001, SPF_HELO_NONE=0.001,\r\n\tSPF_PASS=-0.001] autolearn=ham autolearn_force=no`,
    `Received: from mx1.${SITE_DOMAIN} ([127.0.0.1])\r\n\tby localhost (mx1.${SITE_DOMAIN} [127.0.0.1]) (amavisd-new, port 10024)\r\n\twith ESMTP id ${rng.alnum(12)}${rcpts.length <= 3 ? `\r\n\tfor ${rcpts.map((r) => `<${r.address}>`).join(',\r\n\t')}` : ''}; ${at(2)}`,
  ];
  if (provider === 'site') {
    out.push(`Received: from [10.20.${rng.int(1, 9)}.${rng.int(10, 250)}] (unknown [10.20.${rng.int(1, 9)}.${rng.int(10, 250)}])\r\n\t(Authenticated sender: ${d.from.login ?? 'relay'})\r\n\tby mx1.${SITE_DOMAIN} (Postfix) with ESMTPSA id ${queueId(rng)}${forRcpt};\r\n\t${at(1)}`);
    out.push(dkim(rng, SITE_DOMAIN, 'mail2025', sentAt, 'From:Date:Subject:To:Cc:From'));
    return `${out.join('\r\n')}\r\n`;
  }
  out.push(`Authentication-Results: mx1.${SITE_DOMAIN} (amavisd-new); dkim=pass (2048-bit key)\r\n\theader.d=${senderDomain}`);
  out.push(`Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=${rng.int(20, 220)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}; helo=${senderDomain}; envelope-from=<${envelopeFrom}>; receiver=<UNKNOWN>`);
  const host = provider === 'google' ? `mail-${rng.pick(['wr1', 'ed1', 'lj1', 'wm1'])}-f${rng.int(40, 99)}.google.com` : provider === 'm365' ? `EUR0${rng.int(1, 5)}-${rng.pick(['DB5', 'VI1', 'AM6'])}-obe.outbound.protection.outlook.com` : `mail.${senderDomain}`;
  out.push(`Received: from ${host} (${host} [${rng.int(20, 220)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)\r\n\tby mx1.${SITE_DOMAIN} (Postfix) with ESMTPS id ${queueId(rng)}${forRcpt};\r\n\t${at(1)}`);
  if (provider === 'google') {
    out.push(`Received: by ${host} with SMTP id ${rng.int(2, 9)}adf61e73a8af0-${rng.hex(11)}so${rng.int(1_000_000, 9_999_999)}f8f.${rng.int(0, 9)}${forRcpt.replace('\r\n\t', '\r\n        ')};\r\n        ${at(0)}`);
    out.push(dkim(rng, senderDomain, '20230601', sentAt, 'to:subject:message-id:date:from:in-reply-to:references\r\n\t :mime-version:from:to:cc:subject:date:message-id:reply-to'));
    out.push(`X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n        d=1e100.net; s=20230601; t=${Math.floor(sentAt / 1000)};\r\n        h=to:subject:message-id:date:from:mime-version:x-gm-message-state;\r\n        bh=${rng.base64(32)};\r\n        b=${signature(rng)}`);
    out.push(`X-Gm-Message-State: AOJu0Y${rng.base64(96)}`);
    out.push(`X-Google-Smtp-Source: AGHT+I${rng.base64(72)}`);
    out.push(`X-Received: by 2002:a05:${rng.hex(4)}:${rng.hex(3)}:b0:${rng.hex(3)}:${rng.hex(4)} with SMTP id\r\n ${rng.alnum(22)}.${rng.int(1, 9)}.${rng.int(1_000_000_000_000, 9_999_999_999_999)}; ${at(0)}`);
    return `${out.join('\r\n')}\r\n`;
  }
  if (provider === 'm365') {
    const server = () => `${rng.alnum(4).toUpperCase()}PR0${rng.int(1, 9)}MB${rng.int(1000, 9999)}.eurprd0${rng.int(1, 9)}.prod.outlook.com`;
    out.push(`ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\r\n b=${signature(rng)}`);
    out.push(`ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;\r\n s=arcselector10001;\r\n h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1;\r\n bh=${rng.base64(32)};\r\n b=${signature(rng)}`);
    out.push(`ARC-Authentication-Results: i=1; mx.microsoft.com 1; spf=pass\r\n smtp.mailfrom=${senderDomain}; dmarc=pass action=none\r\n header.from=${senderDomain}; dkim=pass header.d=${senderDomain}; arc=none`);
    out.push(dkim(rng, senderDomain, 'selector1', sentAt, 'From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck'));
    for (let hop = 0; hop < 3; hop++) out.push(`Received: from ${server()} (2603:10a6:${rng.hex(3)}:${rng.hex(2)}::${rng.hex(2)})\r\n by ${server()} (2603:10a6:${rng.hex(3)}:${rng.hex(2)}::${rng.hex(2)}) with\r\n Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.${rng.int(7000, 8999)}.${rng.int(10, 40)}; ${at(0)}`);
    const fold = (b64: string) => b64.match(/.{1,76}/g)?.join('\r\n ') ?? '';
    out.push(
      `X-MS-Exchange-Organization-SCL: -1`, `X-MS-TrafficTypeDiagnostic: ${server().slice(0, 16)}:EE_|${server().slice(0, 16)}:EE_`,
      `X-MS-Office365-Filtering-Correlation-Id: ${randomUuid(rng)}`, 'X-MS-Exchange-SenderADCheck: 1', 'X-MS-Exchange-AntiSpam-Relay: 0',
      'X-Microsoft-Antispam: BCL:0;ARA:13230040|1800799024|366016|376014|38070700018;',
      `X-Microsoft-Antispam-Message-Info:\r\n ${fold(rng.base64(rng.int(1500, 2600)))}`,
      `X-Forefront-Antispam-Report: CIP:255.255.255.255;CTRY:;LANG:${d.lang};SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:${server()};PTR:;CAT:NONE;SFS:(13230040)(1800799024)(366016)(376014)(38070700018);DIR:OUT;SFP:1101;`,
      'X-MS-Exchange-AntiSpam-MessageData-ChunkCount: 1',
      `X-MS-Exchange-AntiSpam-MessageData-0:\r\n ${fold(rng.base64(rng.int(2000, 3200)))}`,
      `X-MS-Exchange-CrossTenant-Network-Message-Id: ${randomUuid(rng)}`,
      `X-MS-Exchange-CrossTenant-AuthSource: ${server()}`, 'X-MS-Exchange-CrossTenant-AuthAs: Internal',
      `X-MS-Exchange-CrossTenant-OriginalArrivalTime: ${new Date(sentAt).toUTCString()}`, 'X-MS-Exchange-CrossTenant-FromEntityHeader: Hosted',
      `X-MS-Exchange-CrossTenant-Id: ${randomUuid(rng)}`, 'X-MS-Exchange-CrossTenant-MailboxType: HOSTED',
      `X-MS-Exchange-CrossTenant-UserPrincipalName: ${rng.base64(48)}`, `X-MS-Exchange-Transport-CrossTenantHeadersStamped: ${server().slice(0, 16)}`,
    );
    return `${out.join('\r\n')}\r\n`;
  }
  if (relay !== undefined) out.push(`Received: from ${senderDomain} (localhost [127.0.0.1])\r\n\tby mail.${senderDomain} (Postfix) with ESMTP id ${queueId(rng)};\r\n\t${at(0)}`);
  else out.push(`Received: from [192.168.${rng.int(0, 9)}.${rng.int(10, 250)}] (p${rng.hex(8)}.dip0.t-ipconnect.de [${rng.int(80, 95)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}])\r\n\t(Authenticated sender: ${d.from.address.split('@')[0]})\r\n\tby mail.${senderDomain} (Postfix) with ESMTPSA id ${queueId(rng)};\r\n\t${at(0)}`);
  out.push(dkim(rng, senderDomain, 'default', sentAt, 'From:To:Subject:Date:Message-ID:MIME-Version:Content-Type'));
  return `${out.join('\r\n')}\r\n`;
}
