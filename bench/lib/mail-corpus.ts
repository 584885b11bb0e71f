/**
 * bench/archive's corpus: the mail of a simulated company (the site, SITE_DOMAIN) laid out as a Cyrus 3.6
 * spool, deterministic for a seed. Its users write to each other and to external contacts in threads
 * (replies quote what they answer, as real replies do), receive mail from outside, post to and receive from
 * mailing lists, get newsletters and notifications from applications, send meeting requests, forward
 * attachments. See mail-message.ts for how each message is written and mail-attachments.ts for the files.
 *
 * Assumptions (the figures printed by {@link describeComposition} let a reviewer check them):
 * - Each user has INBOX, Sent and Archive. Sent holds what the user sent (the copy their client APPENDs);
 *   a received message is in INBOX, or in Archive (more often the older it is).
 * - Duplicates come only from delivery: a message to several local users is one LMTP transaction, so every
 *   recipient's copy has the same bytes (Cyrus' own singleinstancestore relies on this). Mailing-list posts
 *   reach all local subscribers alike. The sender's Sent copy differs from the delivered one (no trace
 *   headers), so it is a blob of its own. Newsletters and notifications are personalised: one per user.
 * - A forward re-attaches an attachment seen before: the same base64 inside a different message. Exact
 *   dedup cannot see that; it is there because real mail has it.
 * - Nothing is made compressible or duplicated for its own sake: attachments are as incompressible as the
 *   real formats (see mail-attachments.ts).
 */
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeMailbox} from '../../test/lib/sources/cyrus/cyrus-spool.js';
import {makeAttachment, makePng, type Attachment, type AttachmentKind} from './mail-attachments.js';
import {SITE_DOMAIN, calendarFor, composeMessage, forwardBody, newMessageId, quoteBody, traceHeaders, writeBody, type Body, type Client, type Company, type Draft, type Person, type Provider} from './mail-message.js';
import {Rng} from './mail-rng.js';
import {LANGUAGES, paragraph, sentence, type Lang} from './mail-words.js';

/** Bump when the generator changes what it writes: cached corpora of another version are not reused. */
export const CORPUS_VERSION = 1;

export interface CorpusOptions {
  seed: number;
  /** Message files to write (the corpus stops at the first event that reaches it). */
  messages: number;
  users: number;
}

/** What a message is, for the composition table. */
export type MessageKind = 'internal' | 'inbound' | 'outbound' | 'list' | 'newsletter' | 'notification' | 'invite' | 'forward';
const KINDS: MessageKind[] = ['internal', 'inbound', 'outbound', 'list', 'newsletter', 'notification', 'invite', 'forward'];

export interface KindFigures {
  /** Message files (all copies). */
  files: number;
  /** Distinct messages (blobs). */
  unique: number;
  bytes: number;
  uniqueBytes: number;
}

/** The corpus, measured: every figure a reviewer needs to judge whether it is realistic. */
export interface Composition {
  version: number;
  seed: number;
  users: number;
  folders: number;
  /** Message files in the spool (what `bonnie archive` reads). */
  files: number;
  /** Their total size: the source size, counting every copy. */
  bytes: number;
  /** Distinct messages and their size: what a deduplicating archive must store. */
  unique: number;
  uniqueBytes: number;
  meanBytes: number;
  medianBytes: number;
  p90Bytes: number;
  maxBytes: number;
  /** Share of `bytes` in base64 attachment parts (files, inline logos, invitations). */
  attachmentShare: number;
  /** Share of `bytes` that is base64 of already-compressed data (JPEG scans, deflate streams, zip members). */
  incompressibleShare: number;
  /** 1 - uniqueBytes / bytes. */
  duplicateShare: number;
  /** Share of the distinct messages that carry at least one attachment file. */
  withAttachments: number;
  byKind: Record<MessageKind, KindFigures>;
  /** Share of distinct messages by language. */
  languages: Record<Lang, number>;
  /** Mean local copies (delivered, not Sent) of an internal message, of a list post, of an inbound one. */
  copies: {internal: number; list: number; inbound: number};
  /** Attachment files by kind: count and mean raw size in bytes (distinct messages only). */
  attachments: Partial<Record<AttachmentKind, {count: number; meanBytes: number}>>;
  /** Files per folder (INBOX, Sent, Archive). */
  perFolder: {INBOX: number; Sent: number; Archive: number};
}

type FolderName = 'INBOX' | 'Sent' | 'Archive';
interface Placement {
  blob: number;
  /** The user's login. */
  user: string;
  folder: FolderName;
  date: number;
  flags: string[];
}

interface BlobInfo {
  kind: MessageKind;
  size: number;
  attachmentBytes: number;
  incompressibleBytes: number;
  hasFiles: boolean;
  lang: Lang;
}

/** Thread types: among the site's users, or with one external company. */
interface Thread {
  internal: boolean;
  participants: Person[];
  lang: Lang;
  subject: string;
  last: Draft;
  remaining: number;
  references: string[];
}

// ---------------------------------------------------------------------------------------------------------
// The site and the world around it

const START = Date.UTC(2024, 8, 2, 7);
const SPAN_MS = 540 * 86_400_000;
/** Site users' languages (a German logistics company with offices in France, Spain and Japan). */
const SITE_LANGS: ReadonlyArray<readonly [Lang, number]> = [['de', 45], ['en', 30], ['fr', 10], ['es', 10], ['ja', 5]];
const CLIENTS: ReadonlyArray<readonly [Client, number]> = [['outlook', 55], ['gmail', 15], ['thunderbird', 15], ['apple', 15]];
const STREETS: Record<Lang, string> = {en: '{n} {name} Street, London', de: '{name}straße {n}, 80331 München', fr: '{n} rue {name}, 69002 Lyon', es: 'Calle de {name} {n}, 28001 Madrid', ja: '東京都港区芝浦{n}-1-1'};
const ASCII = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase().replace(/[^a-z]/g, '');

/** Attachment files: kind, share, median raw size in bytes (log-normal, sigma 1), cap. */
const ATTACHMENT_MIX: ReadonlyArray<readonly [AttachmentKind, number, number]> = [
  ['pdf', 34, 180_000],
  ['jpeg', 13, 350_000],
  ['png', 10, 150_000],
  ['docx', 10, 45_000],
  ['xlsx', 9, 35_000],
  ['pptx', 3, 900_000],
  ['zip', 2, 400_000],
  ['csv', 10, 25_000],
  ['txt', 9, 12_000],
];
const ATTACHMENT_SIGMA = 1;
const ATTACHMENT_MAX = 8 * 1024 * 1024;
/** Share of new conversation messages with attachment files (a reply rarely re-attaches). */
const ATTACH_NEW = 0.3;
const ATTACH_REPLY = 0.08;

class Site {
  readonly users: Person[] = [];
  readonly contacts: Person[] = [];
  readonly lists: Array<{name: string; company: Company; subscribers: Person[]; poster: Person[]}> = [];
  readonly mailers: Person[] = [];
  readonly systems: Person[] = [];
  readonly site: Company;

  constructor(private readonly rng: Rng, userCount: number) {
    this.site = {name: 'Elbe Logistik GmbH', domain: SITE_DOMAIN, provider: 'site', lang: 'de', disclaimer: true, logo: {kind: 'png', filename: 'image001.png', contentType: 'image/png', ...makePng(rng, 9000)}, street: 'Am Sandtorkai 12, 20457 Hamburg'};
    const taken = new Set<string>();
    while (this.users.length < userCount) {
      const lang = rng.weighted(SITE_LANGS);
      const p = this.person(this.site, lang, rng.weighted(CLIENTS));
      const login = `${ASCII(p.first).slice(0, 1)}${ASCII(p.last)}`;
      if (taken.has(login)) continue;
      taken.add(login);
      this.users.push({...p, login, address: `${ASCII(p.first)}.${ASCII(p.last)}@${SITE_DOMAIN}`});
    }
    const providers: ReadonlyArray<readonly [Provider, number]> = [['m365', 45], ['google', 30], ['postfix', 25]];
    for (let c = 0; c < 40; c++) {
      const lang = rng.weighted(SITE_LANGS);
      const last = rng.pick(LANGUAGES[lang].lastNames);
      const provider = rng.weighted(providers);
      const company: Company = {
        name: `${last} ${rng.pick(['GmbH', 'AG', 'SARL', 'S.L.', 'Ltd', 'K.K.', '& Co. KG'])}`,
        domain: `${ASCII(last)}-${rng.pick(['trading', 'logistics', 'consulting', 'industrie', 'systems'])}.example`,
        provider,
        lang,
        disclaimer: rng.chance(0.4),
        logo: rng.chance(0.5) ? {kind: 'png', filename: 'image001.png', contentType: 'image/png', ...makePng(rng, rng.int(4000, 20_000))} : undefined,
        street: STREETS[lang].replace('{n}', String(rng.int(1, 120))).replace('{name}', rng.pick(LANGUAGES[lang].lastNames)),
      };
      const client: Client = provider === 'm365' ? 'outlook' : provider === 'google' ? 'gmail' : rng.weighted(CLIENTS);
      for (let i = rng.int(2, 6); i > 0; i--) this.contacts.push(this.person(company, lang, client));
    }
    for (const [name, size] of [['ops-announce', 0.4], ['tech-talk', 0.25], ['fachgruppe-logistik', 0.15]] as const) {
      const company: Company = {name: 'Lists', domain: name.startsWith('ops') ? `lists.${SITE_DOMAIN}` : 'lists.verband.example', provider: name.startsWith('ops') ? 'site' : 'postfix', lang: 'de', disclaimer: false, logo: undefined, street: ''};
      const subscribers = this.users.filter(() => rng.chance(size));
      if (subscribers.length === 0) subscribers.push(rng.pick(this.users));
      const poster = [...subscribers.slice(0, 4), ...Array.from({length: 6}, () => rng.pick(this.contacts))].map((p) => ({...p, client: rng.chance(0.6) ? ('thunderbird' as const) : p.client}));
      this.lists.push({name, company, subscribers, poster});
    }
    for (const shop of ['versandhaus', 'fachverlag', 'airline', 'softwarehaus', 'bank', 'reisebuero', 'boerse', 'ihk']) {
      const company: Company = {name: shop, domain: `news.${shop}.example`, provider: 'postfix', lang: rng.weighted(SITE_LANGS), disclaimer: false, logo: undefined, street: ''};
      this.mailers.push({first: shop, last: 'Newsletter', address: `newsletter@news.${shop}.example`, title: '', company, client: 'mailer', lang: company.lang});
    }
    for (const [system, first] of [['jira', 'Jira'], ['sap', 'SAP Business'], ['jenkins', 'Jenkins'], ['personio', 'HR-Portal']] as const) {
      this.systems.push({first, last: '', address: `noreply@${system}.${SITE_DOMAIN}`, title: '', company: {...this.site, logo: undefined, disclaimer: false}, client: 'mailer', lang: 'de'});
    }
  }

  private person(company: Company, lang: Lang, client: Client): Person {
    const words = LANGUAGES[lang];
    const first = this.rng.pick(words.firstNames);
    const last = this.rng.pick(words.lastNames);
    return {first, last, address: `${ASCII(first)}.${ASCII(last)}@${company.domain}`, title: this.rng.pick(words.titles), company, client, lang};
  }
}

// ---------------------------------------------------------------------------------------------------------
// Automated senders

function newsletterBody(rng: Rng, mailer: Person, user: Person): Body {
  const language = LANGUAGES[mailer.lang];
  const link = () => `https://click.${mailer.company.domain}/f/a/${rng.base64(18).replace(/[+/=]/g, 'x')}~~/AAAAAQA~/RgRn${rng.base64(24).replace(/[+/=]/g, 'x')}`;
  const blocks: string[] = [];
  const texts: string[] = [];
  for (let i = rng.int(6, 16); i > 0; i--) {
    const title = sentence(rng, language).slice(0, 70);
    const text = paragraph(rng, language, 3);
    const href = link();
    blocks.push(
      `<tr><td class="mcnImageContentContainer" style="padding:0 9px;"><a href="${href}" target="_blank"><img align="center" alt="" src="https://cdn.${mailer.company.domain}/img/${rng.hex(24)}.jpg" width="564" style="max-width:1200px;padding-bottom:0;display:inline !important;vertical-align:bottom;" class="mcnImage"></a></td></tr>\r\n` +
        `<tr><td valign="top" class="mcnTextContent" style="padding-top:9px;padding-right:18px;padding-bottom:9px;padding-left:18px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:150%;color:#202020;"><h2 style="display:block;margin:0;padding:0;color:#202020;font-family:Helvetica;font-size:22px;font-style:normal;font-weight:bold;line-height:125%;letter-spacing:normal;text-align:left;">${title}</h2><p style="margin:10px 0;padding:0;">${text}</p></td></tr>\r\n` +
        `<tr><td align="center" valign="middle" class="mcnButtonContent" style="font-family:Arial;font-size:16px;padding:18px;"><a class="mcnButton" title="Mehr" href="${href}" target="_blank" style="font-weight:bold;letter-spacing:normal;line-height:100%;text-align:center;text-decoration:none;color:#FFFFFF;background-color:#2BAADF;border-radius:3px;padding:12px 24px;">${rng.pick(['Mehr erfahren', 'Read more', 'En savoir plus', 'Leer más', '詳しく見る'])}</a></td></tr>\r\n`,
    );
    texts.push(`** ${title}\r\n${text}\r\n${href}\r\n`);
  }
  const unsubscribe = `https://${mailer.company.domain}/unsubscribe?u=${rng.hex(24)}&id=${rng.hex(10)}&e=${rng.hex(10)}`;
  const html =
    `<!doctype html>\r\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">\r\n<head>\r\n<meta charset="UTF-8"><meta http-equiv="X-UA-Compatible" content="IE=edge"><meta name="viewport" content="width=device-width, initial-scale=1">\r\n` +
    `<title>${mailer.first}</title>\r\n<style type="text/css">p{margin:10px 0;padding:0;}table{border-collapse:collapse;}h1,h2,h3,h4,h5,h6{display:block;margin:0;padding:0;}img,a img{border:0;height:auto;outline:none;text-decoration:none;}body,#bodyTable,#bodyCell{height:100%;margin:0;padding:0;width:100%;}.mcnPreviewText{display:none !important;}#outlook a{padding:0;}img{-ms-interpolation-mode:bicubic;}table{mso-table-lspace:0pt;mso-table-rspace:0pt;}.ReadMsgBody{width:100%;}.ExternalClass{width:100%;}p,a,li,td,blockquote{mso-line-height-rule:exactly;}a[href^=tel],a[href^=sms]{color:inherit;cursor:default;text-decoration:none;}p,a,li,td,body,table,blockquote{-ms-text-size-adjust:100%;-webkit-text-size-adjust:100%;}.ExternalClass,.ExternalClass p,.ExternalClass td,.ExternalClass div,.ExternalClass span,.ExternalClass font{line-height:100%;}a[x-apple-data-detectors]{color:inherit !important;text-decoration:none !important;font-size:inherit !important;font-family:inherit !important;font-weight:inherit !important;line-height:inherit !important;}@media only screen and (max-width: 480px){body,table,td,p,a,li,blockquote{-webkit-text-size-adjust:none !important;}body{width:100% !important;min-width:100% !important;}.mcnImage{width:100% !important;}.mcnTextContent,.mcnBoxedTextContentColumn{padding-right:18px !important;padding-left:18px !important;}}</style></head>\r\n` +
    `<body style="height:100%;margin:0;padding:0;width:100%;background-color:#FAFAFA;"><span class="mcnPreviewText" style="display:none;font-size:0px;line-height:0px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;visibility:hidden;mso-hide:all;">${sentence(rng, language)}</span>\r\n` +
    `<center><table align="center" border="0" cellpadding="0" cellspacing="0" height="100%" width="100%" id="bodyTable"><tr><td align="center" valign="top" id="bodyCell"><table border="0" cellpadding="0" cellspacing="0" width="100%" class="templateContainer">\r\n<tr><td>Hallo ${user.first},</td></tr>\r\n${blocks.join('')}` +
    `<tr><td class="footerContent" style="font-size:12px;color:#656565;text-align:center;">${mailer.company.name} &middot; ${mailer.company.street}<br><a href="${unsubscribe}">Abmelden</a> | <a href="https://${mailer.company.domain}/profile?u=${rng.hex(24)}">Einstellungen</a><img src="https://${mailer.company.domain}/track/open.php?u=${rng.hex(24)}&id=${rng.hex(24)}" height="1" width="1" alt=""></td></tr>\r\n</table></td></tr></table></center></body>\r\n</html>\r\n`;
  return {text: `Hallo ${user.first},\r\n\r\n${texts.join('\r\n')}\r\n\r\nAbmelden: ${unsubscribe}\r\n`, html};
}

function notificationBody(rng: Rng, system: Person, user: Person): {body: Body; subject: string} {
  const language = LANGUAGES[user.lang];
  const key = `${rng.pick(['OPS', 'IT', 'LOG', 'FIN'])}-${rng.int(100, 9999)}`;
  const subject = system.first === 'Jira' ? `[JIRA] (${key}) ${sentence(rng, language).slice(0, 60)}` : system.first === 'Jenkins' ? `Build failed in Jenkins: deploy-${rng.pick(['wms', 'tms', 'portal'])} #${rng.int(100, 9999)}` : `${system.first}: ${sentence(rng, language).slice(0, 60)}`;
  const rows: string[] = [];
  const lines: string[] = [];
  for (let i = rng.int(3, 12); i > 0; i--) {
    const label = rng.pick(['Status', 'Priorität', 'Bearbeiter', 'Komponente', 'Fällig', 'Beleg', 'Betrag', 'Kostenstelle']);
    const value = sentence(rng, language).slice(0, 50);
    rows.push(`<tr><th style="font-family:-apple-system,BlinkMacSystemFont,&quot;Segoe UI&quot;,Roboto,Oxygen,Ubuntu,&quot;Fira Sans&quot;,&quot;Droid Sans&quot;,&quot;Helvetica Neue&quot;,sans-serif;font-size:14px;font-weight:normal;line-height:20px;color:#6B778C;padding:4px 8px 4px 0;text-align:left;vertical-align:top;white-space:nowrap">${label}:</th><td style="font-family:-apple-system,BlinkMacSystemFont,&quot;Segoe UI&quot;,Roboto,Oxygen,Ubuntu,sans-serif;font-size:14px;line-height:20px;color:#172B4D;padding:4px 0">${value}</td></tr>\r\n`);
    lines.push(`${label}: ${value}`);
  }
  const comment = paragraph(rng, language, 4);
  const url = `https://${system.address.split('@')[1]}/browse/${key}?focusedCommentId=${rng.int(100_000, 999_999)}`;
  const html = `<html><head><meta charset="utf-8"><style>body{margin:0;padding:0;background:#F4F5F7}</style></head><body><table width="100%" cellpadding="0" cellspacing="0" style="background-color:#F4F5F7;padding:32px 0"><tr><td align="center"><table width="600" cellpadding="0" cellspacing="0" style="background:#FFFFFF;border-radius:3px;padding:24px">\r\n<tr><td style="font-size:20px;color:#172B4D"><a href="${url}" style="color:#0052CC;text-decoration:none">${subject}</a></td></tr>\r\n<tr><td><table cellpadding="0" cellspacing="0">${rows.join('')}</table></td></tr>\r\n<tr><td style="font-size:14px;line-height:20px;color:#172B4D;padding-top:16px">${comment}</td></tr>\r\n<tr><td style="font-size:12px;color:#6B778C;padding-top:24px">Diese Nachricht wurde automatisch erstellt. <a href="https://${system.address.split('@')[1]}/secure/ViewProfile.jspa?name=${user.login ?? ''}">Benachrichtigungen verwalten</a></td></tr></table></td></tr></table></body></html>\r\n`;
  return {body: {text: `${subject}\r\n${url}\r\n\r\n${lines.join('\r\n')}\r\n\r\n${comment}\r\n`, html}, subject};
}

// ---------------------------------------------------------------------------------------------------------
// The simulation

interface Generated {
  users: Person[];
  placements: Placement[];
  blobs: BlobInfo[];
  attachments: Map<AttachmentKind, {count: number; bytes: number}>;
  copies: {internal: number[]; list: number[]; inbound: number[]};
}

function base64Length(bytes: number): number {
  const chars = 4 * Math.ceil(bytes / 3);
  return chars + 2 * Math.max(0, Math.ceil(chars / 76) - 1);
}

/**
 * Generates the corpus: writes each distinct message once to `blobDir/<n>` and returns where every copy
 * goes. Events follow one another 0 to ~2 h apart over 18 months.
 */
function simulate(options: CorpusOptions, blobDir: string): Generated {
  const rng = new Rng(options.seed);
  const site = new Site(rng.fork(), options.users);
  const out: Generated = {users: site.users, placements: [], blobs: [], attachments: new Map(), copies: {internal: [], list: [], inbound: []}};
  const threads: Thread[] = [];
  const withFiles: Draft[] = [];
  const eventGap = (SPAN_MS / options.messages) * 2;
  let now = START;

  const attachmentsFor = (r: Rng, lang: Lang, subject: string): Attachment[] => {
    const files: Attachment[] = [];
    const count = r.weighted([[1, 70], [2, 20], [3, 7], [4, 3]] as const);
    for (let i = 0; i < count; i++) {
      const [kind, , median] = r.weighted(ATTACHMENT_MIX.map((entry) => [entry, entry[1]] as const));
      const size = r.logNormal(median, ATTACHMENT_SIGMA, 1500, ATTACHMENT_MAX);
      const stem = subject.replace(/[^\p{L}\p{N} _-]/gu, '').slice(0, 30).trim() || 'Dokument';
      files.push(makeAttachment(r.fork(), kind, size, LANGUAGES[lang], i === 0 ? stem : `${stem} ${i + 1}`));
    }
    return files;
  };

  /** Stores one distinct message and its copies. */
  const store = (bytes: Buffer, kind: MessageKind, d: Draft, copies: Array<{user: Person; folder: FolderName}>) => {
    const blob = out.blobs.length;
    writeFileSync(join(blobDir, String(blob)), bytes);
    const files = d.attachments;
    const logo = d.from.company.logo !== undefined && !d.plainOnly && (d.from.client === 'outlook' || d.from.client === 'apple') ? [d.from.company.logo] : [];
    const ics = d.calendar === undefined ? [] : [d.calendar, ...(d.from.client === 'outlook' ? [] : [d.calendar])];
    let attachmentBytes = 0;
    let incompressibleBytes = 0;
    for (const a of [...files, ...logo]) {
      const encoded = base64Length(a.bytes.length);
      attachmentBytes += encoded;
      incompressibleBytes += Math.round((encoded * a.incompressible) / a.bytes.length);
    }
    for (const c of ics) attachmentBytes += base64Length(c.length);
    out.blobs.push({kind, size: bytes.length, attachmentBytes, incompressibleBytes, hasFiles: files.length > 0, lang: d.lang});
    for (const c of copies) {
      const age = Math.min(1, (now - START) / SPAN_MS);
      const folder = c.folder === 'INBOX' && rng.chance(0.55 * (1 - age) + 0.05) ? 'Archive' : c.folder;
      const flags = c.folder === 'Sent' ? ['\\Seen'] : [...(rng.chance(0.92) ? ['\\Seen'] : []), ...(rng.chance(0.03) ? ['\\Flagged'] : [])];
      out.placements.push({blob, user: c.user.login as string, folder, date: now + rng.int(1000, 20_000), flags});
    }
  };

  /** Sends a draft: the Sent copy if a user sent it, one delivered copy for all local recipients. */
  const send = (r: Rng, kind: MessageKind, d: Draft, relay?: {company: Company; bounce: string}, localRcpts?: Person[]) => {
    const composed = composeMessage(r, d);
    if (d.from.login !== undefined) store(composed, kind, d, [{user: d.from, folder: 'Sent'}]);
    const rcpts = localRcpts ?? [...d.to, ...d.cc].filter((p) => p.login !== undefined && p !== d.from);
    if (rcpts.length > 0) {
      const delivered = Buffer.concat([Buffer.from(traceHeaders(r, d, rcpts, d.date, relay), 'utf8'), composed]);
      store(delivered, kind, d, rcpts.map((user) => ({user, folder: 'INBOX' as const})));
      if (kind === 'internal' || kind === 'invite') out.copies.internal.push(rcpts.length);
      else if (kind === 'list') out.copies.list.push(rcpts.length);
      else if (kind === 'inbound') out.copies.inbound.push(rcpts.length);
    }
    for (const a of d.attachments) {
      const seen = out.attachments.get(a.kind) ?? {count: 0, bytes: 0};
      seen.count++;
      seen.bytes += a.bytes.length;
      out.attachments.set(a.kind, seen);
    }
    if (d.attachments.length > 0) {
      withFiles.push(d);
      if (withFiles.length > 60) withFiles.shift();
    }
  };

  const draft = (from: Person, to: Person[], cc: Person[], subject: string, body: Body, r: Rng, lang: Lang = from.lang, references: string[] = []): Draft => ({
    from, to, cc, subject, lang, date: now, messageId: newMessageId(r, from), references, body, plainOnly: from.client === 'thunderbird' && r.chance(0.3), attachments: [], calendar: undefined, extraHeaders: [],
  });

  const recipients = (r: Rng, pool: Person[], exclude: Person) => {
    const others = pool.filter((p) => p !== exclude);
    const n = Math.min(others.length, r.weighted([[1, 40], [2, 30], [3, 17], [4, 8], [6, 5]] as const));
    const chosen = new Set<Person>();
    while (chosen.size < n) chosen.add(r.pick(others));
    return [...chosen];
  };

  while (out.placements.length < options.messages) {
    now += Math.round(-Math.log(Math.max(rng.float(), 1e-9)) * eventGap);
    const r = rng.fork();
    const event = r.weighted([['conversation', 72], ['list', 2.5], ['newsletter', 10], ['notification', 9], ['invite', 2.5], ['forward', 2.5]] as const);

    if (event === 'conversation') {
      const open = threads.filter((t) => t.remaining > 0);
      let thread: Thread;
      if (open.length === 0 || r.chance(0.42)) {
        const internal = r.chance(0.5);
        const starter = r.pick(site.users);
        const participants = internal ? [starter, ...recipients(r, site.users, starter)] : (() => {
          const contact = r.pick(site.contacts);
          const colleagues = site.contacts.filter((c) => c.company === contact.company);
          return [starter, ...recipients(r, site.users, starter).slice(0, r.weighted([[0, 55], [1, 30], [2, 15]] as const)), contact, ...colleagues.filter((c) => c !== contact && r.chance(0.25))];
        })();
        const lang = internal ? starter.lang : (participants.find((p) => p.login === undefined) as Person).lang;
        const subject = `${r.pick(LANGUAGES[lang].topics)}${r.chance(0.6) ? ` ${r.pick(['Q1', 'Q2', 'Q3', 'Q4', '2025', '2026', `KW ${r.int(1, 52)}`, `#${r.int(1000, 9999)}`])}` : ''}`;
        // The first message: from a user, or from the external contact.
        const from = internal || r.chance(0.45) ? starter : (participants.find((p) => p.login === undefined) as Person);
        const to = participants.filter((p) => p !== from);
        const split = r.chance(0.4) && to.length > 1 ? r.int(1, to.length - 1) : to.length;
        const d = draft(from, to.slice(0, split), to.slice(split), subject, writeBody(r, from, to[0], r.int(1, 5), lang), r, lang);
        if (r.chance(ATTACH_NEW)) d.attachments = attachmentsFor(r, lang, subject);
        thread = {internal, participants, lang, subject, last: d, remaining: Math.min(11, Math.floor(-Math.log(Math.max(r.float(), 1e-9)) * 2.5)), references: [d.messageId]};
        threads.push(thread);
        if (threads.length > 400) threads.shift();
        send(r, internal ? 'internal' : from.login === undefined ? 'inbound' : 'outbound', d);
        continue;
      }
      thread = r.pick(open);
      const previous = thread.last;
      const candidates = thread.participants.filter((p) => p !== previous.from);
      const from = candidates.find((p) => p === previous.to[0]) && r.chance(0.7) ? (previous.to[0] as Person) : r.pick(candidates);
      const replyAll = r.chance(0.7);
      const to = replyAll ? [previous.from, ...previous.to.filter((p) => p !== from)] : [previous.from];
      const cc = replyAll ? previous.cc.filter((p) => p !== from) : [];
      const prefix = LANGUAGES[from.lang].lang === 'de' && from.client === 'outlook' ? 'AW: ' : from.client === 'outlook' ? 'RE: ' : 'Re: ';
      const subject = `${prefix}${thread.subject}`;
      const own = writeBody(r, from, previous.from, r.int(1, 3), thread.lang);
      const d = draft(from, to, cc, subject, quoteBody(own, from, previous), r, thread.lang, thread.references.slice(-10));
      if (r.chance(ATTACH_REPLY)) d.attachments = attachmentsFor(r, thread.lang, thread.subject);
      thread.last = d;
      thread.references.push(d.messageId);
      thread.remaining--;
      send(r, thread.internal ? 'internal' : from.login === undefined ? 'inbound' : 'outbound', d);
    } else if (event === 'list') {
      const list = r.pick(site.lists);
      const from = r.pick(list.poster);
      const listAddress = `${list.name}@${list.company.domain}`;
      const listPerson: Person = {first: list.name, last: '', address: listAddress, title: '', company: list.company, client: 'mailer', lang: 'de'};
      const d = draft(from, [listPerson], [], `[${list.name}] ${sentence(r, LANGUAGES[from.lang]).slice(0, 60)}`, writeBody(r, from, undefined, r.int(1, 4)), r);
      d.plainOnly = from.client === 'thunderbird' ? r.chance(0.8) : d.plainOnly;
      if (r.chance(0.03)) d.attachments = attachmentsFor(r, from.lang, 'patch');
      d.body.text += `\r\n_______________________________________________\r\n${list.name} mailing list -- ${listAddress}\r\nTo unsubscribe send an email to ${list.name}-leave@${list.company.domain}\r\n`;
      d.extraHeaders = [
        `Message-ID-Hash: ${r.alnum(32).toUpperCase()}`, `X-Message-ID-Hash: ${r.alnum(32).toUpperCase()}`, `X-MailFrom: ${from.address}`,
        'X-Mailman-Rule-Misses: dmarc-mitigation; no-senders; approved; emergency; loop; banned-address; member-moderation; header-match-config-1; nonmember-moderation; administrivia; implicit-dest; max-recipients; max-size; news-moderation; no-subject; suspicious-header',
        'X-Mailman-Version: 3.3.8', 'Precedence: list', `List-Id: <${list.name}.${list.company.domain}>`, `List-Archive: <https://${list.company.domain}/hyperkitty/list/${listAddress}/>`,
        `List-Help: <mailto:${list.name}-request@${list.company.domain}?subject=help>`, `List-Owner: <mailto:${list.name}-owner@${list.company.domain}>`,
        `List-Post: <mailto:${listAddress}>`, `List-Subscribe: <mailto:${list.name}-join@${list.company.domain}>`, `List-Unsubscribe: <mailto:${list.name}-leave@${list.company.domain}>`,
      ];
      // The list server sends one copy to the site: the poster's own Sent copy is theirs, not the list's.
      const composedPoster = from.login === undefined ? undefined : composeMessage(r.fork(), {...d, extraHeaders: []});
      if (composedPoster !== undefined) store(composedPoster, 'list', d, [{user: from, folder: 'Sent'}]);
      send(r, 'list', {...d, from: {...from, login: undefined}}, {company: list.company, bounce: `${list.name}-bounces@${list.company.domain}`}, list.subscribers);
    } else if (event === 'newsletter') {
      const mailer = r.pick(site.mailers);
      const user = r.pick(site.users);
      const d = draft(mailer, [user], [], sentence(r, LANGUAGES[mailer.lang]).slice(0, 70), newsletterBody(r, mailer, user), r);
      d.extraHeaders = [
        `List-Unsubscribe: <https://${mailer.company.domain}/unsubscribe?u=${r.hex(24)}>, <mailto:unsubscribe-${r.hex(16)}@${mailer.company.domain}>`,
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click', `Feedback-ID: ${r.int(100_000, 999_999)}:${r.int(1000, 9999)}:campaign:${mailer.company.domain}`,
        `X-Campaign: ${r.alnum(10)}.${r.hex(10)}`, 'Precedence: bulk', `X-Mailer: ${r.pick(['Mailchimp Mailer - **CID' + r.hex(20) + '**', 'CleverReach', 'Brevo'])}`,
      ];
      send(r, 'newsletter', d);
    } else if (event === 'notification') {
      const system = r.pick(site.systems);
      const user = r.pick(site.users);
      const {body, subject} = notificationBody(r, system, user);
      const d = draft(system, [user], [], subject, body, r);
      if (system.first === 'SAP Business' ? r.chance(0.6) : r.chance(0.08)) {
        const kind: AttachmentKind = system.first === 'SAP Business' ? 'pdf' : 'csv';
        d.attachments = [makeAttachment(r.fork(), kind, r.logNormal(kind === 'pdf' ? 60_000 : 20_000, 0.7, 2000, 2_000_000), LANGUAGES.de, `Beleg ${r.int(4_000_000, 4_999_999)}`)];
      }
      send(r, 'notification', d);
    } else if (event === 'invite') {
      const from = r.pick(site.users);
      const to = recipients(r, site.users, from).concat(r.chance(0.3) ? [r.pick(site.contacts)] : []);
      const subject = r.pick(LANGUAGES[from.lang].topics);
      const d = draft(from, to, [], subject, writeBody(r, from, undefined, 1), r);
      d.calendar = calendarFor(r, d, now + r.int(1, 14) * 86_400_000);
      send(r, 'invite', d);
    } else {
      const original = withFiles.length === 0 ? undefined : r.pick(withFiles);
      if (original === undefined) continue;
      const from = r.pick(site.users);
      const to = recipients(r, r.chance(0.7) ? site.users : site.contacts, from).slice(0, 2);
      const prefix = from.lang === 'de' ? 'WG: ' : from.lang === 'fr' ? 'TR: ' : from.lang === 'es' ? 'RV: ' : from.lang === 'ja' ? '転送: ' : 'Fwd: ';
      const d = draft(from, to, [], `${prefix}${original.subject}`, forwardBody(writeBody(r, from, to[0], 1), from, original, from.lang), r);
      d.attachments = original.attachments;
      send(r, 'forward', d);
    }
  }
  return out;
}

/**
 * Writes the corpus as a Cyrus spool under `spoolRoot` (three folders per user, with cyrus.header,
 * cyrus.index and `<UID>.` files) and returns its composition. `workDir` holds the distinct messages
 * while the folders are written.
 */
export function buildCorpus(spoolRoot: string, workDir: string, options: CorpusOptions): Composition {
  const blobDir = join(workDir, 'blobs');
  mkdirSync(blobDir, {recursive: true});
  const generated = simulate(options, blobDir);
  const rng = new Rng(options.seed ^ 0x5eed);
  const folders = new Map<string, Placement[]>();
  for (const p of generated.placements) {
    const key = `${p.user}\t${p.folder}`;
    const list = folders.get(key) ?? [];
    list.push(p);
    folders.set(key, list);
  }
  const perFolder = {INBOX: 0, Sent: 0, Archive: 0};
  for (const [key, placements] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    const [login, folder] = key.split('\t') as [string, FolderName];
    placements.sort((a, b) => a.date - b.date);
    perFolder[folder] += placements.length;
    writeMailbox(spoolRoot, {
      mailboxId: mailboxId(rng),
      name: folder === 'INBOX' ? `user.${login}` : `user.${login}.${folder}`,
      uidValidity: 1_700_000_000 + rng.int(0, 9_999_999),
      messages: placements.map((p, i) => ({uid: i + 1, bytes: readFileSync(join(blobDir, String(p.blob))), flags: p.flags, internalDate: p.date, modseq: i + 1})),
    });
  }
  rmSync(blobDir, {recursive: true, force: true});
  return compose(options, generated, folders.size, perFolder);
}

function mailboxId(rng: Rng): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 24; i++) id += chars[rng.int(0, chars.length - 1)];
  return id;
}

function compose(options: CorpusOptions, g: Generated, folders: number, perFolder: Composition['perFolder']): Composition {
  const sizes = g.placements.map((p) => (g.blobs[p.blob] as BlobInfo).size).sort((a, b) => a - b);
  const bytes = sizes.reduce((n, s) => n + s, 0);
  const uniqueBytes = g.blobs.reduce((n, b) => n + b.size, 0);
  const copies = new Map<number, number>();
  for (const p of g.placements) copies.set(p.blob, (copies.get(p.blob) ?? 0) + 1);
  let attachmentBytes = 0;
  let incompressibleBytes = 0;
  const byKind = Object.fromEntries(KINDS.map((k) => [k, {files: 0, unique: 0, bytes: 0, uniqueBytes: 0}])) as Record<MessageKind, KindFigures>;
  const languages = {en: 0, de: 0, fr: 0, es: 0, ja: 0};
  for (const [i, b] of g.blobs.entries()) {
    const n = copies.get(i) ?? 0;
    attachmentBytes += n * b.attachmentBytes;
    incompressibleBytes += n * b.incompressibleBytes;
    const k = byKind[b.kind];
    k.files += n;
    k.unique++;
    k.bytes += n * b.size;
    k.uniqueBytes += b.size;
    languages[b.lang]++;
  }
  for (const lang of Object.keys(languages) as Lang[]) languages[lang] /= g.blobs.length;
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((n, x) => n + x, 0) / xs.length);
  return {
    version: CORPUS_VERSION,
    seed: options.seed,
    users: options.users,
    folders,
    files: sizes.length,
    bytes,
    unique: g.blobs.length,
    uniqueBytes,
    meanBytes: bytes / sizes.length,
    medianBytes: sizes[Math.floor(sizes.length / 2)] ?? 0,
    p90Bytes: sizes[Math.floor(sizes.length * 0.9)] ?? 0,
    maxBytes: sizes.at(-1) ?? 0,
    attachmentShare: attachmentBytes / bytes,
    incompressibleShare: incompressibleBytes / bytes,
    duplicateShare: 1 - uniqueBytes / bytes,
    withAttachments: g.blobs.filter((b) => b.hasFiles).length / g.blobs.length,
    byKind,
    languages,
    copies: {internal: mean(g.copies.internal), list: mean(g.copies.list), inbound: mean(g.copies.inbound)},
    attachments: Object.fromEntries([...g.attachments].map(([kind, a]) => [kind, {count: a.count, meanBytes: Math.round(a.bytes / a.count)}])),
    perFolder,
  };
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
const MB = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The composition as lines of text, for the benchmark's report. */
export function describeComposition(c: Composition): string[] {
  const lines = [
    `corpus (seed ${c.seed}, generator v${c.version}): ${c.files.toLocaleString('en')} message files in ${c.folders} folders of ${c.users} users (INBOX ${c.perFolder.INBOX.toLocaleString('en')}, Sent ${c.perFolder.Sent.toLocaleString('en')}, Archive ${c.perFolder.Archive.toLocaleString('en')}), ${MB(c.bytes)}`,
    `  size per file: mean ${kB(c.meanBytes)}, median ${kB(c.medianBytes)}, p90 ${kB(c.p90Bytes)}, max ${kB(c.maxBytes)}`,
    `  distinct messages: ${c.unique.toLocaleString('en')} (${MB(c.uniqueBytes)}): ${pct(c.duplicateShare)} of the bytes are extra copies of a message delivered to several mailboxes`,
    `  local copies per delivered message: internal mail ${c.copies.internal.toFixed(2)} (+ the sender's Sent copy), inbound ${c.copies.inbound.toFixed(2)}, list posts ${c.copies.list.toFixed(1)}`,
    `  base64 attachment parts: ${pct(c.attachmentShare)} of the bytes; base64 of already-compressed data (JPEG, PNG, PDF streams, zip): ${pct(c.incompressibleShare)}; messages with attached files: ${pct(c.withAttachments)}`,
    `  languages (distinct messages): ${Object.entries(c.languages).map(([l, s]) => `${l} ${pct(s)}`).join(', ')}`,
    `  attachments (distinct): ${Object.entries(c.attachments).map(([k, a]) => `${k} ${a.count} x ${kB(a.meanBytes)}`).join(', ')}`,
    '  kind           files  distinct   bytes  mean/file',
  ];
  for (const [kind, k] of Object.entries(c.byKind)) {
    if (k.files === 0) continue;
    lines.push(`  ${kind.padEnd(13)} ${String(k.files).padStart(6)} ${String(k.unique).padStart(9)} ${pct(k.bytes / c.bytes).padStart(7)} ${kB(k.bytes / k.files).padStart(10)}`);
  }
  return lines;
}

