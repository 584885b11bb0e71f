/**
 * bench/search's corpus: the mail of a simulated company of ~1,000 users over three years, as a stream of
 * distinct messages (exact bytes) with every place (folder, UID, flags, internal date, expunged) each one
 * has. Deterministic for a seed.
 *
 * The messages are written by bench/archive's generator (mail-message.ts: each mail client's headers,
 * text and HTML alternatives, quoted replies, forwards, trace headers of the delivery path; mail-words.ts:
 * five languages; mail-attachments.ts: meeting requests, logos) and follow the model of mail-corpus.ts:
 * threads among users and with external companies, mailing lists, newsletters, notifications, meeting
 * requests, forwards that re-attach a file; one delivered copy shared by every local recipient, the
 * sender's Sent copy a blob of its own. mail-corpus.ts writes a spool and keeps its simulation to itself,
 * so the simulation is redone here, sized for search rather than for the archive:
 * - users work in teams: most internal mail stays in the team, each user deals with a few companies;
 * - mailing lists reach hundreds of users, so they post rarely: their copies are aimed at LIST_SHARE of the
 *   places (few posts, so the share varies with the seed: 13.5% for bench/search's default);
 * - besides INBOX, Sent and Archive there are Trash (deleted mail is moved there, its INBOX copy expunged;
 *   half of Trash is emptied too), a project folder for some users and, for a few, a folder deleted
 *   since (Cyrus' delayed delete keeps it as DELETED.user.<login>.<name>.<hex>);
 * - flags: \Seen, \Answered, \Flagged, \Deleted, and the keyword $label1;
 * - a few threads are about a project whose code name (CODE_NAME) appears nowhere else: a rare word
 *   whose matches are known.
 *
 * Attachments: with `attachments: 'stub'` every attached file is written with its real name, type and
 * MIME headers but 57 bytes of content; `size` still counts its base64 at the real size (log-normal as in
 * mail-corpus.ts). The search index never reads an attachment's bytes (binary parts are skipped unparsed),
 * so the index built from stubs is the one the real messages give, apart from the size column, which the
 * benchmark sets from `size`. `attachments: 'full'` makes the real files (slow: for measuring the
 * indexer's rate on real bytes).
 */
import {createHash} from 'node:crypto';
import {makeAttachment, makePng, type Attachment, type AttachmentKind} from './mail-attachments.js';
import {SITE_DOMAIN, calendarFor, composeMessage, forwardBody, newMessageId, quoteBody, traceHeaders, writeBody, type Body, type Client, type Company, type Draft, type Person, type Provider} from './mail-message.js';
import {Rng} from './mail-rng.js';
import {LANGUAGES, paragraph, sentence, type Lang} from './mail-words.js';

/** Bump when the simulation changes what it writes: cached indexes of another version are not reused. */
export const SEARCH_CORPUS_VERSION = 1;

/** The code name planted in a few threads (see the module comment). */
export const CODE_NAME = 'Kranichflug';
/** Share of new threads about it: a few dozen messages in 1,000,000, fewer than a page of results. */
const CODE_NAME_SHARE = 0.00005;

export interface SearchCorpusOptions {
  seed: number;
  /** Places (message files in folders) to generate: the stream stops at the first message that reaches it. */
  messages: number;
  users: number;
  attachments: 'stub' | 'full';
}

export type FolderRole = 'INBOX' | 'Sent' | 'Archive' | 'Trash' | 'project' | 'deleted';

export interface CorpusFolder {
  mailboxId: string;
  /** The name Cyrus has for it now (a deleted folder: its DELETED.* name). */
  name: string;
  owner: string;
  role: FolderRole;
  uidValidity: number;
}

/** One place of a message. */
export interface CorpusPlace {
  /** Index in {@link SearchCorpus.folders}. */
  folder: number;
  uid: number;
  /** ms since the epoch. */
  internalDate: number;
  flags: string[];
  /** Gone from the folder (the archive still has it). */
  expunged: boolean;
}

export type MessageKind = 'internal' | 'inbound' | 'outbound' | 'list' | 'newsletter' | 'notification' | 'invite' | 'forward';

/** One distinct message (one blob) and its places. */
export interface CorpusMessage {
  bytes: Buffer;
  sha256: Buffer;
  /** Its Date header (ms). */
  date: number;
  /** Bytes the message has with its attachments at their real size (= bytes.length with 'full'). */
  size: number;
  kind: MessageKind;
  lang: Lang;
  /** Attached files (not inline images). */
  files: number;
  /** Mentions CODE_NAME. */
  codeName: boolean;
  places: CorpusPlace[];
}

/** The first message's Date header; the corpus spans SPAN_MS from there. */
export const START = Date.UTC(2023, 0, 2, 7);
const SPAN_MS = 3 * 365 * 86_400_000;
/** Places per event but list posts, measured: with LIST_SHARE, sets the gap between events so that the corpus spans SPAN_MS. */
const PLACES_PER_OTHER_EVENT = 2.06;
/** Share of the places that are mailing-list copies. */
const LIST_SHARE = 0.1;

const SITE_LANGS: ReadonlyArray<readonly [Lang, number]> = [['de', 45], ['en', 30], ['fr', 10], ['es', 10], ['ja', 5]];
const CLIENTS: ReadonlyArray<readonly [Client, number]> = [['outlook', 55], ['gmail', 15], ['thunderbird', 15], ['apple', 15]];
const STREETS: Record<Lang, string> = {en: '{n} {name} Street, London', de: '{name}straße {n}, 80331 München', fr: '{n} rue {name}, 69002 Lyon', es: 'Calle de {name} {n}, 28001 Madrid', ja: '東京都港区芝浦{n}-1-1'};
const PROJECT_FOLDER: Record<Lang, string> = {en: 'Projects', de: 'Projekte', fr: 'Projets', es: 'Proyectos', ja: 'Projects'};
const ASCII = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase().replace(/[^a-z]/g, '');

/** Attachment files as in mail-corpus.ts: kind, share, median raw size in bytes (log-normal, sigma 1). */
type FileKind = Exclude<AttachmentKind, 'ics'>;
const ATTACHMENT_MIX: ReadonlyArray<readonly [FileKind, number, number]> = [
  ['pdf', 34, 180_000], ['jpeg', 13, 350_000], ['png', 10, 150_000], ['docx', 10, 45_000], ['xlsx', 9, 35_000],
  ['pptx', 3, 900_000], ['zip', 2, 400_000], ['csv', 10, 25_000], ['txt', 9, 12_000],
];
const ATTACHMENT_MAX = 8 * 1024 * 1024;
const ATTACH_NEW = 0.3;
const ATTACH_REPLY = 0.08;
const CONTENT_TYPES: Record<FileKind, string> = {
  pdf: 'application/pdf', jpeg: 'image/jpeg', png: 'image/png', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  zip: 'application/zip', csv: 'text/csv', txt: 'text/plain',
};
const EXTENSIONS: Record<FileKind, string> = {pdf: 'pdf', jpeg: 'jpg', png: 'png', docx: 'docx', xlsx: 'xlsx', pptx: 'pptx', zip: 'zip', csv: 'csv', txt: 'log'};
const STUB_BYTES = 57;

/** RFC 2045 base64 at 76 characters a line, CRLF between lines: its length for `bytes` bytes. */
export function base64Length(bytes: number): number {
  const chars = 4 * Math.ceil(bytes / 3);
  return chars + 2 * Math.max(0, Math.ceil(chars / 76) - 1);
}

interface User extends Person {
  login: string;
  team: number;
  /** Companies this user deals with (indexes in Site.companies). */
  accounts: number[];
  folders: Record<'INBOX' | 'Sent' | 'Archive' | 'Trash', number> & {project?: number; deleted?: number};
}

interface Thread {
  internal: boolean;
  participants: Person[];
  lang: Lang;
  subject: string;
  last: Draft;
  remaining: number;
  references: string[];
  codeName: boolean;
}

/** A copy to place: the user and the folder it lands in first. */
interface Copy {
  user: User;
  sent: boolean;
}

/** The simulated company: its users with their folders, its contacts, lists and automated senders. */
export class SearchCorpus {
  readonly folders: CorpusFolder[] = [];
  readonly users: User[] = [];
  readonly companies: Array<{company: Company; contacts: Person[]}> = [];
  readonly lists: Array<{name: string; company: Company; subscribers: User[]; posters: Person[]}> = [];
  readonly mailers: Person[] = [];
  readonly systems: Person[] = [];
  private readonly site: Company;
  private readonly rng: Rng;
  private readonly realSize = new WeakMap<Attachment, number>();
  private readonly uids: number[] = [];

  constructor(readonly options: SearchCorpusOptions) {
    this.rng = new Rng(options.seed);
    const rng = this.rng.fork();
    this.site = {name: 'Elbe Logistik GmbH', domain: SITE_DOMAIN, provider: 'site', lang: 'de', disclaimer: true, logo: {kind: 'png', filename: 'image001.png', contentType: 'image/png', ...makePng(rng, 9000)}, street: 'Am Sandtorkai 12, 20457 Hamburg'};
    const providers: ReadonlyArray<readonly [Provider, number]> = [['m365', 45], ['google', 30], ['postfix', 25]];
    for (let c = Math.max(4, Math.round(options.users * 0.4)); c > 0; c--) {
      const lang = rng.weighted(SITE_LANGS);
      const last = rng.pick(LANGUAGES[lang].lastNames);
      const provider = rng.weighted(providers);
      const company: Company = {
        name: `${last} ${rng.pick(['GmbH', 'AG', 'SARL', 'S.L.', 'Ltd', 'K.K.', '& Co. KG'])}`,
        domain: `${ASCII(last)}-${rng.pick(['trading', 'logistics', 'consulting', 'industrie', 'systems', 'handel', 'transport', 'services'])}${this.companies.length}.example`,
        provider,
        lang,
        disclaimer: rng.chance(0.4),
        logo: rng.chance(0.5) ? {kind: 'png', filename: 'image001.png', contentType: 'image/png', ...makePng(rng, rng.int(4000, 20_000))} : undefined,
        street: STREETS[lang].replace('{n}', String(rng.int(1, 120))).replace('{name}', rng.pick(LANGUAGES[lang].lastNames)),
      };
      const client: Client = provider === 'm365' ? 'outlook' : provider === 'google' ? 'gmail' : rng.weighted(CLIENTS);
      const contacts = Array.from({length: rng.int(2, 6)}, () => this.person(rng, company, lang, client));
      this.companies.push({company, contacts});
    }
    const taken = new Map<string, number>();
    const teams = Math.max(1, Math.round(options.users / 20));
    for (let i = 0; i < options.users; i++) {
      const lang = rng.weighted(SITE_LANGS);
      const p = this.person(rng, this.site, lang, rng.weighted(CLIENTS));
      // Logins as mail-corpus.ts makes them (no dot: Cyrus' `.` separator would need `^` for it), with a number when taken.
      const base = `${ASCII(p.first).slice(0, 1)}${ASCII(p.last)}`;
      const n = (taken.get(base) ?? 0) + 1;
      taken.set(base, n);
      const suffix = n === 1 ? '' : String(n);
      const login = `${base}${suffix}`;
      const accounts = Array.from({length: rng.int(1, 4)}, () => rng.int(0, this.companies.length - 1));
      const user: User = {...p, login, address: `${ASCII(p.first)}.${ASCII(p.last)}${suffix}@${SITE_DOMAIN}`, team: i % teams, accounts, folders: {INBOX: 0, Sent: 0, Archive: 0, Trash: 0}};
      const folder = (role: FolderRole, name: string) => {
        this.folders.push({mailboxId: rng.alnum(24).toLowerCase(), name, owner: login, role, uidValidity: 1_600_000_000 + rng.int(0, 99_999_999)});
        this.uids.push(0);
        return this.folders.length - 1;
      };
      user.folders = {INBOX: folder('INBOX', `user.${login}`), Sent: folder('Sent', `user.${login}.Sent`), Archive: folder('Archive', `user.${login}.Archive`), Trash: folder('Trash', `user.${login}.Trash`)};
      if (rng.chance(0.3)) user.folders.project = folder('project', `user.${login}.${PROJECT_FOLDER[lang]}`);
      if (rng.chance(0.03)) user.folders.deleted = folder('deleted', `DELETED.user.${login}.${rng.pick(['Alt', 'Old', 'Archiv 2023', 'Ablage'])}.${rng.hex(8).toUpperCase()}`);
      this.users.push(user);
    }
    for (const [name, share] of [['ops-announce', 0.4], ['tech-talk', 0.25], ['fachgruppe-logistik', 0.15]] as const) {
      const company: Company = {name: 'Lists', domain: name.startsWith('ops') ? `lists.${SITE_DOMAIN}` : 'lists.verband.example', provider: name.startsWith('ops') ? 'site' : 'postfix', lang: 'de', disclaimer: false, logo: undefined, street: ''};
      const subscribers = this.users.filter(() => rng.chance(share));
      if (subscribers.length === 0) subscribers.push(rng.pick(this.users));
      const outside = this.companies.flatMap((c) => c.contacts);
      const posters = [...subscribers.slice(0, 4), ...Array.from({length: 6}, () => rng.pick(outside))].map((p) => ({...p, client: rng.chance(0.6) ? ('thunderbird' as const) : p.client}));
      this.lists.push({name, company, subscribers, posters});
    }
    for (const shop of ['versandhaus', 'fachverlag', 'airline', 'softwarehaus', 'bank', 'reisebuero', 'boerse', 'ihk']) {
      const company: Company = {name: shop, domain: `news.${shop}.example`, provider: 'postfix', lang: rng.weighted(SITE_LANGS), disclaimer: false, logo: undefined, street: `${shop} Service-Center`};
      this.mailers.push({first: shop, last: 'Newsletter', address: `newsletter@news.${shop}.example`, title: '', company, client: 'mailer', lang: company.lang});
    }
    for (const [system, first] of [['jira', 'Jira'], ['sap', 'SAP Business'], ['jenkins', 'Jenkins'], ['personio', 'HR-Portal']] as const) {
      this.systems.push({first, last: '', address: `noreply@${system}.${SITE_DOMAIN}`, title: '', company: {...this.site, logo: undefined, disclaimer: false}, client: 'mailer', lang: 'de'});
    }
  }

  private person(rng: Rng, company: Company, lang: Lang, client: Client): Person {
    const words = LANGUAGES[lang];
    const first = rng.pick(words.firstNames);
    const last = rng.pick(words.lastNames);
    return {first, last, address: `${ASCII(first)}.${ASCII(last)}@${company.domain}`, title: rng.pick(words.titles), company, client, lang};
  }

  /** The distinct messages in the order they were sent, each with its places. */
  *messages(): Generator<CorpusMessage> {
    const rng = this.rng;
    const users = this.users;
    const teams = new Map<number, User[]>();
    for (const u of users) teams.set(u.team, [...(teams.get(u.team) ?? []), u]);
    const open: Thread[] = [];
    const withFiles: Draft[] = [];
    const meanSubscribers = this.lists.reduce((n, l) => n + l.subscribers.length, 0) / this.lists.length;
    // Lists post rarely enough that their copies are LIST_SHARE of the places (mail-corpus.ts: 2.5% of events, for 50 users):
    // a share w of events with S copies each gives w S / (w S + (1 - w) P) = LIST_SHARE.
    const w = (LIST_SHARE * PLACES_PER_OTHER_EVENT) / (Math.max(meanSubscribers, 1) * (1 - LIST_SHARE) + LIST_SHARE * PLACES_PER_OTHER_EVENT);
    const listWeight = (w / (1 - w)) * 106; // the other events' weights add up to 106
    const eventGap = SPAN_MS / ((this.options.messages * (1 - LIST_SHARE)) / PLACES_PER_OTHER_EVENT / (1 - w));
    let places = 0;
    let now = START;

    const attachmentsFor = (r: Rng, lang: Lang, subject: string): Attachment[] => {
      const files: Attachment[] = [];
      const count = r.weighted([[1, 70], [2, 20], [3, 7], [4, 3]] as const);
      for (let i = 0; i < count; i++) {
        const [kind, , median] = r.weighted(ATTACHMENT_MIX.map((entry) => [entry, entry[1]] as const));
        const size = r.logNormal(median, 1, 1500, ATTACHMENT_MAX);
        const stem = subject.replace(/[^\p{L}\p{N} _-]/gu, '').slice(0, 30).trim() || 'Dokument';
        files.push(this.attachment(r.fork(), kind, size, lang, i === 0 ? stem : `${stem} ${i + 1}`));
      }
      return files;
    };

    const pending: CorpusMessage[] = [];
    /** One distinct message and where its copies go. */
    const store = (bytes: Buffer, kind: MessageKind, d: Draft, copies: Copy[], codeName: boolean) => {
      const extra = d.attachments.reduce((n, a) => n + base64Length(this.realSize.get(a) ?? a.bytes.length) - base64Length(a.bytes.length), 0);
      const message: CorpusMessage = {bytes, sha256: createHash('sha256').update(bytes).digest(), date: d.date, size: bytes.length + extra, kind, lang: d.lang, files: d.attachments.length, codeName, places: []};
      const age = Math.min(1, (now - START) / SPAN_MS);
      for (const c of copies) {
        const delivered = now + rng.int(1000, 20_000);
        if (c.sent) {
          message.places.push(this.place(c.user.folders.Sent, delivered, ['\\Seen'], rng.chance(0.01)));
          continue;
        }
        const conversation = kind !== 'newsletter' && kind !== 'notification' && kind !== 'list';
        const f = c.user.folders;
        let folder = f.INBOX;
        if (f.deleted !== undefined && rng.chance(0.15)) folder = f.deleted;
        else if (f.project !== undefined && conversation && rng.chance(0.12)) folder = f.project;
        else if (rng.chance(0.55 * (1 - age) + 0.05)) folder = f.Archive;
        const flags = [
          ...(rng.chance(0.92) ? ['\\Seen'] : []),
          ...(conversation && rng.chance(0.2) ? ['\\Answered'] : []),
          ...(rng.chance(0.03) ? ['\\Flagged'] : []),
          ...(rng.chance(0.015) ? ['$label1'] : []),
          ...(rng.chance(0.003) ? ['\\Deleted'] : []),
        ];
        // Deleted by the user: moved to Trash (the original expunged), and half of Trash emptied since.
        const trashed = folder !== f.deleted && rng.chance(conversation ? 0.06 : 0.35);
        message.places.push(this.place(folder, delivered, trashed ? [...flags.filter((x) => x !== '\\Deleted'), '\\Deleted'] : flags, trashed));
        if (trashed) message.places.push(this.place(f.Trash, delivered + rng.int(60_000, 30 * 86_400_000), flags, rng.chance(0.5)));
      }
      places += message.places.length;
      pending.push(message);
    };

    /** Sends a draft: the Sent copy if a user sent it, one delivered copy for all local recipients. */
    const send = (r: Rng, kind: MessageKind, d: Draft, codeName: boolean, relay?: {company: Company; bounce: string}, localRcpts?: User[]) => {
      const composed = composeMessage(r, d);
      const sender = d.from.login === undefined ? undefined : this.userOf(d.from);
      if (sender !== undefined) store(composed, kind, d, [{user: sender, sent: true}], codeName);
      const rcpts = localRcpts ?? [...d.to, ...d.cc].filter((p) => p.login !== undefined && p !== d.from).map((p) => this.userOf(p));
      if (rcpts.length > 0) {
        const delivered = Buffer.concat([Buffer.from(traceHeaders(r, d, rcpts, d.date, relay), 'utf8'), composed]);
        store(delivered, kind, d, rcpts.map((user) => ({user, sent: false})), codeName);
      }
      if (d.attachments.length > 0) {
        withFiles.push(d);
        if (withFiles.length > 200) withFiles.shift();
      }
    };

    const draft = (from: Person, to: Person[], cc: Person[], subject: string, body: Body, r: Rng, lang: Lang = from.lang, references: string[] = []): Draft => ({
      from, to, cc, subject, lang, date: now, messageId: newMessageId(r, from), references, body, plainOnly: from.client === 'thunderbird' && r.chance(0.3), attachments: [], calendar: undefined, extraHeaders: [],
    });

    /** 1 to 6 colleagues, most of them from `from`'s team. */
    const colleagues = (r: Rng, from: User): User[] => {
      const team = teams.get(from.team) ?? users;
      const n = r.weighted([[1, 40], [2, 30], [3, 17], [4, 8], [6, 5]] as const);
      const chosen = new Set<User>();
      for (let tries = 0; chosen.size < n && tries < 4 * n; tries++) {
        const p = r.chance(0.85) ? r.pick(team) : r.pick(users);
        if (p !== from) chosen.add(p);
      }
      return [...chosen];
    };

    while (places < this.options.messages) {
      now += Math.round(-Math.log(Math.max(rng.float(), 1e-9)) * eventGap);
      const r = rng.fork();
      const event = r.weighted([['conversation', 72], ['list', listWeight], ['newsletter', 10], ['notification', 9], ['invite', 2.5], ['forward', 2.5]] as const);

      if (event === 'conversation') {
        if (open.length === 0 || r.chance(0.42)) {
          const internal = r.chance(0.5);
          const starter = r.pick(users);
          let participants: Person[];
          if (internal) participants = [starter, ...colleagues(r, starter)];
          else {
            const {contacts} = this.companies[r.pick(starter.accounts)] as {contacts: Person[]};
            const contact = r.pick(contacts);
            participants = [starter, ...colleagues(r, starter).slice(0, r.weighted([[0, 55], [1, 30], [2, 15]] as const)), contact, ...contacts.filter((c) => c !== contact && r.chance(0.25))];
          }
          const lang = internal ? starter.lang : (participants.find((p) => p.login === undefined) as Person).lang;
          const codeName = r.chance(CODE_NAME_SHARE);
          const topic = `${r.pick(LANGUAGES[lang].topics)}${r.chance(0.6) ? ` ${r.pick(['Q1', 'Q2', 'Q3', 'Q4', '2023', '2024', '2025', `KW ${r.int(1, 52)}`, `#${r.int(1000, 9999)}`])}` : ''}`;
          const subject = codeName ? `${CODE_NAME}: ${topic}` : topic;
          const from = internal || r.chance(0.45) ? starter : (participants.find((p) => p.login === undefined) as Person);
          const to = participants.filter((p) => p !== from);
          const split = r.chance(0.4) && to.length > 1 ? r.int(1, to.length - 1) : to.length;
          const body = writeBody(r, from, to[0], r.int(1, 5), lang);
          if (codeName) mention(body, `${CODE_NAME}: ${sentence(r, LANGUAGES[lang])}`);
          const d = draft(from, to.slice(0, split), to.slice(split), subject, body, r, lang);
          if (r.chance(ATTACH_NEW)) d.attachments = attachmentsFor(r, lang, subject);
          const thread: Thread = {internal, participants, lang, subject, last: d, remaining: Math.min(11, Math.floor(-Math.log(Math.max(r.float(), 1e-9)) * 2.5)), references: [d.messageId], codeName};
          if (thread.remaining > 0) open.push(thread);
          send(r, internal ? 'internal' : from.login === undefined ? 'inbound' : 'outbound', d, codeName);
        } else {
          const at = r.int(0, open.length - 1);
          const thread = open[at] as Thread;
          const previous = thread.last;
          const candidates = thread.participants.filter((p) => p !== previous.from);
          const from = candidates.find((p) => p === previous.to[0]) && r.chance(0.7) ? (previous.to[0] as Person) : r.pick(candidates);
          const replyAll = r.chance(0.7);
          const to = replyAll ? [previous.from, ...previous.to.filter((p) => p !== from)] : [previous.from];
          const cc = replyAll ? previous.cc.filter((p) => p !== from) : [];
          const prefix = from.lang === 'de' && from.client === 'outlook' ? 'AW: ' : from.client === 'outlook' ? 'RE: ' : 'Re: ';
          const own = writeBody(r, from, previous.from, r.int(1, 3), thread.lang);
          const d = draft(from, to, cc, `${prefix}${thread.subject}`, quoteBody(own, from, previous), r, thread.lang, thread.references.slice(-10));
          if (r.chance(ATTACH_REPLY)) d.attachments = attachmentsFor(r, thread.lang, thread.subject);
          thread.last = d;
          thread.references.push(d.messageId);
          if (--thread.remaining <= 0) {
            open[at] = open.at(-1) as Thread;
            open.pop();
          }
          send(r, thread.internal ? 'internal' : from.login === undefined ? 'inbound' : 'outbound', d, thread.codeName);
        }
      } else if (event === 'list') {
        const list = r.pick(this.lists);
        const from = r.pick(list.posters);
        const listAddress = `${list.name}@${list.company.domain}`;
        const listPerson: Person = {first: list.name, last: '', address: listAddress, title: '', company: list.company, client: 'mailer', lang: 'de'};
        const d = draft(from, [listPerson], [], `[${list.name}] ${sentence(r, LANGUAGES[from.lang]).slice(0, 60)}`, writeBody(r, from, undefined, r.int(1, 4)), r);
        d.plainOnly = from.client === 'thunderbird' ? r.chance(0.8) : d.plainOnly;
        if (r.chance(0.03)) d.attachments = attachmentsFor(r, from.lang, 'patch');
        d.body.text += `\r\n_______________________________________________\r\n${list.name} mailing list -- ${listAddress}\r\nTo unsubscribe send an email to ${list.name}-leave@${list.company.domain}\r\n`;
        d.extraHeaders = [
          `X-MailFrom: ${from.address}`, 'X-Mailman-Version: 3.3.8', 'Precedence: list', `List-Id: <${list.name}.${list.company.domain}>`,
          `List-Post: <mailto:${listAddress}>`, `List-Unsubscribe: <mailto:${list.name}-leave@${list.company.domain}>`,
        ];
        const poster = from.login === undefined ? undefined : this.userOf(from);
        if (poster !== undefined) store(composeMessage(r.fork(), {...d, extraHeaders: []}), 'list', d, [{user: poster, sent: true}], false);
        send(r, 'list', {...d, from: {...from, login: undefined}}, false, {company: list.company, bounce: `${list.name}-bounces@${list.company.domain}`}, list.subscribers);
      } else if (event === 'newsletter') {
        const mailer = r.pick(this.mailers);
        const user = r.pick(users);
        const d = draft(mailer, [user], [], sentence(r, LANGUAGES[mailer.lang]).slice(0, 70), newsletterBody(r, mailer, user), r);
        d.extraHeaders = [`List-Unsubscribe: <https://${mailer.company.domain}/unsubscribe?u=${r.hex(24)}>`, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'Precedence: bulk'];
        send(r, 'newsletter', d, false);
      } else if (event === 'notification') {
        const system = r.pick(this.systems);
        const user = r.pick(users);
        const {body, subject} = notificationBody(r, system, user);
        const d = draft(system, [user], [], subject, body, r);
        if (system.first === 'SAP Business' ? r.chance(0.6) : r.chance(0.08)) {
          const kind: FileKind = system.first === 'SAP Business' ? 'pdf' : 'csv';
          d.attachments = [this.attachment(r.fork(), kind, r.logNormal(kind === 'pdf' ? 60_000 : 20_000, 0.7, 2000, 2_000_000), 'de', `Beleg ${r.int(4_000_000, 4_999_999)}`)];
        }
        send(r, 'notification', d, false);
      } else if (event === 'invite') {
        const from = r.pick(users);
        const to: Person[] = [...colleagues(r, from), ...(r.chance(0.3) ? [r.pick((this.companies[r.pick(from.accounts)] as {contacts: Person[]}).contacts)] : [])];
        const d = draft(from, to, [], r.pick(LANGUAGES[from.lang].topics), writeBody(r, from, undefined, 1), r);
        d.calendar = calendarFor(r, d, now + r.int(1, 14) * 86_400_000);
        send(r, 'invite', d, false);
      } else {
        const original = withFiles.length === 0 ? undefined : r.pick(withFiles);
        if (original === undefined) continue;
        const from = r.pick(users);
        const to: Person[] = r.chance(0.7) ? colleagues(r, from).slice(0, 2) : [r.pick((this.companies[r.pick(from.accounts)] as {contacts: Person[]}).contacts)];
        const prefix = from.lang === 'de' ? 'WG: ' : from.lang === 'fr' ? 'TR: ' : from.lang === 'es' ? 'RV: ' : from.lang === 'ja' ? '転送: ' : 'Fwd: ';
        const d = draft(from, to, [], `${prefix}${original.subject}`, forwardBody(writeBody(r, from, to[0], 1), from, original, from.lang), r);
        d.attachments = original.attachments;
        send(r, 'forward', d, original.subject.includes(CODE_NAME));
      }
      yield* pending;
      pending.length = 0;
    }
  }

  /** The folder's next UID. */
  private place(folder: number, internalDate: number, flags: string[], expunged: boolean): CorpusPlace {
    const uid = ((this.uids[folder] as number) += 1);
    return {folder, uid, internalDate, flags, expunged};
  }

  private userOf(p: Person): User {
    return p as User;
  }

  /** An attached file: real (slow) or with its real name and headers around 57 bytes (see the module comment). */
  private attachment(r: Rng, kind: FileKind, size: number, lang: Lang, stem: string): Attachment {
    if (this.options.attachments === 'full') return makeAttachment(r, kind, size, LANGUAGES[lang], stem);
    // The same draws as makeAttachment's names, so that both modes name files alike.
    let name = stem;
    if (kind === 'jpeg' && r.chance(0.6)) name = `IMG_${r.int(1000, 9999)}`;
    if (kind === 'png' && r.chance(0.5)) name = `Screenshot ${r.int(2025, 2026)}-0${r.int(1, 9)}-1${r.int(0, 9)} ${r.int(10, 23)}${r.int(10, 59)}${r.int(10, 59)}`;
    const a: Attachment = {kind, filename: `${name}.${EXTENSIONS[kind]}`, contentType: CONTENT_TYPES[kind], bytes: r.noise(STUB_BYTES), incompressible: STUB_BYTES};
    this.realSize.set(a, size);
    return a;
  }
}

/** Puts `line` first in a body (as its own paragraph, in the text and in the HTML). */
function mention(body: Body, line: string): void {
  const cut = body.text.indexOf('\r\n\r\n');
  body.text = cut < 0 ? `${line}\r\n\r\n${body.text}` : `${body.text.slice(0, cut)}\r\n\r\n${line}${body.text.slice(cut)}`;
  body.html = `<p>${line}</p>\r\n${body.html}`;
}

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
      `<tr><td class="mcnImageContentContainer"><a href="${href}" target="_blank"><img align="center" alt="" src="https://cdn.${mailer.company.domain}/img/${rng.hex(24)}.jpg" width="564" class="mcnImage"></a></td></tr>\r\n` +
        `<tr><td valign="top" class="mcnTextContent" style="padding:9px 18px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:150%;color:#202020;"><h2>${title}</h2><p style="margin:10px 0;padding:0;">${text}</p></td></tr>\r\n` +
        `<tr><td align="center" class="mcnButtonContent"><a class="mcnButton" href="${href}" target="_blank" style="font-weight:bold;color:#FFFFFF;background-color:#2BAADF;border-radius:3px;padding:12px 24px;">${rng.pick(['Mehr erfahren', 'Read more', 'En savoir plus', 'Leer más', '詳しく見る'])}</a></td></tr>\r\n`,
    );
    texts.push(`** ${title}\r\n${text}\r\n${href}\r\n`);
  }
  const unsubscribe = `https://${mailer.company.domain}/unsubscribe?u=${rng.hex(24)}&id=${rng.hex(10)}`;
  const html =
    `<!doctype html>\r\n<html><head><meta charset="UTF-8"><title>${mailer.first}</title><style type="text/css">p{margin:10px 0;padding:0;}table{border-collapse:collapse;}.mcnPreviewText{display:none !important;}</style></head>\r\n` +
    `<body style="margin:0;padding:0;background-color:#FAFAFA;"><center><table id="bodyTable" width="100%">\r\n<tr><td>Hallo ${user.first},</td></tr>\r\n${blocks.join('')}` +
    `<tr><td class="footerContent" style="font-size:12px;color:#656565;">${mailer.company.name} &middot; ${mailer.company.street}<br><a href="${unsubscribe}">Abmelden</a><img src="https://${mailer.company.domain}/track/open.php?u=${rng.hex(24)}" height="1" width="1" alt=""></td></tr>\r\n</table></center></body>\r\n</html>\r\n`;
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
    rows.push(`<tr><th style="font-size:14px;color:#6B778C;padding:4px 8px 4px 0;text-align:left">${label}:</th><td style="font-size:14px;color:#172B4D;padding:4px 0">${value}</td></tr>\r\n`);
    lines.push(`${label}: ${value}`);
  }
  const comment = paragraph(rng, language, 4);
  const host = system.address.split('@')[1] as string;
  const url = `https://${host}/browse/${key}?focusedCommentId=${rng.int(100_000, 999_999)}`;
  const html = `<html><head><meta charset="utf-8"></head><body><table width="600" style="background:#FFFFFF;padding:24px">\r\n<tr><td style="font-size:20px"><a href="${url}">${subject}</a></td></tr>\r\n<tr><td><table>${rows.join('')}</table></td></tr>\r\n<tr><td style="font-size:14px;padding-top:16px">${comment}</td></tr>\r\n<tr><td style="font-size:12px;color:#6B778C">Diese Nachricht wurde automatisch erstellt. <a href="https://${host}/secure/ViewProfile.jspa?name=${user.login ?? ''}">Benachrichtigungen verwalten</a></td></tr></table></body></html>\r\n`;
  return {body: {text: `${subject}\r\n${url}\r\n\r\n${lines.join('\r\n')}\r\n\r\n${comment}\r\n`, html}, subject};
}

/** The corpus, measured as it streams by: what a reviewer needs to judge whether it is realistic. */
export interface CorpusFigures {
  version: number;
  seed: number;
  users: number;
  folders: Record<FolderRole, number>;
  /** Places (message files), and those gone (expunged, or in a deleted folder). */
  places: number;
  gone: number;
  /** Distinct messages (blobs). */
  distinct: number;
  /** Bytes the places represent (every copy, attachments at their real size): the corpus size. */
  bytes: number;
  /** The same for the distinct messages. */
  distinctBytes: number;
  /** Bytes the index actually read (attachments as stubs, distinct messages). */
  indexedBytes: number;
  /** Distinct messages with attached files. */
  withFiles: number;
  codeName: {distinct: number; places: number};
  byKind: Partial<Record<MessageKind, {distinct: number; places: number}>>;
  languages: Partial<Record<Lang, number>>;
  placesByRole: Partial<Record<FolderRole, number>>;
  flags: Record<string, number>;
  /** The first and last Date header (ms). */
  from: number;
  to: number;
}

export function emptyFigures(options: SearchCorpusOptions, corpusFolders: readonly CorpusFolder[]): CorpusFigures {
  const folders = {INBOX: 0, Sent: 0, Archive: 0, Trash: 0, project: 0, deleted: 0};
  for (const f of corpusFolders) folders[f.role]++;
  return {version: SEARCH_CORPUS_VERSION, seed: options.seed, users: options.users, folders, places: 0, gone: 0, distinct: 0, bytes: 0, distinctBytes: 0, indexedBytes: 0, withFiles: 0, codeName: {distinct: 0, places: 0}, byKind: {}, languages: {}, placesByRole: {}, flags: {}, from: Number.POSITIVE_INFINITY, to: 0};
}

/** Adds one message to the figures. */
export function tally(figures: CorpusFigures, folders: readonly CorpusFolder[], m: CorpusMessage): void {
  const f = figures;
  f.distinct++;
  f.places += m.places.length;
  f.bytes += m.size * m.places.length;
  f.distinctBytes += m.size;
  f.indexedBytes += m.bytes.length;
  if (m.files > 0) f.withFiles++;
  if (m.codeName) {
    f.codeName.distinct++;
    f.codeName.places += m.places.length;
  }
  const kind = (f.byKind[m.kind] ??= {distinct: 0, places: 0});
  kind.distinct++;
  kind.places += m.places.length;
  f.languages[m.lang] = (f.languages[m.lang] ?? 0) + 1;
  for (const p of m.places) {
    const role = (folders[p.folder] as CorpusFolder).role;
    f.placesByRole[role] = (f.placesByRole[role] ?? 0) + 1;
    if (p.expunged || role === 'deleted') f.gone++;
    for (const flag of p.flags) f.flags[flag] = (f.flags[flag] ?? 0) + 1;
  }
  f.from = Math.min(f.from, m.date);
  f.to = Math.max(f.to, m.date);
}
