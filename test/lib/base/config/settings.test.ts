import {writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {EXIT} from '../../../../src/lib/base/errors.js';
import {flagName, loadSettings, SETTING_KEYS} from '../../../../src/lib/base/config/settings.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';

const tempDir = useTempDirs();

function configFile(text: string): string {
  const file = join(tempDir(), 'bonnie.conf');
  writeFileSync(file, text);
  return file;
}

const thrown = thrownBonnieError;

describe('loadSettings', () => {
  it('uses the defaults when no file exists', () => {
    const s = loadSettings({}, {});
    expect(s.catalog).toBe('/var/lib/bonnie/catalog.db');
    expect(s.archive).toBe('/var/lib/bonnie/archive');
    expect(s.spill).toBe('/var/lib/bonnie/spill');
    expect(s.dealerTimeoutMs).toBe(2000);
    expect(s.origin.catalog).toBe('default');
  });

  it('resolves flags over environment over file over defaults', () => {
    const file = configFile('# bonnie\ncatalog: /srv/file.db\narchive: /srv/file-archive\nspill: /srv/file-spill\ndealer_timeout: 500ms\n');
    const env = {BONNIE_CONFIG: file, BONNIE_CATALOG: '/srv/env.db', BONNIE_ARCHIVE: '/srv/env-archive'};
    const s = loadSettings({catalog: '/srv/flag.db'}, env);
    expect(s.catalog).toBe('/srv/flag.db');
    expect(s.origin.catalog).toBe('flag');
    expect(s.archive).toBe('/srv/env-archive');
    expect(s.origin.archive).toBe('environment');
    expect(s.spill).toBe('/srv/file-spill');
    expect(s.origin.spill).toBe('file');
    expect(s.dealerTimeoutMs).toBe(500);
    expect(s.maxAttempts).toBe(5);
    expect(s.origin.maxAttempts).toBe('default');
    expect(s.configFile).toBe(file);
  });

  it('puts archive and spill beside the catalog unless told otherwise', () => {
    const s = loadSettings({}, {BONNIE_CONFIG: configFile(''), BONNIE_CATALOG: '/data/bonnie/cat.db'});
    expect(s.archive).toBe('/data/bonnie/archive');
    expect(s.spill).toBe('/data/bonnie/spill');
  });

  it('reads relative paths in the file relative to the file', () => {
    const file = configFile('catalog: state/catalog.db\n');
    expect(loadSettings({}, {BONNIE_CONFIG: file}).catalog).toBe(join(file, '..', 'state', 'catalog.db'));
  });

  it('names the key and the file for an unknown key', () => {
    const file = configFile('catalog: /x.db\ncatalgo: /y.db\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.code).toBe('ConfigInvalid');
    expect(error.exit).toBe(EXIT.config);
    expect(error.message).toContain(file);
    expect(error.message).toContain('line 2');
    expect(error.message).toContain('"catalgo"');
    expect(error.hint).toContain('catalog');
  });

  it('names the key and the file for an invalid value', () => {
    const file = configFile('dealer_timeout: soon\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.message).toContain('dealer_timeout');
    expect(error.message).toContain(file);
    expect(error.hint).toContain('2s');
  });

  it('names the variable for an invalid environment value', () => {
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile(''), BONNIE_MAX_ATTEMPTS: '0'}));
    expect(error.message).toContain('BONNIE_MAX_ATTEMPTS');
  });

  it('rejects a line that is not key: value', () => {
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile('catalog = /x.db\n')}));
    expect(error.message).toMatch(/line 1: expected "key: value"/);
  });

  it('fails when a named configuration file is missing', () => {
    const missing = join(tempDir(), 'missing.conf');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: missing}));
    expect(error.code).toBe('ConfigUnreadable');
    expect(error.message).toContain(missing);
  });
});

describe('loadSettings: LDAP', () => {
  const minimal = 'ldap_url: ldap://ldap.example.com\nldap_base_dn: dc=example,dc=com\n';

  it('has no directory unless ldap_url is set', () => {
    const s = loadSettings({}, {BONNIE_CONFIG: configFile('catalog: /x.db\n')});
    expect(s.ldap).toBeUndefined();
    expect(s.origin.ldapUrl).toBe('default');
    expect(s.origin.ldapTimeoutMs).toBe('default');
  });

  it('fills in the defaults', () => {
    const s = loadSettings({}, {BONNIE_CONFIG: configFile(minimal)});
    expect(s.ldap).toEqual({
      url: 'ldap://ldap.example.com',
      bindDn: undefined,
      passwordFile: undefined,
      passwordFileSource: undefined,
      baseDn: 'dc=example,dc=com',
      filter: '(|(uid=%u)(mail=%s)(mailAlternateAddress=%s)(alias=%s))',
      groupFilter: undefined,
      idAttribute: 'entryUUID',
      cacheTtlMs: 300_000,
      timeoutMs: 10_000,
      tls: 'verify',
      caFile: undefined,
    });
    expect(s.origin.ldapUrl).toBe('file');
  });

  it('reads every key; the password file is a path relative to the configuration file, never read here', () => {
    const file = configFile(
      [
        'ldap_url: ldaps://ldap.example.com:636/',
        'ldap_bind_dn: uid=bonnie,cn=sysaccounts,dc=example,dc=com',
        'ldap_password_file: ldap.secret',
        'ldap_base_dn: dc=example,dc=com',
        'ldap_filter: (&(objectClass=kolabInetOrgPerson)(|(mail=%s)(alias=%s)(uid=%u)))',
        'ldap_group_filter: (uniqueMember=%D)',
        'ldap_id_attribute: nsuniqueid',
        'ldap_cache_ttl: 30s',
        'ldap_timeout: 1500ms',
        'ldap_ca_file: ca/ldap.pem',
        '',
      ].join('\n'),
    );
    const s = loadSettings({}, {BONNIE_CONFIG: file});
    expect(s.ldap).toEqual({
      url: 'ldaps://ldap.example.com:636',
      bindDn: 'uid=bonnie,cn=sysaccounts,dc=example,dc=com',
      passwordFile: join(file, '..', 'ldap.secret'),
      passwordFileSource: `${file} line 3`,
      baseDn: 'dc=example,dc=com',
      filter: '(&(objectClass=kolabInetOrgPerson)(|(mail=%s)(alias=%s)(uid=%u)))',
      groupFilter: '(uniqueMember=%D)',
      idAttribute: 'nsuniqueid',
      cacheTtlMs: 30_000,
      timeoutMs: 1500,
      tls: 'verify',
      caFile: join(file, '..', 'ca', 'ldap.pem'),
    });
  });

  it('takes the environment over the file', () => {
    const s = loadSettings({}, {BONNIE_CONFIG: configFile(minimal), BONNIE_LDAP_URL: 'ldap://127.0.0.1:3389', BONNIE_LDAP_CACHE_TTL: '0s'});
    expect(s.ldap?.url).toBe('ldap://127.0.0.1:3389');
    expect(s.origin.ldapUrl).toBe('environment');
    expect(s.ldap?.cacheTtlMs).toBe(0);
    expect(s.ldap?.baseDn).toBe('dc=example,dc=com');
  });

  it.each([
    ['http://ldap.example.com', 'ldap:// or ldaps://'],
    ['ldap.example.com', 'ldap:// or ldaps://'],
    ['ldap://', 'no host'],
    ['ldap://ldap.example.com/dc=example,dc=com', 'do not belong in the URL'],
    ['ldap://ldap.example.com/??sub', 'do not belong in the URL'],
    ['ldap://admin:secret@ldap.example.com', 'credentials'],
    ['ldap://ldap.example.com:99999', 'cannot be parsed'],
  ])('rejects the URL %s, naming the key and the file', (url, problem) => {
    const file = configFile(`ldap_url: ${url}\nldap_base_dn: dc=example,dc=com\n`);
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.code).toBe('ConfigInvalid');
    expect(error.exit).toBe(EXIT.config);
    expect(error.message).toContain(`ldap_url (${file} line 1)`);
    expect(`${error.message} ${error.hint}`).toContain(problem);
  });

  it('requires ldap_base_dn with ldap_url', () => {
    const file = configFile('ldap_url: ldap://ldap.example.com\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.code).toBe('ConfigInvalid');
    expect(error.message).toContain('ldap_base_dn is required');
    expect(error.message).toContain(file);
    expect(error.hint).toContain('BONNIE_LDAP_BASE_DN');
  });

  it('wants the bind DN and the password file together', () => {
    const file = configFile(`${minimal}ldap_bind_dn: cn=bonnie,dc=example,dc=com\n`);
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.message).toContain('ldap_bind_dn');
    expect(error.message).toContain('needs ldap_password_file');
    expect(error.message).toContain(`${file} line 3`);

    const other = configFile(`${minimal}ldap_password_file: /etc/bonnie/ldap.secret\n`);
    expect(thrown(() => loadSettings({}, {BONNIE_CONFIG: other})).message).toContain(`ldap_password_file (${other} line 3): is set but ldap_bind_dn is not`);
  });

  it('does not read the password file (the directory does, when it connects)', () => {
    const file = configFile(`${minimal}ldap_bind_dn: cn=bonnie,dc=example,dc=com\nldap_password_file: /nonexistent/ldap.secret\n`);
    expect(loadSettings({}, {BONNIE_CONFIG: file}).ldap?.passwordFile).toBe('/nonexistent/ldap.secret');
  });

  it('refuses an ldap_* key without ldap_url rather than ignoring it', () => {
    const file = configFile('ldap_base_dn: dc=example,dc=com\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.message).toBe(`ldap_base_dn (${file} line 1): is set but ldap_url is not`);
    expect(error.hint).toContain('BONNIE_LDAP_URL');
    expect(thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile(''), BONNIE_LDAP_TIMEOUT: '5s'})).message).toContain('environment variable BONNIE_LDAP_TIMEOUT');
  });

  it.each([
    ['ldap_filter: (uid=%x)', 'ldap_filter', 'unknown placeholder "%x"'],
    ['ldap_filter: uid=%u', 'ldap_filter', 'starts with "("'],
    ['ldap_filter: (uid=alice)', 'ldap_filter', 'uses none of'],
    ['ldap_group_filter: (member=%s)', 'ldap_group_filter', 'unknown placeholder "%s"'],
    ['ldap_id_attribute: entry UUID', 'ldap_id_attribute', 'not an attribute name'],
    ['ldap_base_dn: example.com', 'ldap_base_dn', 'not a DN'],
    ['ldap_cache_ttl: forever', 'ldap_cache_ttl', 'not a duration'],
    ['ldap_timeout: 0s', 'ldap_timeout', 'more than 0'],
  ])('rejects %s, naming the key and the file', (line, key, problem) => {
    const file = configFile(`${minimal}${line}\n`);
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.code).toBe('ConfigInvalid');
    expect(error.message).toContain(`${key} (${file} line`);
    expect(error.message).toContain(problem);
  });

  it('leaves the ldap_* keys alone when told to (capture never uses the directory)', () => {
    const file = configFile('catalog: /srv/c.db\nldap_filter: (uid=%x)\n');
    const s = loadSettings({}, {BONNIE_CONFIG: file, BONNIE_LDAP_URL: 'http://wrong'}, undefined, {ldap: false});
    expect(s.catalog).toBe('/srv/c.db');
    expect(s.ldap).toBeUndefined();
    expect(s.origin.ldapUrl).toBe('default');
    expect(() => loadSettings({}, {BONNIE_CONFIG: file})).toThrow(/ldap_filter/);
  });

  it('has a flag name, a variable and a description for every key', () => {
    expect(flagName('imapCaFile')).toBe('imap-ca-file');
    expect(flagName('dealerTimeoutMs')).toBe('dealer-timeout');
    expect(flagName('ldapCacheTtlMs')).toBe('ldap-cache-ttl');
    expect(flagName('logFile')).toBe('log-file');
    for (const spec of Object.values(SETTING_KEYS)) {
      expect(spec.env).toBe(`BONNIE_${spec.file.toUpperCase()}`);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });
});

describe('TLS settings (imap_tls, imap_ca_file, ldap_tls, ldap_ca_file)', () => {
  const imap = (extra: string) => configFile(`imap_url: imap://imap.example.com\nimap_password_file: /etc/bonnie/imap.secret\n${extra}`);
  const ldap = (extra: string) => configFile(`ldap_url: ldap://ldap.example.com\nldap_base_dn: dc=example,dc=com\n${extra}`);

  it('checks certificates by default, against the CAs Node.js trusts', () => {
    const s = loadSettings({}, {BONNIE_CONFIG: imap('ldap_url: ldaps://ldap.example.com\nldap_base_dn: dc=example,dc=com\n')});
    expect(s.imap).toMatchObject({secure: false, tls: 'verify', caFile: undefined});
    expect(s.ldap).toMatchObject({tls: 'verify', caFile: undefined});
    expect(s.origin.imapTls).toBe('default');
  });

  it('reads the CA files relative to the configuration file, and off from the environment', () => {
    const file = imap('imap_ca_file: certs/ca.pem\nldap_url: ldap://ldap.example.com\nldap_base_dn: dc=example,dc=com\n');
    const s = loadSettings({}, {BONNIE_CONFIG: file, BONNIE_LDAP_TLS: 'off'});
    expect(s.imap?.caFile).toBe(join(file, '..', 'certs', 'ca.pem'));
    expect(s.ldap?.tls).toBe('off');
    expect(s.origin.ldapTls).toBe('environment');
  });

  it.each(['no', 'false', 'Verify', 'on', 'starttls', 'verify-full'])('accepts only verify or off: rejects imap_tls: %s', (value) => {
    const file = imap(`imap_tls: ${value}\n`);
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.code).toBe('ConfigInvalid');
    expect(error.exit).toBe(EXIT.config);
    expect(error.message).toBe(`imap_tls (${file} line 3): "${value}" is not verify or off`);
    expect(error.hint).toContain('imap_tls: verify');
  });

  it('rejects ldap_tls: yes from the environment, naming the variable', () => {
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: ldap(''), BONNIE_LDAP_TLS: 'yes'}));
    expect(error.message).toContain('ldap_tls (environment variable BONNIE_LDAP_TLS)');
  });

  it('refuses a CA file together with off: the file would be silently ignored', () => {
    const file = ldap('ldap_tls: off\nldap_ca_file: /etc/ssl/ca.pem\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.message).toBe(`ldap_ca_file (${file} line 4): is set but ldap_tls is off (${file} line 3)`);
  });

  it('refuses imap_tls or imap_ca_file without imap_url rather than ignoring it', () => {
    const file = configFile('imap_ca_file: /etc/ssl/ca.pem\n');
    expect(thrown(() => loadSettings({}, {BONNIE_CONFIG: file})).message).toBe(`imap_ca_file (${file} line 1): is set but imap_url is not`);
    expect(thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile(''), BONNIE_IMAP_TLS: 'off'})).message).toContain('imap_tls (environment variable BONNIE_IMAP_TLS): is set but imap_url is not');
    expect(thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile('ldap_tls: off\n')})).message).toContain('is set but ldap_url is not');
  });
});

describe('loadSettings: lenient (the per-event dealer)', () => {
  const lenient = (file: string, env: NodeJS.ProcessEnv = {}) => {
    const problems: string[] = [];
    const settings = loadSettings({}, {BONNIE_CONFIG: file, ...env}, undefined, {ldap: false, onProblem: (p) => problems.push(p.message)});
    return {settings, problems};
  };

  it('applies the lines it understands and reports each one it skips, with its file and line', () => {
    const file = configFile('catalog: /srv/bonnie/catalog.db\nbogus line\nlog_file: /var/log/bonnie.log\ncatalgo: /x\nspill:\ndealer_timeout: forever\nmax_attempts: many\nimap_user: cyrus\n');
    const {settings, problems} = lenient(file);
    expect(settings).toMatchObject({catalog: '/srv/bonnie/catalog.db', spill: '/srv/bonnie/spill', logFile: '/var/log/bonnie.log', dealerTimeoutMs: 2000, maxAttempts: 5, imap: undefined});
    expect(problems).toEqual([
      `${file} line 2: expected "key: value", found "bogus line"`,
      `${file} line 4: unknown key "catalgo"`,
      `${file} line 5: key "spill" has no value`,
      'imap_user (' + file + ' line 8): is set but imap_url is not',
      `dealer_timeout (${file} line 6): "forever" is not a duration`,
      `max_attempts (${file} line 7): "many" is not a whole number of at least 1`,
    ]);
  });

  it('reports an unreadable file and goes on with the environment', () => {
    const {settings, problems} = lenient(join(tempDir(), 'missing.conf'), {BONNIE_CATALOG: '/srv/env.db'});
    expect(settings.catalog).toBe('/srv/env.db');
    expect(problems).toEqual([expect.stringContaining('cannot read the configuration file')]);
  });

  it('stays strict without onProblem: the same file fails at its first bad line (exit 3)', () => {
    const file = configFile('catalog: /srv/bonnie/catalog.db\nbogus line\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error).toMatchObject({code: 'ConfigInvalid', exit: EXIT.config});
    expect(error.message).toContain('line 2');
  });
});

describe('loadSettings: DLP alert mail', () => {
  it('has no mail unless dlp_notify is set; relay localhost:25 by default, TLS checked', () => {
    expect(loadSettings({}, {}).dlpNotify).toBeUndefined();
    const s = loadSettings({}, {BONNIE_DLP_NOTIFY: 'security@example.org, ciso@example.org'});
    expect(s.dlpNotify).toEqual({to: ['security@example.org', 'ciso@example.org'], from: undefined, host: 'localhost', port: 25, secure: false, tls: 'verify', caFile: undefined, user: undefined, passwordFile: undefined});
  });

  it('reads the relay, its TLS and AUTH from the file; port 465 is TLS from the start', () => {
    const file = configFile('dlp_notify: security@example.org\ndlp_smtp: smtp.example.org:465\ndlp_smtp_user: bonnie\ndlp_smtp_password_file: smtp.password\ndlp_notify_from: dlp@example.org\n');
    expect(loadSettings({}, {BONNIE_CONFIG: file}).dlpNotify).toMatchObject({host: 'smtp.example.org', port: 465, secure: true, user: 'bonnie', passwordFile: join(dirname(file), 'smtp.password'), from: 'dlp@example.org'});
  });

  it('refuses a dlp_smtp* key without dlp_notify, an address that is not one, a relay that is not host:port, a user without a password file', () => {
    expect(thrown(() => loadSettings({}, {BONNIE_DLP_SMTP: 'smtp.example.org'})).message).toContain('dlp_smtp (environment variable BONNIE_DLP_SMTP): is set but dlp_notify is not');
    expect(thrown(() => loadSettings({}, {BONNIE_DLP_NOTIFY: 'security'})).message).toContain('"security" is not an address');
    expect(thrown(() => loadSettings({}, {BONNIE_DLP_NOTIFY: 'a@example.org', BONNIE_DLP_SMTP: 'smtp://x'})).message).toContain('is not host or host:port');
    const error = thrown(() => loadSettings({}, {BONNIE_DLP_NOTIFY: 'a@example.org', BONNIE_DLP_SMTP_USER: 'bonnie'}));
    expect(error.message).toContain('needs dlp_smtp_password_file');
    expect(error.hint).toContain('never read from the configuration, the environment or the command line');
    expect(thrown(() => loadSettings({}, {BONNIE_DLP_NOTIFY: 'a@example.org', BONNIE_DLP_SMTP_TLS: 'yes'})).code).toBe('ConfigInvalid');
  });
});

describe('loadSettings: local_domains', () => {
  it('reads the domains, lowercased, separated by spaces or commas; none by default; refuses what is not a domain', () => {
    expect(loadSettings({}, {}).localDomains).toEqual([]);
    expect(loadSettings({}, {BONNIE_LOCAL_DOMAINS: 'Example.org, lab.test  example.com'}).localDomains).toEqual(['example.org', 'lab.test', 'example.com']);
    expect(thrown(() => loadSettings({}, {BONNIE_LOCAL_DOMAINS: 'example.org @bad'})).message).toContain('local_domains (environment variable BONNIE_LOCAL_DOMAINS): "@bad" is not a domain');
  });
});
