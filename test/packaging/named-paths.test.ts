/**
 * The scripts (the demo's among them), benchmarks and documents name modules by path (`dist/lib/...js`,
 * `src/lib/...ts`), which no compiler checks: a module moved without them breaks `npm run demo` or a
 * benchmark only when it runs. Every such path must name a source file that exists.
 */
import {readdirSync, readFileSync, existsSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';
import {describe, expect, it} from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
const PATH = /\b(dist|src)\/lib\/[A-Za-z0-9/_.-]+\.(js|ts)\b/g;

function files(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(REPO, dir), {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path, keep));
    else if (keep(entry.name)) out.push(path);
  }
  return out;
}

/** The source a path names: `dist/lib/x/y.js` is compiled from `src/lib/x/y.ts`. */
function sourceOf(path: string): string {
  return path.startsWith('dist/') ? `src/${path.slice('dist/'.length).replace(/\.js$/, '.ts')}` : path.replace(/\.js$/, '.ts');
}

describe('paths named outside the compiled code', () => {
  it('name source files that exist', () => {
    const scanned = [
      ...files('scripts', (name) => /\.(js|sh|mjs)$/.test(name)),
      ...files('bench', (name) => /\.(js|ts|md)$/.test(name)),
      ...files('bin', () => true),
      ...files('docs', (name) => name.endsWith('.md')),
      'README.md',
      'DEVELOPERS.md',
    ].filter((file) => statSync(join(REPO, file)).isFile());
    const missing: string[] = [];
    let named = 0;
    for (const file of scanned) {
      for (const [path] of readFileSync(join(REPO, file), 'utf8').matchAll(PATH)) {
        named++;
        if (!existsSync(join(REPO, sourceOf(path)))) missing.push(`${relative(REPO, join(REPO, file))}: ${path}`);
      }
    }
    expect(named).toBeGreaterThan(10); // the scan finds the paths it is about
    expect(missing).toEqual([]);
  });
});
