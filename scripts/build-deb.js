#!/usr/bin/env node
/**
 * Builds the Debian package dist/bonnie_<version>_<arch>.deb from the built tree (`npm run build` first),
 * with dpkg-deb: no debhelper, no new npm dependency.
 *
 *   /usr/lib/bonnie                 package.json, oclif.manifest.json, bin/, dist/, production node_modules/
 *   /usr/bin/bonnie, bonnie-dealer  links into /usr/lib/bonnie/bin
 *   /usr/share/man/man1             man/*.1, gzipped
 *   /usr/lib/systemd/system         docs/systemd/* (shipped, not enabled)
 *   /etc/bonnie/bonnie.conf         every key commented, generated from the code (build-deb-conf.js)
 *   /etc/cron.d, /etc/logrotate.d   packaging/cron, packaging/logrotate (commented / for /var/log/bonnie)
 *
 * node_modules is this checkout's, copied and pruned of dev dependencies (`npm prune --omit=dev`): the
 * native addons (better-sqlite3, unix-dgram, zstd-napi) are the ones built here, for this machine's
 * architecture and Node.js ABI, hence an architecture-specific package that depends on the Node.js major
 * it was built with (nodejs (>= 20), nodejs (<< 21) when built with Node.js 20; bonnie needs >= 20).
 *
 *   npm run deb                     (node scripts/build-deb.js [--out <file.deb>])
 *
 * Exit status: 0 built, 1 a step failed (its output is shown), 2 no build or bad usage.
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';
import {renderConfig} from './build-deb-conf.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const PACKAGING = join(REPO, 'packaging');
/** Where the package's program lives; /usr/bin holds links to it. */
const LIB = 'usr/lib/bonnie';
/** bin/dev.js runs src/ through tsx, a dev dependency: not shipped. */
const SHIPPED_BIN = ['run.js', 'bonnie-dealer', 'bonnie-socket-holder'];
/** packaging/control's Maintainer, repeated in the Debian changelog. */
const MAINTAINER = 'bonnie developers <root@localhost>';

function fail(status, message) {
  console.error(`build-deb: ${message}`);
  process.exit(status);
}

/** Runs a program, its output shown only when it fails. */
function run(file, args, options = {}) {
  try {
    return execFileSync(file, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options});
  } catch (error) {
    fail(1, `${file} ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
  }
}

function parseArgs(argv) {
  const options = {out: undefined};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1] !== undefined) options.out = argv[++i];
    else fail(2, `unknown argument ${argv[i]} (usage: node scripts/build-deb.js [--out <file.deb>])`);
  }
  return options;
}

/** Bytes under `path`, in KiB as dpkg counts them (Installed-Size). */
function sizeKiB(path) {
  let bytes = 0;
  const walk = (p) => {
    const stat = statSync(p, {throwIfNoEntry: false});
    if (stat === undefined) return;
    if (stat.isDirectory()) for (const entry of readdirSync(p)) walk(join(p, entry));
    else bytes += stat.size;
  };
  walk(path);
  return Math.ceil(bytes / 1024);
}

/** The program tree: what `npm install -g` of the package would give, dev dependencies left out. */
function stageProgram(root) {
  const lib = join(root, LIB);
  mkdirSync(join(lib, 'bin'), {recursive: true});
  for (const file of ['package.json', 'package-lock.json', 'oclif.manifest.json']) copyFileSync(join(REPO, file), join(lib, file));
  for (const file of SHIPPED_BIN) copyFileSync(join(REPO, 'bin', file), join(lib, 'bin', file));
  // dist/ also receives the .deb itself: only the build's output is copied.
  cpSync(join(REPO, 'dist'), join(lib, 'dist'), {recursive: true, filter: (src) => !src.endsWith('.deb')});
  // Tools' caches at the top of node_modules (.vite, .cache...) are not packages.
  const modules = join(REPO, 'node_modules');
  cpSync(modules, join(lib, 'node_modules'), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !(src.startsWith(`${modules}/.`) && src !== `${modules}/.bin` && !src.startsWith(`${modules}/.bin/`) && src !== `${modules}/.package-lock.json`),
  });
  // --ignore-scripts: nothing is rebuilt, the addons stay the ones built and tested here.
  run('npm', ['prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {cwd: lib});
  rmSync(join(lib, 'package-lock.json'));
  // npm prune leaves the scope folders (@eslint/, @vitest/...) of what it removed, empty.
  run('find', [join(lib, 'node_modules'), '-mindepth', '1', '-type', 'd', '-empty', '-delete']);
  // What only the compiler read (C/C++ sources, vendored SQLite and zstd, objects, makefiles): 12 MB of the
  // package's 46. Only the addons themselves (build/Release/*.node) and their JavaScript are loaded.
  for (const addon of ['better-sqlite3', 'unix-dgram', 'zstd-napi']) {
    const addonDir = join(lib, 'node_modules', addon);
    rmSync(join(addonDir, 'deps'), {recursive: true, force: true});
    if (existsSync(join(addonDir, 'src')) && onlyNativeSources(join(addonDir, 'src'))) rmSync(join(addonDir, 'src'), {recursive: true});
    const build = join(addonDir, 'build');
    if (!existsSync(build)) continue;
    for (const entry of readdirSync(build)) if (entry !== 'Release') rmSync(join(build, entry), {recursive: true, force: true});
    const release = join(build, 'Release');
    if (!existsSync(release)) continue;
    // test_extension.node is better-sqlite3's own test fixture.
    for (const entry of readdirSync(release)) if (!entry.endsWith('.node') || entry === 'test_extension.node') rmSync(join(release, entry), {recursive: true, force: true});
    // Debug symbols are for the machine that built them (Debian policy 10.1: binaries are stripped).
    for (const entry of readdirSync(release)) run('strip', ['--strip-unneeded', join(release, entry)]);
  }
  mkdirSync(join(root, 'usr', 'bin'), {recursive: true});
  symlinkSync('../lib/bonnie/bin/run.js', join(root, 'usr', 'bin', 'bonnie'));
  symlinkSync('../lib/bonnie/bin/bonnie-dealer', join(root, 'usr', 'bin', 'bonnie-dealer'));
}

/** True when every file under `dir` is C or C++ (source or header). */
function onlyNativeSources(dir) {
  return readdirSync(dir, {recursive: true, withFileTypes: true}).every((entry) => entry.isDirectory() || /\.(c|cc|cpp|h|hpp|lzz)$/.test(entry.name));
}

/** Man pages, systemd units, /etc files, copyright. */
async function stageFiles(root, version) {
  const man = join(root, 'usr', 'share', 'man', 'man1');
  mkdirSync(man, {recursive: true});
  // zlib's gzip header carries no name and no time: the same page gives the same bytes (Debian policy 12.3).
  for (const page of readdirSync(join(REPO, 'man')).filter((f) => f.endsWith('.1'))) {
    writeFileSync(join(man, `${page}.gz`), gzipSync(readFileSync(join(REPO, 'man', page)), {level: 9}));
  }
  const units = join(root, 'usr', 'lib', 'systemd', 'system');
  mkdirSync(units, {recursive: true});
  for (const unit of readdirSync(join(REPO, 'docs', 'systemd'))) copyFileSync(join(REPO, 'docs', 'systemd', unit), join(units, unit));

  const settings = await import(pathToFileURL(join(REPO, 'dist', 'lib', 'base', 'config', 'settings.js')).href);
  mkdirSync(join(root, 'etc', 'bonnie'), {recursive: true});
  writeFileSync(join(root, 'etc', 'bonnie', 'bonnie.conf'), renderConfig(settings.SETTING_KEYS));
  mkdirSync(join(root, 'etc', 'cron.d'), {recursive: true});
  copyFileSync(join(PACKAGING, 'cron'), join(root, 'etc', 'cron.d', 'bonnie'));
  mkdirSync(join(root, 'etc', 'logrotate.d'), {recursive: true});
  copyFileSync(join(PACKAGING, 'logrotate'), join(root, 'etc', 'logrotate.d', 'bonnie'));

  const doc = join(root, 'usr', 'share', 'doc', 'bonnie');
  mkdirSync(doc, {recursive: true});
  copyFileSync(join(PACKAGING, 'copyright'), join(doc, 'copyright'));
  writeFileSync(join(doc, 'changelog.gz'), gzipSync(debianChangelog(version), {level: 9}));
}

/**
 * The changelog Debian policy (12.7) asks of every package: one entry for this version, dated by the last
 * commit (the same tree gives the same bytes); the history users read is the repository's CHANGELOG.md.
 */
function debianChangelog(version) {
  const date = run('git', ['log', '-1', '--format=%aD'], {cwd: REPO}).trim() || new Date().toUTCString();
  return `bonnie (${version}) unstable; urgency=medium\n\n  * Built from the bonnie repository; see its CHANGELOG.md.\n\n -- ${MAINTAINER}  ${date}\n`;
}

function stageControl(root, version, arch) {
  // The addons were compiled for this Node.js major's ABI (20: 115, 22: 127): another major cannot load them.
  const major = Number(process.versions.node.split('.')[0]);
  const debian = join(root, 'DEBIAN');
  mkdirSync(debian);
  const control = readFileSync(join(PACKAGING, 'control'), 'utf8')
    .replaceAll('@VERSION@', version)
    .replaceAll('@ARCH@', arch)
    .replaceAll('@MAINTAINER@', MAINTAINER)
    .replaceAll('@NODE_MAJOR@', String(major))
    .replaceAll('@NODE_NEXT_MAJOR@', String(major + 1))
    .replaceAll('@INSTALLED_SIZE@', String(sizeKiB(join(root, 'usr')) + sizeKiB(join(root, 'etc'))));
  writeFileSync(join(debian, 'control'), control);
  copyFileSync(join(PACKAGING, 'conffiles'), join(debian, 'conffiles'));
  for (const script of ['postinst', 'prerm', 'postrm']) {
    copyFileSync(join(PACKAGING, script), join(debian, script));
    chmodSync(join(debian, script), 0o755);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const built of ['dist/bonnie-dealer.cjs', 'dist/commands', 'dist/lib/base/config/settings.js', 'oclif.manifest.json']) {
    if (!existsSync(join(REPO, built))) fail(2, `${built} is missing: run \`npm run build\` first`);
  }
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const arch = run('dpkg', ['--print-architecture']).trim();
  const out = options.out ?? join(REPO, 'dist', `bonnie_${pkg.version}_${arch}.deb`);

  const root = mkdtempSync(join(tmpdir(), 'bonnie-deb-'));
  try {
    stageProgram(root);
    await stageFiles(root, pkg.version);
    stageControl(root, pkg.version, arch);
    // Files as their owner made them, readable by all; writable by root only (dpkg installs them as root).
    run('chmod', ['-R', 'u+rwX,go+rX,go-w', root]);
    // Shared objects are loaded (dlopen), never run.
    run('find', [join(root, LIB, 'node_modules'), '-name', '*.node', '-exec', 'chmod', '0644', '{}', '+']);
    run('dpkg-deb', ['--root-owner-group', '--build', root, out]);
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
  console.error(`build-deb: ${out} (${Math.round(statSync(out).size / 1024)} KiB)`);
  console.log(out);
}

await main();
