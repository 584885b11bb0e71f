/**
 * The packaged /etc/bonnie/bonnie.conf (scripts/build-deb-conf.js): every key bonnie accepts is there,
 * commented out, and the defaults it shows are the ones bonnie applies: the file, with those lines
 * uncommented, resolves to the same settings as no file at all.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterAll, describe, expect, it} from 'vitest';
import {loadSettings, SETTING_KEYS} from '../../src/lib/base/config/settings.js';
import {REPO} from '../helpers/paths.js';

interface ConfModule {
  renderConfig(keys: typeof SETTING_KEYS): string;
}

const {renderConfig} = (await import(pathToFileURL(join(REPO, 'scripts', 'build-deb-conf.js')).href)) as ConfModule;
const text = renderConfig(SETTING_KEYS);
const dir = mkdtempSync(join(tmpdir(), 'bonnie-conf-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** Loads `conf` as the configuration file, with no environment. */
function load(conf: string) {
  const file = join(dir, 'bonnie.conf');
  writeFileSync(file, conf);
  // Where each value came from differs by design; the values themselves must not.
  const settings: Partial<ReturnType<typeof loadSettings>> = loadSettings({}, {}, file);
  delete settings.configFile;
  delete settings.origin;
  return settings;
}

describe('the packaged bonnie.conf', () => {
  it('comments out every key, each once', () => {
    const keyLines = text.split('\n').filter((line) => /^#[a-z_]+:/.test(line));
    expect(keyLines.map((line) => line.slice(1, line.indexOf(':')))).toEqual(Object.values(SETTING_KEYS).map((spec) => spec.file));
    // Nothing but comments and blank lines: installing it changes nothing.
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([]);
    for (const spec of Object.values(SETTING_KEYS)) expect(text).toContain(`Environment: ${spec.env}.`);
  });

  it('shows the defaults bonnie applies', () => {
    const shown = text.split('\n').filter((line) => /^#[a-z_]+: \S/.test(line));
    expect(shown.map((line) => line.slice(1))).toEqual(
      expect.arrayContaining(['catalog: /var/lib/bonnie/catalog.db', 'spool: /var/spool/cyrus/mail', 'dealer_timeout: 2s', 'max_attempts: 5', 'session_timeout: 12h']),
    );
    // imap_*, ldap_* and dlp_smtp* values take effect only with imap_url / ldap_url / dlp_notify; with those set in both files,
    // the defaults shown must resolve exactly as the defaults bonnie applies.
    const urls = 'imap_url: imap://127.0.0.1\nimap_password_file: /dev/null\nldap_url: ldap://127.0.0.1\nldap_base_dn: dc=lab,dc=test\ndlp_notify: security@example.org\n';
    expect(load(`${urls}${shown.map((line) => line.slice(1)).join('\n')}\n`)).toEqual(load(urls));
  });
});
