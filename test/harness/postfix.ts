/**
 * Two private Postfix instances on loopback in front of the lab's Cyrus, for the live tests of queue-ID
 * chasing (issue 18: `bonnie maillog`, `bonnie trace`):
 *
 *     client --SMTP--> edge (A, mx-a.lab.test) --SMTP--> mailhub (B, mx-b.lab.test) --LMTP--> Cyrus
 *
 * - the edge relays the lab domain to the mailhub, and the dead domain to a closed port (mail for it stays
 *   deferred);
 * - the mailhub delivers the lab domain to Cyrus' LMTP (`virtual_transport`); an unknown user there is
 *   refused by Cyrus (550) and bounced by the mailhub;
 * - anything else (bounce notices to the outside senders of the tests) is discarded: nothing leaves
 *   loopback.
 *
 * Each instance has its own folder: config_directory (main.cf, master.cf), queue_directory,
 * data_directory and `maillog_file`, written by postlogd (Postfix >= 3.4): no syslog daemon is needed.
 * Started and stopped as root with `postfix -c <dir> start|stop` (as root, a config directory need not be
 * listed in /etc/postfix's alternate_config_directories; /etc/postfix needs no main.cf at all). Every
 * service runs unchrooted. Stopped by its own `postfix -c <dir> stop`, then by master's pid as a fallback,
 * never by name. `BONNIE_KEEP_LAB=1` keeps the folders.
 *
 * Needs root and Debian's postfix (test/harness/install.sh).
 */
import {chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {MAIL_DOMAIN} from './accounts.js';
import type {Endpoint} from './lab.js';
import {testMessage} from './lmtp.js';
import {dotStuffed, openReplySession, type Reply} from './reply-session.js';
import {freePorts, isAlive, mustRun, readPidFile, runCommand, stopProcess, waitUntil} from './process.js';

export interface PostfixPairOptions {
  /** Cyrus' LMTP over TCP (the lab's `lmtp`), where the mailhub delivers the lab domain. */
  lmtp: Endpoint;
  /** The domain the mailhub delivers to Cyrus. Default `lab.test`. */
  domain?: string;
  /** A domain the edge relays to a closed port, so that its mail stays deferred. Default `dead.test`. */
  deadDomain?: string;
  /** main.cf settings added to (or replacing those of) both instances. */
  mainCf?: Readonly<Record<string, string>>;
}

/** One running instance, as plain data. */
export interface PostfixInstanceInfo {
  /** `edge` (A) or `mailhub` (B). */
  role: 'edge' | 'mailhub';
  /** Its folder: etc/ (config_directory), queue/, data/, maillog. */
  dir: string;
  configDir: string;
  queueDir: string;
  /** The `maillog_file` postlogd writes. */
  maillog: string;
  /** Its SMTP listener. */
  smtp: Endpoint;
  /** `myhostname`: what it says in EHLO and the banner, and the host field of its log lines. */
  hostname: string;
  /** `syslog_name`: the program field of its log lines is `<syslogName>/<service>[pid]`. */
  syslogName: string;
  /** master's pid. */
  masterPid: number;
}

export interface PostfixInstance extends PostfixInstanceInfo {
  /** `postqueue -f`: attempts delivery of everything queued now (deferred mail included). */
  flush(): Promise<void>;
}

export interface PostfixPair {
  /** A: accepts mail from the tests and relays it. */
  edge: PostfixInstance;
  /** B: delivers the lab domain to Cyrus by LMTP. */
  mailhub: PostfixInstance;
  domain: string;
  deadDomain: string;
  /** The closed loopback port the dead domain is routed to. */
  deadPort: number;
  /** Stops both instances and removes their folders unless `BONNIE_KEEP_LAB=1`. */
  stop(): Promise<void>;
}

/** How long an instance gets to answer on its SMTP port after `postfix start`. */
const POSTFIX_START_TIMEOUT_MS = 30_000;
/** How long `postfix stop` gets before master is stopped by pid. */
const POSTFIX_STOP_TIMEOUT_MS = 15_000;
const SMTP_TIMEOUT_MS = 30_000;
/** A unix socket's path must fit in sun_path (108 bytes with the NUL); the queue's go up to `public/postlog`. */
const MAX_QUEUE_DIR_LENGTH = 80;

/**
 * Starts the edge and the mailhub. On failure whatever was started is stopped again before the error is
 * thrown.
 */
export async function startPostfixPair(options: PostfixPairOptions): Promise<PostfixPair> {
  if (process.getuid?.() !== 0) throw new Error('the Postfix lab must run as root: `postfix start` is for the superuser only');
  for (const cmd of ['/usr/sbin/postfix', '/usr/sbin/postconf', '/usr/sbin/postqueue']) {
    if (!existsSync(cmd)) throw new Error(`${cmd} is missing: run test/harness/install.sh (as root)`);
  }
  const domain = options.domain ?? MAIL_DOMAIN;
  const deadDomain = options.deadDomain ?? 'dead.test';

  // Postfix programs talk over unix sockets under queue_directory: keep the folder short even when
  // TMPDIR is long. 0755: postfix's daemons (user postfix) open files below it by absolute path.
  const base = join(tmpdir(), 'bonnie-postfix-XXXXXX').length + 20 <= MAX_QUEUE_DIR_LENGTH ? tmpdir() : '/tmp';
  const dir = mkdtempSync(join(base, 'bonnie-postfix-'));
  chmodSync(dir, 0o755);
  const started: PostfixInstance[] = [];
  const stop = async () => {
    // The edge first: it relays to the mailhub.
    for (const instance of [...started].reverse()) await stopInstance(instance);
    if (process.env.BONNIE_KEEP_LAB === '1') console.error(`bonnie postfix lab kept in ${dir}`);
    else rmSync(dir, {recursive: true, force: true});
  };

  try {
    const owner = await mailOwner();
    const [edgePort, mailhubPort, deadPort] = (await freePorts(3)) as [number, number, number];
    // Started side by side (each takes ~2 s of postfix-script checks); the edge needs only the mailhub's
    // port, known already.
    const mailhubStart = startInstance({
      role: 'mailhub',
      dir: join(dir, 'b'),
      port: mailhubPort,
      hostname: 'mx-b.lab.test',
      syslogName: 'postfix-b',
      main: {
        mydomain: domain,
        // Cyrus' lmtpd takes `user@domain` (it drops the domain: no virtdomains); it refuses unknown users
        // at RCPT with 550, which is what makes the mailhub bounce them. So the mailhub must not refuse
        // them itself: no recipient table.
        virtual_mailbox_domains: domain,
        virtual_transport: `lmtp:inet:${options.lmtp.host}:${options.lmtp.port}`,
        smtpd_reject_unlisted_recipient: 'no',
        ...options.mainCf,
      },
    }, owner);
    const edgeStart = startInstance({
      role: 'edge',
      dir: join(dir, 'a'),
      port: edgePort,
      hostname: 'mx-a.lab.test',
      syslogName: 'postfix-a',
      main: {
        mydomain: domain,
        relay_domains: `${domain}, ${deadDomain}`,
        transport_maps: `inline:{ {${domain} = smtp:[127.0.0.1]:${mailhubPort}}, {${deadDomain} = smtp:[127.0.0.1]:${deadPort}} }`,
        ...options.mainCf,
      },
    }, owner);
    const [mailhub, edge] = await Promise.allSettled([mailhubStart, edgeStart]);
    for (const result of [mailhub, edge]) if (result.status === 'fulfilled') started.push(result.value);
    if (mailhub.status === 'rejected') throw mailhub.reason;
    if (edge.status === 'rejected') throw edge.reason;
    return {edge: edge.value, mailhub: mailhub.value, domain, deadDomain, deadPort, stop};
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Postfix's mail_owner, the user `postfix` (the package creates it). */
async function mailOwner(): Promise<{uid: number; gid: number}> {
  const uid = await runCommand('id', ['-u', 'postfix']);
  const gid = await runCommand('id', ['-g', 'postfix']);
  if (uid.code !== 0 || gid.code !== 0) throw new Error('user postfix does not exist: run test/harness/install.sh (as root)');
  return {uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim())};
}

interface InstanceSpec {
  role: PostfixInstanceInfo['role'];
  dir: string;
  port: number;
  hostname: string;
  syslogName: string;
  /** main.cf settings of this role, over {@link baseMainCf}'s. */
  main: Record<string, string>;
}

/** What both instances share: loopback only, no DNS, no chroot, no local delivery, fast queue runs. */
function baseMainCf(spec: InstanceSpec, paths: {queueDir: string; dataDir: string; maillog: string}): Record<string, string> {
  return {
    compatibility_level: '3.6',
    queue_directory: paths.queueDir,
    data_directory: paths.dataDir,
    // postlogd writes here; it refuses a file outside maillog_file_prefixes (default /var, /dev/stdout).
    maillog_file: paths.maillog,
    maillog_file_prefixes: spec.dir,
    syslog_name: spec.syslogName,
    myhostname: spec.hostname,
    myorigin: '$myhostname',
    mydestination: '',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    smtpd_banner: '$myhostname ESMTP bonnie lab',
    // No DNS at all: next hops are literal [127.0.0.1]:port, and a client's name is not looked up.
    smtp_dns_support_level: 'disabled',
    lmtp_dns_support_level: 'disabled',
    smtp_host_lookup: 'native',
    lmtp_host_lookup: 'native',
    smtpd_peername_lookup: 'no',
    // Nothing is delivered locally; /etc/aliases is none of ours.
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    biff: 'no',
    append_dot_mydomain: 'no',
    // Bounce notices to the tests' outside senders (and any other domain) go nowhere.
    default_transport: 'discard:outside the bonnie lab',
    // Fast retries, so that a test sees deferred mail retried within seconds; no delay warnings.
    queue_run_delay: '1s',
    minimal_backoff_time: '2s',
    maximal_backoff_time: '10s',
    delay_warning_time: '0h',
    smtp_connect_timeout: '5s',
    ...spec.main,
  };
}

/**
 * master.cf: the services these instances use, none chrooted (a chroot would need copies of /etc files
 * in the queue folder), smtpd on the instance's own loopback port, and postlogd for `maillog_file`.
 */
function masterCf(port: number): string {
  const services: Array<[name: string, type: string, priv: string, unpriv: string, wakeup: string, maxproc: string, command: string]> = [
    [`127.0.0.1:${port}`, 'inet', 'n', '-', '-', '-', 'smtpd'],
    ['pickup', 'unix', 'n', '-', '60', '1', 'pickup'],
    ['cleanup', 'unix', 'n', '-', '-', '0', 'cleanup'],
    ['qmgr', 'unix', 'n', '-', '300', '1', 'qmgr'],
    ['rewrite', 'unix', '-', '-', '-', '-', 'trivial-rewrite'],
    ['bounce', 'unix', '-', '-', '-', '0', 'bounce'],
    ['defer', 'unix', '-', '-', '-', '0', 'bounce'],
    ['trace', 'unix', '-', '-', '-', '0', 'bounce'],
    ['verify', 'unix', '-', '-', '-', '1', 'verify'],
    ['flush', 'unix', 'n', '-', '1000?', '0', 'flush'],
    ['proxymap', 'unix', '-', '-', '-', '-', 'proxymap'],
    ['proxywrite', 'unix', '-', '-', '-', '1', 'proxymap'],
    ['smtp', 'unix', '-', '-', '-', '-', 'smtp'],
    ['relay', 'unix', '-', '-', '-', '-', 'smtp'],
    ['showq', 'unix', 'n', '-', '-', '-', 'showq'],
    ['error', 'unix', '-', '-', '-', '-', 'error'],
    ['retry', 'unix', '-', '-', '-', '-', 'error'],
    ['discard', 'unix', '-', '-', '-', '-', 'discard'],
    ['lmtp', 'unix', '-', '-', '-', '-', 'lmtp'],
    ['anvil', 'unix', '-', '-', '-', '1', 'anvil'],
    ['scache', 'unix', '-', '-', '-', '1', 'scache'],
    ['postlog', 'unix-dgram', 'n', '-', '-', '1', 'postlogd'],
  ];
  const lines = services.map(([name, type, priv, unpriv, wakeup, maxproc, command]) => [name, type, priv, unpriv, 'n', wakeup, maxproc, command].join('\t'));
  return `# bonnie lab (test/harness/postfix.ts)\n# service\ttype\tprivate\tunpriv\tchroot\twakeup\tmaxproc\tcommand\n${lines.join('\n')}\n`;
}

async function startInstance(spec: InstanceSpec, owner: {uid: number; gid: number}): Promise<PostfixInstance> {
  const configDir = join(spec.dir, 'etc');
  const queueDir = join(spec.dir, 'queue');
  const dataDir = join(spec.dir, 'data');
  const maillog = join(spec.dir, 'maillog');
  if (Buffer.byteLength(queueDir) > MAX_QUEUE_DIR_LENGTH) throw new Error(`postfix folder ${queueDir} is too deep for unix sockets: set TMPDIR to a shorter path`);
  mkdirSync(configDir, {recursive: true, mode: 0o755});
  // `postfix start` creates the queue's subfolders with their owners (post-install create-missing) in a
  // queue folder that belongs to root; data_directory (master.lock) must belong to mail_owner.
  mkdirSync(queueDir, {mode: 0o755});
  mkdirSync(dataDir, {mode: 0o700});
  chownSync(dataDir, owner.uid, owner.gid);
  const main = baseMainCf(spec, {queueDir, dataDir, maillog});
  writeFileSync(join(configDir, 'main.cf'), `# bonnie lab (test/harness/postfix.ts): ${spec.role}\n${Object.entries(main).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`, {mode: 0o644});
  writeFileSync(join(configDir, 'master.cf'), masterCf(spec.port), {mode: 0o644});

  // postfix runs its scripts with this environment only: nothing of the test runner's leaks in.
  const env: NodeJS.ProcessEnv = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C'};
  // postfix tells why it failed only on a terminal or in its log.
  const start = await runCommand('/usr/sbin/postfix', ['-c', configDir, 'start'], {env});
  if (start.code !== 0) {
    const log = existsSync(maillog) ? readFileSync(maillog, 'utf8') : '(no maillog)';
    throw new Error(`postfix -c ${configDir} start failed (exit status ${start.code}):\n${start.stderr}${log}`);
  }
  const pidFile = join(queueDir, 'pid', 'master.pid');
  await waitUntil(`postfix (${spec.role}) to write ${pidFile}`, () => readPidFile(pidFile) !== undefined, POSTFIX_START_TIMEOUT_MS);
  const masterPid = readPidFile(pidFile) as number;
  const info: PostfixInstanceInfo = {
    role: spec.role,
    dir: spec.dir,
    configDir,
    queueDir,
    maillog,
    smtp: {host: '127.0.0.1', port: spec.port},
    hostname: spec.hostname,
    syslogName: spec.syslogName,
    masterPid,
  };
  const instance: PostfixInstance = {...info, flush: async () => void (await mustRun('/usr/sbin/postqueue', ['-c', configDir, '-f'], {env}))};
  try {
    // A whole session (EHLO, QUIT), not just a connection: a client that hangs up at once leaves
    // `lost connection after CONNECT` in the log.
    const answers = () => smtpSession(info.smtp, async () => true).catch(() => false);
    await waitUntil(`postfix (${spec.role}) to answer SMTP on 127.0.0.1:${spec.port}`, answers, POSTFIX_START_TIMEOUT_MS, 100);
  } catch (error) {
    await stopInstance(instance);
    throw error;
  }
  return instance;
}

/** `postfix stop` (master stops its children and exits), then master by pid if it is still there. */
async function stopInstance(instance: PostfixInstanceInfo): Promise<void> {
  if (!isAlive(instance.masterPid)) return;
  await runCommand('/usr/sbin/postfix', ['-c', instance.configDir, 'stop'], {env: {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C'}});
  await waitUntil(`postfix master (pid ${instance.masterPid}) to exit`, () => !isAlive(instance.masterPid), POSTFIX_STOP_TIMEOUT_MS, 50).catch(() => undefined);
  // Debian's master runs as /usr/lib/postfix/sbin/master: its comm is `master`.
  await stopProcess(instance.masterPid, 'master');
}

export interface SmtpMessage {
  /** The SMTP server (an instance's `smtp`). */
  port: number;
  host?: string;
  /** Envelope sender (`MAIL FROM`), also the From: header. */
  from: string;
  /** Envelope recipients; the first is also the To: header. */
  to: string[];
  /** Without angle brackets. */
  messageId: string;
  subject: string;
  body?: string;
}

export interface SmtpResult {
  /** The queue ID the server announced after DATA (`250 2.0.0 Ok: queued as <id>`); undefined if none. */
  queueId: string | undefined;
  /** Recipients accepted at RCPT. */
  accepted: string[];
  /** Recipients refused at RCPT, with the reply. */
  rejected: Array<{recipient: string; code: number; text: string}>;
}

/** A reply of an SMTP server (RFC 5321 section 4.2); multi-line texts are joined with newlines. */
type SmtpReply = Reply;

interface SmtpConversation {
  /** Sends one command line (without CRLF) and waits for its reply. */
  send(line: string): Promise<SmtpReply>;
  /** Like send, but throws unless the reply has this code. */
  expect(line: string, code: number): Promise<SmtpReply>;
}

/**
 * One SMTP session: greeting, EHLO, then `talk`, then QUIT. Throws if the greeting, EHLO or the session
 * itself fails.
 */
async function smtpSession<T>(server: Endpoint, talk: (smtp: SmtpConversation) => Promise<T>): Promise<T> {
  const session = openReplySession(server, 'SMTP', SMTP_TIMEOUT_MS);
  const reply = () => session.reply();
  const check = (what: string, r: SmtpReply, code: number) => {
    if (r.code !== code) throw new Error(`SMTP ${what} refused by ${server.host}:${server.port}: ${r.code} ${r.text}`);
    return r;
  };
  const send = async (line: string) => {
    session.write(line);
    return reply();
  };
  const smtp: SmtpConversation = {send, expect: async (line, code) => check(line.split(/[ :]/)[0] as string, await send(line), code)};

  try {
    check('greeting', await reply(), 220);
    await smtp.expect('EHLO client.lab.test', 250);
    const result = await talk(smtp);
    await send('QUIT').catch(() => undefined);
    return result;
  } finally {
    session.close();
  }
}

/**
 * Sends one message over SMTP (RFC 5321) with a minimal client: EHLO, MAIL, RCPT for each recipient,
 * DATA (dot-stuffed), QUIT. A recipient refused at RCPT is reported, not thrown; any other refusal throws.
 */
export async function sendMail(message: SmtpMessage): Promise<SmtpResult> {
  return smtpSession({host: message.host ?? '127.0.0.1', port: message.port}, async (smtp) => {
    await smtp.expect(`MAIL FROM:<${message.from}>`, 250);
    const result: SmtpResult = {queueId: undefined, accepted: [], rejected: []};
    for (const recipient of message.to) {
      const r = await smtp.send(`RCPT TO:<${recipient}>`);
      if (r.code === 250 || r.code === 251) result.accepted.push(recipient);
      else result.rejected.push({recipient, ...r});
    }
    if (result.accepted.length === 0) return result;
    await smtp.expect('DATA', 354);
    const text = testMessage({from: message.from, to: message.to.join(', '), subject: message.subject, messageId: message.messageId, body: message.body});
    const r = await smtp.expect(`${dotStuffed(text)}\r\n.`, 250);
    result.queueId = /queued as ([0-9A-Za-z]+)/.exec(r.text)?.[1];
    return result;
  });
}

/** The lines of a maillog that match `pattern`, in order (none when the file does not exist yet). */
export function logLines(file: string, pattern: RegExp): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => pattern.test(line));
}

/**
 * Waits until a line of `file` matches `pattern` and returns that line (the first that matches). The file
 * may not exist yet (postlogd creates it with its first line).
 */
export async function waitForLogLine(file: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  let found: string | undefined;
  try {
    await waitUntil(
      `a line matching ${pattern} in ${file}`,
      () => {
        found = logLines(file, pattern)[0];
        return found !== undefined;
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    const tail = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-20).join('\n') : '(no such file)';
    throw new Error(`${(error as Error).message}; the log ends with:\n${tail}`);
  }
  return found as string;
}
