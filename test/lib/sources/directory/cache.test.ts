import {describe, expect, it} from 'vitest';
import {CachedDirectory} from '../../../../src/lib/sources/directory/cache.js';
import {canonicalLogin, type Directory, type DirectoryPerson} from '../../../../src/lib/sources/directory/types.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';

const TTL = 60_000;

function person(uid: string, mail = `${uid}@lab.test`): DirectoryPerson {
  return {id: `uuid-${uid}`, dn: `uid=${uid},dc=lab`, uid, mail, aliases: [], cn: uid, groups: ['staff']};
}

/** A directory that answers from a table the test changes, and counts what it was asked. */
class FakeDirectory implements Directory {
  readonly description = 'fake';
  people = new Map<string, DirectoryPerson>();
  asked: string[] = [];
  failNext: Error | undefined;
  closed = false;
  /** When set, lookups wait for this promise. */
  gate: Promise<void> | undefined;

  async lookUp(login: string): Promise<DirectoryPerson | undefined> {
    this.asked.push(login);
    if (this.gate !== undefined) await this.gate;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) throw failure;
    return this.people.get(canonicalLogin(login));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function setUp(maxEntries?: number) {
  const inner = new FakeDirectory();
  let now = 1000;
  const clock = {advance: (ms: number) => (now += ms)};
  const cache = new CachedDirectory(inner, {ttlMs: TTL, clock: () => now, maxEntries});
  return {inner, cache, clock};
}

describe('CachedDirectory', () => {
  it('answers from memory until the TTL has passed, then asks again', async () => {
    const {inner, cache, clock} = setUp();
    inner.people.set('alice', person('alice'));
    expect((await cache.lookUp('alice'))?.mail).toBe('alice@lab.test');

    inner.people.set('alice', person('alice', 'alice.renamed@lab.test'));
    clock.advance(TTL - 1);
    expect((await cache.lookUp('alice'))?.mail).toBe('alice@lab.test');
    expect(inner.asked).toEqual(['alice']);

    clock.advance(1);
    expect((await cache.lookUp('alice'))?.mail).toBe('alice.renamed@lab.test');
    expect(inner.asked).toEqual(['alice', 'alice']);
  });

  it('caches "not found" too', async () => {
    const {inner, cache, clock} = setUp();
    expect(await cache.lookUp('nobody')).toBeUndefined();
    inner.people.set('nobody', person('nobody'));
    expect(await cache.lookUp('nobody')).toBeUndefined();
    expect(inner.asked).toHaveLength(1);
    clock.advance(TTL);
    expect((await cache.lookUp('nobody'))?.uid).toBe('nobody');
  });

  it('does not cache failures', async () => {
    const {inner, cache} = setUp();
    inner.people.set('alice', person('alice'));
    inner.failNext = new BonnieError('DirectoryUnavailable', 'down');
    await expect(cache.lookUp('alice')).rejects.toMatchObject({code: 'DirectoryUnavailable'});
    expect((await cache.lookUp('alice'))?.uid).toBe('alice');
    expect(inner.asked).toHaveLength(2);
  });

  it('keys by the canonical login', async () => {
    const {inner, cache} = setUp();
    inner.people.set('alice', person('alice'));
    await cache.lookUp('Alice');
    await cache.lookUp(' ALICE ');
    expect(inner.asked).toEqual(['alice']);
  });

  it('asks once for concurrent lookups of the same login', async () => {
    const {inner, cache} = setUp();
    inner.people.set('alice', person('alice'));
    let open = () => {};
    inner.gate = new Promise((resolve) => (open = resolve));
    const answers = Promise.all([cache.lookUp('alice'), cache.lookUp('ALICE'), cache.lookUp('alice')]);
    open();
    expect((await answers).map((p) => p?.uid)).toEqual(['alice', 'alice', 'alice']);
    expect(inner.asked).toEqual(['alice']);
  });

  it('hands out copies: a caller changing its answer does not change the cache', async () => {
    const {inner, cache} = setUp();
    inner.people.set('alice', person('alice'));
    const first = await cache.lookUp('alice');
    first?.groups.push('intruders');
    first?.aliases.push('x@lab.test');
    expect((await cache.lookUp('alice'))?.groups).toEqual(['staff']);
    expect((await cache.lookUp('alice'))?.aliases).toEqual([]);
  });

  it('forgets the oldest answers beyond maxEntries', async () => {
    const {inner, cache} = setUp(2);
    await cache.lookUp('a');
    await cache.lookUp('b');
    await cache.lookUp('c');
    await cache.lookUp('c');
    await cache.lookUp('b');
    await cache.lookUp('a');
    expect(inner.asked).toEqual(['a', 'b', 'c', 'a']);
  });

  it('forget() drops answers; close() closes the directory underneath', async () => {
    const {inner, cache} = setUp();
    await cache.lookUp('a');
    await cache.lookUp('b');
    cache.forget('A');
    await cache.lookUp('a');
    await cache.lookUp('b');
    cache.forget();
    await cache.lookUp('b');
    expect(inner.asked).toEqual(['a', 'b', 'a', 'b']);
    expect(cache.description).toBe('fake');
    await cache.close();
    expect(inner.closed).toBe(true);
  });
});
