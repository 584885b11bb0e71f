/** `bonnie doctor`'s configuration checks: the file parses strictly, and every path it names exists. */
import {statSync} from 'node:fs';
import {dirname} from 'node:path';
import {DEFAULT_CONFIG_FILE, loadSettings, type Settings} from '../../base/config/settings.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {error, ok, octal, warning, type CheckResult} from './check.js';

export interface ConfigCheck {
  result: CheckResult;
  /** Undefined when the configuration is invalid: the checks that need it are not run. */
  settings: Settings | undefined;
}

/** Loads the settings as every command does (strict: a bad line is an error naming file, line and key). */
export function checkConfiguration(flags: {catalog?: string | undefined}, env: NodeJS.ProcessEnv, configFlag: string | undefined): ConfigCheck {
  const id = 'config.file';
  try {
    const settings = loadSettings({catalog: flags.catalog}, env, configFlag);
    const found = settings.configFile === undefined ? `no ${configFlag ?? env.BONNIE_CONFIG ?? DEFAULT_CONFIG_FILE}: defaults and the environment apply` : `${settings.configFile} parses`;
    return {result: ok(id, found), settings};
  } catch (e) {
    const hint = e instanceof BonnieError && e.hint !== undefined ? e.hint : 'Correct the file.';
    return {result: error(id, errorMessage(e), hint), settings: undefined};
  }
}

/** Paths the settings name that bonnie reads (the catalog, spill and archive are checked on their own). */
export function checkPaths(settings: Settings): CheckResult {
  const id = 'config.paths';
  const missing: string[] = [];
  const loose: string[] = [];
  const need = (key: string, path: string, what: 'folder' | 'file') => {
    try {
      const stats = statSync(path);
      if (what === 'folder' && !stats.isDirectory()) missing.push(`${key} ${path} is not a folder`);
      else if (what === 'file' && !stats.isFile()) missing.push(`${key} ${path} is not a file`);
      else if (key.endsWith('password_file') && (stats.mode & 0o007) !== 0) loose.push(`${key} ${path} is readable by everyone (${octal(stats.mode)})`);
    } catch (e) {
      missing.push(`${key} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : errorMessage(e)}`);
    }
  };
  need('spool', settings.spool, 'folder');
  for (const partition of settings.partitions) need('partitions', partition, 'folder');
  if (settings.logFile !== undefined) need('log_file (its folder)', dirname(settings.logFile), 'folder');
  if (settings.imap?.passwordFile !== undefined) need('imap_password_file', settings.imap.passwordFile, 'file');
  if (settings.imap?.caFile !== undefined) need('imap_ca_file', settings.imap.caFile, 'file');
  if (settings.ldap?.passwordFile !== undefined) need('ldap_password_file', settings.ldap.passwordFile, 'file');
  if (settings.ldap?.caFile !== undefined) need('ldap_ca_file', settings.ldap.caFile, 'file');
  const where = settings.configFile ?? 'the configuration';
  if (missing.length > 0) return error(id, missing.join('; '), `Correct the path in ${where} (spool: imapd.conf's partition-default), or create what is missing.`);
  if (loose.length > 0) return warning(id, loose.join('; '), loose.map((l) => `chmod 0640 ${l.split(' ')[1] ?? ''}`).join(' && '));
  return ok(id, `spool ${settings.spool}${settings.partitions.length > 0 ? `, ${settings.partitions.length} more partition(s)` : ''} and the other paths exist`);
}
