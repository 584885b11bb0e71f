/**
 * A private Cyrus IMAP 3.6 lab on loopback, for the live tests and the benchmarks: a temporary folder with
 * its own imapd.conf / cyrus.conf, sasldb, spool and bonnie catalog, a `cyrmaster` started as root (it
 * drops to user `cyrus`), and optionally a private OpenLDAP `slapd` (ldap.ts).
 *
 * Needs root and the Debian packages that test/harness/install.sh installs, and a build (`npm run build`:
 * bin/run.js creates the catalog, bin/bonnie-dealer loads dist/bonnie-dealer.cjs).
 *
 * Everything started is stopped by pid (from its pid file), never by name. `BONNIE_KEEP_LAB=1` keeps the
 * folder after `stop()` for a post-mortem (Cyrus logs only to syslog, which is usually absent: the lab's
 * config, the dealer's log and the catalog are what is left to read).
 */
import {chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {LAB_ADMIN, LAB_USERS, SERVERNAME} from './accounts.js';
import {RawImap} from './imap.js';
import {startLdap} from './ldap.js';
import type {LdapInfo, StartedLdap} from './ldap.js';
import {freePorts, mustRun, readGreeting, readPidFile, runCommand, stopProcess, waitUntil} from './process.js';

/** The repository (test/harness/ is two levels down). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where the Cyrus config templates come from: `../shared/cyrus/config` beside the repository is the
 * reference (FACTS.md describes it). test/harness/cyrus/ holds a copy of it, used only when shared/ is
 * absent (a clone on its own); keep the two identical.
 */
const SHARED_CONFIG = join(REPO, '..', 'shared', 'cyrus', 'config');
const FALLBACK_CONFIG = fileURLToPath(new URL('./cyrus/', import.meta.url));

export {LAB_ADMIN, LAB_USERS, SERVERNAME} from './accounts.js';


/**
 * How Cyrus' event notifications leave imapd/lmtpd:
 * - `notifyd`: `event_notifier: external`, notifyd runs bin/bonnie-dealer once per event (production setup);
 * - `listen`: notifications on, but no notify service: another process (`bonnie dealer --listen`) binds
 *   `notifySocket` itself. Cyrus sends nothing unless `event_notifier` is set (mboxevent_init() returns
 *   early without it), so it stays set. Until something binds the socket the datagrams are lost, the
 *   events of the lab's own setup (the admin creating the users' mailboxes) included. The socket's
 *   folder is cyrus:mail 0750: root can bind there, and imapd/lmtpd (user cyrus, group mail) need write
 *   permission on the socket itself;
 * - `off`: no `event_notifier`, no notify service: Cyrus emits no events at all (a baseline).
 */
export type NotifyMode = 'off' | 'notifyd' | 'listen';

export interface LabOptions {
  /** Default `notifyd`. */
  notify?: NotifyMode;
  /** Also start a private slapd (see ldap.ts). Default false. */
  ldap?: boolean;
  /** imapd.conf settings to add or replace (e.g. `allowusermoves: 'yes'` for a lab of one's own). */
  imapd?: Readonly<Record<string, string>>;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** What a lab is, as plain data (it crosses from vitest's global setup to the tests through `provide`). */
export interface LabInfo {
  /** The lab's folder (the config's `@LAB@`). */
  dir: string;
  notify: NotifyMode;
  servername: string;
  imap: Endpoint;
  /** LMTP over TCP, pre-authenticated (`lmtpd -a`). */
  lmtp: Endpoint;
  /** LMTP on a unix socket (`lmtpsocket`, what `cyrdeliver` uses). */
  lmtpSocket: string;
  /** imapd.conf `notifysocket`: notifyd's in `notifyd` mode, free for a listener in `listen` mode. */
  notifySocket: string;
  imapdConf: string;
  cyrusConf: string;
  /** Users with a mailbox (`user.<name>`), name -> password. */
  users: Record<string, string>;
  admin: {user: string; password: string};
  /** The bonnie catalog the dealer writes (owned cyrus:mail). */
  catalog: string;
  /** The dealer's log file (`BONNIE_LOG_FILE`). */
  dealerLog: string;
  /** The program `notify_external` names: the repository's bin/bonnie-dealer or a copy in the lab. */
  dealer: string;
  /** cyrmaster's pid. */
  masterPid: number;
  ldap: LdapInfo | undefined;
}

export interface Lab extends LabInfo {
  /** Stops what the lab started (slapd, cyrmaster) and removes its folder unless `BONNIE_KEEP_LAB=1`. */
  stop(): Promise<void>;
}

/** How long Cyrus gets to answer on its IMAP port after cyrmaster starts. */
const CYRUS_START_TIMEOUT_MS = 30_000;

/** Starts a lab. On failure, whatever was started is stopped again before the error is thrown. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const notify = options.notify ?? 'notifyd';
  checkPrerequisites();
  const cyrus = await cyrusIds();

  // mkdtemp makes the folder 0700: cyrus must traverse it to reach its config, spool and sockets.
  const dir = mkdtempSync(join(tmpdir(), 'bonnie-lab-'));
  chmodSync(dir, 0o711);
  let masterPid: number | undefined;
  let ldap: StartedLdap | undefined;
  const stop = async () => {
    // slapd first: it does not depend on Cyrus. Each is stopped only if this lab started it.
    if (ldap !== undefined) await ldap.stop();
    if (masterPid !== undefined) await stopProcess(masterPid, 'cyrmaster');
    if (process.env.BONNIE_KEEP_LAB === '1') console.error(`bonnie lab kept in ${dir}`);
    else rmSync(dir, {recursive: true, force: true});
  };

  try {
    const [imapPort, lmtpPort] = await freePorts(2);
    const imap = {host: '127.0.0.1', port: imapPort as number};
    const lmtp = {host: '127.0.0.1', port: lmtpPort as number};
    const path = (...parts: string[]) => join(dir, ...parts);
    const notifySocket = path('run', 'socket', 'notify');
    // A unix socket's path must fit in sun_path (108 bytes with the NUL).
    if (Buffer.byteLength(notifySocket) > 100) throw new Error(`lab folder ${dir} is too deep for unix sockets: set TMPDIR to a shorter path`);

    mkdirSync(path('etc'), {mode: 0o755});
    // Everything Cyrus writes belongs to cyrus:mail, readable by nobody else (its umask is 077 anyway).
    for (const sub of ['run', 'run/socket', 'run/proc', 'run/lock', 'var', 'var/lib', 'var/spool', 'var/spool/mail', 'var/sieve']) {
      mkdirSync(path(sub), {recursive: true});
      chownSync(path(sub), cyrus.uid, cyrus.gid);
      chmodSync(path(sub), sub === 'run' || sub === 'var' ? 0o755 : 0o750);
    }

    const dealer = await dealerFor(dir);
    const imapdConf = path('etc', 'imapd.conf');
    const cyrusConf = path('etc', 'cyrus.conf');
    let conf = labImapdConf(readTemplate('imapd.conf'), dir, notify, dealer);
    for (const [key, value] of Object.entries(options.imapd ?? {})) conf = setOption(conf, key, value, true);
    writeFileSync(imapdConf, conf, {mode: 0o644});
    writeFileSync(cyrusConf, labCyrusConf(readTemplate('cyrus.conf'), dir, notify, imap.port, lmtp.port), {mode: 0o644});

    // Logins: a private sasldb. Passwords go through stdin (`-p`), never argv (visible in ps).
    const sasldb = path('etc', 'sasldb2');
    const users = {...LAB_USERS};
    for (const [user, password] of [[LAB_ADMIN.user, LAB_ADMIN.password], ...Object.entries(users)] as const) {
      await mustRun('saslpasswd2', ['-p', '-c', '-f', sasldb, '-u', SERVERNAME, user], {input: password});
    }
    chownSync(sasldb, cyrus.uid, cyrus.gid);
    chmodSync(sasldb, 0o640);

    // The catalog, as an administrator creates it (`bonnie init --owner cyrus:mail`): the dealer runs as cyrus.
    const catalog = path('bonnie', 'catalog.db');
    const dealerLog = path('bonnie', 'dealer.log');
    await mustRun(process.execPath, [join(REPO, 'bin', 'run.js'), 'init', '--catalog', catalog, '--owner', 'cyrus:mail'], {
      env: {...process.env, BONNIE_CONFIG: '/dev/null'},
    });

    // cyrmaster's environment is what notifyd passes on to the dealer (FACTS.md): nothing of ours leaks in.
    const masterEnv: NodeJS.ProcessEnv = {
      PATH: `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`,
      BONNIE_CATALOG: catalog,
      BONNIE_LOG_FILE: dealerLog,
      BONNIE_CONFIG: '/dev/null',
    };
    const pidFile = path('run', 'cyrus-master.pid');
    // -d: cyrmaster forks into the background and writes its pid file.
    await mustRun('/usr/sbin/cyrmaster', ['-C', imapdConf, '-M', cyrusConf, '-p', pidFile, '-d'], {env: masterEnv, cwd: dir});
    await waitUntil('cyrmaster to write its pid file', () => readPidFile(pidFile) !== undefined, CYRUS_START_TIMEOUT_MS);
    masterPid = readPidFile(pidFile);
    await waitUntil(
      `Cyrus IMAP to answer on ${imap.host}:${imap.port}`,
      async () => (await readGreeting(imap.host, imap.port).catch(() => '')).startsWith('* OK'),
      CYRUS_START_TIMEOUT_MS,
      200,
    );

    // The users' mailboxes, created by the admin over raw IMAP: imapflow would prefix `INBOX.` (its
    // namespace) to `user.alice`.
    const admin = await RawImap.login(imap, LAB_ADMIN.user, LAB_ADMIN.password);
    try {
      for (const user of Object.keys(users)) await admin.command(`CREATE ${RawImap.quote(`user.${user}`)}`);
    } finally {
      await admin.logout();
    }

    if (options.ldap === true) ldap = await startLdap(path('ldap'));

    const info: LabInfo = {
      dir,
      notify,
      servername: SERVERNAME,
      imap,
      lmtp,
      lmtpSocket: path('run', 'socket', 'lmtp'),
      notifySocket,
      imapdConf,
      cyrusConf,
      users,
      admin: {...LAB_ADMIN},
      catalog,
      dealerLog,
      dealer,
      masterPid: masterPid as number,
      ldap: ldapInfo(ldap),
    };
    return {...info, stop};
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The plain-data part of a started slapd (what crosses to the tests). */
function ldapInfo(ldap: StartedLdap | undefined): LdapInfo | undefined {
  if (ldap === undefined) return undefined;
  const {url, host, port, bindDn, password, baseDn, peopleDn, groupsDn, people, groups, pid} = ldap;
  return {url, host, port, bindDn, password, baseDn, peopleDn, groupsDn, people, groups, pid};
}

/** Fails early, with what to do, when the machine or the build is not ready. */
function checkPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('the Cyrus lab must run as root: cyrmaster starts as root and drops to user cyrus');
  if (!existsSync('/usr/sbin/cyrmaster')) throw new Error('Cyrus IMAP is not installed: run test/harness/install.sh (as root)');
  for (const built of ['dist/bonnie-dealer.cjs', 'dist/commands']) {
    if (!existsSync(join(REPO, built))) throw new Error(`${built} is missing: run \`npm run build\` first (the lab runs the built CLI and dealer)`);
  }
}

async function cyrusIds(): Promise<{uid: number; gid: number}> {
  const uid = await runCommand('id', ['-u', 'cyrus']);
  const gid = await runCommand('id', ['-g', 'cyrus']);
  if (uid.code !== 0 || gid.code !== 0) throw new Error('user cyrus does not exist: run test/harness/install.sh (as root)');
  return {uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim())};
}

function readTemplate(name: string): string {
  const shared = join(SHARED_CONFIG, name);
  return readFileSync(existsSync(shared) ? shared : join(FALLBACK_CONFIG, name), 'utf8');
}

/**
 * Sets (or with `undefined`, removes) one `key: value` line of an imapd.conf. Throws if the template does
 * not have the key and `append` is false: a changed template should fail loudly, not half-apply.
 */
function setOption(conf: string, key: string, value: string | undefined, append = false): string {
  const line = new RegExp(`^${key}:.*$`, 'm');
  if (!line.test(conf)) {
    if (!append) throw new Error(`imapd.conf template has no "${key}:" line`);
    return value === undefined ? conf : `${conf.trimEnd()}\n${key}: ${value}\n`;
  }
  return value === undefined ? conf.replace(new RegExp(`^${key}:.*\\n?`, 'm'), '') : conf.replace(line, `${key}: ${value}`);
}

/** The template's imapd.conf for this lab and notification mode. */
export function labImapdConf(template: string, dir: string, notify: NotifyMode, dealer: string): string {
  let conf = template.replaceAll('@LAB@', dir);
  conf = setOption(conf, 'event_notifier', notify === 'off' ? undefined : 'external');
  conf = setOption(conf, 'notify_external', notify === 'notifyd' ? dealer : undefined);
  return conf;
}

/** The template's cyrus.conf with the lab's ports; the notify service only in `notifyd` mode. */
export function labCyrusConf(template: string, dir: string, notify: NotifyMode, imapPort: number, lmtpPort: number): string {
  const service = (name: string) => new RegExp(`^(\\s*${name}\\s+cmd=.*?listen=")127\\.0\\.0\\.1:\\d+(".*)$`, 'm');
  let conf = template.replaceAll('@LAB@', dir);
  for (const [name, port] of [['imap', imapPort], ['lmtp', lmtpPort]] as const) {
    if (!service(name).test(conf)) throw new Error(`cyrus.conf template has no "${name}" service on 127.0.0.1`);
    conf = conf.replace(service(name), `$1127.0.0.1:${port}$2`);
  }
  const notifyLine = /^\s*notify\s+cmd=.*\n/m;
  if (!notifyLine.test(conf)) throw new Error('cyrus.conf template has no "notify" service');
  if (notify !== 'notifyd') conf = conf.replace(notifyLine, '');
  return conf;
}

/**
 * What notifyd should run. The dealer runs as cyrus:mail; it needs bin/bonnie-dealer, the bundle and
 * better-sqlite3's addon, and node. When the repository is not readable by cyrus (a clone under /root,
 * mode 0700), those few files are copied into the lab and notify_external names the copy: the same
 * layout (bin/, dist/, node_modules/better-sqlite3) so the bundle finds the addon the same way.
 */
async function dealerFor(dir: string): Promise<string> {
  const asCyrus = async (test: string, path: string) => (await runCommand('runuser', ['-u', 'cyrus', '--', 'test', test, path])).code === 0;
  if (!(await asCyrus('-x', process.execPath))) {
    throw new Error(`user cyrus cannot run ${process.execPath}: notifyd runs the dealer as cyrus, so node must be installed where cyrus can reach it`);
  }
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  const needed: Array<[string, string]> = [
    ['-x', join(REPO, 'bin', 'bonnie-dealer')],
    ['-r', join(REPO, 'bin', 'bonnie-dealer')],
    ['-r', join(REPO, 'dist', 'bonnie-dealer.cjs')],
    ['-r', join(REPO, 'node_modules', 'better-sqlite3', 'package.json')],
    ['-r', join(REPO, addon)],
  ];
  let readable = true;
  for (const [test, path] of needed) if (!(await asCyrus(test, path))) readable = false;
  if (readable) return join(REPO, 'bin', 'bonnie-dealer');

  const copy = join(dir, 'dealer');
  const from = (...parts: string[]) => join(REPO, ...parts);
  const to = (...parts: string[]) => join(copy, ...parts);
  mkdirSync(to('bin'), {recursive: true});
  mkdirSync(to('dist'));
  mkdirSync(to('node_modules', 'better-sqlite3', 'build', 'Release'), {recursive: true});
  copyFileSync(from('bin', 'bonnie-dealer'), to('bin', 'bonnie-dealer'));
  copyFileSync(from('dist', 'bonnie-dealer.cjs'), to('dist', 'bonnie-dealer.cjs'));
  // bin/bonnie-dealer is an ES module (import.meta): Node needs "type": "module" in the nearest package.json.
  writeFileSync(to('package.json'), '{"type": "module"}\n');
  copyFileSync(from('node_modules', 'better-sqlite3', 'package.json'), to('node_modules', 'better-sqlite3', 'package.json'));
  cpSync(from('node_modules', 'better-sqlite3', 'lib'), to('node_modules', 'better-sqlite3', 'lib'), {recursive: true});
  copyFileSync(from(addon), to(addon));
  await mustRun('chmod', ['-R', 'a+rX', copy]);
  chmodSync(to('bin', 'bonnie-dealer'), 0o755);
  return to('bin', 'bonnie-dealer');
}
