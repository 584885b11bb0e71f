/**
 * People resolved in an LDAP directory (ldapts): one search for the person under `ldap_base_dn` with
 * `ldap_filter`, then their groups. The persistent id (`ldap_id_attribute`) is what survives a rename.
 *
 * One connection per directory object, bound once and reused; a connection the server or the network
 * dropped is replaced. Whatever keeps the directory from answering (unreachable, timeout, an error result)
 * is a BonnieError `DirectoryUnavailable`; settings the server refuses (bind, base DN, id attribute, the
 * password file) are `DirectoryConfigInvalid` (exit 3). Either way the caller retries later and never
 * records a guess. A server `ldap_tls` forbids (config/tls.ts: a certificate that fails the check, no StartTLS on
 * ldap:// to a host other than loopback) is refused before the bind: TlsCertificateRejected or
 * StartTlsUnavailable.
 */
import type {ConnectionOptions} from 'node:tls';
import {Client, FilterParser, ResultCodeError, type Entry} from 'ldapts';
import type {LdapSettings} from '../../base/config/settings.js';
import {certificateProblem, certificateRejected, planTls, startTlsUnavailable, TLS_ERROR_CODES, tlsConnectionOptions, type TlsTarget} from '../../base/config/tls.js';
import {BonnieError, EXIT, errorMessage} from '../../base/errors.js';
import {firstRdnValue} from './dn.js';
import {DEFAULT_GROUP_FILTER, expandGroupFilter, expandLoginFilter} from '../../base/config/ldap-filter.js';
import {readLdapPassword} from './password.js';
import {canonicalLogin, type Directory, type DirectoryPerson} from './types.js';

/** Attributes read from a person besides the id attribute. `alias` is Kolab's; OpenLDAP ignores it. */
const PERSON_ATTRIBUTES = ['uid', 'mail', 'mailAlternateAddress', 'alias', 'cn', 'memberOf'];
/** Two are enough to tell "one" from "more than one". */
const PERSON_SIZE_LIMIT = 2;
/** Groups per page (RFC 2696): below OpenLDAP's default size limit of 500. */
const GROUP_PAGE_SIZE = 400;

/** LDAP result codes (RFC 4511 section 4.1.9) bonnie explains. */
const RESULT = {noSuchObject: 32, invalidCredentials: 49} as const;

export interface LdapDirectoryOptions {
  /** Receives warnings (a password file every user can read). Default: `process.emitWarning`. */
  warn?: (message: string) => void;
}

export class LdapDirectory implements Directory {
  readonly description: string;
  private readonly warn: (message: string) => void;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly warned = new Set<string>();

  /** Throws BonnieError(ConfigInvalid) when a filter template does not make a valid filter. */
  constructor(
    private readonly ldap: LdapSettings,
    options: LdapDirectoryOptions = {},
  ) {
    this.description = `${ldap.url} (${ldap.idAttribute})`;
    this.warn = options.warn ?? ((message) => process.emitWarning(message));
    checkFilter('ldap_filter', ldap.filter, expandLoginFilter(ldap.filter, 'someone@example.com'));
    if (ldap.groupFilter !== undefined) checkFilter('ldap_group_filter', ldap.groupFilter, expandGroupFilter(ldap.groupFilter, 'uid=someone,dc=example,dc=com'));
  }

  /**
   * Searches the person whose login, address or alias `login` is (canonical form). Undefined when nobody
   * matches; BonnieError `DirectoryAmbiguous` when more than one entry does (never one of them at random).
   */
  async lookUp(login: string): Promise<DirectoryPerson | undefined> {
    const canonical = canonicalLogin(login);
    if (canonical === '') return undefined;
    const filter = expandLoginFilter(this.ldap.filter, canonical);
    return this.withClient(async (client) => {
      const {searchEntries} = await client.search(this.ldap.baseDn, {
        scope: 'sub',
        filter,
        sizeLimit: PERSON_SIZE_LIMIT,
        timeLimit: this.timeLimitSeconds(),
        attributes: [this.ldap.idAttribute, ...PERSON_ATTRIBUTES],
        explicitBufferAttributes: [this.ldap.idAttribute],
      });
      const [entry, ...others] = searchEntries;
      if (entry === undefined) return undefined;
      if (others.length > 0) {
        const dns = searchEntries.map((e) => e.dn).join('; ');
        throw new BonnieError('DirectoryAmbiguous', `the login "${canonical}" matches more than one entry in ${this.ldap.url}: ${dns}`, {
          hint: 'A login, address or alias must belong to one person: correct the directory, or narrow ldap_filter.',
        });
      }
      return {...this.person(entry), groups: await this.groupsOf(client, entry)};
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    await client?.unbind();
  }

  /**
   * Runs `operation` on a bound connection. A connection that fails underneath it (dropped, timed out) is
   * replaced and the operation tried once more: a connection the server closed while idle is not an outage.
   */
  private async withClient<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: Client;
      try {
        client = await this.boundClient();
      } catch (error) {
        throw this.unavailable(error);
      }
      try {
        return await operation(client);
      } catch (error) {
        if (error instanceof BonnieError) throw error;
        if (error instanceof ResultCodeError || attempt >= 2) throw this.unavailable(error);
        this.discard(client);
      }
    }
  }

  /** The current connection if it is still bound, else a new one (concurrent callers share it). */
  private async boundClient(): Promise<Client> {
    if (this.client !== undefined) {
      if (this.client.isBound) return this.client;
      this.discard(this.client);
    }
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const password = this.ldap.bindDn === undefined ? '' : readLdapPassword(this.ldap, (message) => this.warnOnce(message));
    const url = new URL(this.ldap.url);
    const target: TlsTarget = {protocol: 'LDAP', url: this.ldap.url, host: url.hostname.replace(/^\[|\]$/g, ''), key: 'ldap', mode: this.ldap.tls ?? 'verify', caFile: this.ldap.caFile};
    const plan = planTls(url.protocol === 'ldaps:', target.host, target.mode);
    // 'if-offered' (ldap_tls: off on ldap://) has no LDAP counterpart: it stays plain, as before ldap_tls.
    const tlsOptions = plan.implicit || plan.startTls === 'required' ? tlsConnectionOptions(target) : undefined;
    const client = new Client({url: this.ldap.url, timeout: this.ldap.timeoutMs, connectTimeout: this.ldap.timeoutMs, tlsOptions: plan.implicit ? tlsOptions : undefined});
    try {
      if (plan.startTls === 'required') await startTls(client, target, tlsOptions ?? {});
      // An anonymous bind (empty DN and password) when no bind DN is configured: isBound then tells a
      // live connection from one the server dropped, the same way for both.
      await client.bind(this.ldap.bindDn ?? '', password);
    } catch (error) {
      await client.unbind().catch(() => undefined); // the bind's error is the one to report
      if (certificateProblem(error) !== undefined) throw certificateRejected(target, error);
      throw error;
    }
    this.client = client;
    return client;
  }

  private discard(client: Client): void {
    if (this.client === client) this.client = undefined;
    // The connection already failed and that failure is being handled; closing it can only fail the same way.
    void client.unbind().catch(() => undefined);
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }

  /** RFC 4511 timeLimit is in whole seconds; the client-side timeout (ldapts) is the precise one. */
  private timeLimitSeconds(): number {
    return Math.max(1, Math.ceil(this.ldap.timeoutMs / 1000));
  }

  private person(entry: Entry): Omit<DirectoryPerson, 'groups'> {
    const ids = rawValues(entry, this.ldap.idAttribute);
    const [id, ...more] = ids.map(idText);
    if (id === undefined || more.length > 0) {
      throw new BonnieError(
        'DirectoryConfigInvalid',
        `the entry ${entry.dn} in ${this.ldap.url} has ${id === undefined ? 'no' : 'more than one'} ${this.ldap.idAttribute}: bonnie cannot identify the person`,
        {
          exit: EXIT.config,
          hint: 'Set ldap_id_attribute to a single-valued attribute every person has (entryUUID on OpenLDAP, nsuniqueid on 389 DS), readable by ldap_bind_dn.',
        },
      );
    }
    const [mail, ...otherMail] = texts(entry, 'mail');
    const aliases = new Set([...otherMail, ...texts(entry, 'mailAlternateAddress'), ...texts(entry, 'alias')]);
    if (mail !== undefined) aliases.delete(mail);
    return {id, dn: entry.dn, uid: texts(entry, 'uid')[0], mail, aliases: [...aliases].sort(), cn: texts(entry, 'cn')[0]};
  }

  /**
   * The names (cn) of the person's groups, sorted. With `ldap_group_filter` unset, the person's `memberOf`
   * values when the server maintains them (389 DS, OpenLDAP's memberof overlay, nested groups included),
   * else a search for groups that list the person's DN.
   */
  private async groupsOf(client: Client, person: Entry): Promise<string[]> {
    const names = new Set<string>();
    const memberOf = texts(person, 'memberOf');
    if (this.ldap.groupFilter === undefined && memberOf.length > 0) {
      for (const dn of memberOf) {
        const name = firstRdnValue(dn, 'cn') ?? (await this.readGroupName(client, dn));
        if (name !== undefined) names.add(name);
      }
    } else {
      const {searchEntries} = await client.search(this.ldap.baseDn, {
        scope: 'sub',
        filter: expandGroupFilter(this.ldap.groupFilter ?? DEFAULT_GROUP_FILTER, person.dn),
        timeLimit: this.timeLimitSeconds(),
        attributes: ['cn'],
        paged: {pageSize: GROUP_PAGE_SIZE},
      });
      for (const group of searchEntries) names.add(groupName(group));
    }
    return [...names].sort();
  }

  /** A group's cn read from its entry; undefined when the entry is gone (a stale memberOf). */
  private async readGroupName(client: Client, dn: string): Promise<string | undefined> {
    try {
      const {searchEntries} = await client.search(dn, {scope: 'base', attributes: ['cn'], timeLimit: this.timeLimitSeconds()});
      const [group] = searchEntries;
      return group === undefined ? undefined : groupName(group);
    } catch (error) {
      if (error instanceof ResultCodeError && error.code === RESULT.noSuchObject) return undefined;
      throw error;
    }
  }

  private unavailable(error: unknown): BonnieError {
    const url = this.ldap.url;
    // Not "retry later": the same server will be refused again until the configuration or the server changes.
    if (error instanceof BonnieError && TLS_ERROR_CODES.has(error.code)) return error;
    if (error instanceof BonnieError) {
      // The password file: the directory cannot answer until the configuration changes.
      return new BonnieError('DirectoryConfigInvalid', error.message, {hint: error.hint, cause: error});
    }
    if (error instanceof ResultCodeError) {
      if (error.code === RESULT.invalidCredentials) {
        return new BonnieError('DirectoryConfigInvalid', `${url} refused the bind as ${this.ldap.bindDn ?? 'anonymous'}: invalid credentials`, {
          exit: EXIT.config,
          hint: `Check ldap_bind_dn and the password in ${this.ldap.passwordFile ?? 'ldap_password_file'} (its first line).`,
          cause: error,
        });
      }
      if (error.code === RESULT.noSuchObject) {
        return new BonnieError('DirectoryConfigInvalid', `${url} has no entry ${this.ldap.baseDn} (ldap_base_dn)`, {
          exit: EXIT.config,
          hint: 'Check ldap_base_dn.',
          cause: error,
        });
      }
      return new BonnieError('DirectoryUnavailable', `${url} answered with an error: ${error.message}`, {
        hint: "bonnie retries later; the directory server's log may tell more.",
        cause: error,
      });
    }
    return new BonnieError('DirectoryUnavailable', `cannot reach the directory at ${url}: ${errorMessage(error)}`, {
      hint: `Check that the LDAP server runs and answers at ${url} (ldap_url, ldap_timeout); bonnie retries later.`,
      cause: error,
    });
  }
}

/**
 * StartTLS (RFC 4511 section 4.14) before the bind: a server that refuses the extended operation, or whose
 * certificate fails the check, gets no password. A network failure is thrown as it is (DirectoryUnavailable).
 */
async function startTls(client: Client, target: TlsTarget, options: ConnectionOptions): Promise<void> {
  try {
    await client.startTLS(options);
  } catch (error) {
    if (certificateProblem(error) !== undefined) throw certificateRejected(target, error);
    if (error instanceof ResultCodeError) throw startTlsUnavailable(target, `the server refused StartTLS: ${error.message}`, error);
    throw error;
  }
}

/** ldapts parses a filter only when it searches: check the template's output up front. */
function checkFilter(key: string, template: string, expanded: string): void {
  try {
    FilterParser.parseString(expanded);
  } catch (error) {
    throw new BonnieError('ConfigInvalid', `${key}: "${template}" does not make a valid LDAP filter: ${errorMessage(error)}`, {
      exit: EXIT.config,
      hint: 'Write an RFC 4515 filter, e.g. (|(uid=%u)(mail=%s)).',
    });
  }
}

/** Values of an attribute, whatever case the server spells its name in. */
function rawValues(entry: Entry, attribute: string): Array<string | Buffer> {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k !== 'dn' && k.toLowerCase() === wanted);
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function texts(entry: Entry, attribute: string): string[] {
  return rawValues(entry, attribute).map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
}

const UTF8 = new TextDecoder('utf-8', {fatal: true});

/**
 * An id value as text: as it is when it is printable UTF-8 (entryUUID, nsuniqueid), else its bytes in
 * lower-case hex (objectGUID). The bytes decide, not how ldapts chose to decode them, so the same id
 * always gives the same text.
 */
export function idText(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  try {
    const text = UTF8.decode(bytes);
    // eslint-disable-next-line no-control-regex -- control characters are what make a value binary
    if (text !== '' && !/[\u0000-\u001f\u007f]/.test(text)) return text;
  } catch {
    // Not UTF-8: binary.
  }
  return bytes.toString('hex');
}

/** The group's cn as its DN names it (`cn=sales,ou=Groups`), else its first cn, else its DN. */
function groupName(group: Entry): string {
  return firstRdnValue(group.dn, 'cn') ?? texts(group, 'cn')[0] ?? group.dn;
}
