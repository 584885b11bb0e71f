/**
 * What one `bonnie` call loads before it does anything. Cron runs bonnie every minute and tests spawn it
 * hundreds of times: a call must load the one command it runs, and the heavy packages only when it uses
 * them. (How long that takes is measured by bench/startup.js, never asserted here.)
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import {pathToFileURL} from 'node:url';
import {describe, expect, it} from 'vitest';
import {REPO} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const TRACER = join(REPO, 'test', 'helpers', 'record-all-modules.js');
const DIST_COMMANDS = join(REPO, 'dist', 'commands');
/** Packages a command loads only on the paths that need them (a terminal, IMAP, LDAP, parsing or packing mail). */
const HEAVY = ['ink', 'react', 'react-reconciler', 'es-toolkit', 'yoga-layout', 'imapflow', 'ldapts', 'postal-mime', 'tar-stream'];

interface Manifest {
  version: string;
  commands: Record<string, {flags: Record<string, unknown>}>;
}

/** Command ids as oclif finds them in dist/commands: `status`, `queue:list` for queue/list.js. */
function builtCommandIds(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  return walk(DIST_COMMANDS)
    .filter((file) => file.endsWith('.js'))
    .map((file) => relative(DIST_COMMANDS, file).replace(/\.js$/, '').split('/').join(':'))
    .sort();
}

/** Runs the built CLI under the module recorder; returns its result and the module files it loaded, relative to the repository. */
async function traced(args: string[]) {
  const record = join(tempDir(), 'modules.txt');
  const ran = await bonnie(args, {env: {BONNIE_CONFIG: '/dev/null', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${TRACER}`, RECORD_MODULES_TO: record}});
  const loaded = existsSync(record) ? [...new Set(readFileSync(record, 'utf8').split('\n').filter((line) => line !== ''))] : [];
  return {ran, loaded: loaded.map((file) => relative(REPO, file))};
}

const packagesOf = (loaded: string[]) => new Set(loaded.filter((file) => file.includes('node_modules/')).map((file) => file.split('node_modules/').pop()?.split('/')[0] ?? ''));

describe('oclif.manifest.json (npm run build)', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as Manifest;

  it('lists every built command, for this version', () => {
    const pjson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string};
    expect(manifest.version).toBe(pjson.version);
    expect(Object.keys(manifest.commands).sort()).toEqual(builtCommandIds());
  });

  it('has every flag each built command declares (it is not older than dist/)', async () => {
    for (const id of builtCommandIds()) {
      const module = (await import(pathToFileURL(join(DIST_COMMANDS, `${id.split(':').join('/')}.js`)).href)) as {default: {flags?: Record<string, unknown>; baseFlags?: Record<string, unknown>}};
      const declared = Object.keys({...module.default.baseFlags, ...module.default.flags}).sort();
      expect(Object.keys(manifest.commands[id]?.flags ?? {}), id).toEqual(expect.arrayContaining(declared));
    }
  });
});

describe('bonnie start-up', () => {
  it('--version loads two files: bin/run.js and oclif bundled into one (no command, no package)', async () => {
    const {ran, loaded} = await traced(['--version']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^bonnie\/\d+\.\d+\.\d+ /);
    expect(loaded.filter((file) => file !== relative(REPO, TRACER))).toEqual(['bin/run.js', 'dist/oclif/lib/index.mjs']);
  });

  it('status loads its own command only, from dist/ even under NODE_ENV=test, and nothing heavy', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    expect((await bonnie(['init', '--catalog', catalog], {env: {BONNIE_CONFIG: '/dev/null'}})).code).toBe(0);
    const {ran, loaded} = await traced(['status', '--catalog', catalog]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/pending/);
    // vitest runs with NODE_ENV=test, which would make oclif look for src/ and a TypeScript loader.
    expect(process.env.NODE_ENV).toBe('test');
    expect(loaded.filter((file) => file.startsWith('dist/commands/'))).toEqual(['dist/commands/status.js']);
    expect(loaded.filter((file) => file.startsWith('src/'))).toEqual([]);
    const packages = packagesOf(loaded);
    // @oclif/core comes bundled (dist/oclif/): its ~120 files from node_modules would double the start-up.
    for (const name of [...HEAVY, 'tsx', '@oclif']) expect(packages, name).not.toContain(name);
  });

  it('search without a terminal draws no progress and loads neither ink nor react', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    expect((await bonnie(['init', '--catalog', catalog], {env: {BONNIE_CONFIG: '/dev/null'}})).code).toBe(0);
    const {ran, loaded} = await traced(['search', 'from:bob', '--catalog', catalog]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).not.toMatch(/Indexing/);
    expect(ran.stderr).not.toContain('\u001b[');
    const packages = packagesOf(loaded);
    for (const name of HEAVY) expect(packages, name).not.toContain(name);
  });
});
