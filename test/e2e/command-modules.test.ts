/**
 * Which module files a `bonnie` call loads (issue 14: heavy modules only where used). Monitoring runs
 * `bonnie status` every few minutes and cron scripts spawn bonnie over and over: a call that loads a
 * terminal renderer, an IMAP or LDAP client, a MIME parser or a compressor it does not use pays for them
 * on every start. (bench/startup.js measures the CPU time; this test only lists files, it never times.)
 */
import {existsSync, readFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const TRACER = join(REPO, 'test', 'helpers', 'record-all-modules.js');
/** Packages no quick call may load: a terminal UI, IMAP, MIME parsing, LDAP, tar, zstd. */
const HEAVY = ['ink', 'react', 'react-reconciler', 'yoga-layout', 'imapflow', 'postal-mime', 'ldapts', 'tar-stream', 'zstd-napi'];

/** Runs the built CLI under the module recorder: its result and the files it loaded, relative to the repository. */
async function traced(args: string[]) {
  const record = join(tempDir(), 'modules.txt');
  const ran = await bonnie(args, {env: {BONNIE_CONFIG: '/dev/null', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${TRACER}`, RECORD_MODULES_TO: record}});
  const files = existsSync(record) ? [...new Set(readFileSync(record, 'utf8').split('\n').filter((line) => line !== ''))] : [];
  const loaded = files.map((file) => relative(REPO, file)).filter((file) => file !== relative(REPO, TRACER));
  return {ran, loaded, packages: packagesOf(loaded)};
}

function packagesOf(loaded: string[]): string[] {
  const names = loaded.filter((file) => file.includes('node_modules/')).map((file) => {
    const [first, second] = (file.split('node_modules/').pop() ?? '').split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? '');
  });
  return [...new Set(names)].sort();
}

describe('modules a bonnie call loads', () => {
  it('--version: bin/run.js and the oclif bundle, nothing else', async () => {
    const {ran, loaded} = await traced(['--version']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^bonnie\/\d+\.\d+\.\d+ /);
    expect(loaded).toEqual(['bin/run.js', 'dist/oclif/lib/index.mjs']);
  });

  it('status --json: its own bundled command and SQLite\'s addon, no heavy package', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    expect((await bonnie(['init', '--catalog', catalog], {env: {BONNIE_CONFIG: '/dev/null'}})).code).toBe(0);
    const {ran, loaded, packages} = await traced(['status', '--json', '--catalog', catalog]);
    expect(ran.code, ran.stderr).toBe(0);
    expect((JSON.parse(ran.stdout) as {queue: {pending: number}}).queue.pending).toBe(0);
    // The tracer sees ES modules and native addons alike: otherwise the absences below would prove nothing.
    expect(loaded).toContain('dist/commands/status.js');
    expect(loaded).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    for (const name of HEAVY) expect(packages, name).not.toContain(name);
    // One file for the command and everything it imports (scripts/bundle-commands.js), better-sqlite3's
    // JavaScript included: only its addon is loaded from node_modules.
    expect(loaded.filter((file) => file.startsWith('dist/lib/'))).toEqual([]);
    expect(loaded.filter((file) => file.includes('node_modules/'))).toEqual(['node_modules/better-sqlite3/build/Release/better_sqlite3.node']);
  });

  it('<command> --help, for every command: no command module and no package (the manifest answers)', async () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>};
    const ids = Object.keys(manifest.commands).sort();
    expect(ids).toContain('history');
    for (const id of ids) {
      const {ran, loaded, packages} = await traced([...id.split(':'), '--help']);
      expect(ran.code, `${id}: ${ran.stderr}`).toBe(0);
      expect(ran.stdout, id).toMatch(/USAGE/);
      expect(packages, id).toEqual([]);
      // bonnie's help class (package.json oclif.helpClass) lays the text out; it imports nothing else.
      expect(loaded.filter((file) => file.startsWith('dist/')).sort(), id).toEqual(['dist/lib/cli/help-text.js', 'dist/lib/cli/help.js', 'dist/oclif/lib/index.mjs']);
    }
  });
});
