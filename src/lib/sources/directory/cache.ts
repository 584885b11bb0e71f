/**
 * An in-memory cache in front of a directory, per process: each answer, a person or "not found", is reused
 * for `ttlMs`. Failures are not cached (the next lookup asks again). Concurrent lookups of the same login
 * share one request.
 */
import {performance} from 'node:perf_hooks';
import {canonicalLogin, type Directory, type DirectoryPerson} from './types.js';

/** Milliseconds on a clock that only moves forward. */
export type Clock = () => number;

/** Answers kept at most; the oldest go first. Far more than the people of a site, far less than memory. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

export interface CacheOptions {
  /** How long an answer is reused, in milliseconds. */
  ttlMs: number;
  /** Default: `performance.now()` (monotonic: a clock set back does not keep answers alive). */
  clock?: Clock;
  /** Default {@link DEFAULT_CACHE_ENTRIES}. */
  maxEntries?: number;
}

interface Entry {
  person: DirectoryPerson | undefined;
  /** Clock time after which the answer is stale. */
  expires: number;
}

export class CachedDirectory implements Directory {
  private readonly answers = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<DirectoryPerson | undefined>>();
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly maxEntries: number;

  constructor(
    private readonly inner: Directory,
    options: CacheOptions,
  ) {
    this.ttlMs = options.ttlMs;
    this.clock = options.clock ?? (() => performance.now());
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_CACHE_ENTRIES);
  }

  get description(): string {
    return this.inner.description;
  }

  /** Keyed by the canonical login: `Alice` and `alice` are one entry. */
  async lookUp(login: string): Promise<DirectoryPerson | undefined> {
    const key = canonicalLogin(login);
    const cached = this.answers.get(key);
    if (cached !== undefined) {
      if (this.clock() < cached.expires) return copy(cached.person);
      this.answers.delete(key);
    }
    let request = this.pending.get(key);
    if (request === undefined) {
      request = this.ask(key);
      this.pending.set(key, request);
    }
    return copy(await request);
  }

  /** Forgets every answer (or the one for `login`): the next lookup asks the directory. */
  forget(login?: string): void {
    if (login === undefined) this.answers.clear();
    else this.answers.delete(canonicalLogin(login));
  }

  async close(): Promise<void> {
    this.answers.clear();
    await this.inner.close();
  }

  private async ask(key: string): Promise<DirectoryPerson | undefined> {
    try {
      const person = await this.inner.lookUp(key);
      if (this.ttlMs > 0) {
        // Map keeps insertion order: the first entries are the oldest.
        while (this.answers.size >= this.maxEntries) this.answers.delete(this.answers.keys().next().value as string);
        this.answers.set(key, {person, expires: this.clock() + this.ttlMs});
      }
      return person;
    } finally {
      this.pending.delete(key);
    }
  }
}

/** Callers get their own arrays: changing one must not change the cache. */
function copy(person: DirectoryPerson | undefined): DirectoryPerson | undefined {
  return person === undefined ? undefined : {...person, aliases: [...person.aliases], groups: [...person.groups]};
}
