/** The demo's bundled events are the real specimens, unchanged. */
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {SPECIMENS} from './helpers/paths.js';

const SAMPLES = fileURLToPath(new URL('../samples/events/', import.meta.url));

describe('samples/events', () => {
  it.skipIf(!existsSync(SPECIMENS))('holds exactly the Cyrus specimens from ../shared', () => {
    const names = readdirSync(SPECIMENS).sort();
    expect(readdirSync(SAMPLES).sort()).toEqual(names);
    for (const name of names) expect(readFileSync(join(SAMPLES, name)).equals(readFileSync(join(SPECIMENS, name))), name).toBe(true);
  });
});
