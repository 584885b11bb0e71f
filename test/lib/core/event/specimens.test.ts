// Every real Cyrus 3.6 event in /work/shared/cyrus/specimens parses cleanly, with the type INDEX.tsv names.
import {readFileSync, readdirSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {SPECIMENS, load} from './specimen-helpers.js';

const INDEX = readFileSync(new URL('INDEX.tsv', SPECIMENS), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split('\t'));

describe('specimens', () => {
  it('are all present (96 events)', () => {
    const files = readdirSync(fileURLToPath(SPECIMENS)).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(96);
    expect(INDEX).toHaveLength(96);
  });

  it.each(INDEX.map(([nn, type]) => [nn ?? '', type ?? '']))('%s (%s) parses with no warnings', (nn, type) => {
    const file = `${nn}-${type}.json`;
    const event = load(file);
    expect(event.type).toBe(type);
    expect(event.known).toBe(true);
    expect(event.warnings).toEqual([]);
  });
});
