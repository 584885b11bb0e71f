/** The directory the settings describe. */
import type {Settings} from '../../base/config/settings.js';
import {CachedDirectory, type Clock} from './cache.js';
import {LdapDirectory} from './ldap.js';
import {NoDirectory, type Directory} from './types.js';

export interface CreateDirectoryOptions {
  /** Receives warnings (a password file every user can read). Default: `process.emitWarning`. */
  warn?: (message: string) => void;
  /** The cache's clock, for tests. */
  clock?: Clock;
}

/**
 * LDAP, cached for `ldap_cache_ttl`, when `ldap_url` is set; otherwise {@link NoDirectory} (a person is
 * their canonical login). Connects lazily, on the first lookup. Throws BonnieError(ConfigInvalid) when a
 * filter template does not make a valid filter.
 */
export function createDirectory(settings: Pick<Settings, 'ldap'>, options: CreateDirectoryOptions = {}): Directory {
  const ldap = settings.ldap;
  if (ldap === undefined) return new NoDirectory();
  const directory = new LdapDirectory(ldap, {warn: options.warn});
  if (ldap.cacheTtlMs <= 0) return directory;
  return new CachedDirectory(directory, {ttlMs: ldap.cacheTtlMs, clock: options.clock});
}
