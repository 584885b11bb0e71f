/**
 * Who a login is: the directory (LDAP, or none) and what it says about a person at lookup time.
 */

export {canonicalLogin, NoDirectory} from './types.js';
export type {Directory, DirectoryPerson} from './types.js';
export {createDirectory} from './create-directory.js';
export type {CreateDirectoryOptions} from './create-directory.js';
export {CachedDirectory, DEFAULT_CACHE_ENTRIES} from './cache.js';
export type {CacheOptions, Clock} from './cache.js';
export {LdapDirectory} from './ldap.js';
export type {LdapDirectoryOptions} from './ldap.js';
export {DEFAULT_GROUP_FILTER, DEFAULT_LOGIN_FILTER, escapeFilterValue, expandGroupFilter, expandLoginFilter} from '../../base/config/ldap-filter.js';
export {readLdapPassword} from './password.js';
