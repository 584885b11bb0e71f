import {describe, expect, it} from 'vitest';
import type {LdapSettings} from '../../../../src/lib/base/config/settings.js';
import {CachedDirectory} from '../../../../src/lib/sources/directory/cache.js';
import {createDirectory} from '../../../../src/lib/sources/directory/create-directory.js';
import {LdapDirectory} from '../../../../src/lib/sources/directory/ldap.js';
import {NoDirectory} from '../../../../src/lib/sources/directory/types.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';

const TTL = 60_000;

const LDAP: LdapSettings = {
  url: 'ldap://127.0.0.1:1',
  bindDn: undefined,
  passwordFile: undefined,
  passwordFileSource: undefined,
  baseDn: 'dc=lab,dc=test',
  filter: '(|(uid=%u)(mail=%s))',
  groupFilter: undefined,
  idAttribute: 'entryUUID',
  cacheTtlMs: TTL,
  timeoutMs: 1000,
};

describe('createDirectory', () => {
  it('is no directory without LDAP: a person is their canonical login', async () => {
    const directory = createDirectory({ldap: undefined});
    expect(directory).toBeInstanceOf(NoDirectory);
    expect(directory.description).toBe('none');
    expect(await directory.lookUp(' Alice ')).toMatchObject({id: 'login:alice', uid: 'alice'});
  });

  it('caches LDAP for ldap_cache_ttl, and not at all with 0', () => {
    const cached = createDirectory({ldap: LDAP});
    expect(cached).toBeInstanceOf(CachedDirectory);
    expect(cached.description).toBe('ldap://127.0.0.1:1 (entryUUID)');
    expect(createDirectory({ldap: {...LDAP, cacheTtlMs: 0}})).toBeInstanceOf(LdapDirectory);
  });

  it('refuses a filter template ldapts cannot parse, naming the key', () => {
    let error: unknown;
    try {
      createDirectory({ldap: {...LDAP, filter: '(uid%u)'}});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BonnieError);
    expect(error).toMatchObject({code: 'ConfigInvalid'});
    expect((error as Error).message).toContain('ldap_filter');
    expect(() => createDirectory({ldap: {...LDAP, groupFilter: '(|(member=%D)(!))'}})).toThrow(/ldap_group_filter/);
  });
});
