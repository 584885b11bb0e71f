/**
 * Benchmark: `bonnie process` draining a large backlog. N synthetic events (default 100,000) are made from
 * the real Cyrus specimens used as templates: 500 users, their folders, UIDs, sessions and Message-IDs
 * rewritten so that the stream is consistent (a flag change finds the placement its delivery made, a copy
 * finds its source, counters leave no gap). They are queued with the Ingester (not measured), then each
 * variant drains its own copy of that catalog to completion with `processQueue` (dist/, like every
 * benchmark):
 *   a. ceiling   read every notification from SQLite and JSON.parse it (a': and parseNotification it)
 *   b. no LDAP   processQueue with NoDirectory (a person is their login): the baseline for c
 *   c. LDAP      processQueue with createDirectory(): a private slapd (test/harness/ldap.ts) holding the
 *                500 people, bound as its rootdn with a password file, cached 5 min
 *   e. DLP       b with the five behaviour rules of DLP (issue 15: mass_delete, mass_read, shared_to_anyone,
 *                new_client_address, emptied_before_delete) run over every batch, in its transaction;
 *                e/b is the issue's ratio (target >= 0.9), measured in the same run right after b
 * Each variant runs in its own process, so that its memory is its own: RSS is sampled every 100 ms from
 * /proc by this process, at the end of every batch by the worker, and the kernel's peak (maxRSS) is read
 * at the end. Events/s are reported overall and per tenth of the backlog, to show that neither the rate
 * nor RSS drifts as the record grows.
 *
 * Then the record must be sane, or the figures mean nothing (exit 1): every job done, none failed or
 * dead; sessions, people, folders, messages and placements exactly as generated; no placement "first
 * seen" (a flag change that did not find its message), every copy and move linked to its source, no
 * gap; `verifyChain` sound over every notification.
 *
 * Target (issue 14): >= 10,000 events/s with LDAP, printed as PASS or MISS (never a failure).
 * `--profile` adds, on the first 20,000 events with LDAP, a `node --cpu-prof` run summarised by file and
 * function, and a run that times every SQL statement (better-sqlite3's Statement methods wrapped).
 *
 * Needs root (test/harness/install.sh installs slapd if missing) and `npm run build`. Usage:
 *   node --import tsx bench/process.ts [--events N] [--users N] [--batch N] [--seed N] [--profile] [--json] [--keep] [--dir DIR] [--specimens DIR]
 *   node --import tsx bench/process.ts --dlp-rounds N [--roaming-logins] [...]: only b and e, N rounds, the median e/b (issue 15)
 */
import {spawn, spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {Client} from 'ldapts';
import type {Db} from '../dist/lib/base/catalog/catalog.js';
import type {LdapSettings} from '../dist/lib/base/config/settings.js';
import type {Directory, DirectoryPerson} from '../dist/lib/sources/directory/types.js';
import type {ProcessSummary} from '../dist/lib/pipeline/process/engine.js';
import {startLdap, type StartedLdap} from '../test/harness/ldap.js';
import {random} from './lib/random.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = dirname(dirname(SELF));
const ENGINE_MODULE = join(ROOT, 'dist', 'lib', 'pipeline', 'process', 'engine.js');
const INSTALL = join(ROOT, 'test', 'harness', 'install.sh');
/** Real events as Cyrus wrote them (../shared/cyrus/specimens next to the project); --specimens overrides. */
const DEFAULT_SPECIMENS = join(dirname(ROOT), 'shared', 'cyrus', 'specimens');

/** The issue's target, with LDAP. */
const TARGET_EVENTS_PER_SECOND = 10_000;
/** Issue 15: `bonnie process` with the DLP behaviour rules keeps at least this share of its rate without them. */
const DLP_MIN_RATIO = 0.9;
const DEFAULT_EVENTS = 100_000;
const DEFAULT_USERS = 500;
const DEFAULT_SEED = 0x626f6e;
/** Events of the --profile runs (the issue: "a 20,000-event case"). */
const PROFILE_EVENTS = 20_000;
/** The backlog is reported in this many tranches. */
const TRANCHES = 10;
/** How often this process reads the worker's RSS from /proc. */
const RSS_SAMPLE_MS = 100;
/** Notifications per Ingester transaction while queueing (not measured). */
const INGEST_CHUNK = 5000;
/** ldap_cache_ttl of the LDAP variant: bonnie's default. */
const LDAP_CACHE_TTL_MS = 5 * 60 * 1000;
const LDAP_TIMEOUT_MS = 10_000;
/** LDAP adds in flight at once while filling the directory. */
const LDAP_ADD_PARALLEL = 25;
/** Open IMAP sessions at any time: their events interleave, as on a server. */
const CONCURRENT_SESSIONS = 40;
/** Event time of the first event; each next one is 1 to 1,200 ms later (about a day for 100,000). */
const START_MS = Date.UTC(2026, 0, 5, 7, 0, 0);
const MAX_STEP_MS = 1200;
/** A user logs in from 1 to this many usual client addresses (home, office, phone) ... */
const USUAL_ADDRESSES = 3;
/** ... and this share of logins from an address never seen before (then kept as a usual one). */
const NEW_ADDRESS_SHARE = 0.03;
/** A notification is received this long after its event time. */
const RECEIVE_DELAY_MS = 3;

const USAGE = `usage: node --import tsx bench/process.ts [--events N] [--users N] [--batch N] [--seed N] [--profile] [--json] [--keep] [--dir DIR] [--specimens DIR]
Drains a backlog of synthetic Cyrus events with processQueue (dist/): events/s and RSS, without and with LDAP (a private slapd).
  --events N       events in the backlog (default ${DEFAULT_EVENTS})
  --users N        users (and people in LDAP) the events are spread over (default ${DEFAULT_USERS})
  --batch N        processQueue's batchJobs (default: bonnie's own, DEFAULT_BATCH_JOBS)
  --seed N         seed of the generator (default ${DEFAULT_SEED}): the same seed makes the same events
  --profile        also profile ${PROFILE_EVENTS.toLocaleString('en')} events with LDAP: node --cpu-prof by file and function, and time per SQL statement
  --json           print one JSON object (type "benchmark", name "process") instead of the table
  --keep           keep the temporary folder (catalogs, profiles)
  --dir DIR        create the temporary folder under DIR (default ${tmpdir()}); its file system matters (synchronous=FULL)
  --specimens DIR  the Cyrus events used as templates (default ${DEFAULT_SPECIMENS})
  --roaming-logins every login from a new client address (the corpus before: new_client_address on ~85% of logins)
  --dlp-rounds N   run only b and e, N rounds (b, e, then e, b, ...), each on a fresh copy; print e/b per round
Needs root and \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed or the record is not sane, 2 bad usage.
`;

class UsageError extends Error {}
class BenchError extends Error {}

interface Options {
  events: number;
  users: number;
  batch: number | undefined;
  seed: number;
  profile: boolean;
  json: boolean;
  keep: boolean;
  dir: string;
  specimens: string;
  /** Only b and e, alternating, this many rounds (0: every variant once). */
  dlpRounds: number;
  roamingLogins: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {events: DEFAULT_EVENTS, users: DEFAULT_USERS, batch: undefined, seed: DEFAULT_SEED, profile: false, json: false, keep: false, dir: tmpdir(), specimens: DEFAULT_SPECIMENS, dlpRounds: 0, roamingLogins: false};
  const count = (name: string, value: string | undefined, min: number) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} needs a whole number of at least ${min}`);
    return Number(value);
  };
  const text = (name: string, value: string | undefined) => {
    if (value === undefined || value === '') throw new UsageError(`${name} needs a folder`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--events') options.events = count(name, value(), 1000);
    else if (name === '--users') options.users = count(name, value(), 10);
    else if (name === '--batch') options.batch = count(name, value(), 1);
    else if (name === '--seed') options.seed = count(name, value(), 0);
    else if (name === '--dir') options.dir = text(name, value());
    else if (name === '--specimens') options.specimens = text(name, value());
    else if (name === '--dlp-rounds') options.dlpRounds = count(name, value(), 1);
    else if (name === '--roaming-logins') options.roamingLogins = true;
    else if (name === '--profile' || name === '--json' || name === '--keep') options[name.slice(2) as 'profile' | 'json' | 'keep'] = true;
    else if (name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------
// The events: a simulated site, written out through the specimens as templates


type Template = Record<string, unknown>;

/** The first specimen of each event type, parsed: its fields (and their order) are what Cyrus sends. */
function loadTemplates(dir: string): Map<string, Template> {
  if (!existsSync(dir)) throw new BenchError(`no specimens at ${dir}`);
  const templates = new Map<string, Template>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const event = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Template;
    if (typeof event.event === 'string' && !templates.has(event.event)) templates.set(event.event, event);
  }
  const missing = REQUIRED_TYPES.filter((type) => !templates.has(type));
  if (missing.length > 0) throw new BenchError(`the specimens in ${dir} have no ${missing.join(', ')} to use as template`);
  return templates;
}

const REQUIRED_TYPES = [
  'Login', 'Logout', 'MailboxCreate', 'MailboxRename', 'MailboxDelete', 'MailboxSubscribe', 'MailboxUnSubscribe', 'MailboxModseq', 'AclChange',
  'MessageAppend', 'MessageNew', 'MessageRead', 'MessageTrash', 'FlagsSet', 'FlagsClear', 'vnd.cmu.MessageCopy', 'vnd.cmu.MessageMove',
  'MessageExpunge', 'MessageExpire', 'QuotaChange',
];

const SERVER = 'imap.lab.test';
const MAIL_DOMAIN = 'lab.test';
const OWNER_RIGHTS = 'lrswipkxtecdan';
/** Every user's folders before the stream starts ('' is the INBOX): mail from before bonnie is in them. */
const DEFAULT_FOLDERS = ['', 'Sent', 'Drafts', 'Archive', 'Trash'];
const NEW_FOLDERS = ['Projects', 'Clients', 'Receipts', 'Travel', 'Newsletters', 'Invoices', 'Team', 'Old'];
const FLAGS = ['\\Flagged', '\\Answered', '$Important', 'Work', '$Label1'];
const SEEN = '\\Seen';
const DELETED = '\\Deleted';
const WORDS = ('quarterly report budget meeting agenda invoice review draft contract deadline project customer delivery schedule ' +
  'update minutes forecast team travel expenses approval question server backup archive migration policy retention audit').split(' ');
const SENDERS = [['carol', 'example.org'], ['news', 'lists.example.net'], ['billing', 'vendor.example.com'], ['support', 'helpdesk.example.com'], ['jo', 'partner.example.org']] as const;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const userLogin = (i: number) => `user${String(i).padStart(4, '0')}`;

interface Message {
  messageId: string;
  flags: Set<string>;
}

interface Folder {
  id: string;
  owner: string;
  /** Below the INBOX; '' for the INBOX itself. */
  path: string;
  validity: number;
  uidNext: number;
  modseq: number;
  /** Messages from before the stream (never named by an event). */
  historic: number;
  uids: number[];
  messages: Map<number, Message>;
  unseen: number;
  acl: Array<[string, string]>;
  custom: boolean;
  subscribed: boolean;
}

interface User {
  login: string;
  folders: Folder[];
  /** The client addresses the user logs in from (home, office, phone): new_client_address must not fire on each login. */
  addresses: string[];
}

interface Session {
  id: string;
  user: User;
  pid: number;
  ip: string;
  port: number;
  actionsLeft: number;
}

/** What one generated event must leave in the record, to check the record against. */
interface EventFacts {
  type: string;
  session: string;
  mailboxId: string | undefined;
  logins: string[];
  emailId: string | undefined;
  /** UIDs that make a placement (append, delivery, copy, move). */
  placements: number;
  /** Of those, UIDs copied or moved: their placement must name its source. */
  lineage: number;
}

const mailboxName = (f: Folder) => (f.path === '' ? `user.${f.owner}` : `user.${f.owner}.${f.path}`);
const mailboxUri = (f: Folder, uid?: number) => `imap://${SERVER}/${mailboxName(f)};UIDVALIDITY=${f.validity}${uid === undefined ? '' : `/;UID=${uid}`}`;
const aclText = (f: Folder) => f.acl.map(([subject, rights]) => `${subject}\t${rights}\t`).join('');

/** An IMAP sequence set, `1:3,7`, of ascending UIDs. */
function sequenceSet(uids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; ) {
    let j = i;
    while (j + 1 < uids.length && (uids[j + 1] as number) === (uids[j] as number) + 1) j++;
    parts.push(i === j ? `${uids[i]}` : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * A mail site in motion: LMTP deliveries (1 to 5 recipients, one emailid), IMAP sessions (Login, then
 * reads, flag changes, appends, copies, moves, trash and expunge, a few folder operations, Logout) that
 * interleave, now and then an administrator (quota) or cyr_expire. Every folder keeps its UIDs, modseq and
 * message counters, so the events carry what Cyrus would send.
 */
class Site {
  readonly lines: string[] = [];
  readonly facts: EventFacts[] = [];
  private readonly next: () => number;
  private readonly users: User[];
  private readonly open: Session[] = [];
  private clock = START_MS;
  private sessions = 0;
  private messages = 0;
  private validities = 1_767_000_000;

  constructor(
    private readonly templates: ReadonlyMap<string, Template>,
    users: number,
    seed: number,
    /** --roaming-logins: every login from an address never seen before (new_client_address's worst case). */
    private readonly roaming = false,
  ) {
    this.next = random(seed);
    this.users = Array.from({length: users}, (_, i) => {
      const login = userLogin(i);
      const addresses = Array.from({length: 1 + Math.floor(this.next() * USUAL_ADDRESSES)}, () => this.address());
      return {login, folders: DEFAULT_FOLDERS.map((path) => this.folder(login, path, false)), addresses};
    });
  }

  /** Runs the site until `count` events were sent (the last action may be cut short, as a live stream is). */
  run(count: number): void {
    while (this.lines.length < count) {
      const r = this.next();
      if (r < 0.22) this.lmtp();
      else if (r < 0.222) this.admin();
      else if (r < 0.224) this.expire();
      else this.imap();
    }
    this.lines.length = count;
    this.facts.length = count;
  }

  // --- actors

  private imap(): void {
    while (this.open.length < CONCURRENT_SESSIONS) this.login(this.pickUser());
    const session = this.pick(this.open);
    for (let tries = 0; tries < 5 && !this.act(session); tries++);
    if (--session.actionsLeft <= 0) this.logout(session);
  }

  /** One IMAP command's worth of work; false when it found nothing to work on. */
  private act(s: Session): boolean {
    const r = this.next();
    if (r < 0.42) return this.read(s);
    if (r < 0.56) return this.setFlag(s);
    if (r < 0.61) return this.clearFlag(s);
    if (r < 0.72) return this.append(s);
    if (r < 0.78) return this.transfer(s, 'vnd.cmu.MessageCopy');
    if (r < 0.83) return this.transfer(s, 'vnd.cmu.MessageMove');
    if (r < 0.94) return this.trash(s);
    if (r < 0.96) return this.subscription(s);
    return this.folderOperation(s);
  }

  private address(): string {
    return `10.${1 + Math.floor(this.next() * 200)}.${Math.floor(this.next() * 250)}.${1 + Math.floor(this.next() * 250)}`;
  }

  /** One of the user's usual addresses, or now and then one from elsewhere (a hotel, a train), kept from then on. */
  private loginAddress(user: User): string {
    if (this.roaming || this.next() < NEW_ADDRESS_SHARE) {
      const address = this.address();
      if (!this.roaming) user.addresses.push(address);
      return address;
    }
    return user.addresses[Math.floor(this.next() * user.addresses.length)] as string;
  }

  private login(user: User): void {
    const pid = 2000 + (this.sessions % 16);
    const session: Session = {
      id: this.sessionId(pid),
      user,
      pid,
      ip: this.loginAddress(user),
      port: 30000 + Math.floor(this.next() * 30000),
      // 1 to ~30 commands, most sessions short.
      actionsLeft: 1 + Math.floor(-Math.log(1 - this.next()) * 8),
    };
    this.open.push(session);
    this.emit('Login', {service: 'imap', clientIP: session.ip, clientPort: session.port, uri: `imap://${SERVER}`, pid: session.pid, user: user.login, 'vnd.cmu.sessionId': session.id}, {session: session.id, logins: [user.login]});
  }

  private logout(s: Session): void {
    this.open.splice(this.open.indexOf(s), 1);
    this.emit('Logout', {service: 'imap', clientIP: s.ip, clientPort: s.port, uri: `imap://${SERVER}`, pid: s.pid, user: s.user.login, 'vnd.cmu.sessionId': s.id}, {session: s.id, logins: [s.user.login]});
  }

  /** FETCH BODY[] or STORE +FLAGS (\Seen) on unseen messages. */
  private read(s: Session): boolean {
    const folder = this.pickFolder(s.user, (f) => f.uids.some((uid) => !this.message(f, uid).flags.has(SEEN)));
    if (folder === undefined) return false;
    const uids = this.pickSome(folder.uids.filter((uid) => !this.message(folder, uid).flags.has(SEEN)));
    for (const uid of uids) this.message(folder, uid).flags.add(SEEN);
    folder.unseen -= uids.length;
    this.commit(folder, uids.length);
    const fetch = this.next() < 0.7;
    if (fetch) this.modseq(folder, s);
    this.emit('MessageRead', {service: 'imap', ...this.mailbox(folder), ...this.counters(folder, uids), ...this.who(s)}, this.factsOf(s, folder));
    if (!fetch) this.modseq(folder, s);
    return true;
  }

  private setFlag(s: Session): boolean {
    const flag = this.pick(FLAGS);
    const folder = this.pickFolder(s.user, (f) => f.uids.some((uid) => !this.message(f, uid).flags.has(flag)));
    if (folder === undefined) return false;
    const uids = this.pickSome(folder.uids.filter((uid) => !this.message(folder, uid).flags.has(flag)));
    for (const uid of uids) this.message(folder, uid).flags.add(flag);
    this.commit(folder, uids.length);
    this.emit('FlagsSet', {service: 'imap', ...this.mailbox(folder), ...this.counters(folder, uids), flagNames: flag, ...this.who(s)}, this.factsOf(s, folder));
    this.modseq(folder, s);
    return true;
  }

  private clearFlag(s: Session): boolean {
    const flag = this.pick([...FLAGS, SEEN]);
    const folder = this.pickFolder(s.user, (f) => f.uids.some((uid) => this.message(f, uid).flags.has(flag)));
    if (folder === undefined) return false;
    const uids = this.pickSome(folder.uids.filter((uid) => this.message(folder, uid).flags.has(flag)));
    for (const uid of uids) this.message(folder, uid).flags.delete(flag);
    if (flag === SEEN) folder.unseen += uids.length;
    this.commit(folder, uids.length);
    this.emit('FlagsClear', {service: 'imap', ...this.mailbox(folder), ...this.counters(folder, uids), flagNames: flag, ...this.who(s)}, this.factsOf(s, folder));
    this.modseq(folder, s);
    return true;
  }

  /** APPEND of a sent message or a draft (system flags in lower case, as Cyrus sends them), now and then an import into the INBOX. */
  private append(s: Session): boolean {
    const r = this.next();
    const folder = this.folderAt(s.user, r < 0.75 ? 'Sent' : r < 0.9 ? 'Drafts' : '') ?? this.inbox(s.user);
    const seen = folder.path !== '';
    const {messageId, emailId, fields} = this.newMessage([s.user.login, MAIL_DOMAIN], this.pickUser().login);
    const uid = this.place(folder, messageId, seen ? [SEEN] : []);
    this.commit(folder, 1);
    this.modseq(folder, s);
    this.emit(
      'MessageAppend',
      {service: 'imap', ...this.mailbox(folder, uid), ...this.counters(folder, [uid]), 'vnd.cmu.midset': [messageId], flagNames: seen ? '\\seen' : undefined, ...this.who(s), ...fields},
      {...this.factsOf(s, folder), emailId, placements: 1},
    );
    return true;
  }

  /** UID COPY or UID MOVE of 1 to 5 messages to another folder of the user (MOVE: then the source's expunge). */
  private transfer(s: Session, type: 'vnd.cmu.MessageCopy' | 'vnd.cmu.MessageMove'): boolean {
    const source = this.pickFolder(s.user, (f) => f.uids.length > 0 && f.path !== 'Trash');
    if (source === undefined) return false;
    const targets = s.user.folders.filter((f) => f !== source && f.path !== 'Drafts' && f.path !== 'Sent' && (type === 'vnd.cmu.MessageMove' || f.path !== 'Trash'));
    if (targets.length === 0) return false;
    const target = this.pick(targets);
    const sourceUids = this.pickSome(source.uids);
    const uids = sourceUids.map((uid) => {
      const message = this.message(source, uid);
      return this.place(target, message.messageId, [...message.flags]);
    });
    const midset = sourceUids.map((uid) => this.message(source, uid).messageId);
    this.commit(target, uids.length);
    this.modseq(target, s);
    this.emit(
      type,
      {service: 'imap', oldMailboxID: mailboxUri(source), 'vnd.cmu.oldUidset': sequenceSet(sourceUids), ...this.mailbox(target), ...this.counters(target, uids), 'vnd.cmu.midset': midset, ...this.who(s)},
      {...this.factsOf(s, target), placements: uids.length, lineage: uids.length},
    );
    if (type === 'vnd.cmu.MessageMove') this.expunge(s, source, sourceUids);
    return true;
  }

  /** STORE +FLAGS (\Deleted), and most of the time an EXPUNGE of every \Deleted message of the folder. */
  private trash(s: Session): boolean {
    const folder = this.pickFolder(s.user, (f) => f.uids.some((uid) => !this.message(f, uid).flags.has(DELETED)));
    if (folder === undefined) return false;
    const uids = this.pickSome(folder.uids.filter((uid) => !this.message(folder, uid).flags.has(DELETED)));
    for (const uid of uids) this.message(folder, uid).flags.add(DELETED);
    this.commit(folder, uids.length);
    this.emit('MessageTrash', {service: 'imap', ...this.mailbox(folder), ...this.counters(folder, uids), ...this.who(s)}, this.factsOf(s, folder));
    this.modseq(folder, s);
    if (this.next() < 0.6) {
      this.expunge(s, folder, folder.uids.filter((uid) => this.message(folder, uid).flags.has(DELETED)));
    }
    return true;
  }

  private expunge(s: Session, folder: Folder, uids: number[]): void {
    const midset = uids.map((uid) => this.message(folder, uid).messageId);
    this.remove(folder, uids);
    this.commit(folder, uids.length);
    this.modseq(folder, s);
    this.emit('MessageExpunge', {service: 'imap', ...this.mailbox(folder), ...this.counters(folder, uids), 'vnd.cmu.midset': midset, ...this.who(s)}, this.factsOf(s, folder));
  }

  private subscription(s: Session): boolean {
    const folder = this.pick(s.user.folders);
    folder.subscribed = !folder.subscribed;
    // Subscribe and unsubscribe URIs carry no UIDVALIDITY (FACTS.md).
    this.emit(folder.subscribed ? 'MailboxSubscribe' : 'MailboxUnSubscribe', {service: 'imap', mailboxID: folder.id, uri: `imap://${SERVER}/${mailboxName(folder)}`, ...this.who(s)}, this.factsOf(s, folder));
    return true;
  }

  /** CREATE (+ SUBSCRIBE), RENAME, SETACL / DELETEACL or DELETE of a folder. */
  private folderOperation(s: Session): boolean {
    const r = this.next();
    const custom = s.user.folders.filter((f) => f.custom);
    if (r < 0.25 && custom.length > 0) {
      const folder = this.pick(custom);
      const before = mailboxUri(folder);
      this.commit(folder, 0);
      this.modseq(folder, s);
      folder.path = this.freePath(s.user, this.pick(NEW_FOLDERS));
      this.emit('MailboxRename', {service: 'imap', oldMailboxID: before, ...this.mailbox(folder), ...this.who(s)}, this.factsOf(s, folder));
      return true;
    }
    if (r < 0.55) {
      const folder = this.pick([...custom, ...s.user.folders.filter((f) => f.path === 'Archive')]);
      let subject = this.pickUser().login;
      while (subject === folder.owner) subject = this.pickUser().login;
      const held = folder.acl.findIndex(([who]) => who === subject);
      let rights: string | undefined;
      if (held > 0 && this.next() < 0.5) folder.acl.splice(held, 1);
      else {
        rights = this.pick(['lrs', 'lrsw', 'lrswi', 'lr']);
        if (held > 0) folder.acl[held] = [subject, rights];
        else folder.acl.push([subject, rights]);
      }
      this.commit(folder, 0);
      // The MailboxModseq of the commit already carries the new ACL (engine.ts).
      this.modseq(folder, s);
      this.emit('AclChange', {service: 'imap', ...this.mailbox(folder), aclSubject: subject, aclRights: rights, ...this.who(s)}, this.factsOf(s, folder));
      return true;
    }
    if (r < 0.7 && custom.length > 0) {
      const folder = this.pick(custom);
      this.commit(folder, 0);
      this.modseq(folder, s);
      this.emit('MailboxDelete', {service: 'imap', ...this.mailbox(folder), ...this.who(s)}, this.factsOf(s, folder));
      s.user.folders.splice(s.user.folders.indexOf(folder), 1);
      return true;
    }
    if (s.user.folders.length >= 12) return false;
    const folder = this.folder(s.user.login, this.freePath(s.user, this.pick(NEW_FOLDERS)), true);
    s.user.folders.push(folder);
    this.emit('MailboxCreate', {service: 'imap', ...this.mailbox(folder), ...this.who(s)}, this.factsOf(s, folder));
    if (this.next() < 0.7) {
      folder.subscribed = true;
      this.emit('MailboxSubscribe', {service: 'imap', mailboxID: folder.id, uri: `imap://${SERVER}/${mailboxName(folder)}`, ...this.who(s)}, this.factsOf(s, folder));
    }
    return true;
  }

  /** One LMTP connection: 1 to 4 messages, each to 1 to 5 recipients (one emailid: Cyrus' content id). */
  private lmtp(): void {
    const pid = 5000 + (this.sessions % 8);
    const session = this.sessionId(pid);
    const messages = this.next() < 0.7 ? 1 : 2 + Math.floor(this.next() * 3);
    for (let m = 0; m < messages; m++) {
      const r = this.next();
      const count = r < 0.8 ? 1 : r < 0.94 ? 2 : 3 + Math.floor(this.next() * 3);
      const recipients = new Set<User>();
      while (recipients.size < count) recipients.add(this.pickUser());
      const [first] = recipients;
      const {messageId, emailId, fields} = this.newMessage(this.pick(SENDERS), (first as User).login);
      for (const user of recipients) {
        // Most mail lands in the INBOX; a Sieve rule files some into a folder.
        const folder = this.next() < 0.9 ? this.inbox(user) : this.pick(user.folders);
        const uid = this.place(folder, messageId, []);
        this.commit(folder, 1);
        const who = {pid, 'vnd.cmu.sessionId': session};
        this.emit('MailboxModseq', {service: 'lmtp', ...this.mailbox(folder), user: '', ...who}, {session, mailboxId: folder.id, logins: [folder.owner]});
        this.emit(
          'MessageNew',
          {service: 'lmtp', ...this.mailbox(folder, uid), ...this.counters(folder, [uid]), 'vnd.cmu.midset': [messageId], user: user.login, ...who, ...fields},
          {session, mailboxId: folder.id, logins: [user.login, folder.owner], emailId, placements: 1},
        );
      }
    }
  }

  /** The administrator (cyrus) changes a quota: Login, QuotaChange (`user` is the quota root's owner), Logout. */
  private admin(): void {
    const admin: Session = {id: this.sessionId(2000), user: {login: 'cyrus', folders: [], addresses: ['127.0.0.1']}, pid: 2000, ip: '127.0.0.1', port: 40000 + Math.floor(this.next() * 20000), actionsLeft: 1};
    const user = this.pickUser();
    this.open.push(admin);
    this.emit('Login', {service: 'imap', clientIP: admin.ip, clientPort: admin.port, uri: `imap://${SERVER}`, pid: admin.pid, user: 'cyrus', 'vnd.cmu.sessionId': admin.id}, {session: admin.id, logins: ['cyrus']});
    this.emit(
      'QuotaChange',
      {service: 'imap', uri: `imap://${SERVER}/user.${user.login}`, diskQuota: 1_000_000 * (1 + Math.floor(this.next() * 10)), diskUsed: Math.floor(this.next() * 500_000), messages: this.inbox(user).historic + this.inbox(user).uids.length, pid: admin.pid, user: user.login, 'vnd.cmu.sessionId': admin.id},
      {session: admin.id, logins: [user.login]},
    );
    this.logout(admin);
  }

  /** cyr_expire removes the oldest messages of an Archive (`user` empty). */
  private expire(): void {
    const user = this.pickUser();
    const folder = this.folderAt(user, 'Archive');
    if (folder === undefined || folder.uids.length === 0) return;
    const session = this.sessionId(7000);
    const uids = folder.uids.slice(0, 1 + Math.floor(this.next() * 3));
    const midset = uids.map((uid) => this.message(folder, uid).messageId);
    this.remove(folder, uids);
    this.commit(folder, uids.length);
    const who = {pid: 7000, user: '', 'vnd.cmu.sessionId': session};
    this.emit('MessageExpire', {service: 'cyr_expire', ...this.mailbox(folder), ...this.counters(folder, uids), 'vnd.cmu.midset': midset, ...who}, {session, mailboxId: folder.id, logins: [folder.owner]});
    this.emit('MailboxModseq', {service: 'cyr_expire', ...this.mailbox(folder), ...who}, {session, mailboxId: folder.id, logins: [folder.owner]});
  }

  // --- state

  private folder(owner: string, path: string, created: boolean): Folder {
    const uidNext = created ? 1 : 1 + Math.floor(this.next() * 3000);
    const historic = Math.floor((uidNext - 1) * 0.6);
    return {
      id: Array.from({length: 24}, () => ID_ALPHABET[Math.floor(this.next() * ID_ALPHABET.length)]).join(''),
      owner,
      path,
      validity: this.validities++,
      uidNext,
      modseq: created ? 1 : 2 * uidNext + Math.floor(this.next() * 500),
      historic,
      uids: [],
      messages: new Map(),
      unseen: Math.floor(historic * 0.1),
      acl: [[owner, OWNER_RIGHTS]],
      custom: created,
      subscribed: true,
    };
  }

  private place(folder: Folder, messageId: string, flags: string[]): number {
    const uid = folder.uidNext++;
    folder.uids.push(uid);
    folder.messages.set(uid, {messageId, flags: new Set(flags)});
    if (!flags.includes(SEEN)) folder.unseen++;
    return uid;
  }

  private remove(folder: Folder, uids: number[]): void {
    const gone = new Set(uids);
    for (const uid of uids) {
      if (!this.message(folder, uid).flags.has(SEEN)) folder.unseen--;
      folder.messages.delete(uid);
    }
    folder.uids = folder.uids.filter((uid) => !gone.has(uid));
  }

  private message(folder: Folder, uid: number): Message {
    return folder.messages.get(uid) as Message;
  }

  /**
   * One mailbox commit: modseq rises by the messages it changed (by one for a folder-level change); Cyrus
   * sends one MailboxModseq for it, which is what gap detection counts.
   */
  private commit(folder: Folder, changed: number): void {
    folder.modseq += Math.max(1, changed);
  }

  private modseq(folder: Folder, s: Session): void {
    this.emit('MailboxModseq', {service: 'imap', ...this.mailbox(folder), user: '', pid: s.pid, 'vnd.cmu.sessionId': s.id}, {session: s.id, mailboxId: folder.id, logins: [folder.owner]});
  }

  private newMessage(from: readonly [string, string], to: string): {messageId: string; emailId: string; fields: Template} {
    const n = ++this.messages;
    const messageId = `<bench-${n}-${this.clock}@${from[1]}>`;
    const emailId = `M${n.toString(16).padStart(8, '0')}${Math.floor(this.next() * 2 ** 48).toString(16).padStart(16, '0')}`;
    const subject = `${Array.from({length: 2 + Math.floor(this.next() * 4)}, () => this.pick(WORDS)).join(' ')} ${n}`;
    const date = new Date(this.clock).toUTCString().replace('GMT', '-0000');
    const address = `((NIL NIL "${from[0]}" "${from[1]}"))`;
    const envelope = `("${date}" "${subject}" ${address} ${address} ${address} ((NIL NIL "${to}" "${MAIL_DOMAIN}")) NIL NIL NIL "${messageId}")`;
    // Message sizes: mostly a few KB, some large.
    const size = 1500 + Math.floor(this.next() ** 3 * 400_000);
    return {messageId, emailId, fields: {messageSize: size, 'vnd.cmu.envelope': envelope, 'vnd.cmu.emailid': emailId}};
  }

  // --- fields

  private mailbox(folder: Folder, uid?: number): Template {
    return {mailboxID: folder.id, uri: mailboxUri(folder, uid), 'vnd.cmu.mailboxACL': aclText(folder)};
  }

  /** Cyrus leaves `modseq` out when an event covers several UIDs (FACTS.md). */
  private counters(folder: Folder, uids: readonly number[]): Template {
    return {
      modseq: uids.length === 1 ? folder.modseq : undefined,
      messages: folder.historic + folder.uids.length,
      'vnd.cmu.unseenMessages': folder.unseen,
      uidnext: folder.uidNext,
      uidset: sequenceSet(uids),
      'vnd.cmu.midset': uids.map((uid) => folder.messages.get(uid)?.messageId ?? `<expunged-${uid}@${SERVER}>`),
    };
  }

  private who(s: Session): Template {
    return {pid: s.pid, user: s.user.login, 'vnd.cmu.sessionId': s.id};
  }

  private factsOf(s: Session, folder: Folder): Omit<EventFacts, 'type'> {
    return {session: s.id, mailboxId: folder.id, logins: [s.user.login, folder.owner], emailId: undefined, placements: 0, lineage: 0};
  }

  /** The template of `type` with `fields` put in (undefined removes a field), at the next event time. */
  private emit(type: string, fields: Template, facts: Partial<EventFacts> & {session: string; logins: string[]}): void {
    this.clock += 1 + Math.floor(this.next() * MAX_STEP_MS);
    const event: Template = {...this.templates.get(type), timestamp: new Date(this.clock).toISOString()};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) delete event[key];
      else event[key] = value;
    }
    this.lines.push(JSON.stringify(event));
    this.facts.push({type, mailboxId: undefined, emailId: undefined, placements: 0, lineage: 0, ...facts});
  }

  // --- choices

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** 1 message most of the time, up to 5 (ascending UIDs). */
  private pickSome(uids: readonly number[]): number[] {
    const want = Math.min(uids.length, this.next() < 0.8 ? 1 : 2 + Math.floor(this.next() * 4));
    const pool = [...uids];
    const chosen: number[] = [];
    while (chosen.length < want) chosen.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0] as number);
    return chosen.sort((a, b) => a - b);
  }

  /** Some users are far busier than others. */
  private pickUser(): User {
    return this.users[Math.floor(this.users.length * this.next() ** 1.6)] as User;
  }

  /** The INBOX most of the time, else another folder; only folders for which `usable` holds. */
  private pickFolder(user: User, usable: (f: Folder) => boolean): Folder | undefined {
    const candidates = user.folders.filter(usable);
    if (candidates.length === 0) return undefined;
    const inbox = candidates.find((f) => f.path === '');
    return inbox !== undefined && this.next() < 0.65 ? inbox : this.pick(candidates);
  }

  private inbox(user: User): Folder {
    return this.folderAt(user, '') as Folder;
  }

  private folderAt(user: User, path: string): Folder | undefined {
    return user.folders.find((f) => f.path === path);
  }

  private freePath(user: User, base: string): string {
    for (let n = 1; ; n++) {
      const path = n === 1 ? base : `${base}${n}`;
      if (this.folderAt(user, path) === undefined) return path;
    }
  }

  private sessionId(pid: number): string {
    const n = ++this.sessions;
    return `cyrus-bench-${Math.floor(this.clock / 1000)}-${pid}-${n}-${Math.floor(this.next() * 2 ** 53)}`;
  }
}

/** What the record must hold once every event is processed. */
interface Expected {
  events: number;
  sessions: number;
  people: number;
  /** People whose login is in the directory (everybody but the administrator, cyrus). */
  peopleInDirectory: number;
  folders: number;
  messages: number;
  placements: number;
  lineage: number;
  byType: Record<string, number>;
}

function expectations(facts: readonly EventFacts[]): Expected {
  const sessions = new Set<string>();
  const people = new Set<string>();
  const folders = new Set<string>();
  const messages = new Set<string>();
  const byType: Record<string, number> = {};
  let placements = 0;
  let lineage = 0;
  for (const f of facts) {
    sessions.add(f.session);
    for (const login of f.logins) people.add(login);
    if (f.mailboxId !== undefined) folders.add(f.mailboxId);
    if (f.emailId !== undefined) messages.add(f.emailId);
    placements += f.placements;
    lineage += f.lineage;
    byType[f.type] = (byType[f.type] ?? 0) + 1;
  }
  const peopleInDirectory = [...people].filter((login) => login !== 'cyrus').length;
  return {events: facts.length, sessions: sessions.size, people: people.size, peopleInDirectory, folders: folders.size, messages: messages.size, placements, lineage, byType};
}

// ---------------------------------------------------------------------------------------------------------
// Catalogs and the directory

/** Queues `lines` into a new catalog at `path` with the Ingester, checkpointed and closed (ready to copy). */
async function queueCatalog(path: string, lines: readonly string[]): Promise<number> {
  await import('../dist/lib/cli/schema.js'); // the catalog's schema, as bonnie's entry points set it
  const {openCatalog} = await import('../dist/lib/base/catalog/catalog.js');
  const {Ingester} = await import('../dist/lib/pipeline/queue/ingest.js');
  const catalog = openCatalog(path, {create: true});
  const start = performance.now();
  try {
    const ingester = new Ingester(catalog.db);
    for (let i = 0; i < lines.length; i += INGEST_CHUNK) {
      const deliveries = lines.slice(i, i + INGEST_CHUNK).map((line) => {
        const time = Date.parse((JSON.parse(line) as {timestamp: string}).timestamp);
        return {raw: Buffer.from(`${line}\n`), receivedAt: time + RECEIVE_DELAY_MS, source: 'notify_external' as const};
      });
      const summary = ingester.ingest(deliveries);
      if (summary.queued !== deliveries.length) throw new BenchError(`queueing: ${deliveries.length} notifications gave ${JSON.stringify(summary)}`);
    }
    catalog.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    catalog.close();
  }
  return performance.now() - start;
}

interface People {
  users: number;
  groups: number;
  addMs: number;
}

/** The users as people in the lab's directory (ou=People, as test/harness/ldap.ts makes them), and ten teams. */
async function addPeople(ldap: StartedLdap, users: number): Promise<People> {
  const admin = new Client({url: ldap.url, timeout: LDAP_TIMEOUT_MS});
  const start = performance.now();
  const teams = 10;
  try {
    await admin.bind(ldap.bindDn, ldap.password);
    const dn = (i: number) => `uid=${userLogin(i)},${ldap.peopleDn}`;
    for (let i = 0; i < users; i += LDAP_ADD_PARALLEL) {
      await Promise.all(
        Array.from({length: Math.min(LDAP_ADD_PARALLEL, users - i)}, (_, k) => {
          const n = i + k;
          const uid = userLogin(n);
          return admin.add(dn(n), {
            objectClass: ['inetOrgPerson', 'bonnieMailRecipient'],
            uid,
            cn: `User ${String(n).padStart(4, '0')}`,
            givenName: 'User',
            sn: String(n).padStart(4, '0'),
            mail: `${uid}@${MAIL_DOMAIN}`,
            ...(n % 5 === 0 ? {mailAlternateAddress: [`u${String(n).padStart(4, '0')}@${MAIL_DOMAIN}`]} : {}),
          });
        }),
      );
    }
    for (let t = 0; t < teams; t++) {
      const members = Array.from({length: users}, (_, i) => i).filter((i) => i % teams === t).map(dn);
      await admin.add(`cn=team${t},${ldap.groupsDn}`, {objectClass: 'groupOfNames', cn: `team${t}`, member: members});
    }
  } finally {
    await admin.unbind().catch(() => undefined);
  }
  return {users, groups: teams, addMs: performance.now() - start};
}

// ---------------------------------------------------------------------------------------------------------
// The workers: one process per measured run

type Variant = 'ceiling' | 'none' | 'dlp' | 'ldap' | 'cli';

/** Variant e's rule file: every behaviour rule, with the defaults an administrator would start from. */
const DLP_BEHAVIOUR_RULES = `rules:
  - {name: mass-delete, severity: high, condition: {behaviour: mass_delete, min_count: 50, within: 1m}}
  - {name: mass-read, severity: medium, condition: {behaviour: mass_read, min_count: 500, within: 10m}}
  - {name: public-folder, severity: medium, condition: {behaviour: shared_to_anyone}}
  - {name: new-address, severity: low, condition: {behaviour: new_client_address}}
  - {name: emptied, severity: high, condition: {behaviour: emptied_before_delete, within: 1h, min_count: 10, min_fraction: 0.5}}
`;

interface WorkerSpec {
  variant: Variant;
  catalog: string;
  spillDir: string;
  events: number;
  tranche: number;
  batchJobs: number | undefined;
  ldap: LdapSettings | undefined;
  timeStatements: boolean;
  /** Variant e: the DLP rule file. */
  dlpRules?: string | undefined;
}

interface Tranche {
  upTo: number;
  seconds: number;
  eventsPerSecond: number;
  rssEndMb: number;
  rssPeakMb: number;
  heapUsedMb: number;
  /** V8's heap as reserved: RSS minus this and external is SQLite, malloc and code. */
  heapTotalMb: number;
  /** Memory of Buffers and other objects held outside V8's heap. */
  externalMb: number;
}

interface StatementTime {
  sql: string;
  calls: number;
  ms: number;
}

interface WorkerResult {
  variant: Variant;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU time (user + system) of the worker while it ran: less sensitive than wall time to other work on the machine. */
  cpuSeconds: number | null;
  /** processQueue after its last batch: closing idle sessions, the gap scan over every notification, counting. */
  tailSeconds: number | null;
  rssStartMb: number | null;
  rssEndMb: number | null;
  /** process.resourceUsage().maxRSS: the kernel's peak for the worker's whole life. */
  maxRssMb: number;
  tranches: Tranche[];
  directory: {description: string; lookups: number | null; seconds: number | null};
  summary: Pick<ProcessSummary, 'done' | 'failed' | 'dead' | 'unhandled' | 'byType' | 'sessionsClosed' | 'gaps' | 'remaining' | 'stoppedBecause' | 'dlpAlerts'> | null;
  statements: StatementTime[] | null;
  ceiling: {jsonParseSeconds: number; parseNotificationSeconds: number} | null;
  /** When processQueue ran, on the monotonic clock of CPU profiles (process.hrtime, in microseconds). */
  window: {startUs: number; endUs: number} | null;
}

const mb = (bytes: number) => round(bytes / 1048576, 1);

/** Counts and times the lookups processQueue makes (one at a time, awaited: their sum is wall time). */
class TimedDirectory implements Directory {
  lookups = 0;
  ms = 0;

  constructor(private readonly inner: Directory) {}

  get description(): string {
    return this.inner.description;
  }

  async lookUp(login: string): Promise<DirectoryPerson | undefined> {
    this.lookups++;
    const start = performance.now();
    try {
      return await this.inner.lookUp(login);
    } finally {
      this.ms += performance.now() - start;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Wraps better-sqlite3's Statement methods to time every execution by SQL text (BEGIN, COMMIT, SAVEPOINT included). */
function timeStatements(db: Db): Map<string, {calls: number; ns: bigint}> {
  const times = new Map<string, {calls: number; ns: bigint}>();
  const prototype = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, unknown>;
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = prototype[method] as (...args: unknown[]) => unknown;
    prototype[method] = function timed(this: {source: string}, ...args: unknown[]) {
      const start = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const entry = times.get(this.source) ?? {calls: 0, ns: 0n};
        entry.calls++;
        entry.ns += process.hrtime.bigint() - start;
        times.set(this.source, entry);
      }
    };
  }
  return times;
}

async function runWorker(specFile: string): Promise<number> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as WorkerSpec;
  const result = spec.variant === 'ceiling' ? await ceiling(spec) : await drain(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

/** The ceiling: what reading and parsing every notification costs, with nothing recorded. */
async function ceiling(spec: WorkerSpec): Promise<WorkerResult> {
  await import('../dist/lib/cli/schema.js'); // the catalog's schema, as bonnie's entry points set it
  const {openCatalog} = await import('../dist/lib/base/catalog/catalog.js');
  const {parseNotification} = await import('../dist/lib/core/event/parse.js');
  const catalog = openCatalog(spec.catalog, {readOnly: true});
  const rssStart = process.memoryUsage.rss();
  const select = catalog.db.prepare<[], {raw: Buffer}>('SELECT raw FROM notification ORDER BY id');
  const time = (use: (text: string) => unknown) => {
    const start = performance.now();
    let n = 0;
    for (const row of select.iterate()) {
      use(row.raw.toString('utf8'));
      n++;
    }
    if (n !== spec.events) throw new BenchError(`the catalog holds ${n} notifications, expected ${spec.events}`);
    return (performance.now() - start) / 1000;
  };
  const jsonParseSeconds = time((text) => JSON.parse(text));
  const parseNotificationSeconds = time((text) => parseNotification(text));
  catalog.close();
  return {
    variant: 'ceiling',
    events: spec.events,
    seconds: round(jsonParseSeconds, 3),
    eventsPerSecond: round(spec.events / jsonParseSeconds, 0),
    cpuSeconds: null,
    tailSeconds: 0,
    rssStartMb: mb(rssStart),
    rssEndMb: mb(process.memoryUsage.rss()),
    maxRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    tranches: [],
    directory: {description: 'none', lookups: 0, seconds: 0},
    summary: null,
    statements: null,
    ceiling: {jsonParseSeconds: round(jsonParseSeconds, 3), parseNotificationSeconds: round(parseNotificationSeconds, 3)},
    window: null,
  };
}

/** processQueue to completion, with the rate and RSS of every tranche. */
async function drain(spec: WorkerSpec): Promise<WorkerResult> {
  await import('../dist/lib/cli/schema.js'); // the catalog's schema, as bonnie's entry points set it
  const {openCatalog} = await import('../dist/lib/base/catalog/catalog.js');
  const {processQueue} = await import('../dist/lib/pipeline/process/engine.js');
  const {createDirectory, NoDirectory} = await import('../dist/lib/sources/directory/index.js');
  const catalog = openCatalog(spec.catalog);
  const directory = new TimedDirectory(spec.variant === 'ldap' ? createDirectory({ldap: spec.ldap}) : new NoDirectory());
  const dlpRules = spec.dlpRules === undefined ? undefined : (await import('../dist/lib/pipeline/dlp/rules.js')).RuleSet.load(spec.dlpRules);
  const statements = spec.timeStatements ? timeStatements(catalog.db) : undefined;
  const tranches: Tranche[] = [];
  const rssStart = process.memoryUsage.rss();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let lastBatch = start;
  let trancheStart = start;
  let trancheFrom = 0;
  let tranchePeak = 0;
  let summary: ProcessSummary;
  let end: number;
  let endUs: number;
  let cpu: NodeJS.CpuUsage;
  try {
    summary = await processQueue(catalog, directory, {
      spillDir: spec.spillDir,
      maxAttempts: 5,
      ...(spec.batchJobs === undefined ? {} : {batchJobs: spec.batchJobs}),
      ...(dlpRules === undefined ? {} : {dlpRules}),
      onProgress: ({processed}) => {
        const now = performance.now();
        const {rss, heapUsed, heapTotal, external} = process.memoryUsage();
        lastBatch = now;
        tranchePeak = Math.max(tranchePeak, rss);
        if (processed < (tranches.length + 1) * spec.tranche && processed < spec.events) return;
        const seconds = (now - trancheStart) / 1000;
        tranches.push({upTo: processed, seconds: round(seconds, 3), eventsPerSecond: round((processed - trancheFrom) / seconds, 0), rssEndMb: mb(rss), rssPeakMb: mb(tranchePeak), heapUsedMb: mb(heapUsed), heapTotalMb: mb(heapTotal), externalMb: mb(external)});
        [trancheStart, trancheFrom, tranchePeak] = [now, processed, 0];
      },
    });
    // Before closing: closing the catalog checkpoints its WAL, which is not processing.
    end = performance.now();
    endUs = Number(process.hrtime.bigint() / 1000n);
    cpu = process.cpuUsage(cpuStart);
  } finally {
    await directory.close();
    catalog.close();
  }
  const seconds = (end - start) / 1000;
  return {
    variant: spec.variant,
    events: spec.events,
    seconds: round(seconds, 3),
    eventsPerSecond: round(spec.events / seconds, 0),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 3),
    tailSeconds: round((end - lastBatch) / 1000, 3),
    rssStartMb: mb(rssStart),
    rssEndMb: mb(process.memoryUsage.rss()),
    maxRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
    tranches,
    directory: {description: directory.description, lookups: directory.lookups, seconds: round(directory.ms / 1000, 3)},
    summary: {
      done: summary.done,
      failed: summary.failed,
      dead: summary.dead,
      unhandled: summary.unhandled,
      byType: summary.byType,
      sessionsClosed: summary.sessionsClosed,
      gaps: summary.gaps,
      remaining: summary.remaining,
      stoppedBecause: summary.stoppedBecause,
      dlpAlerts: summary.dlpAlerts,
    },
    statements:
      statements === undefined
        ? null
        : [...statements]
            .map(([sql, t]) => ({sql: sql.replace(/\s+/g, ' ').replace(/\t/g, '\\t').trim(), calls: t.calls, ms: round(Number(t.ns) / 1e6, 1)}))
            .sort((x, y) => y.ms - x.ms),
    ceiling: null,
    window: {startUs, endUs},
  };
}

interface Sampled {
  result: WorkerResult;
  /** The highest VmRSS this process read from /proc every 100 ms. */
  sampledPeakMb: number;
  samples: number;
  cpuProfile: string | undefined;
}

interface Spawned {
  stdout: string;
  wallMs: number;
  peakRssKb: number;
  /** VmHWM, the kernel's peak RSS, as last read before the process exited. */
  highWaterKb: number;
  /** utime + stime from /proc/<pid>/stat as last read before the process exited (up to 100 ms short). */
  cpuSeconds: number;
  samples: number;
  pid: number;
}

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every Linux architecture in use). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Runs a process to completion (it must exit 0) while sampling its RSS from /proc. */
async function spawnSampled(what: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Spawned> {
  const start = performance.now();
  const child = spawn(argv[0] as string, argv.slice(1), {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit']});
  const pid = child.pid as number;
  workers.add(pid);
  let peakRssKb = 0;
  let highWaterKb = 0;
  let cpuTicks = 0;
  let samples = 0;
  const sample = () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the parenthesised command name: state is field 3, utime and stime fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks = Math.max(cpuTicks, Number(fields[11]) + Number(fields[12]));
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peakRssKb = Math.max(peakRssKb, Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      highWaterKb = Math.max(highWaterKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      samples++;
    } catch {
      // It has exited.
    }
  };
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  const out: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => out.push(data));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  }).finally(() => {
    clearInterval(timer);
    workers.delete(pid);
  });
  if (code !== 0) throw new BenchError(`${what} failed (${signal ?? `exit status ${code}`})`);
  return {stdout: Buffer.concat(out).toString('utf8'), wallMs: performance.now() - start, peakRssKb, highWaterKb, cpuSeconds: cpuTicks / CLOCK_TICKS_PER_SECOND, samples, pid};
}

/** Runs one worker (this file with --worker) in its own process. */
async function spawnWorker(spec: WorkerSpec, dir: string, cpuProfileDir?: string): Promise<Sampled> {
  const specFile = join(dir, `worker-${spec.variant}-${spec.events}${spec.timeStatements ? '-statements' : ''}${cpuProfileDir === undefined ? '' : '-cpu'}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const profiling = cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir];
  const run = await spawnSampled(`the ${spec.variant} worker`, [process.execPath, ...process.execArgv, ...profiling, SELF, '--worker', specFile]);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as WorkerResult;
  // One profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>): tsx's loader hooks run in a thread of their own; the work is on the main thread, 0.
  const mainThread = new RegExp(`\\.${run.pid}\\.0\\.\\d+\\.cpuprofile$`);
  const cpuProfile = cpuProfileDir === undefined ? undefined : readdirSync(cpuProfileDir).filter((f) => mainThread.test(f)).map((f) => join(cpuProfileDir, f)).at(-1);
  return {result, sampledPeakMb: round(run.peakRssKb / 1024, 1), samples: run.samples, cpuProfile};
}

/**
 * `bonnie process --json` itself (bin/run.js, dist/, no tsx), configured the way an administrator would:
 * the ldap_* keys from the environment, no configuration file. Its wall time includes node's and oclif's
 * start-up; its memory is that of the real command.
 */
async function runCommandLine(catalog: string, ldap: LdapSettings, events: number): Promise<Sampled> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BONNIE_')));
  Object.assign(env, {
    BONNIE_CONFIG: '/dev/null',
    BONNIE_LDAP_URL: ldap.url,
    BONNIE_LDAP_BIND_DN: ldap.bindDn,
    BONNIE_LDAP_PASSWORD_FILE: ldap.passwordFile,
    BONNIE_LDAP_BASE_DN: ldap.baseDn,
    BONNIE_LDAP_CACHE_TTL: `${ldap.cacheTtlMs / 1000}s`,
  });
  const run = await spawnSampled('bonnie process', [process.execPath, join(ROOT, 'bin', 'run.js'), 'process', '--catalog', catalog, '--json'], env);
  const summary = JSON.parse(run.stdout) as ProcessSummary;
  const seconds = run.wallMs / 1000;
  const result: WorkerResult = {
    variant: 'cli',
    events,
    seconds: round(seconds, 3),
    eventsPerSecond: round(events / seconds, 0),
    cpuSeconds: round(run.cpuSeconds, 2),
    tailSeconds: null,
    rssStartMb: null,
    rssEndMb: null,
    maxRssMb: round(run.highWaterKb / 1024, 1),
    tranches: [],
    directory: {description: `${ldap.url} (${ldap.idAttribute})`, lookups: null, seconds: null},
    summary,
    statements: null,
    ceiling: null,
    window: null,
  };
  return {result, sampledPeakMb: round(run.peakRssKb / 1024, 1), samples: run.samples, cpuProfile: undefined};
}

// ---------------------------------------------------------------------------------------------------------
// Checking the record

interface RecordCounts {
  jobs: Record<string, number>;
  sessions: number;
  sessionsWithLogin: number;
  sessionsLoggedOut: number;
  people: number;
  peopleFromDirectory: number;
  personVersions: number;
  folders: number;
  folderVersions: number;
  messages: number;
  placements: number;
  placementsFirstSeen: number;
  placementsRemoved: number;
  transfers: number;
  transfersWithSource: number;
  changes: number;
  changesByAction: Record<string, number>;
  gapsOpen: number;
  chain: {checked: number; pending: number; firstProblem: unknown};
}

async function countRecord(path: string): Promise<RecordCounts> {
  await import('../dist/lib/cli/schema.js'); // the catalog's schema, as bonnie's entry points set it
  const {openCatalog} = await import('../dist/lib/base/catalog/catalog.js');
  const {verifyChain} = await import('../dist/lib/pipeline/process/chain.js');
  const catalog = openCatalog(path, {readOnly: true});
  try {
    const {db} = catalog;
    const n = (sql: string) => (db.prepare(sql).get() as {n: number}).n;
    const grouped = (sql: string) => Object.fromEntries((db.prepare(sql).all() as Array<{k: string; n: number}>).map((r) => [r.k, r.n]));
    return {
      jobs: grouped('SELECT state AS k, count(*) AS n FROM job GROUP BY state'),
      sessions: n('SELECT count(*) AS n FROM session'),
      sessionsWithLogin: n('SELECT count(*) AS n FROM session WHERE login_at IS NOT NULL'),
      sessionsLoggedOut: n("SELECT count(*) AS n FROM session WHERE closed_by = 'logout'"),
      people: n('SELECT count(*) AS n FROM person'),
      peopleFromDirectory: n('SELECT count(DISTINCT person_id) AS n FROM person_version WHERE dn IS NOT NULL'),
      personVersions: n('SELECT count(*) AS n FROM person_version'),
      folders: n('SELECT count(*) AS n FROM folder'),
      folderVersions: n('SELECT count(*) AS n FROM folder_version'),
      messages: n('SELECT count(*) AS n FROM message'),
      placements: n('SELECT count(*) AS n FROM placement'),
      placementsFirstSeen: n("SELECT count(*) AS n FROM placement WHERE origin = 'first-seen'"),
      placementsRemoved: n('SELECT count(*) AS n FROM placement WHERE removed_at IS NOT NULL'),
      transfers: n("SELECT count(*) AS n FROM placement WHERE origin IN ('copied', 'moved')"),
      transfersWithSource: n("SELECT count(*) AS n FROM placement WHERE origin IN ('copied', 'moved') AND source_placement_id IS NOT NULL"),
      changes: n('SELECT count(*) AS n FROM change'),
      changesByAction: grouped('SELECT action AS k, count(*) AS n FROM change GROUP BY action ORDER BY n DESC'),
      gapsOpen: n("SELECT count(*) AS n FROM gap WHERE state = 'open'"),
      chain: verifyChain(db),
    };
  } finally {
    catalog.close();
  }
}

/** What makes the figures untrustworthy: the record is not what the events say it must be. */
function problemsOf(label: string, counts: RecordCounts, run: WorkerResult, expected: Expected, withDirectory: boolean): string[] {
  const problems: string[] = [];
  const check = (what: string, actual: unknown, wanted: unknown) => {
    if (actual !== wanted) problems.push(`${label}: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  const s = run.summary;
  check('jobs by state', JSON.stringify(counts.jobs), JSON.stringify({done: expected.events}));
  check('done', s?.done, expected.events);
  check('failed + dead', (s?.failed ?? 0) + (s?.dead ?? 0), 0);
  check('stopped because', s?.stoppedBecause, null);
  check('unhandled types', JSON.stringify(s?.unhandled), '{}');
  check('sessions', counts.sessions, expected.sessions);
  check('people', counts.people, expected.people);
  if (withDirectory) check('people found in LDAP', counts.peopleFromDirectory, expected.peopleInDirectory);
  check('folders', counts.folders, expected.folders);
  check('messages', counts.messages, expected.messages);
  check('placements', counts.placements, expected.placements);
  check('placements first seen (a flag change, trash or expunge that did not find its message)', counts.placementsFirstSeen, 0);
  check('copies and moves', counts.transfers, expected.lineage);
  check('copies and moves linked to their source', counts.transfersWithSource, expected.lineage);
  check('open gaps', counts.gapsOpen, 0);
  check('evidence chain links checked', counts.chain.checked, expected.events);
  check('evidence chain problem', counts.chain.firstProblem, null);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by file; native and built-in frames charged to the nearest caller with a file. */
  byFile: Array<{place: string; ms: number}>;
  /** Self time by function; a native frame (better-sqlite3's run/get/all, JSON.parse...) named with its caller. */
  byFunction: Array<{fn: string; ms: number}>;
}

function placeOf(url: string): string | undefined {
  if (url === '') return undefined;
  if (url.includes('/node_modules/')) {
    const parts = (url.split('/node_modules/').pop() as string).split('/');
    return `package ${(parts[0] as string).startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  if (url.startsWith('node:')) return 'node: built-in modules';
  return url;
}

/** Summarises the samples taken while processQueue ran (`window`), not the worker's start-up. */
function summarizeProfile(file: string, window: {startUs: number; endUs: number}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number};
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let at = profile.startTime;
  let windowUs = 0;
  profile.samples.forEach((id, i) => {
    // V8 stamps samples with the monotonic clock process.hrtime reads; timeDeltas[i] ends at sample i.
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.startUs || at > window.endUs) return;
    self.set(id, (self.get(id) ?? 0) + delta);
    windowUs += delta;
  });
  if (windowUs === 0) throw new BenchError(`the CPU profile ${file} has no sample while processQueue ran`);
  const caller = (id: number): ProfileNode | undefined => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const node = nodes.get(at) as ProfileNode;
      if (node.callFrame.url !== '') return node;
    }
    return undefined;
  };
  const name = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${placeOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const node = nodes.get(id) as ProfileNode;
    const {functionName, url} = node.callFrame;
    let place: string;
    let fn: string;
    if (url !== '') {
      place = placeOf(url) as string;
      fn = name(node);
    } else if (['(garbage collector)', '(program)', '(idle)', '(root)'].includes(functionName)) {
      place = functionName === '(program)' ? '(program: V8 and native code outside JS frames)' : functionName;
      fn = place;
    } else {
      const from = caller(id);
      place = from === undefined ? 'native, no caller' : (placeOf(from.callFrame.url) as string);
      fn = `${functionName || '(native)'} [native] <- ${from === undefined ? '?' : name(from)}`;
    }
    byFile.set(place, (byFile.get(place) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const top = (map: Map<string, number>, count: number) => [...map].sort((x, y) => y[1] - x[1]).slice(0, count).map(([key, us]) => [key, round(us / 1000, 1)] as const);
  return {
    file,
    totalMs: round(windowUs / 1000, 1),
    byFile: top(byFile, 20).map(([place, ms]) => ({place, ms})),
    byFunction: top(byFunction, 30).map(([fn, ms]) => ({fn, ms})),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Output

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const thousands = (value: number) => Math.round(value).toLocaleString('en');

interface Result {
  type: 'benchmark';
  name: 'process';
  node: string;
  cpus: number;
  fileSystem: string;
  loadAverage: number[];
  events: number;
  users: number;
  seed: number;
  batchJobs: number;
  generated: Expected & {seconds: number; queueSeconds: number};
  ldap: {url: string; people: number; groups: number; cacheTtlMs: number; addSeconds: number};
  variants: Array<WorkerResult & {label: string; sampledPeakMb: number; rssSamples: number}>;
  records: {none: RecordCounts; ldap: RecordCounts; cli: RecordCounts};
  ratios: {ldapOverNone: number; ldapOverCeiling: number; dlpOverNone: number; rss100Over10: {none: number; ldap: number}};
  /** Variant e: the DLP alerts the behaviour rules raised, and the issue's target for e/b. */
  dlp: {alerts: number; minRatio: number; result: 'PASS' | 'MISS'};
  target: {variant: 'ldap'; minEventsPerSecond: number; eventsPerSecond: number; result: 'PASS' | 'MISS'};
  profile?: {events: number; cpu: ProfileSummary; statements: StatementTime[]; statementsRun: {seconds: number; sqlSeconds: number}};
  workDir?: string;
}

function renderTable(r: Result): string {
  const lines: string[] = [];
  const g = r.generated;
  lines.push(
    `bench/process: ${thousands(r.events)} events from the specimens (${r.users} users, ${thousands(g.folders)} folders, ${thousands(g.messages)} messages, ${thousands(g.sessions)} sessions; seed ${r.seed}), batches of ${r.batchJobs} jobs; node ${r.node}, ${r.cpus} CPUs, catalog on ${r.fileSystem}`,
  );
  lines.push(`events: ${Object.entries(g.byType).sort((x, y) => y[1] - x[1]).map(([type, n]) => `${type} ${n}`).join(', ')}`);
  lines.push('');
  const header = ['', 'events/s', 'seconds', 'vs b', 'CPU s', 'RSS start', 'RSS @10%', 'RSS @100%', 'peak (100 ms)', 'maxRSS MB'];
  const rows = r.variants.map((v) => {
    const first = v.tranches[0];
    const last = v.tranches.at(-1);
    return [
      v.label,
      thousands(v.eventsPerSecond),
      v.seconds.toFixed(2),
      (v.eventsPerSecond / (r.variants.find((x) => x.variant === 'none')?.eventsPerSecond ?? 1)).toFixed(2),
      v.cpuSeconds?.toFixed(2) ?? '-',
      v.rssStartMb?.toFixed(0) ?? '-',
      first === undefined ? '-' : first.rssEndMb.toFixed(0),
      last === undefined ? '-' : last.rssEndMb.toFixed(0),
      v.sampledPeakMb.toFixed(0),
      v.maxRssMb.toFixed(0),
    ];
  });
  const ceiling = r.variants.find((v) => v.variant === 'ceiling')?.ceiling;
  if (ceiling) rows.splice(1, 0, ["a'. ceiling: read + parseNotification", thousands(r.events / ceiling.parseNotificationSeconds), ceiling.parseNotificationSeconds.toFixed(2), '', '', '', '', '', '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  lines.push(line(header), ...rows.map(line));
  lines.push('CPU s: user + system time of the run (b, c: of processQueue; d: of the whole command), which other work on the machine disturbs less than wall time.');
  lines.push('RSS in MB: at the start of processQueue, at the end of the first and the last tenth of the backlog, the peak sampled from /proc every 100 ms, and the kernel\'s maxRSS.');
  lines.push('');
  const drained = r.variants.filter((v) => v.tranches.length > 0);
  lines.push('per tenth of the backlog: events/s | RSS at its end | V8 heap used / reserved | external (MB)');
  const tenth = ['', ...(drained[0]?.tranches ?? []).map((t) => `${Math.round((t.upTo / r.events) * 100)}%`)];
  const trancheRows = drained.flatMap((v) => [
    [`${v.label.split(':')[0]} events/s`, ...v.tranches.map((t) => thousands(t.eventsPerSecond))],
    [`${v.label.split(':')[0]} RSS`, ...v.tranches.map((t) => t.rssEndMb.toFixed(0))],
    [`${v.label.split(':')[0]} heap`, ...v.tranches.map((t) => `${t.heapUsedMb.toFixed(0)}/${t.heapTotalMb.toFixed(0)}`)],
    [`${v.label.split(':')[0]} external`, ...v.tranches.map((t) => t.externalMb.toFixed(0))],
  ]);
  const tw = tenth.map((h, i) => Math.max(h.length, ...trancheRows.map((row) => (row[i] ?? '').length)));
  const tline = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(tw[i] as number) : c.padStart(tw[i] as number))).join(' ');
  lines.push(tline(tenth), ...trancheRows.map(tline));
  for (const v of drained) lines.push(`${v.label.split(':')[0]} after the last batch (idle sessions, gap scan of every notification): ${(v.tailSeconds ?? 0).toFixed(2)} s; directory: ${v.directory.lookups} lookups, ${(v.directory.seconds ?? 0).toFixed(2)} s awaited (${v.directory.description})`);
  lines.push('');
  const rec = (c: RecordCounts) =>
    `${thousands(c.jobs.done ?? 0)} jobs done; sessions ${thousands(c.sessions)} (${thousands(c.sessionsWithLogin)} with Login, ${thousands(c.sessionsLoggedOut)} logged out); people ${c.people} (${c.peopleFromDirectory} from LDAP, ${c.personVersions} versions); folders ${thousands(c.folders)} (${thousands(c.folderVersions)} versions); messages ${thousands(c.messages)}; placements ${thousands(c.placements)} (${thousands(c.transfersWithSource)}/${thousands(c.transfers)} copies+moves linked, ${c.placementsFirstSeen} first-seen, ${thousands(c.placementsRemoved)} removed); changes ${thousands(c.changes)}; open gaps ${c.gapsOpen}; chain ${thousands(c.chain.checked)} links sound`;
  lines.push(`record b: ${rec(r.records.none)}`);
  lines.push(`record c: ${rec(r.records.ldap)}`);
  lines.push(`record d: ${rec(r.records.cli)}`);
  lines.push(`changes c: ${Object.entries(r.records.ldap.changesByAction).map(([a, n]) => `${a} ${n}`).join(', ')}`);
  lines.push(`queueing the events (Ingester, not measured): ${g.queueSeconds.toFixed(1)} s; ${r.ldap.people} people and ${r.ldap.groups} groups added to slapd at ${r.ldap.url}`);
  lines.push(`load average (1 min) at start and end: ${r.loadAverage.join(' / ')}: other work on the machine skews every figure`);
  lines.push('');
  lines.push(`c/b (LDAP / no LDAP) = ${r.ratios.ldapOverNone.toFixed(3)}; c/a (LDAP / ceiling) = ${r.ratios.ldapOverCeiling.toFixed(3)}; RSS @100% / @10%: b ${r.ratios.rss100Over10.none.toFixed(2)}, c ${r.ratios.rss100Over10.ldap.toFixed(2)}`);
  lines.push(`e/b (DLP behaviour rules on / off) = ${r.ratios.dlpOverNone.toFixed(3)}, ${r.dlp.alerts} alert(s) raised: ${r.dlp.result} (target >= ${r.dlp.minRatio})`);
  lines.push(`target (c, LDAP) >= ${thousands(r.target.minEventsPerSecond)} events/s: ${r.target.result} (${thousands(r.target.eventsPerSecond)} events/s)`);
  if (r.profile) lines.push('', ...renderProfile(r.profile, r.workDir !== undefined));
  return `${lines.join('\n')}\n`;
}

function renderProfile(p: NonNullable<Result['profile']>, kept: boolean): string[] {
  const lines = [`where the time goes (--profile, ${thousands(p.events)} events with LDAP):`];
  lines.push(`  CPU profile, ${(p.cpu.totalMs / 1000).toFixed(2)} s; self time by file (native frames charged to their caller), ms:`);
  for (const {place, ms} of p.cpu.byFile) lines.push(`    ${ms.toFixed(0).padStart(7)}  ${place}`);
  lines.push('  self time by function, ms:');
  for (const {fn, ms} of p.cpu.byFunction) lines.push(`    ${ms.toFixed(0).padStart(7)}  ${fn}`);
  lines.push(`  SQL statements (a separate run, timed): ${p.statementsRun.sqlSeconds.toFixed(2)} s of ${p.statementsRun.seconds.toFixed(2)} s in SQLite; top statements:`);
  lines.push(`    ${'ms'.padStart(7)} ${'calls'.padStart(8)} ${'us/call'.padStart(8)}  sql`);
  for (const s of p.statements.slice(0, 25)) lines.push(`    ${s.ms.toFixed(0).padStart(7)} ${String(s.calls).padStart(8)} ${((s.ms * 1000) / s.calls).toFixed(1).padStart(8)}  ${s.sql.slice(0, 150)}`);
  lines.push(`  profile: ${kept ? p.cpu.file : 'rerun with --keep to keep the .cpuprofile'}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------

/** Stops what runs (slapd, a worker); also on SIGINT/SIGTERM, so that nothing outlives the benchmark. */
const workers = new Set<number>();
let directoryServer: StartedLdap | undefined;
async function cleanUp(): Promise<void> {
  for (const pid of workers) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  await directoryServer?.stop();
  directoryServer = undefined;
}

function fileSystemOf(path: string): string {
  const result = spawnSync('stat', ['-f', '-c', '%T', path], {encoding: 'utf8'});
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}

function warnIfStale(): void {
  const built = statSync(ENGINE_MODULE).mtimeMs;
  const walk = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const newer = walk(join(ROOT, 'src')).filter((file) => file.endsWith('.ts') && statSync(file).mtimeMs > built);
  if (newer.length > 0) process.stderr.write(`warning: ${newer.length} file(s) in src/ are newer than dist/ (e.g. ${relative(ROOT, newer[0] as string)}); run "npm run build" to measure the current code\n`);
}

/** One round of --dlp-rounds: b then e, on fresh copies of the same catalog. */
interface DlpRound {
  b: {eventsPerSecond: number; cpuSeconds: number | null};
  e: {eventsPerSecond: number; cpuSeconds: number | null; alerts: number};
  ratio: number;
  cpuRatio: number | null;
}

function dlpRound(b: WorkerResult, e: WorkerResult): DlpRound {
  return {
    b: {eventsPerSecond: b.eventsPerSecond, cpuSeconds: b.cpuSeconds},
    e: {eventsPerSecond: e.eventsPerSecond, cpuSeconds: e.cpuSeconds, alerts: e.summary?.dlpAlerts ?? 0},
    ratio: round(e.eventsPerSecond / b.eventsPerSecond, 3),
    cpuRatio: b.cpuSeconds === null || e.cpuSeconds === null ? null : round(b.cpuSeconds / e.cpuSeconds, 3),
  };
}

function renderDlpRounds(rounds: readonly DlpRound[], load: readonly number[]): string {
  const rows = rounds.map((r, i) => `| ${i + 1} | ${thousands(r.b.eventsPerSecond)}, ${r.b.cpuSeconds ?? '-'} | ${thousands(r.e.eventsPerSecond)}, ${r.e.cpuSeconds ?? '-'} | ${r.ratio.toFixed(2)} | ${r.cpuRatio?.toFixed(2) ?? '-'} | ${thousands(r.e.alerts)} |`);
  const sorted = rounds.map((r) => r.ratio).sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return [
    '| round | b events/s, CPU s | e events/s, CPU s | e/b events/s | b/e CPU | alerts |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `median e/b ${median.toFixed(2)} (target >= ${DLP_MIN_RATIO}: ${median >= DLP_MIN_RATIO ? 'PASS' : 'MISS'}); load ${load.join(' -> ')}`,
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--worker') return runWorker(argv[1] as string);
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench/process: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench/process: needs root (test/harness/install.sh installs slapd if missing)\n');
    return 1;
  }
  if (!existsSync(ENGINE_MODULE)) {
    process.stderr.write(`bench/process: ${relative(ROOT, ENGINE_MODULE)} is missing; run "npm run build" first\n`);
    return 1;
  }
  warnIfStale();
  // Installs slapd if missing, as the live tests' global setup does; its output must not reach stdout.
  const installed = spawnSync('bash', [INSTALL], {stdio: ['ignore', 2, 2]});
  if (installed.status !== 0) {
    process.stderr.write(`bench/process: test/harness/install.sh failed (exit ${installed.status ?? installed.signal})\n`);
    return 1;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

  mkdirSync(options.dir, {recursive: true});
  const workDir = mkdtempSync(join(options.dir, 'bonnie-bench-process-'));
  const progress = (text: string) => {
    if (!options.json && process.stderr.isTTY) process.stderr.write(`${text}\n`);
  };
  let ok = false;
  try {
    const {DEFAULT_BATCH_JOBS} = await import('../dist/lib/pipeline/process/engine.js');
    const {DEFAULT_LOGIN_FILTER} = await import('../dist/lib/sources/directory/index.js');
    const loadAtStart = round(loadavg()[0] ?? 0);
    const templates = loadTemplates(options.specimens);

    progress(`generating ${thousands(options.events)} events ...`);
    const generating = performance.now();
    const site = new Site(templates, options.users, options.seed, options.roamingLogins);
    site.run(Math.max(options.events, options.profile ? PROFILE_EVENTS : 0));
    const lines = site.lines.slice(0, options.events);
    const expected = expectations(site.facts.slice(0, options.events));
    const generatedSeconds = (performance.now() - generating) / 1000;

    progress('queueing them (Ingester) ...');
    const template = join(workDir, 'queued.db');
    const queueMs = await queueCatalog(template, lines);

    progress('starting slapd and adding the people ...');
    directoryServer = await startLdap(join(workDir, 'ldap'));
    const people = await addPeople(directoryServer, options.users);
    const passwordFile = join(workDir, 'ldap.password');
    writeFileSync(passwordFile, `${directoryServer.password}\n`, {mode: 0o600});
    const ldapSettings: LdapSettings = {
      url: directoryServer.url,
      bindDn: directoryServer.bindDn,
      passwordFile,
      passwordFileSource: 'bench/process',
      baseDn: directoryServer.baseDn,
      filter: DEFAULT_LOGIN_FILTER,
      groupFilter: undefined,
      idAttribute: 'entryUUID',
      cacheTtlMs: LDAP_CACHE_TTL_MS,
      timeoutMs: LDAP_TIMEOUT_MS,
    };

    const spec = (variant: Variant, catalog: string, events: number, timeStatements = false): WorkerSpec => ({
      variant,
      catalog,
      spillDir: join(workDir, 'spill'),
      events,
      tranche: Math.ceil(events / TRANCHES),
      batchJobs: options.batch,
      ldap: variant === 'ldap' ? ldapSettings : undefined,
      timeStatements,
      dlpRules: variant === 'dlp' ? dlpRulesFile : undefined,
    });
    const dlpRulesFile = join(workDir, 'dlp.yaml');
    writeFileSync(dlpRulesFile, DLP_BEHAVIOUR_RULES);
    const copy = (name: string, from = template) => {
      const path = join(workDir, name);
      copyFileSync(from, path);
      return path;
    };
    const labels: Record<Variant, string> = {
      ceiling: 'a. ceiling: read + JSON.parse',
      none: 'b. no LDAP: processQueue, NoDirectory',
      dlp: 'e. b + DLP: 5 behaviour rules',
      ldap: 'c. LDAP: processQueue, slapd (cached 5m)',
      cli: 'd. LDAP: bonnie process --json (CLI)',
    };
    if (options.dlpRounds > 0) {
      const rounds: DlpRound[] = [];
      for (let r = 0; r < options.dlpRounds; r++) {
        const pair: Partial<Record<'none' | 'dlp', WorkerResult>> = {};
        // b first in odd rounds, e first in even ones: neither gets the better place (a fresh copy's writeback, the load).
        for (const variant of r % 2 === 0 ? (['none', 'dlp'] as const) : (['dlp', 'none'] as const)) {
          progress(`round ${r + 1}: ${labels[variant]} ...`);
          const catalog = copy(`${variant}-${r}.db`);
          const run = await spawnWorker(spec(variant, catalog, options.events), workDir);
          const problems = problemsOf(variant, await countRecord(catalog), run.result, expected, false);
          if (problems.length > 0) throw new BenchError(`the record is not what the events say it must be:\n  ${problems.join('\n  ')}`);
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${catalog}${suffix}`, {force: true});
          pair[variant] = run.result;
        }
        rounds.push(dlpRound(pair.none as WorkerResult, pair.dlp as WorkerResult));
      }
      const load = [loadAtStart, round(loadavg()[0] ?? 0)];
      process.stdout.write(options.json ? `${JSON.stringify({type: 'benchmark', name: 'process-dlp', events: options.events, loadAverage: load, rounds})}\n` : renderDlpRounds(rounds, load));
      ok = true;
      return 0;
    }
    const variants: Result['variants'] = [];
    const catalogs: Partial<Record<Variant, string>> = {};
    for (const variant of ['ceiling', 'none', 'dlp', 'ldap', 'cli'] as const) {
      progress(`${labels[variant]} ...`);
      const catalog = variant === 'ceiling' ? template : copy(`${variant}.db`);
      catalogs[variant] = catalog;
      const run = variant === 'cli' ? await runCommandLine(catalog, ldapSettings, options.events) : await spawnWorker(spec(variant, catalog, options.events), workDir);
      variants.push({...run.result, label: labels[variant], sampledPeakMb: run.sampledPeakMb, rssSamples: run.samples});
      progress(`  ${thousands(run.result.eventsPerSecond)} events/s`);
    }

    progress('checking the records ...');
    const none = await countRecord(catalogs.none as string);
    const ldap = await countRecord(catalogs.ldap as string);
    const cli = await countRecord(catalogs.cli as string);
    const dlp = await countRecord(catalogs.dlp as string);
    const byVariant = (v: Variant) => variants.find((x) => x.variant === v) as Result['variants'][number];
    const problems = [
      ...problemsOf('b (no LDAP)', none, byVariant('none'), expected, false),
      ...problemsOf('c (LDAP)', ldap, byVariant('ldap'), expected, true),
      ...problemsOf('d (CLI)', cli, byVariant('cli'), expected, true),
      ...problemsOf('e (DLP)', dlp, byVariant('dlp'), expected, false),
    ];
    if (problems.length > 0) throw new BenchError(`the record is not what the events say it must be; the figures are not trustworthy:\n  ${problems.join('\n  ')}\n(rerun with --keep to inspect ${workDir})`);

    let profile: Result['profile'];
    if (options.profile) {
      progress(`profiling ${thousands(PROFILE_EVENTS)} events with LDAP ...`);
      const small = join(workDir, 'queued-profile.db');
      await queueCatalog(small, site.lines.slice(0, PROFILE_EVENTS));
      const cpuDir = join(workDir, 'cpu-profile');
      mkdirSync(cpuDir, {recursive: true});
      const cpuRun = await spawnWorker(spec('ldap', copy('profile-cpu.db', small), PROFILE_EVENTS), workDir, cpuDir);
      if (cpuRun.cpuProfile === undefined) throw new BenchError(`node --cpu-prof wrote no profile in ${cpuDir}`);
      const timed = await spawnWorker(spec('ldap', copy('profile-sql.db', small), PROFILE_EVENTS, true), workDir);
      const statements = timed.result.statements ?? [];
      profile = {
        events: PROFILE_EVENTS,
        cpu: summarizeProfile(cpuRun.cpuProfile, cpuRun.result.window as {startUs: number; endUs: number}),
        statements,
        statementsRun: {seconds: timed.result.seconds, sqlSeconds: round(statements.reduce((sum, s) => sum + s.ms, 0) / 1000, 2)},
      };
    }

    const [b, c, a, e] = [byVariant('none'), byVariant('ldap'), byVariant('ceiling'), byVariant('dlp')];
    const growth = (v: WorkerResult) => round((v.tranches.at(-1)?.rssEndMb ?? 0) / (v.tranches[0]?.rssEndMb ?? 1), 3);
    const result: Result = {
      type: 'benchmark',
      name: 'process',
      node: process.version,
      cpus: availableParallelism(),
      fileSystem: fileSystemOf(workDir),
      loadAverage: [loadAtStart, round(loadavg()[0] ?? 0)],
      events: options.events,
      users: options.users,
      seed: options.seed,
      batchJobs: options.batch ?? DEFAULT_BATCH_JOBS,
      generated: {...expected, seconds: round(generatedSeconds, 2), queueSeconds: round(queueMs / 1000, 2)},
      ldap: {url: directoryServer.url, people: people.users, groups: people.groups, cacheTtlMs: LDAP_CACHE_TTL_MS, addSeconds: round(people.addMs / 1000, 2)},
      variants,
      records: {none, ldap, cli},
      ratios: {ldapOverNone: round(c.eventsPerSecond / b.eventsPerSecond, 3), ldapOverCeiling: round(c.eventsPerSecond / a.eventsPerSecond, 3), dlpOverNone: round(e.eventsPerSecond / b.eventsPerSecond, 3), rss100Over10: {none: growth(b), ldap: growth(c)}},
      dlp: {alerts: e.summary?.dlpAlerts ?? 0, minRatio: DLP_MIN_RATIO, result: e.eventsPerSecond / b.eventsPerSecond >= DLP_MIN_RATIO ? 'PASS' : 'MISS'},
      target: {variant: 'ldap', minEventsPerSecond: TARGET_EVENTS_PER_SECOND, eventsPerSecond: c.eventsPerSecond, result: c.eventsPerSecond >= TARGET_EVENTS_PER_SECOND ? 'PASS' : 'MISS'},
      ...(profile ? {profile} : {}),
      ...(options.keep ? {workDir} : {}),
    };
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : renderTable(result));
    ok = true;
    return 0;
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    process.stderr.write(`bench/process: ${error.message}\n`);
    return 1;
  } finally {
    await cleanUp();
    if (options.keep || !ok) process.stderr.write(`${ok ? 'kept' : 'left for inspection'}: ${workDir}\n`);
    else rmSync(workDir, {recursive: true, force: true});
  }
}

process.exitCode = await main(process.argv.slice(2));
