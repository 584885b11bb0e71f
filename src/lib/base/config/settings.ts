/**
 * Configuration, resolved as flags > environment > file > defaults.
 *
 * The file (default /etc/bonnie/bonnie.conf, or $BONNIE_CONFIG) uses imapd.conf's syntax, which a Cyrus
 * administrator already knows: `key: value` lines, `#` comments. Relative paths in the file are relative to
 * the file's folder; in the environment or a flag, to the working directory.
 *
 * This module is on the dealer's start-up path: it imports only node:fs, node:path and import-free modules.
 * It never reads the LDAP password file (that happens when the directory connects).
 */
import {readFileSync} from 'node:fs';
import {dirname, isAbsolute, resolve} from 'node:path';
import {checkFilterTemplate, DEFAULT_LOGIN_FILTER, GROUP_PLACEHOLDERS, LOGIN_PLACEHOLDERS} from './ldap-filter.js';
import {BonnieError, EXIT} from '../errors.js';
import {parseDuration as parseDurationText} from './duration.js';
import {parseTlsMode, TLS_MODES, type TlsMode} from './tls.js';

export const DEFAULT_CONFIG_FILE = '/etc/bonnie/bonnie.conf';

/** Resolved settings every command receives. */
export interface Settings {
  /** SQLite catalog file. */
  catalog: string;
  /** Folder of the compressed archive. */
  archive: string;
  /** Cyrus' partition root (imapd.conf `partition-default`) the collector reads message files from. */
  spool: string;
  /** More partition roots (imapd.conf's other `partition-<name>` values), searched after `spool`. */
  partitions: string[];
  /** The IMAP server for reads the spool cannot serve and for restores; undefined when `imap_url` is not set. */
  imap: ImapSettings | undefined;
  /** Folder annotations (RFC 5464 entries) recorded with each folder snapshot, e.g. /shared/vendor/kolab/folder-type. */
  folderMetadata: string[];
  /** Folder where the dealer spills notifications it could not commit. */
  spill: string;
  /** Log file; undefined means syslog. */
  logFile: string | undefined;
  /** How long the dealer waits for a locked catalog before spilling, in milliseconds. */
  dealerTimeoutMs: number;
  /** Attempts before a job is dead. */
  maxAttempts: number;
  /** A session without Logout is closed this long after its last event, in milliseconds (event time). */
  sessionTimeoutMs: number;
  /** The data-loss prevention rule file (YAML). */
  dlpRules: string;
  /** The organisation's mail domains (`local_domains`): DLP's direction out and shares to outsiders; empty when not set. */
  localDomains: string[];
  /** Where DLP alerts of rules with the `notify` action are mailed; undefined when `dlp_notify` is not set. */
  dlpNotify?: DlpNotifySettings | undefined;
  /** The interception (warrant) store, apart from the catalog: root's only (issue 16). */
  interceptDb: string;
  /** Administrators who must sign a prune plan off before it runs: 1 (its maker) or 2 (another approves it). */
  pruneApprovers: number;
  /** The LDAP directory people are resolved in; undefined (the default) when `ldap_url` is not set, or when loaded with `{ldap: false}`. */
  ldap?: LdapSettings | undefined;
  /** The configuration file that was read, if any. */
  configFile: string | undefined;
  /** Where each value came from. */
  origin: Record<SettingKey, Origin>;
}

/** How to reach Cyrus over IMAP as an admin (`imap_*` keys). */
export interface ImapSettings {
  /** `imap://host[:port]` (STARTTLS, required but to loopback) or `imaps://host[:port]`. */
  url: string;
  host: string;
  port: number;
  /** Implicit TLS (imaps://). */
  secure: boolean;
  /** `imap_tls`: `verify` (the default when absent) or `off` (config/tls.ts). */
  tls?: TlsMode | undefined;
  /** `imap_ca_file`: the CAs trusted instead of Node's; undefined: Node's. */
  caFile?: string | undefined;
  /** An admin of the Cyrus server (imapd.conf `admins`); it reads users' folders by proxy (SASL authzid). */
  user: string;
  /** File whose first line is the admin's password (read when connecting). */
  passwordFile: string | undefined;
  /** Where passwordFile was set, for messages. */
  passwordFileSource: string | undefined;
}

/** Mail of DLP alerts (`dlp_notify`, `dlp_smtp*` keys). */
export interface DlpNotifySettings {
  /** Recipients (addresses). */
  to: string[];
  /** The sender address; undefined: bonnie@ this host's name. */
  from: string | undefined;
  /** The SMTP relay: `host[:port]` (port 25 by default; 465 is implicit TLS, other ports STARTTLS). */
  host: string;
  port: number;
  /** Implicit TLS (port 465). */
  secure: boolean;
  /** `dlp_smtp_tls`: verify (the default) or off. */
  tls: TlsMode;
  caFile: string | undefined;
  /** SMTP AUTH as this user, with the first line of passwordFile; undefined: no AUTH. */
  user: string | undefined;
  passwordFile: string | undefined;
}

/** How to reach and search the LDAP directory (`ldap_*` keys). */
export interface LdapSettings {
  /** `ldap://host[:port]` (STARTTLS, required but to loopback) or `ldaps://host[:port]`. */
  url: string;
  /** `ldap_tls`: `verify` (the default when absent) or `off` (config/tls.ts). */
  tls?: TlsMode | undefined;
  /** `ldap_ca_file`: the CAs trusted instead of Node's; undefined: Node's. */
  caFile?: string | undefined;
  /** DN to bind as; undefined: anonymous. */
  bindDn: string | undefined;
  /** File whose first line is the bind password (read when connecting, never here); set with bindDn. */
  passwordFile: string | undefined;
  /** Where passwordFile was set, for messages: `/etc/bonnie/bonnie.conf line 7`, `environment variable ...`. */
  passwordFileSource: string | undefined;
  /** Where people and groups are searched (scope sub). */
  baseDn: string;
  /** Person filter template: %s login, %u local part, %d domain (config/ldap-filter.ts). */
  filter: string;
  /** Group filter template with %D (the person's DN); undefined: the person's memberOf, else the default. */
  groupFilter: string | undefined;
  /** The persistent id attribute: `entryUUID` (OpenLDAP), `nsuniqueid` (389 DS, Kolab). */
  idAttribute: string;
  /** How long an answer (found or not) is reused, in milliseconds; 0: not cached. */
  cacheTtlMs: number;
  /** Connect and per-operation timeout, in milliseconds. */
  timeoutMs: number;
}

export type SettingKey =
  | 'catalog'
  | 'archive'
  | 'spill'
  | 'spool'
  | 'partitions'
  | 'imapUrl'
  | 'imapUser'
  | 'imapPasswordFile'
  | 'imapTls'
  | 'imapCaFile'
  | 'folderMetadata'
  | 'logFile'
  | 'dealerTimeoutMs'
  | 'maxAttempts'
  | 'sessionTimeoutMs'
  | 'dlpRules'
  | 'localDomains'
  | 'dlpNotify'
  | 'dlpNotifyFrom'
  | 'dlpSmtp'
  | 'dlpSmtpTls'
  | 'dlpSmtpCaFile'
  | 'dlpSmtpUser'
  | 'dlpSmtpPasswordFile'
  | 'interceptDb'
  | 'pruneApprovers'
  | 'ldapUrl'
  | 'ldapBindDn'
  | 'ldapPasswordFile'
  | 'ldapBaseDn'
  | 'ldapFilter'
  | 'ldapGroupFilter'
  | 'ldapIdAttribute'
  | 'ldapCacheTtlMs'
  | 'ldapTimeoutMs'
  | 'ldapTls'
  | 'ldapCaFile';
export type Origin = 'flag' | 'environment' | 'file' | 'default';

/** Values given on the command line (undefined: not given). */
export type SettingFlags = Partial<Record<SettingKey, string | number | undefined>>;

interface KeySpec {
  /** Name in the configuration file. */
  file: string;
  /** Environment variable. */
  env: string;
  kind: 'path' | 'paths' | 'duration' | 'count' | 'url' | 'dn' | 'filter' | 'name' | 'names' | 'tls';
  description: string;
}

/** Every configuration key: the one list the parser, `--help` and the man pages read. */
export const SETTING_KEYS: Readonly<Record<SettingKey, KeySpec>> = {
  catalog: {file: 'catalog', env: 'BONNIE_CATALOG', kind: 'path', description: 'The SQLite catalog file (default /var/lib/bonnie/catalog.db).'},
  archive: {file: 'archive', env: 'BONNIE_ARCHIVE', kind: 'path', description: 'The archive folder (default: "archive" beside the catalog).'},
  spill: {file: 'spill', env: 'BONNIE_SPILL', kind: 'path', description: 'Where the dealer spills notifications it cannot commit (default: "spill" beside the catalog).'},
  spool: {file: 'spool', env: 'BONNIE_SPOOL', kind: 'path', description: "Cyrus' partition root (imapd.conf's partition-default) that bonnie collector reads message files from (default /var/spool/cyrus/mail, Debian's)."},
  partitions: {file: 'partitions', env: 'BONNIE_PARTITIONS', kind: 'paths', description: "Cyrus' other partition roots, separated by spaces: imapd.conf's other partition-<name> values, and its archivepartition-<name> and metapartition-<name> values if set; searched after spool."},
  imapUrl: {file: 'imap_url', env: 'BONNIE_IMAP_URL', kind: 'url', description: 'The Cyrus IMAP server, imaps://host[:port] or imap://host[:port] (STARTTLS, required unless the host is localhost, 127.0.0.0/8 or ::1): bonnie archive --from imap, the collector when a message file cannot be read, folder metadata, restores (default: none).'},
  imapUser: {file: 'imap_user', env: 'BONNIE_IMAP_USER', kind: 'name', description: "An admin of the Cyrus server (imapd.conf's admins) that bonnie logs in as; it reads each user's folders by proxy authorization (default cyrus)."},
  imapPasswordFile: {file: 'imap_password_file', env: 'BONNIE_IMAP_PASSWORD_FILE', kind: 'path', description: "A file whose first line is imap_user's password, readable by bonnie only (mode 0640 or 0600). Required with imap_url."},
  imapTls: {file: 'imap_tls', env: 'BONNIE_IMAP_TLS', kind: 'tls', description: "verify (the default): the IMAP server's certificate and name are checked, against imap_ca_file if set, else the CAs Node.js trusts; imap:// to a host other than loopback must offer STARTTLS; bonnie refuses (TlsCertificateRejected, StartTlsUnavailable) before sending the password. off: no check, imap:// uses STARTTLS only when offered; anyone between bonnie and the server can then take the password."},
  imapCaFile: {file: 'imap_ca_file', env: 'BONNIE_IMAP_CA_FILE', kind: 'path', description: "A PEM file of the CA certificate(s) that signed the IMAP server's certificate, trusted instead of the CAs Node.js trusts (default: none). Not with imap_tls: off."},
  folderMetadata: {file: 'folder_metadata', env: 'BONNIE_FOLDER_METADATA', kind: 'names', description: 'Folder annotations read over IMAP GETMETADATA and kept with each folder snapshot, separated by spaces, e.g. /shared/vendor/kolab/folder-type (default: none).'},
  logFile: {file: 'log_file', env: 'BONNIE_LOG_FILE', kind: 'path', description: 'Log to this file instead of syslog (facility mail).'},
  dealerTimeoutMs: {file: 'dealer_timeout', env: 'BONNIE_DEALER_TIMEOUT', kind: 'duration', description: 'How long the dealer waits for a locked catalog before it spills, e.g. 2s or 500ms (default 2s).'},
  maxAttempts: {file: 'max_attempts', env: 'BONNIE_MAX_ATTEMPTS', kind: 'count', description: 'Attempts before a job is marked dead (default 5).'},
  sessionTimeoutMs: {file: 'session_timeout', env: 'BONNIE_SESSION_TIMEOUT', kind: 'duration', description: 'bonnie process closes a session that has a Login but no Logout this long after its last event (default 12h).'},
  dlpRules: {file: 'dlp_rules', env: 'BONNIE_DLP_RULES', kind: 'path', description: 'The data-loss prevention rules, a YAML file (default /etc/bonnie/dlp.yaml); bonnie dlp test checks one.'},
  localDomains: {file: 'local_domains', env: 'BONNIE_LOCAL_DOMAINS', kind: 'names', description: 'The mail domains of the organisation, separated by spaces or commas (subdomains included): for DLP, an APPEND to a Sent folder with a recipient outside them is direction out, and a folder shared to an identifier of another domain raises shared_to_anyone (default: none: every APPEND counts as out).'},
  dlpNotify: {file: 'dlp_notify', env: 'BONNIE_DLP_NOTIFY', kind: 'names', description: 'Mail each DLP alert of a rule with the notify action to these addresses, separated by spaces or commas, through dlp_smtp (default: none, no mail).'},
  dlpNotifyFrom: {file: 'dlp_notify_from', env: 'BONNIE_DLP_NOTIFY_FROM', kind: 'name', description: 'The sender of DLP alert mail (default: bonnie@ this host\'s name).'},
  dlpSmtp: {file: 'dlp_smtp', env: 'BONNIE_DLP_SMTP', kind: 'name', description: 'The SMTP relay DLP alert mail goes through, host or host:port (default localhost:25). Port 465 is TLS from the start; any other port to a host other than loopback must offer STARTTLS.'},
  dlpSmtpTls: {file: 'dlp_smtp_tls', env: 'BONNIE_DLP_SMTP_TLS', kind: 'tls', description: "verify (the default): the relay's certificate and name are checked, against dlp_smtp_ca_file if set, else the CAs Node.js trusts, and a relay other than loopback must offer STARTTLS. off: no check, STARTTLS only when offered."},
  dlpSmtpCaFile: {file: 'dlp_smtp_ca_file', env: 'BONNIE_DLP_SMTP_CA_FILE', kind: 'path', description: "A PEM file of the CA certificate(s) that signed the relay's certificate, trusted instead of the CAs Node.js trusts (default: none). Not with dlp_smtp_tls: off."},
  dlpSmtpUser: {file: 'dlp_smtp_user', env: 'BONNIE_DLP_SMTP_USER', kind: 'name', description: 'Log in to the relay (SMTP AUTH) as this user, with the password in dlp_smtp_password_file (default: none, no AUTH).'},
  dlpSmtpPasswordFile: {file: 'dlp_smtp_password_file', env: 'BONNIE_DLP_SMTP_PASSWORD_FILE', kind: 'path', description: "A file whose first line is dlp_smtp_user's password, readable by bonnie only (mode 0640 or 0600). Required with dlp_smtp_user."},
  interceptDb: {file: 'intercept_db', env: 'BONNIE_INTERCEPT_DB', kind: 'path', description: 'The lawful-interception store and its hash-chained log, an SQLite file apart from the catalog, root\'s only: mode 0600 in a folder 0700, both owned by root (default /var/lib/bonnie-intercept/intercept.db).'},
  pruneApprovers: {file: 'prune_approvers', env: 'BONNIE_PRUNE_APPROVERS', kind: 'count', description: 'How many administrators sign a prune plan off before bonnie prune --plan deletes anything: 1 (the default: whoever runs it) or 2 (another administrator than the one who made the plan runs bonnie prune approve ID first).'},
  ldapUrl: {file: 'ldap_url', env: 'BONNIE_LDAP_URL', kind: 'url', description: 'Resolve users in this LDAP directory, ldap://host[:port] or ldaps://host[:port]. Without it (the default) a user is identified by their login.'},
  ldapBindDn: {file: 'ldap_bind_dn', env: 'BONNIE_LDAP_BIND_DN', kind: 'dn', description: 'The DN to bind as (default: anonymous). Requires ldap_password_file.'},
  ldapPasswordFile: {file: 'ldap_password_file', env: 'BONNIE_LDAP_PASSWORD_FILE', kind: 'path', description: 'A file whose first line is the bind password, readable by bonnie only (mode 0640 or 0600).'},
  ldapBaseDn: {file: 'ldap_base_dn', env: 'BONNIE_LDAP_BASE_DN', kind: 'dn', description: 'Where people and groups are searched (subtree). Required with ldap_url.'},
  ldapFilter: {file: 'ldap_filter', env: 'BONNIE_LDAP_FILTER', kind: 'filter', description: `The filter that finds a person: %s is the login, %u its local part, %d its domain, %% a percent sign; values are escaped (default ${DEFAULT_LOGIN_FILTER}). More than one match is an error.`},
  ldapGroupFilter: {file: 'ldap_group_filter', env: 'BONNIE_LDAP_GROUP_FILTER', kind: 'filter', description: "The filter that finds a person's groups, %D being the person's DN (default: the person's memberOf values if present, else (|(member=%D)(uniqueMember=%D)))."},
  ldapIdAttribute: {file: 'ldap_id_attribute', env: 'BONNIE_LDAP_ID_ATTRIBUTE', kind: 'name', description: "The attribute that identifies a person for good, whatever their name or address becomes: entryUUID (OpenLDAP, the default), nsuniqueid (389 DS, Kolab)."},
  ldapCacheTtlMs: {file: 'ldap_cache_ttl', env: 'BONNIE_LDAP_CACHE_TTL', kind: 'duration', description: 'How long an answer from the directory, found or not found, is reused (default 5m; 0s: always ask).'},
  ldapTimeoutMs: {file: 'ldap_timeout', env: 'BONNIE_LDAP_TIMEOUT', kind: 'duration', description: 'How long to wait for the directory to connect or answer before giving up and retrying later (default 10s).'},
  ldapTls: {file: 'ldap_tls', env: 'BONNIE_LDAP_TLS', kind: 'tls', description: "verify (the default): the LDAP server's certificate and name are checked, against ldap_ca_file if set, else the CAs Node.js trusts; ldap:// to a host other than loopback must accept StartTLS before the bind; bonnie refuses (TlsCertificateRejected, StartTlsUnavailable) otherwise. off: no check, and ldap:// stays unencrypted; anyone between bonnie and the server can then take the bind password."},
  ldapCaFile: {file: 'ldap_ca_file', env: 'BONNIE_LDAP_CA_FILE', kind: 'path', description: "A PEM file of the CA certificate(s) that signed the LDAP server's certificate, trusted instead of the CAs Node.js trusts (default: none). Not with ldap_tls: off."},
};

const DEFAULT_CATALOG = '/var/lib/bonnie/catalog.db';
/** Not beside the catalog: the catalog's folder is the mail group's; this one is root's alone. */
const DEFAULT_INTERCEPT_DB = '/var/lib/bonnie-intercept/intercept.db';
/** Debian's `partition-default`. */
const DEFAULT_SPOOL = '/var/spool/cyrus/mail';
const DEFAULT_DEALER_TIMEOUT_MS = 2000;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_SESSION_TIMEOUT_MS = 12 * 3_600_000;
const DEFAULT_DLP_RULES = '/etc/bonnie/dlp.yaml';
const DEFAULT_LDAP_ID_ATTRIBUTE = 'entryUUID';
const DEFAULT_LDAP_CACHE_TTL_MS = 5 * 60_000;
const DEFAULT_LDAP_TIMEOUT_MS = 10_000;


/** What {@link loadSettings} resolves besides the basics. */
export interface LoadOptions {
  /**
   * Resolve and check the `ldap_*` keys (default true). Capture (the dealer, `--listen`) never uses the
   * directory: with false, a mistake in those keys cannot stop it from storing events, and `ldap` is
   * undefined.
   */
  ldap?: boolean;
  /**
   * Lenient mode, for the per-event dealer: a bad line, an unknown key or an invalid value is handed here
   * and skipped (the key keeps its default) instead of failing the whole file, so that `catalog:` and
   * `log_file:` still apply when another line is wrong. Strict (undefined, the default) everywhere else.
   */
  onProblem?: (problem: BonnieError) => void;
}

/**
 * Resolves the settings. Throws BonnieError(ConfigInvalid) naming the key and where it came from.
 * A missing default file is fine; a missing file named by $BONNIE_CONFIG or `--config` is an error.
 */
export function loadSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env, configFlag?: string, options: LoadOptions = {}): Settings {
  const named = configFlag ?? nonEmpty(env.BONNIE_CONFIG);
  const configFile = named ?? DEFAULT_CONFIG_FILE;
  const {onProblem} = options;
  /** Strict: `read()`'s error stops everything. Lenient: it is reported and `fallback` used. */
  const tolerate = <T>(read: () => T, fallback: T): T => {
    if (onProblem === undefined) return read();
    try {
      return read();
    } catch (error) {
      if (!(error instanceof BonnieError)) throw error;
      onProblem(error);
      return fallback;
    }
  };
  const fileValues = tolerate(() => readConfigFile(configFile, named !== undefined, onProblem), undefined);
  const origin = {} as Record<SettingKey, Origin>;

  const pick = (key: SettingKey): Picked | undefined => {
    const flag = flags[key];
    if (flag !== undefined && flag !== '') {
      origin[key] = 'flag';
      return {raw: String(flag), where: `flag --${flagName(key)}`, base: process.cwd()};
    }
    const fromEnv = nonEmpty(env[SETTING_KEYS[key].env]);
    if (fromEnv !== undefined) {
      origin[key] = 'environment';
      return {raw: fromEnv, where: `environment variable ${SETTING_KEYS[key].env}`, base: process.cwd()};
    }
    const fromFile = fileValues?.values.get(SETTING_KEYS[key].file);
    if (fromFile !== undefined) {
      origin[key] = 'file';
      return {raw: fromFile.value, where: `${configFile} line ${fromFile.line}`, base: dirname(resolve(configFile))};
    }
    origin[key] = 'default';
    return undefined;
  };

  const path = (key: SettingKey): string | undefined => {
    const got = pick(key);
    if (got === undefined) return undefined;
    return resolvePath(got);
  };

  const catalog = path('catalog') ?? DEFAULT_CATALOG;
  const home = dirname(catalog);
  const archive = path('archive') ?? resolve(home, 'archive');
  const spill = path('spill') ?? resolve(home, 'spill');
  const logFile = path('logFile');
  const spool = path('spool') ?? DEFAULT_SPOOL;
  const partitionsGot = pick('partitions');
  const partitions = partitionsGot === undefined ? [] : words(partitionsGot.raw).map((raw) => resolvePath({...partitionsGot, raw}));
  const metadataGot = pick('folderMetadata');
  const folderMetadata = metadataGot === undefined ? [] : words(metadataGot.raw);
  tolerate(() => {
    for (const entry of folderMetadata) {
      if (!/^\/(shared|private)\/[\x21-\x7e]+$/.test(entry) || entry.includes('*') || entry.includes('%')) {
        throw invalid('folderMetadata', metadataGot as Picked, `"${truncate(entry)}" is not a metadata entry`, 'Write entries such as /shared/vendor/kolab/folder-type or /private/comment (RFC 5464), separated by spaces.');
      }
    }
  }, undefined);
  const imap = tolerate(() => loadImapSettings(pick), undefined);

  const timeout = pick('dealerTimeoutMs');
  const dealerTimeoutMs = timeout === undefined ? DEFAULT_DEALER_TIMEOUT_MS : tolerate(() => parseDuration(timeout.raw, 'dealerTimeoutMs', timeout.where), DEFAULT_DEALER_TIMEOUT_MS);
  const attempts = pick('maxAttempts');
  const maxAttempts = attempts === undefined ? DEFAULT_MAX_ATTEMPTS : tolerate(() => parseCount(attempts.raw, 'maxAttempts', attempts.where), DEFAULT_MAX_ATTEMPTS);
  const session = pick('sessionTimeoutMs');
  const sessionTimeoutMs = session === undefined ? DEFAULT_SESSION_TIMEOUT_MS : tolerate(() => parseDuration(session.raw, 'sessionTimeoutMs', session.where), DEFAULT_SESSION_TIMEOUT_MS);

  const dlpRules = path('dlpRules') ?? DEFAULT_DLP_RULES;
  const interceptDb = path('interceptDb') ?? DEFAULT_INTERCEPT_DB;
  const approvers = pick('pruneApprovers');
  const pruneApprovers =
    approvers === undefined
      ? 1
      : tolerate(() => {
          const n = parseCount(approvers.raw, 'pruneApprovers', approvers.where);
          if (n > 2) throw invalid('pruneApprovers', approvers, `${n} approvers are not supported`, 'Write 1 (the default) or 2.');
          return n;
        }, 1);
  const dlpNotify = tolerate(() => loadDlpNotifySettings(pick), undefined);
  const domainsGot = pick('localDomains');
  const localDomains = domainsGot === undefined ? [] : domainsGot.raw.split(/[\s,]+/).filter((w) => w !== '').map((d) => d.toLowerCase());
  tolerate(() => {
    const bad = localDomains.find((d) => !/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*\.?$/.test(d));
    if (bad !== undefined) throw invalid('localDomains', domainsGot as Picked, `"${truncate(bad)}" is not a domain`, 'Write domains such as example.org example.com, separated by spaces or commas.');
  }, undefined);

  let ldap: LdapSettings | undefined;
  if (options.ldap === false) for (const key of LDAP_KEYS) origin[key] = 'default';
  else ldap = tolerate(() => loadLdapSettings(pick), undefined);

  return {catalog, archive, spill, spool, partitions, imap, folderMetadata, logFile, dealerTimeoutMs, maxAttempts, sessionTimeoutMs, dlpRules, localDomains, dlpNotify, interceptDb, pruneApprovers, ldap, configFile: fileValues ? configFile : undefined, origin};
}

/** A raw value and where it came from. */
interface Picked {
  raw: string;
  /** `flag --x`, `environment variable X`, `<file> line <n>`. */
  where: string;
  /** Folder relative paths are resolved against. */
  base: string;
}

function resolvePath(got: Picked): string {
  return isAbsolute(got.raw) ? got.raw : resolve(got.base, got.raw);
}

function words(raw: string): string[] {
  return raw.trim().split(/\s+/).filter((w) => w !== '');
}

const DEFAULT_IMAP_USER = 'cyrus';

/** The `imap_*` keys: undefined without `imap_url`; the other keys without it are an error. */
function loadImapSettings(pick: (key: SettingKey) => Picked | undefined): ImapSettings | undefined {
  const url = pick('imapUrl');
  const user = pick('imapUser');
  const passwordFile = pick('imapPasswordFile');
  const tls = pick('imapTls');
  const caFile = pick('imapCaFile');
  if (url === undefined) {
    const others = {imapUser: user, imapPasswordFile: passwordFile, imapTls: tls, imapCaFile: caFile};
    const stray = (Object.keys(others) as Array<keyof typeof others>).find((key) => others[key] !== undefined);
    if (stray === undefined) return undefined;
    throw invalid(stray, others[stray] as Picked, 'is set but imap_url is not', `Set imap_url (${SETTING_KEYS.imapUrl.env}), e.g. imaps://imap.example.com, or remove ${SETTING_KEYS[stray].file}.`);
  }
  const text = url.raw.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  const problem =
    scheme !== 'imap' && scheme !== 'imaps' ? 'the scheme must be imap:// or imaps://'
    : parsed === undefined || parsed.hostname === '' ? 'no host'
    : parsed.username !== '' || parsed.password !== '' ? 'credentials do not belong in the URL (imap_user, imap_password_file)'
    : (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' ? 'a folder or a query does not belong in the URL'
    : undefined;
  if (problem !== undefined || parsed === undefined) {
    throw invalid('imapUrl', url, `"${truncate(text)}" is not an IMAP URL: ${problem ?? 'it cannot be parsed'}`, 'Write imap://host, imap://host:143 or imaps://host:993.');
  }
  if (passwordFile === undefined) {
    throw new BonnieError('ConfigInvalid', `imap_password_file is required with imap_url (${url.where})`, {
      exit: EXIT.config,
      hint: `Set imap_password_file (or ${SETTING_KEYS.imapPasswordFile.env}) to a file whose first line is the admin's password; it is never read from the configuration, the environment or the command line.`,
    });
  }
  const secure = scheme === 'imaps';
  return {
    url: text.replace(/\/$/, ''),
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? (secure ? 993 : 143) : Number(parsed.port),
    secure,
    user: user?.raw.trim() ?? DEFAULT_IMAP_USER,
    passwordFile: resolvePath(passwordFile),
    passwordFileSource: passwordFile.where,
    ...loadTls(tls, caFile, 'imapTls', 'imapCaFile'),
  };
}

const DLP_SMTP_KEYS = ['dlpNotifyFrom', 'dlpSmtp', 'dlpSmtpTls', 'dlpSmtpCaFile', 'dlpSmtpUser', 'dlpSmtpPasswordFile'] as const;

/** The `dlp_notify` and `dlp_smtp*` keys: undefined without `dlp_notify`; the others without it are an error. */
function loadDlpNotifySettings(pick: (key: SettingKey) => Picked | undefined): DlpNotifySettings | undefined {
  const notify = pick('dlpNotify');
  const got = Object.fromEntries(DLP_SMTP_KEYS.map((key) => [key, pick(key)])) as Record<(typeof DLP_SMTP_KEYS)[number], Picked | undefined>;
  if (notify === undefined) {
    const stray = DLP_SMTP_KEYS.find((key) => got[key] !== undefined);
    if (stray === undefined) return undefined;
    throw invalid(stray, got[stray] as Picked, 'is set but dlp_notify is not', `Set dlp_notify (${SETTING_KEYS.dlpNotify.env}) to the addresses DLP alerts are mailed to, or remove ${SETTING_KEYS[stray].file}.`);
  }
  const address = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
  const to = notify.raw.split(/[\s,]+/).filter((w) => w !== '');
  const bad = to.find((a) => !address.test(a));
  if (bad !== undefined || to.length === 0) throw invalid('dlpNotify', notify, `"${truncate(bad ?? notify.raw)}" is not an address`, 'Write addresses such as security@example.com, separated by spaces or commas.');
  const from = got.dlpNotifyFrom?.raw.trim();
  if (from !== undefined && !address.test(from)) throw invalid('dlpNotifyFrom', got.dlpNotifyFrom as Picked, `"${truncate(from)}" is not an address`, 'Write an address such as bonnie@example.com.');
  const relay = got.dlpSmtp?.raw.trim() ?? 'localhost:25';
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(relay);
  const port = Number(match?.[2] ?? 25);
  if (match === null || port < 1 || port > 65535) throw invalid('dlpSmtp', got.dlpSmtp as Picked, `"${truncate(relay)}" is not host or host:port`, 'Write the relay as smtp.example.com:587, localhost:25 or [::1]:25.');
  const user = got.dlpSmtpUser;
  const passwordFile = got.dlpSmtpPasswordFile;
  if (user !== undefined && passwordFile === undefined) {
    throw invalid('dlpSmtpUser', user, 'needs dlp_smtp_password_file', `Set dlp_smtp_password_file (or ${SETTING_KEYS.dlpSmtpPasswordFile.env}) to a file whose first line is the password; it is never read from the configuration, the environment or the command line.`);
  }
  if (passwordFile !== undefined && user === undefined) throw invalid('dlpSmtpPasswordFile', passwordFile, 'is set but dlp_smtp_user is not', 'Set dlp_smtp_user to the user the password belongs to, or remove dlp_smtp_password_file.');
  return {
    to,
    from,
    host: (match[1] as string).replace(/^\[|\]$/g, ''),
    port,
    secure: port === 465,
    user: user?.raw.trim(),
    passwordFile: passwordFile === undefined ? undefined : resolvePath(passwordFile),
    ...loadTls(got.dlpSmtpTls, got.dlpSmtpCaFile, 'dlpSmtpTls', 'dlpSmtpCaFile'),
  };
}

const LDAP_KEYS: readonly SettingKey[] = ['ldapUrl', 'ldapBindDn', 'ldapPasswordFile', 'ldapBaseDn', 'ldapFilter', 'ldapGroupFilter', 'ldapIdAttribute', 'ldapCacheTtlMs', 'ldapTimeoutMs', 'ldapTls', 'ldapCaFile'];

/** The `ldap_*` keys: undefined without `ldap_url`; any other `ldap_*` key without it is an error (not silently ignored). */
function loadLdapSettings(pick: (key: SettingKey) => Picked | undefined): LdapSettings | undefined {
  const got = Object.fromEntries(LDAP_KEYS.map((key) => [key, pick(key)])) as Record<SettingKey, Picked | undefined>;
  const url = got.ldapUrl;
  if (url === undefined) {
    const stray = LDAP_KEYS.find((key) => got[key] !== undefined);
    if (stray === undefined) return undefined;
    throw invalid(stray, got[stray] as Picked, 'is set but ldap_url is not', `Set ldap_url (${SETTING_KEYS.ldapUrl.env}) to resolve users in LDAP, or remove ${SETTING_KEYS[stray].file}.`);
  }
  const urlProblem = checkLdapUrl(url.raw);
  if (urlProblem !== undefined) {
    throw invalid('ldapUrl', url, `"${truncate(url.raw)}" is not an LDAP URL: ${urlProblem}`, 'Write ldap://host, ldap://host:389 or ldaps://host:636 (no path, no query).');
  }

  const baseDn = got.ldapBaseDn;
  if (baseDn === undefined) {
    throw new BonnieError('ConfigInvalid', `ldap_base_dn is required with ldap_url (${url.where})`, {
      exit: EXIT.config,
      hint: `Set ldap_base_dn (or ${SETTING_KEYS.ldapBaseDn.env}) to the DN people are searched under, e.g. dc=example,dc=com.`,
    });
  }
  for (const key of ['ldapBaseDn', 'ldapBindDn'] as const) {
    const dn = got[key];
    if (dn !== undefined && !/^[^=,]+=/.test(dn.raw.trim())) {
      throw invalid(key, dn, `"${truncate(dn.raw)}" is not a DN`, 'Write a DN such as dc=example,dc=com.');
    }
  }

  const bindDn = got.ldapBindDn;
  const passwordFile = got.ldapPasswordFile;
  if (bindDn !== undefined && passwordFile === undefined) {
    throw new BonnieError('ConfigInvalid', `ldap_bind_dn (${bindDn.where}) needs ldap_password_file`, {
      exit: EXIT.config,
      hint: `Set ldap_password_file (or ${SETTING_KEYS.ldapPasswordFile.env}) to a file whose first line is the password; it is never read from the configuration or the environment.`,
    });
  }
  if (passwordFile !== undefined && bindDn === undefined) {
    throw invalid('ldapPasswordFile', passwordFile, 'is set but ldap_bind_dn is not', 'Set ldap_bind_dn to the DN the password belongs to, or remove ldap_password_file to bind anonymously.');
  }

  const filter = got.ldapFilter;
  const filterProblem = filter === undefined ? undefined : checkFilterTemplate(filter.raw.trim(), LOGIN_PLACEHOLDERS);
  if (filter !== undefined && filterProblem !== undefined) {
    throw invalid('ldapFilter', filter, `"${truncate(filter.raw)}" is not a filter template: ${filterProblem}`, `For example ${DEFAULT_LOGIN_FILTER}.`);
  }
  const groupFilter = got.ldapGroupFilter;
  const groupProblem = groupFilter === undefined ? undefined : checkFilterTemplate(groupFilter.raw.trim(), GROUP_PLACEHOLDERS);
  if (groupFilter !== undefined && groupProblem !== undefined) {
    throw invalid('ldapGroupFilter', groupFilter, `"${truncate(groupFilter.raw)}" is not a filter template: ${groupProblem}`, 'For example (|(member=%D)(uniqueMember=%D)).');
  }

  const idAttribute = got.ldapIdAttribute;
  // RFC 4512 attribute descriptions: a name (keystring) or a numeric OID.
  if (idAttribute !== undefined && !/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/.test(idAttribute.raw.trim())) {
    throw invalid('ldapIdAttribute', idAttribute, `"${truncate(idAttribute.raw)}" is not an attribute name`, 'Write an attribute name such as entryUUID or nsuniqueid.');
  }

  const ttl = got.ldapCacheTtlMs;
  const timeout = got.ldapTimeoutMs;
  const timeoutMs = timeout === undefined ? DEFAULT_LDAP_TIMEOUT_MS : parseDuration(timeout.raw, 'ldapTimeoutMs', timeout.where);
  if (timeoutMs <= 0) throw invalid('ldapTimeoutMs', timeout as Picked, 'must be more than 0', 'Write a duration such as 10s.');

  return {
    url: url.raw.trim().replace(/\/$/, ''),
    bindDn: bindDn?.raw.trim(),
    passwordFile: passwordFile === undefined ? undefined : resolvePath(passwordFile),
    passwordFileSource: passwordFile?.where,
    baseDn: baseDn.raw.trim(),
    filter: filter?.raw.trim() ?? DEFAULT_LOGIN_FILTER,
    groupFilter: groupFilter?.raw.trim(),
    idAttribute: idAttribute?.raw.trim() ?? DEFAULT_LDAP_ID_ATTRIBUTE,
    cacheTtlMs: ttl === undefined ? DEFAULT_LDAP_CACHE_TTL_MS : parseDuration(ttl.raw, 'ldapCacheTtlMs', ttl.where),
    timeoutMs,
    ...loadTls(got.ldapTls, got.ldapCaFile, 'ldapTls', 'ldapCaFile'),
  };
}

/** `*_tls` (exactly verify or off) and `*_ca_file`; a CA file with `off` is a contradiction, not a choice. */
function loadTls(tls: Picked | undefined, caFile: Picked | undefined, tlsKey: 'imapTls' | 'ldapTls' | 'dlpSmtpTls', caKey: 'imapCaFile' | 'ldapCaFile' | 'dlpSmtpCaFile'): {tls: TlsMode; caFile: string | undefined} {
  const mode = tls === undefined ? 'verify' : parseTlsMode(tls.raw);
  if (tls !== undefined && mode === undefined) {
    throw invalid(tlsKey, tls, `"${truncate(tls.raw)}" is not ${TLS_MODES.join(' or ')}`, `Write ${SETTING_KEYS[tlsKey].file}: verify (check the server's certificate; the default) or off (send the password without checking who receives it).`);
  }
  if (caFile !== undefined && mode === 'off') {
    throw invalid(caKey, caFile, `is set but ${SETTING_KEYS[tlsKey].file} is off (${(tls as Picked).where})`, `Remove ${SETTING_KEYS[tlsKey].file}: off to have the certificate checked against ${SETTING_KEYS[caKey].file}, or remove ${SETTING_KEYS[caKey].file}.`);
  }
  return {tls: mode ?? 'verify', caFile: caFile === undefined ? undefined : resolvePath(caFile)};
}

/** What is wrong with an LDAP URL, or undefined. One server; ldapts takes protocol, host and port only. */
function checkLdapUrl(raw: string): string | undefined {
  const text = raw.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'ldap' && scheme !== 'ldaps') return 'the scheme must be ldap:// or ldaps://';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it cannot be parsed';
  }
  if (url.hostname === '') return 'no host';
  if (url.username !== '' || url.password !== '') return 'credentials do not belong in the URL (ldap_bind_dn, ldap_password_file)';
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') return 'a base DN, attributes or a filter do not belong in the URL';
  return undefined;
}

function invalid(key: SettingKey, got: Picked, problem: string, hint: string): BonnieError {
  return new BonnieError('ConfigInvalid', `${SETTING_KEYS[key].file} (${got.where}): ${problem}`, {exit: EXIT.config, hint});
}

/** The command-line flag for a setting: `logFile` -> `log-file`, `dealerTimeoutMs` -> `dealer-timeout`. */
export function flagName(key: SettingKey): string {
  return key.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

interface FileValues {
  values: Map<string, {value: string; line: number}>;
}

/** Reads the file's `key: value` lines. With `onProblem` (lenient), a bad line is reported there and skipped. */
function readConfigFile(file: string, mustExist: boolean, onProblem?: (problem: BonnieError) => void): FileValues | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return undefined;
    throw new BonnieError('ConfigUnreadable', `cannot read the configuration file ${file}: ${(error as Error).message}`, {
      exit: EXIT.config,
      hint: code === 'ENOENT' ? 'Check $BONNIE_CONFIG or --config, or create the file.' : 'Check the file\'s permissions.',
    });
  }
  const known = new Map(Object.values(SETTING_KEYS).map((spec) => [spec.file, spec]));
  const values = new Map<string, {value: string; line: number}>();
  const lines = text.split(/\r?\n/);
  const skip = (problem: BonnieError): void => {
    if (onProblem === undefined) throw problem;
    onProblem(problem);
  };
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$/.exec(line);
    if (!match) {
      skip(new BonnieError('ConfigInvalid', `${file} line ${index + 1}: expected "key: value", found "${truncate(line)}"`, {
        exit: EXIT.config,
        hint: 'Lines are "key: value" as in imapd.conf; comments start with #.',
      }));
      continue;
    }
    const key = match[1] as string;
    const value = (match[2] as string).trim();
    if (!known.has(key)) {
      skip(new BonnieError('ConfigInvalid', `${file} line ${index + 1}: unknown key "${key}"`, {
        exit: EXIT.config,
        hint: `Known keys: ${[...known.keys()].join(', ')}.`,
      }));
      continue;
    }
    if (value === '') {
      skip(new BonnieError('ConfigInvalid', `${file} line ${index + 1}: key "${key}" has no value`, {
        exit: EXIT.config,
        hint: 'Give a value or remove the line to use the default.',
      }));
      continue;
    }
    values.set(key, {value, line: index + 1});
  }
  return {values};
}

function parseDuration(raw: string, key: SettingKey, where: string): number {
  const ms = parseDurationText(raw);
  if (ms === undefined) {
    throw new BonnieError('ConfigInvalid', `${SETTING_KEYS[key].file} (${where}): "${truncate(raw)}" is not a duration`, {
      exit: EXIT.config,
      hint: 'Write a number with a unit: 500ms, 2s, 5m, 1h or 1d.',
    });
  }
  return ms;
}

function parseCount(raw: string, key: SettingKey, where: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new BonnieError('ConfigInvalid', `${SETTING_KEYS[key].file} (${where}): "${truncate(raw)}" is not a whole number of at least 1`, {
      exit: EXIT.config,
      hint: 'Write a whole number such as 5.',
    });
  }
  return Number(raw);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
