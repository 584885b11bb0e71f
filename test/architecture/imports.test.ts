/**
 * Issue 14: imports point one way only. The folders of src/lib are ranked below; a module may import its
 * own folder or a folder ranked before it. Today's back-edges are listed in KNOWN: a new one fails, and so
 * does a KNOWN one that no longer happens, so the list only shrinks. Commands (src/commands) may import
 * src/lib, never the drivers themselves.
 */
import {describe, expect, it} from 'vitest';
import {importSpecifiers, listTs, resolveRelative} from './source-scan.js';

/**
 * Lowest first: src/lib/<layer>/<folder> (src/lib/base/errors.ts is `base/errors`, src/lib/cli is `cli`).
 * Within a layer, ranked by who calls whom today. docs/ARCHITECTURE.md draws the same picture.
 */
const LAYERS: ReadonlyArray<readonly [layer: string, folders: readonly string[]]> = [
  ['base', ['errors', 'system', 'log', 'config', 'catalog']],
  ['core', ['time', 'event', 'job-lifecycle', 'mail', 'folder', 'selector']],
  ['sources', ['directory', 'cyrus', 'imap', 'maillog']],
  ['store', ['archive']],
  // Dependency order, not the data's: capture calls queue's Ingester, process calls the record, collect
  // calls the archive; dlp reads the record, and process and collect call it after each batch.
  // retention (rules, holds, their log: base only) sits below snapshot, whose writers carry its rows into the segments.
  ['pipeline', ['queue', 'capture', 'record', 'dlp', 'retention', 'process', 'snapshot', 'collect', 'maillog', 'intercept', 'rebuild']],
  ['read', ['status', 'discovery', 'search', 'dlp-scan', 'retention', 'groupware', 'trace', 'doctor']],
  ['out', ['restore', 'export']],
  ['cli', ['']],
];

/** Back-edges today, one line each: [importing file, imported file]. Remove a line when fixed; never add one. */
const KNOWN: ReadonlyArray<readonly [from: string, to: string]> = [];

/** Packages only src/lib may load: one module owns each driver. */
const DRIVERS = ['better-sqlite3', 'imapflow', 'ldapts', 'tar-stream', 'zstd-napi'];

const RANK = new Map(LAYERS.flatMap(([layer, folders]) => folders.map((folder) => (folder === '' ? layer : `${layer}/${folder}`))).map((folder, i) => [folder, i]));

/** `src/lib/<layer>/<folder>/...` or `src/lib/<layer>/<folder>.ts` → `layer/folder`; `src/lib/cli/...` → `cli`. */
function folderOf(file: string): string | undefined {
  if (file.startsWith('src/lib/cli/')) return 'cli';
  const match = /^src\/lib\/([^/.]+)\/([^/.]+)(?:\/|\.ts$)/.exec(file);
  return match === null ? undefined : `${match[1]}/${match[2]}`;
}

function backEdges(): string[] {
  const out: string[] = [];
  for (const file of listTs('src/lib')) {
    const from = folderOf(file) as string;
    for (const specifier of importSpecifiers(file)) {
      const target = resolveRelative(file, specifier);
      const to = target && folderOf(target);
      if (!to || to === from) continue;
      if ((RANK.get(to) ?? -1) > (RANK.get(from) ?? -1)) out.push(`${file} ${target}`);
    }
  }
  return [...new Set(out)].sort();
}

describe('import graph (issue 14)', () => {
  it('ranks every folder of src/lib exactly once', () => {
    const folders = new Set(listTs('src/lib').map((file) => folderOf(file)));
    expect([...folders].sort()).toEqual([...RANK.keys()].sort());
    expect(RANK.size).toBe(LAYERS.flatMap(([, folders]) => folders).length);
  });

  it('imports point down the layers (KNOWN only shrinks)', () => {
    const found = backEdges();
    const known = KNOWN.map(([from, to]) => `${from} ${to}`).sort();
    console.error(`imports: ${found.length} back-edges (KNOWN ${known.length})`);
    expect(found.filter((e) => !known.includes(e)), 'new back-edge: move the code down, or invert the call').toEqual([]);
    expect(known.filter((e) => !found.includes(e)), 'fixed: remove these lines from KNOWN').toEqual([]);
  });

  it('sees static, re-export and dynamic imports', () => {
    // The parser itself, on a module that uses all three forms: otherwise the ratchet could pass vacuously.
    expect(importSpecifiers('src/lib/read/doctor/reach.ts')).toContain('../../sources/imap/connect.js');
    expect(importSpecifiers('src/lib/cli/schema.ts')).toContain('../pipeline/queue/schema.js');
    expect(importSpecifiers('src/lib/cli/live-progress.ts')).toContain('../base/config/bytes.js');
  });

  it('keeps src/lib from importing commands, and commands from loading the drivers', () => {
    for (const file of listTs('src/lib')) {
      for (const specifier of importSpecifiers(file)) expect(resolveRelative(file, specifier) ?? '', file).not.toMatch(/^src\/commands\//);
    }
    const commands = listTs('src/commands');
    expect(commands.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of commands) {
      for (const specifier of importSpecifiers(file)) {
        if (DRIVERS.some((d) => specifier === d || specifier.startsWith(`${d}/`))) offenders.push(`${file} ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
