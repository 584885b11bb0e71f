/**
 * The seeded randomness of bench/archive's corpus: choices and sizes from mulberry32 (./random.ts), and
 * incompressible bytes (what a JPEG scan, a deflate stream or a zip member looks like to zstd) from
 * AES-128-CTR keyed by that generator, which is fast enough for gigabytes and just as deterministic.
 */
import {createCipheriv} from 'node:crypto';
import {random} from './random.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = random(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Favours the first items (word lists are ordered by frequency): roughly Zipf's law. */
  zipf<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() ** 2.2 * items.length)] as T;
  }

  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [value, w] of entries) if ((x -= w) < 0) return value;
    return (entries.at(-1) as readonly [T, number])[0];
  }

  /** Log-normal with this median; sigma is the spread of the logarithm. Clamped to [min, max]. */
  logNormal(median: number, sigma: number, min: number, max: number): number {
    const u = Math.max(this.next(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
    return Math.round(Math.min(max, Math.max(min, median * Math.exp(sigma * normal))));
  }

  /** A generator of its own, for a part whose randomness must not depend on what comes after it. */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 0x7fffffff));
  }

  /** `n` incompressible bytes (AES-128-CTR keystream). */
  noise(n: number): Buffer {
    const key = Buffer.alloc(16);
    const iv = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) {
      key.writeUInt32LE(Math.floor(this.next() * 0x100000000), i);
      iv.writeUInt32LE(Math.floor(this.next() * 0x100000000), i);
    }
    return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(n));
  }

  hex(n: number): string {
    return this.noise(Math.ceil(n / 2)).toString('hex').slice(0, n);
  }

  alnum(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += ALNUM[Math.floor(this.next() * ALNUM.length)];
    return out;
  }

  /** Base64 of `bytes` random bytes (DKIM signatures, anti-spam blobs). */
  base64(bytes: number): string {
    return this.noise(bytes).toString('base64');
  }
}
