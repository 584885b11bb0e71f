/**
 * Users resolved in the lab's OpenLDAP (Debian 12's slapd 2.5): by uid, address and alias, with their
 * entryUUID and groups; a person renamed between two lookups keeps their id; failures are
 * DirectoryUnavailable. The lab's own people are only read. The people and groups this file changes are
 * its own (added in beforeAll, deleted in afterAll): zoe, yann, jürgen, an odd uid, two groups.
 */
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, connect, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Attribute, Change, Client} from 'ldapts';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import type {LdapInfo} from '../harness/ldap.js';
import {freePorts} from '../harness/process.js';
import type {LdapSettings} from '../../src/lib/base/config/settings.js';
import {createDirectory} from '../../src/lib/sources/directory/create-directory.js';
import {DEFAULT_LOGIN_FILTER} from '../../src/lib/base/config/ldap-filter.js';
import {LdapDirectory} from '../../src/lib/sources/directory/ldap.js';
import {BonnieError, EXIT} from '../../src/lib/base/errors.js';

const lab = inject('lab');
const ldap = lab.ldap as LdapInfo;

const ODD_UID = 'o(dd)*\\x';
/** RFC 4514: `\` in a DN value is escaped; ( ) * are not special in DNs. */
const ODD_DN = `uid=o(dd)*\\5Cx,${ldap.peopleDn}`;
const RD_GROUP = `cn=Research\\, Development,${ldap.groupsDn}`;
const TEST_GROUP = `cn=directory-test,${ldap.groupsDn}`;

/** Entries this file adds, deleted in reverse order at the end; a renamed one is updated in place. */
const added: string[] = [];

let admin: Client;
let dir: string;
let passwordFile: string;

function settings(overrides: Partial<LdapSettings> = {}): LdapSettings {
  return {
    url: ldap.url,
    bindDn: ldap.bindDn,
    passwordFile,
    passwordFileSource: 'test',
    baseDn: ldap.baseDn,
    filter: DEFAULT_LOGIN_FILTER,
    groupFilter: undefined,
    idAttribute: 'entryUUID',
    cacheTtlMs: 0,
    timeoutMs: 5000,
    ...overrides,
  };
}

/** Runs `use` with an uncached LDAP directory, closed afterwards. */
async function withDirectory<T>(overrides: Partial<LdapSettings>, use: (directory: LdapDirectory) => Promise<T>): Promise<T> {
  const directory = new LdapDirectory(settings(overrides), {warn: () => {}});
  try {
    return await use(directory);
  } finally {
    await directory.close();
  }
}

async function entryUuid(dn: string): Promise<string> {
  const {searchEntries} = await admin.search(dn, {scope: 'base', attributes: ['entryUUID']});
  return String(searchEntries[0]?.entryUUID);
}

async function addPerson(uid: string, dn: string, mail: string, aliases: string[]): Promise<void> {
  await admin.add(dn, {
    objectClass: ['inetOrgPerson', 'bonnieMailRecipient'],
    uid,
    cn: `${uid} Test`,
    sn: 'Test',
    mail,
    ...(aliases.length > 0 ? {mailAlternateAddress: aliases} : {}),
  });
  added.push(dn);
}

async function failure(promise: Promise<unknown>): Promise<BonnieError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  }
  throw new Error('expected a BonnieError');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-directory-'));
  passwordFile = join(dir, 'ldap.secret');
  writeFileSync(passwordFile, `${ldap.password}\n`, {mode: 0o600});

  admin = new Client({url: ldap.url, timeout: 10_000});
  await admin.bind(ldap.bindDn, ldap.password);
  await addPerson('zoe', `uid=zoe,${ldap.peopleDn}`, 'zoe@lab.test', ['z.zimmer@lab.test', 'shared@lab.test']);
  await addPerson('yann', `uid=yann,${ldap.peopleDn}`, 'yann@lab.test', ['shared@lab.test']);
  await addPerson('jürgen', `uid=jürgen,${ldap.peopleDn}`, 'juergen@lab.test', []);
  await addPerson(ODD_UID, ODD_DN, 'odd@lab.test', []);
  await admin.add(TEST_GROUP, {objectClass: 'groupOfNames', cn: 'directory-test', member: `uid=zoe,${ldap.peopleDn}`});
  added.push(TEST_GROUP);
  await admin.add(RD_GROUP, {objectClass: 'groupOfNames', cn: 'Research, Development', member: [`uid=zoe,${ldap.peopleDn}`, `uid=jürgen,${ldap.peopleDn}`]});
  added.push(RD_GROUP);
});

afterAll(async () => {
  for (const dn of added.reverse()) await admin.del(dn);
  await admin.unbind();
  rmSync(dir, {recursive: true, force: true});
});

describe('LDAP directory (live slapd)', () => {
  it('resolves alice by uid, by mail and by an alias, with her entryUUID and groups', async () => {
    const alice = ldap.people.find((p) => p.uid === 'alice');
    if (alice === undefined) throw new Error('the lab has no alice');
    const id = await entryUuid(alice.dn);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    await withDirectory({}, async (directory) => {
      expect(directory.description).toBe(`${ldap.url} (entryUUID)`);
      const expected = {
        id,
        dn: alice.dn,
        uid: 'alice',
        mail: 'alice@lab.test',
        aliases: ['a.archer@lab.test', 'alice.archer@lab.test'],
        cn: 'Alice Archer',
        groups: ['sales', 'staff'],
      };
      for (const login of ['alice', 'alice@lab.test', 'a.archer@lab.test', 'Alice.Archer@LAB.test', ' ALICE ']) {
        expect(await directory.lookUp(login), login).toEqual(expected);
      }
    });
  });

  it('does not know logins nobody has, and a filter character in a login is only a character', async () => {
    await withDirectory({}, async (directory) => {
      for (const login of ['nobody', 'nobody@lab.test', 'frank', '*', '*@lab.test', 'alice)(uid=*', 'alice*', '', '\0']) {
        expect(await directory.lookUp(login), JSON.stringify(login)).toBeUndefined();
      }
    });
  });

  it('sends non-ASCII and escaped characters to the server as they are', async () => {
    await withDirectory({}, async (directory) => {
      const juergen = await directory.lookUp('jürgen');
      expect(juergen).toMatchObject({uid: 'jürgen', mail: 'juergen@lab.test', groups: ['Research, Development']});
      expect(juergen?.id).toBe(await entryUuid(`uid=jürgen,${ldap.peopleDn}`));
      expect((await directory.lookUp('JÜRGEN'))?.id).toBe(juergen?.id);

      const odd = await directory.lookUp(ODD_UID);
      expect(odd).toMatchObject({uid: ODD_UID, mail: 'odd@lab.test', groups: []});
      expect(odd?.id).toBe(await entryUuid(ODD_DN));
    });
  });

  it('refuses to choose between two people an address belongs to', async () => {
    await withDirectory({}, async (directory) => {
      const error = await failure(directory.lookUp('shared@lab.test'));
      expect(error.code).toBe('DirectoryAmbiguous');
      expect(error.message).toContain('"shared@lab.test"');
      expect(error.message).toContain(`uid=zoe,${ldap.peopleDn}`);
      expect(error.message).toContain(`uid=yann,${ldap.peopleDn}`);
    });
  });

  it('treats an attribute the schema lacks (alias) as no match, not as an error', async () => {
    // OpenLDAP evaluates (alias=x) to Undefined (RFC 4511 4.5.1.7): (|...) still matches on the other terms.
    await withDirectory({filter: '(alias=%s)'}, async (directory) => {
      expect(await directory.lookUp('alice')).toBeUndefined();
    });
  });

  it('reads groups with ldap_group_filter, and binds anonymously without a bind DN', async () => {
    await withDirectory({groupFilter: '(&(objectClass=groupOfNames)(member=%D))', bindDn: undefined, passwordFile: undefined}, async (directory) => {
      expect((await directory.lookUp('zoe'))?.groups).toEqual(['Research, Development', 'directory-test']);
    });
  });

  it('keeps the id of a person renamed between two lookups, and answers from the cache until the TTL has passed', async () => {
    const ttl = 60_000;
    let now = 0;
    const directory = createDirectory({ldap: settings({cacheTtlMs: ttl})}, {clock: () => now, warn: () => {}});
    const oldDn = `uid=zoe,${ldap.peopleDn}`;
    const newDn = `uid=zoe.renamed,${ldap.peopleDn}`;
    try {
      const before = await directory.lookUp('z.zimmer@lab.test');
      expect(before).toMatchObject({dn: oldDn, uid: 'zoe', mail: 'zoe@lab.test', groups: ['Research, Development', 'directory-test']});
      expect(before?.id).toBe(await entryUuid(oldDn));
      expect(await directory.lookUp('zoe')).toEqual(before);

      // What an administrator does: new login and address; refint (not in the lab) would update the groups.
      await admin.modify(oldDn, new Change({operation: 'replace', modification: new Attribute({type: 'mail', values: ['zoe.renamed@lab.test']})}));
      await admin.modifyDN(oldDn, 'uid=zoe.renamed');
      added[added.indexOf(oldDn)] = newDn;
      for (const group of [TEST_GROUP, RD_GROUP]) {
        await admin.modify(group, [
          new Change({operation: 'add', modification: new Attribute({type: 'member', values: [newDn]})}),
          new Change({operation: 'delete', modification: new Attribute({type: 'member', values: [oldDn]})}),
        ]);
      }
      expect(await entryUuid(newDn)).toBe(before?.id);

      now += ttl - 1;
      expect(await directory.lookUp('z.zimmer@lab.test')).toEqual(before);
      expect(await directory.lookUp('zoe')).toEqual(before);

      now += 1;
      const after = await directory.lookUp('z.zimmer@lab.test');
      expect(after).toEqual({...before, dn: newDn, uid: 'zoe.renamed', mail: 'zoe.renamed@lab.test'});
      expect(await directory.lookUp('zoe.renamed@lab.test')).toEqual(after);
      expect(await directory.lookUp('zoe.renamed')).toEqual(after);
      expect(await directory.lookUp('zoe')).toBeUndefined();
      expect(await directory.lookUp('zoe@lab.test')).toBeUndefined();
    } finally {
      await directory.close();
    }
  });

  it('is unavailable when the bind is refused, naming the password file', async () => {
    const wrong = join(dir, 'wrong.secret');
    writeFileSync(wrong, 'not-the-password\n', {mode: 0o600});
    await withDirectory({passwordFile: wrong}, async (directory) => {
      const error = await failure(directory.lookUp('alice'));
      expect(error.code).toBe('DirectoryConfigInvalid');
      expect(error.exit).toBe(EXIT.config);
      expect(error.message).toContain('invalid credentials');
      expect(error.message).toContain(ldap.bindDn);
      expect(error.hint).toContain(wrong);
    });
  });

  it('is unavailable when the password file is missing, naming the key and the file', async () => {
    const missing = join(dir, 'missing.secret');
    await withDirectory({passwordFile: missing}, async (directory) => {
      const error = await failure(directory.lookUp('alice'));
      expect(error.code).toBe('DirectoryConfigInvalid');
      expect(error.exit).toBe(EXIT.config);
      expect(error.message).toContain('ldap_password_file');
      expect(error.message).toContain(missing);
    });
  });

  it('warns once about a password file every user can read', async () => {
    const open = join(dir, 'open.secret');
    writeFileSync(open, `${ldap.password}\n`);
    chmodSync(open, 0o644);
    const warnings: string[] = [];
    const proxy = await startProxy(ldap.port);
    const directory = new LdapDirectory(settings({url: `ldap://127.0.0.1:${proxy.port}`, passwordFile: open}), {warn: (m) => warnings.push(m)});
    try {
      await directory.lookUp('alice');
      proxy.dropAll();
      expect((await directory.lookUp('alice'))?.uid).toBe('alice');
      expect(proxy.connections()).toBe(2);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(open);
    } finally {
      await directory.close();
      await proxy.close();
    }
  });

  it('is unavailable when the base DN does not exist', async () => {
    await withDirectory({baseDn: 'dc=nowhere,dc=test'}, async (directory) => {
      const error = await failure(directory.lookUp('alice'));
      expect(error.code).toBe('DirectoryConfigInvalid');
      expect(error.message).toContain('dc=nowhere,dc=test');
      expect(error.hint).toContain('ldap_base_dn');
    });
  });

  it('is unavailable when nothing listens on the port', async () => {
    const [port] = await freePorts(1);
    await withDirectory({url: `ldap://127.0.0.1:${port}`}, async (directory) => {
      const error = await failure(directory.lookUp('alice'));
      expect(error.code).toBe('DirectoryUnavailable');
      expect(error.message).toContain(`ldap://127.0.0.1:${port}`);
      expect(error.message).toContain('ECONNREFUSED');
    });
  });

  it('is unavailable after ldap_timeout when the server does not answer', async () => {
    const silent = createServer(() => {});
    const sockets = new Set<Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    const port = await listen(silent);
    try {
      // A silent server never answers: only ldap_timeout can end the lookup (or vitest's own timeout fails it).
      await withDirectory({url: `ldap://127.0.0.1:${port}`, timeoutMs: 300}, async (directory) => {
        const error = await failure(directory.lookUp('alice'));
        expect(error.code).toBe('DirectoryUnavailable');
        expect(error.message).toMatch(/timed out/i);
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reconnects when the connection was dropped, idle or under a request', async () => {
    const proxy = await startProxy(ldap.port);
    await withDirectory({url: `ldap://127.0.0.1:${proxy.port}`}, async (directory) => {
      expect((await directory.lookUp('bob'))?.uid).toBe('bob');
      expect((await directory.lookUp('carol'))?.uid).toBe('carol');
      expect(proxy.connections()).toBe(1);

      proxy.dropAll();
      expect((await directory.lookUp('bob'))?.uid).toBe('bob');
      expect(proxy.connections()).toBe(2);

      // The connection looks alive but dies with the next request: the lookup is tried again on a new one.
      proxy.dropOnNextRequest();
      expect((await directory.lookUp('dave'))?.uid).toBe('dave');
      expect(proxy.connections()).toBe(3);
    }).finally(() => proxy.close());
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** A loopback TCP proxy to slapd that can cut its connections. */
async function startProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let connections = 0;
  let dropNext = false;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, '127.0.0.1');
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', close);
      socket.on('close', close);
    }
    client.on('data', (data) => {
      if (dropNext) {
        dropNext = false;
        close();
        return;
      }
      upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
  });
  const port = await listen(server);
  return {
    port,
    connections: () => connections,
    dropAll: () => {
      for (const socket of [...sockets]) socket.destroy();
    },
    dropOnNextRequest: () => {
      dropNext = true;
    },
    close: async () => {
      for (const socket of [...sockets]) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
