/**
 * The Debian package, installed on this machine and used as an administrator would (README, "Setting up the
 * catalog"): `npm run deb` builds it once, `dpkg -i` installs it, then the installed /usr/bin/bonnie makes a
 * catalog in the lab, the installed dealer takes real Cyrus events exactly as notifyd hands them over,
 * `bonnie process` and `bonnie status` run as cyrus, `man` finds the pages; `dpkg -r` and `dpkg -P` remove
 * the program and leave the catalog alone.
 *
 * lintian checks the package the way Debian would (no error may remain; its warnings are printed): the
 * setup installs it with apt-get when it is missing, as test/harness/install.sh installs Cyrus.
 *
 * It changes the machine (a package, /etc/bonnie, /var/lib/bonnie): it refuses to run where a bonnie
 * package is already installed, and purges its own at the end, removing the folders postinst made only
 * if they are still empty.
 */
import {createHash} from 'node:crypto';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {readEvents} from '../harness/events.js';
import {REPO} from '../harness/lab.js';
import {mustRun, runCommand} from '../harness/process.js';

const lab = inject('lab');

/** What an administrator's shell gives bonnie: no BONNIE_* variable, so /etc/bonnie/bonnie.conf is read. */
const ADMIN_ENV: NodeJS.ProcessEnv = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8'};
/** Folders postinst makes when missing; removed at the end only if this test saw them made and they are empty. */
const MADE_BY_POSTINST = ['/var/lib/bonnie', '/var/log/bonnie'];

const work = mkdtempSync(join(tmpdir(), 'bonnie-deb-test-'));
const deb = join(work, 'bonnie.deb');
/** The catalog of the production steps, in the lab (cyrus can reach it: the lab folder is 0711). */
const catalog = join(lab.dir, 'deb', 'catalog.db');
const preexisting = new Set(MADE_BY_POSTINST.filter((dir) => existsSync(dir)));

/**
 * lintian, installed with apt-get when missing (non-interactively; the package lists refreshed only if the
 * install fails with the ones there are).
 */
async function ensureLintian(): Promise<void> {
  if ((await runCommand('sh', ['-c', 'command -v lintian'])).code === 0) return;
  const env = {...ADMIN_ENV, DEBIAN_FRONTEND: 'noninteractive'};
  const install = () => runCommand('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'lintian'], {env});
  let result = await install();
  if (result.code !== 0) {
    await mustRun('apt-get', ['update', '-q'], {env});
    result = await install();
  }
  if (result.code !== 0) throw new Error(`apt-get install lintian failed:\n${result.stdout}${result.stderr}`);
}

async function installed(): Promise<boolean> {
  const status = await runCommand('dpkg-query', ['-W', '-f=${Status}', 'bonnie']);
  return status.code === 0 && status.stdout.includes('installed') && !status.stdout.includes('not-installed');
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Runs an installed program as cyrus:mail, the way notifyd and the systemd units do. */
function asCyrus(program: string, args: readonly string[], options: {input?: string; env?: NodeJS.ProcessEnv; cwd?: string} = {}) {
  return runCommand('runuser', ['-u', 'cyrus', '-g', 'mail', '--', program, ...args], {env: options.env ?? ADMIN_ENV, input: options.input, cwd: options.cwd});
}

describe('the Debian package', () => {
  beforeAll(async () => {
    if (await installed()) throw new Error('a bonnie package is already installed on this machine: this test installs and purges its own, remove it first (dpkg -P bonnie)');
    // lintian first: it brings dpkg-dev, whose dpkg-shlibdeps the build uses for the addons' Depends.
    await ensureLintian();
    await mustRun(process.execPath, [join(REPO, 'scripts', 'build-deb.js'), '--out', deb], {env: process.env, cwd: REPO});
  });

  afterAll(async () => {
    if (await installed()) await runCommand('dpkg', ['-P', 'bonnie']);
    for (const dir of MADE_BY_POSTINST) {
      if (!preexisting.has(dir) && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    }
    rmSync(work, {recursive: true, force: true});
    rmSync(join(lab.dir, 'deb'), {recursive: true, force: true});
  });

  it('holds the program, its links, man pages, units and /etc files, and marks /etc conffiles', async () => {
    const listing = (await mustRun('dpkg-deb', ['-c', deb])).stdout;
    const paths = listing.split('\n').filter(Boolean).map((line) => line.slice(line.indexOf('./') + 1).replace(/ -> .*$/, ''));
    for (const path of [
      '/usr/lib/bonnie/package.json',
      '/usr/lib/bonnie/oclif.manifest.json',
      '/usr/lib/bonnie/bin/run.js',
      '/usr/lib/bonnie/bin/bonnie-dealer',
      '/usr/lib/bonnie/dist/bonnie-dealer.cjs',
      '/usr/lib/bonnie/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      '/usr/lib/bonnie/node_modules/@oclif/core/package.json',
      '/usr/bin/bonnie',
      '/usr/bin/bonnie-dealer',
      '/usr/share/man/man1/bonnie.1.gz',
      '/usr/share/man/man1/bonnie-dealer.1.gz',
      '/usr/lib/systemd/system/bonnie-listen.socket',
      '/usr/lib/systemd/system/bonnie-process.timer',
      '/etc/bonnie/bonnie.conf',
      '/etc/cron.d/bonnie',
      '/etc/logrotate.d/bonnie',
      '/usr/share/doc/bonnie/copyright',
      '/usr/share/doc/bonnie/changelog.gz',
      '/usr/share/bash-completion/completions/bonnie',
      '/usr/share/zsh/vendor-completions/_bonnie',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(listing).toMatch(/ \.\/usr\/bin\/bonnie -> \.\.\/lib\/bonnie\/bin\/run\.js$/m);
    // Production only: no dev dependency, no test runner, no TypeScript sources.
    for (const devOnly of ['node_modules/vitest/', 'node_modules/typescript/', 'node_modules/eslint/', 'node_modules/esbuild/', 'bin/dev.js']) {
      expect(paths.some((path) => path.includes(devOnly)), devOnly).toBe(false);
    }
    // Everything root's, nothing writable by others.
    expect(listing.split('\n').filter((line) => line !== '' && !/^\S+ root\/root /.test(line))).toEqual([]);
    expect(listing.split('\n').filter((line) => /^[-d]\S{7}w/.test(line))).toEqual([]);

    const control = (await mustRun('dpkg-deb', ['-f', deb])).stdout;
    expect(control).toMatch(/^Package: bonnie$/m);
    expect(control).toMatch(new RegExp(`^Architecture: ${(await mustRun('dpkg', ['--print-architecture'])).stdout.trim()}$`, 'm'));
    // The Node.js major the addons were built for, and what they link against (dpkg-shlibdeps).
    expect(control).toMatch(/^Depends: nodejs \(>= 20\), nodejs \(<< 21\), libc6 \(>= [\d.]+\)(, \S+ \(>= [\d.]+\))*$/m);
    const conffiles = (await mustRun('sh', ['-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xO ./conffiles`])).stdout;
    expect(conffiles.trim().split('\n').sort()).toEqual(['/etc/bonnie/bonnie.conf', '/etc/cron.d/bonnie', '/etc/logrotate.d/bonnie']);

  });

  // lintian reads every file of the package (~2 minutes on a loaded 2-core machine).
  it('passes lintian without errors', async () => {
    const lintian = await runCommand('lintian', ['--tag-display-limit', '0', deb], {env: ADMIN_ENV});
    console.error(`lintian (exit status ${lintian.code}):\n${lintian.stdout}`);
    // lintian exits non-zero when it finds errors (listed below) and when it cannot run (no tags then).
    if (lintian.code !== 0) expect(lintian.stdout, lintian.stderr).toMatch(/^E: /m);
    expect(lintian.stdout.split('\n').filter((line) => line.startsWith('E: '))).toEqual([]);
  }, 600_000);

  it('installs, runs the production steps against the lab, and is removed without touching the catalog', async () => {
    // nodejs must be a dpkg package for Depends to be met; where Node.js came from elsewhere, say so.
    const nodeFromDpkg = (await runCommand('dpkg', ['-s', 'nodejs'])).code === 0;
    if (!nodeFromDpkg) console.error('nodejs is not a dpkg package here: installing with --force-depends');
    await mustRun('dpkg', nodeFromDpkg ? ['-i', deb] : ['-i', '--force-depends', deb], {env: {...ADMIN_ENV, DEBIAN_FRONTEND: 'noninteractive'}});
    expect(await installed()).toBe(true);

    const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;
    expect((await mustRun('/usr/bin/bonnie', ['--version'], {env: ADMIN_ENV})).stdout).toContain(`bonnie/${version}`);
    // postinst: the catalog's folder, the cyrus user's, nothing in it.
    const varLib = statSync('/var/lib/bonnie');
    expect((varLib.mode & 0o777).toString(8)).toBe('750');
    expect((await mustRun('stat', ['-c', '%U:%G', '/var/lib/bonnie'])).stdout.trim()).toBe('cyrus:mail');
    expect(existsSync('/var/lib/bonnie/catalog.db')).toBe(false);
    expect(readFileSync('/etc/bonnie/bonnie.conf', 'utf8')).toMatch(/^#catalog: \/var\/lib\/bonnie\/catalog\.db$/m);
    // The three native addons load from the installed tree (build-deb.js removed their sources and objects).
    const addons = await asCyrus(process.execPath, ['-e', "for (const m of ['better-sqlite3', 'unix-dgram', 'zstd-napi']) require(require.resolve(m, {paths: ['/usr/lib/bonnie']}))"], {cwd: '/'});
    expect({code: addons.code, stderr: addons.stderr}).toEqual({code: 0, stderr: ''});
    expect((await mustRun('man', ['-w', 'bonnie'], {env: ADMIN_ENV})).stdout.trim()).toBe('/usr/share/man/man1/bonnie.1.gz');
    expect((await mustRun('man', ['-w', 'bonnie-dealer'], {env: ADMIN_ENV})).stdout.trim()).toBe('/usr/share/man/man1/bonnie-dealer.1.gz');
    // bash-completion loads the installed file for `bonnie`: "bonnie sta<TAB>" gives status.
    const completed = await mustRun('bash', ['--norc', '--noprofile', '-c', 'source /usr/share/bash-completion/completions/bonnie; COMP_WORDS=(bonnie sta); COMP_CWORD=1; _bonnie bonnie sta bonnie; echo "${COMPREPLY[@]}"'], {env: ADMIN_ENV});
    expect(completed.stdout.trim()).toBe('status');

    // README's steps: init as root for cyrus:mail, the dealer as notifyd runs it, process and status as cyrus.
    await mustRun('/usr/bin/bonnie', ['init', '--owner', 'cyrus:mail', '--catalog', catalog], {env: ADMIN_ENV});
    expect((await mustRun('stat', ['-c', '%U:%G %a', catalog])).stdout.trim()).toBe('cyrus:mail 640');

    // Real events of this lab's Cyrus, as notifyd hands them over: notifyd's argv, the JSON on stdin,
    // cyrmaster's environment (the catalog from it, as the lab does, instead of bonnie.conf's catalog:).
    const events = readEvents(lab).slice(0, 3);
    expect(events.length).toBe(3);
    const notifydEnv = {PATH: ADMIN_ENV.PATH, BONNIE_CATALOG: catalog};
    for (const event of events) {
      const dealt = await asCyrus('/usr/lib/bonnie/bin/bonnie-dealer', ['-c', 'EVENT', '-p', 'MEDIUM', '-u', '', '-m', '', '-f'], {
        input: `${JSON.stringify(event.json)}\n`,
        env: notifydEnv,
        cwd: join(lab.dir, 'var', 'lib'),
      });
      expect({code: dealt.code, stdout: dealt.stdout, stderr: dealt.stderr}).toEqual({code: 0, stdout: '', stderr: ''});
    }

    const processed = await asCyrus('/usr/bin/bonnie', ['process', '--catalog', catalog, '--quiet']);
    expect(processed.code, processed.stderr).toBe(0);
    const status = await asCyrus('/usr/bin/bonnie', ['status', '--catalog', catalog, '--json']);
    const report = JSON.parse(status.stdout) as {queue: {done: number; pending: number; dead: number; quarantined: number}};
    expect(report.queue).toMatchObject({done: 3, pending: 0, dead: 0, quarantined: 0});
    const before = sha256(catalog);

    await mustRun('dpkg', ['-r', 'bonnie'], {env: ADMIN_ENV});
    expect(existsSync('/usr/bin/bonnie')).toBe(false);
    expect(existsSync('/usr/lib/bonnie')).toBe(false);
    // A removed package keeps its conffiles until purged; the catalog is never the package's.
    expect(existsSync('/etc/bonnie/bonnie.conf')).toBe(true);
    expect(sha256(catalog)).toBe(before);

    await mustRun('dpkg', ['-P', 'bonnie'], {env: ADMIN_ENV});
    expect(existsSync('/etc/bonnie/bonnie.conf')).toBe(false);
    expect(existsSync('/var/lib/bonnie')).toBe(true);
    expect(sha256(catalog)).toBe(before);
  });
});
