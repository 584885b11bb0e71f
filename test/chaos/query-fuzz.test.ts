/**
 * 5,000 fuzzed queries through the real parser, compiler and search (searchMessages) on a small archived
 * site (test/lib/read/search/mail-fixture.ts, indexed by the built CLI), and the worst of them through the
 * built `bonnie search`: every query either runs or is refused with the documented QueryInvalid (exit 2,
 * a position); nothing else is thrown, never a stack overflow or an SQLite error. Deterministic: the
 * queries come from a seeded PRNG, so a failure names a query that fails again.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../src/lib/base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../src/lib/base/errors.js';
import {MAX_QUERY_DEPTH} from '../../src/lib/read/search/query.js';
import {searchMessages} from '../../src/lib/read/search/search.js';
import {archiveSite, type Site} from '../lib/read/search/mail-fixture.js';
import {seeded} from '../helpers/random.js';

const QUERIES = 5000;
const SEED = 0x5eed_b0;


const WORDS = ['invoice', 'budget', 'Müller', 'naïve', '東京', 'Ünïcödé', 'عربى', '📎', 'e\u0301', 'x', '42', 'a-b', 'user@example.org', 'http://x.y/z', '12:30', '*', '^', 'NEAR', 'AND', 'OR', 'NOT', 'and', 'or', '-', '--', '\\', '%', "'", ';--', 'DROP', '\u0000', '\u2028', '\uFEFF', '\uD800', 'ﬁ', 'İ', '∞'];
const FIELDS = ['from', 'to', 'cc', 'subject', 'body', 'attachment', 'messageid', 'message-id', 'has', 'before', 'after', 'on', 'larger', 'smaller', 'user', 'folder', 'flag', 'deleted', 'FROM', 'Subject', 'bogus', 'x-y', ''];
const VALUES = ['2026', '2026-02-30', '2026-13-01', '2026-00-10', '0000', '0050-01-01', '9999-12-31', '99999', '275760-09-13', '7d', '0d', '100000000000d', '-1d', '1e9', '99999999999999999999999', '1.5MB', '0', 'k', '.5k', '1.', 'attachment', 'ATTACHMENT', 'yes', 'no', 'maybe', 'seen', '\\Flagged', '$Label1', 'INBOX', 'user.alice.Sent', 'alice', '', '"quoted"', '"unclosed', '""', '"  "'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** One token of the query language, or something close to one. */
function token(random: () => number): string {
  const r = random();
  if (r < 0.3) return pick(random, WORDS);
  if (r < 0.55) return `${pick(random, FIELDS)}:${pick(random, VALUES)}`;
  if (r < 0.65) return `"${pick(random, WORDS)} ${pick(random, WORDS)}${random() < 0.2 ? '' : '"'}`;
  if (r < 0.75) return pick(random, ['(', ')', '((', '))', '()']);
  if (r < 0.85) return pick(random, ['AND', 'OR', 'NOT', '-', '-from:bob', '-"x"', 'NOT NOT']);
  if (r < 0.9) return `${pick(random, ['larger', 'smaller'])}:${'9'.repeat(1 + Math.floor(random() * 400))}`;
  if (r < 0.95) return String.fromCodePoint(Math.floor(random() * 0x10ffff) & ~0xf800 || 0x41).repeat(1 + Math.floor(random() * 3));
  return pick(random, WORDS).repeat(1 + Math.floor(random() * 50));
}

/** A term the language accepts (the values may still be refused: 2026-02-30, maybe). */
function wellFormed(random: () => number): string {
  const r = random();
  if (r < 0.4) return pick(random, WORDS.filter((w) => /^[\p{L}\p{N}]+$/u.test(w)));
  if (r < 0.5) return `"${pick(random, ['invoice budget', 'Müller 東京', 'x 42'])}"`;
  return `${pick(random, FIELDS.filter((f) => f !== '' && f !== 'bogus' && f !== 'x-y'))}:${pick(random, VALUES.filter((v) => v !== '' && !v.startsWith('"')))}`;
}

/** Query number `i`: mostly token soup, sometimes deep nesting or very many terms. */
function query(random: () => number, i: number): string {
  const shape = i % 20;
  if (shape === 0) {
    const depth = 1 + Math.floor(random() * 20_000);
    const open = pick(random, ['(', 'NOT ', '-', '( NOT ']);
    return `${open.repeat(depth)}${token(random)}${random() < 0.7 && open.includes('(') ? ')'.repeat(depth) : ''}`;
  }
  if (shape === 1) {
    const terms = 1 + Math.floor(random() * 3000);
    const op = pick(random, [' OR ', ' AND ', ' ', ' OR NOT ']);
    return Array.from({length: terms}, () => token(random)).join(op);
  }
  const n = 1 + Math.floor(random() * 12);
  // A third of the queries from well-formed terms only, so that many reach the compiler and SQLite.
  if (shape < 8) return Array.from({length: n}, () => wellFormed(random)).join(pick(random, [' ', ' OR ', ' AND ', ' NOT ']));
  return Array.from({length: n}, () => token(random)).join(random() < 0.8 ? ' ' : '');
}

let dir: string;
let site: Site;
let catalog: Catalog;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-fuzz-'));
  // Only `bonnie init` creates a catalog; archiveSite archives into this one.
  openCatalog(join(dir, 'catalog.db'), {create: true}).close();
  site = await archiveSite(dir);
  const indexed = await site.run(['search', '--reindex']);
  if (indexed.code !== 0) throw new Error(`bonnie search --reindex failed (${indexed.code}): ${indexed.stderr}`);
  catalog = openCatalog(site.catalog, {readOnly: true});
});
afterAll(() => {
  catalog?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe('fuzzed search queries', () => {
  it(`runs ${QUERIES} generated queries: each finds mail or is refused with QueryInvalid, nothing else`, () => {
    const random = seeded(SEED);
    const now = new Date('2026-06-01T00:00:00Z');
    const outcomes = {ran: 0, refused: 0};
    const crashes: string[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = query(random, i);
      try {
        searchMessages(catalog.db, q, {now, limit: 5});
        outcomes.ran++;
      } catch (error) {
        if (error instanceof BonnieError && error.code === 'QueryInvalid' && error.exit === EXIT.usage && /at position \d+/.test(error.message)) outcomes.refused++;
        else crashes.push(`#${i} ${JSON.stringify(q.length > 200 ? `${q.slice(0, 200)}...` : q)}: ${error instanceof Error ? `${error.name} ${error.message}` : String(error)}`);
      }
    }
    // The figures for the report (bench/README is not the place: this is a robustness check).
    process.stderr.write(`query fuzz: ${QUERIES} queries, ${outcomes.ran} ran, ${outcomes.refused} refused (QueryInvalid), ${crashes.length} crashed\n`);
    expect(crashes.slice(0, 20)).toEqual([]);
    // The generator must reach both outcomes, or it tests nothing.
    expect(outcomes.ran).toBeGreaterThan(QUERIES / 10);
    expect(outcomes.refused).toBeGreaterThan(QUERIES / 10);
  });

  it('refuses a query nested 10,000 parentheses deep with QueryInvalid and the position, through the built CLI', async () => {
    const deep = `${'('.repeat(10_000)}invoice${')'.repeat(10_000)}`;
    const ran = await site.run(['search', '--no-update', '--json', '--', deep]);
    expect(ran.code).toBe(2);
    const {error} = JSON.parse(ran.stdout) as {error: {code: string; message: string}};
    expect(error.code).toBe('QueryInvalid');
    expect(error.message).toContain(`nests more than ${MAX_QUERY_DEPTH} levels deep`);
    expect(error.message).toMatch(new RegExp(`at position ${MAX_QUERY_DEPTH + 1}:`));
    expect(ran.stderr).not.toMatch(/RangeError|Maximum call stack/);
  });

  it('answers the other hard inputs through the built CLI without a stack trace', async () => {
    const cases: Array<[string, number]> = [
      ['subject:"unclosed', 2],
      ['before:2026-02-30', 2],
      [`larger:${'9'.repeat(400)}`, 0],
      ['after:0050-01-01', 0],
      [Array.from({length: 3000}, (_, i) => `w${i}`).join(' OR '), 2],
      ['東京 OR Müller OR naïve', 0],
      ['invoice \u0007 budget', 2],
    ];
    for (const [q, code] of cases) {
      const ran = await site.run(['search', '--no-update', '--', q]);
      expect(ran.code, `${q.slice(0, 60)}: ${ran.stderr}`).toBe(code);
      expect(ran.stderr).not.toMatch(/\n\s+at |SqliteError|RangeError/);
    }
  });
});
