#!/usr/bin/env node
/**
 * Generates the man pages in man/ from the built commands: bonnie(1) and one bonnie-<command>(1) per
 * command. The commands, flags, exit statuses and configuration keys are read from dist/ (run
 * `npm run build` first), so the pages cannot drift from the code.
 *
 *   node scripts/gen-man.js           write man/*.1 (only files whose content changed) and remove the
 *                                     pages of commands that no longer exist
 *   node scripts/gen-man.js --check   write nothing; exit 1 and list the files that differ if man/ is
 *                                     not up to date
 *
 * Exit status: 0 done (or up to date), 1 man/ is out of date (--check), 2 the pages could not be
 * generated (no build, a command that does not load, bad usage).
 *
 * Output is deterministic: the same sources give the same bytes on any machine and any day. Roff is
 * man(7) only (no mdoc, no tbl), so groff, mandoc and man-db all render it.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {devNull} from 'node:os';
import {join, relative, sep} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {bold, esc, italic, Page, quoted, r, ref, SECTION} from './man/roff.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const MAN_DIR = join(REPO, 'man');
const DIST_COMMANDS = join(REPO, 'dist', 'commands');
const SRC_COMMANDS = join(REPO, 'src', 'commands');
const MANUAL = 'Bonnie Manual';
/** settings.ts reads this variable but does not export its name. */
const CONFIG_ENV = 'BONNIE_CONFIG';
/** Placeholder shown after a flag that takes a value, by the kind of setting it overrides. */
const KIND_PLACEHOLDER = {path: 'path', paths: 'paths', names: 'names', duration: 'duration', count: 'n', url: 'url', dn: 'dn', filter: 'filter', name: 'name'};

class GenManError extends Error {}

async function main(argv) {
  const unknown = argv.filter((arg) => arg !== '--check');
  if (unknown.length > 0) throw new GenManError(`unknown argument ${unknown[0]}\nusage: node scripts/gen-man.js [--check]`);
  const check = argv.includes('--check');

  const pages = await generatePages();
  const differing = compareWithDisk(pages);

  if (check) {
    if (differing.length === 0) return 0;
    console.error('man/ is not up to date with the commands:');
    for (const {file, why} of differing) console.error(`  ${file} (${why})`);
    console.error('hint: run npm run man (after npm run build) and commit man/');
    return 1;
  }

  mkdirSync(MAN_DIR, {recursive: true});
  for (const {file, why} of differing) {
    const path = join(MAN_DIR, file);
    if (why === 'stale') rmSync(path);
    else writeFileSync(path, pages.get(file));
  }
  const count = (why) => differing.filter((d) => d.why === why).length;
  console.error(`man: ${pages.size} page(s); ${count('missing')} added, ${count('differs')} updated, ${count('stale')} removed`);
  return 0;
}

/** Files in man/ that are missing, differ from `pages`, or are pages of commands that no longer exist. */
function compareWithDisk(pages) {
  const differing = [];
  for (const [file, content] of pages) {
    const path = join(MAN_DIR, file);
    if (!existsSync(path)) differing.push({file, why: 'missing'});
    else if (readFileSync(path, 'utf8') !== content) differing.push({file, why: 'differs'});
  }
  const onDisk = existsSync(MAN_DIR) ? readdirSync(MAN_DIR) : [];
  for (const file of onDisk.sort()) {
    if (/^bonnie(-.+)?\.1$/.test(file) && !pages.has(file)) differing.push({file, why: 'stale'});
  }
  return differing.sort((a, b) => compare(a.file, b.file));
}

// ---------------------------------------------------------------------------------------------------
// Reading the build

async function generatePages() {
  const pjson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assertBuilt();
  // Imported only after the build is known to exist, so a missing build gets a message, not a stack.
  const {Config, toConfiguredId} = await import('@oclif/core');
  const {ERROR_CODES, EXIT, EXIT_DESCRIPTIONS} = await import(pathToFileURL(join(REPO, 'dist', 'lib', 'base', 'errors.js')).href);
  const settings = await import(pathToFileURL(join(REPO, 'dist', 'lib', 'base', 'config', 'settings.js')).href);

  const config = await Config.load({root: REPO});
  const loaded = [];
  for (const cmd of config.commands) {
    // config.commands may come from a stale oclif.manifest.json; the class itself is the truth.
    const Class = await cmd.load();
    if (Class.hidden) continue;
    loaded.push(describeCommand(cmd.id, Class, config, toConfiguredId));
  }
  assertAllCommandsLoaded(config.commands.map((c) => c.id));
  const commands = loaded.sort((a, b) => compare(a.id, b.id));

  const ctx = {
    bin: config.bin,
    version: pjson.version,
    date: releaseDate(),
    commands,
    description: pjson.description,
    exitConfig: EXIT.config,
    exitDescriptions: EXIT_DESCRIPTIONS,
    errorCodes: Object.entries(ERROR_CODES).sort(([a], [b]) => compare(a, b)),
    settingKeys: settings.SETTING_KEYS,
    flagName: settings.flagName,
    defaultConfigFile: settings.DEFAULT_CONFIG_FILE,
    // With an empty configuration file and no environment, loadSettings returns the built-in defaults.
    defaults: settings.loadSettings({}, {[CONFIG_ENV]: devNull}),
  };

  const pages = new Map();
  pages.set(`${config.bin}.${SECTION}`, renderMainPage(ctx));
  for (const command of commands) pages.set(`${command.page}.${SECTION}`, renderCommandPage(command, ctx));
  return pages;
}

function assertBuilt() {
  if (!existsSync(DIST_COMMANDS)) {
    throw new GenManError('dist/commands does not exist: the man pages are generated from the build.\nhint: run npm run build first');
  }
  if (!existsSync(SRC_COMMANDS)) return; // an installed package: dist/ is all there is
  const src = new Map(listModules(SRC_COMMANDS, '.ts').map((f) => [f.slice(0, -'.ts'.length), f]));
  const dist = new Map(listModules(DIST_COMMANDS, '.js').map((f) => [f.slice(0, -'.js'.length), f]));
  const problems = [];
  for (const [stem, file] of src) {
    const built = dist.get(stem);
    if (built === undefined) problems.push(`src/commands/${file} has not been compiled`);
    else if (statSync(join(SRC_COMMANDS, file)).mtimeMs > statSync(join(DIST_COMMANDS, built)).mtimeMs) {
      problems.push(`src/commands/${file} is newer than dist/commands/${built}`);
    }
  }
  for (const [stem, file] of dist) {
    if (!src.has(stem)) problems.push(`dist/commands/${file} has no source (a removed command?)`);
  }
  if (problems.length > 0) {
    throw new GenManError(`the build is out of date:\n  ${problems.join('\n  ')}\nhint: run npm run build (rm -rf dist first if a command was removed)`);
  }
}

/** oclif skips a command that fails to import with only a warning; a missing page must not be the result. */
function assertAllCommandsLoaded(ids) {
  const expected = listModules(DIST_COMMANDS, '.js').map((file) =>
    file.slice(0, -'.js'.length).split('/').filter((part, i, all) => !(part === 'index' && i === all.length - 1)).join(':'),
  );
  const missing = expected.filter((id) => !ids.includes(id));
  if (missing.length > 0) {
    throw new GenManError(`these commands did not load: ${missing.join(', ')} (see the warnings above)\nhint: run npm run build and ${'`'}bin/run.js ${missing[0]} --help${'`'}`);
  }
}

/** Command modules under `root` as forward-slash paths, the way oclif finds them. */
function listModules(root, ext) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('_')) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(ext) && !/\.d\.ts$|\.test\.[jt]s$/.test(entry.name)) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return found.sort(compare);
}

function describeCommand(id, Class, config, toConfiguredId) {
  const display = toConfiguredId(id, config);
  const template = (text) => substitute(text, config.bin, display);
  // As oclif's help does: without a summary, the description's first line is the summary.
  const descriptionText = Class.description ?? '';
  const summary = Class.summary ?? descriptionText.split('\n')[0] ?? '';
  const description = Class.summary === undefined ? descriptionText.split('\n').slice(1).join('\n') : descriptionText;
  // The same merge oclif makes at run time (aggregateFlags): --json, then the base flags, then the command's.
  const flags = {
    ...(Class.enableJsonFlag ? {json: {name: 'json', type: 'boolean', description: 'Format output as json.', helpGroup: 'GLOBAL'}} : {}),
    ...Class.baseFlags,
    ...Class.flags,
  };
  return {
    id,
    display,
    page: `${config.bin}-${id.replace(/[:\s]+/g, '-')}`,
    summary: template(summary.trim()),
    description: template(description.trim()),
    examples: (Class.examples ?? []).map((example) =>
      typeof example === 'string' ? {command: template(example)} : {description: template(example.description ?? ''), command: template(example.command)},
    ),
    usage: [Class.usage ?? []].flat().map(template),
    // A command whose exit status carries meaning of its own (bonnie status: its health) lists it.
    exitStatus: Class.exitStatus ?? [],
    aliases: Class.aliases ?? [],
    args: Object.entries(Class.args ?? {})
      .filter(([, arg]) => !arg.hidden)
      .map(([name, arg]) => ({...arg, name})),
    // The command's own flags first, then the global ones, as in oclif's help.
    flags: Object.entries(flags)
      .filter(([, flag]) => !flag.hidden)
      .map(([name, flag]) => ({...flag, name}))
      .sort((a, b) => Number(isGlobal(a)) - Number(isGlobal(b))),
  };
}

/** Fills in oclif's example templates; any other template would be printed verbatim, so it is an error. */
function substitute(text, bin, id) {
  const out = text.replace(/<%=\s*config\.bin\s*%>/g, bin).replace(/<%=\s*command\.id\s*%>/g, id);
  if (out.includes('<%')) throw new GenManError(`unsupported template in "${text}" (only config.bin and command.id)`);
  return out;
}

/**
 * The date printed in every page's title line. It must not be today's date, or the pages would change
 * every day and --check would always fail. In order:
 *   1. the first dated release heading of CHANGELOG.md (`## [0.1.0] - 2026-11-25`): the pages describe
 *      that release;
 *   2. $SOURCE_DATE_EPOCH (reproducible-builds.org), for builds before CHANGELOG.md has a release;
 *   3. no date: the title line then shows only "bonnie <version>" from package.json.
 */
function releaseDate() {
  const changelog = join(REPO, 'CHANGELOG.md');
  if (existsSync(changelog)) {
    const match = /^##\s+\[[^\]]+\]\s+-\s+(\d{4}-\d{2}-\d{2})\b/m.exec(readFileSync(changelog, 'utf8'));
    if (match) return match[1];
  }
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) throw new GenManError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not "${epoch}"`);
    return new Date(Number(epoch) * 1000).toISOString().slice(0, 10);
  }
  return '';
}

function header(page, name, ctx, description) {
  page.lines.push(`.\\" Generated by scripts/gen-man.js from the built commands. Do not edit: run npm run man.`);
  page.macro('TH', quoted(name.toUpperCase()), SECTION, `"${ctx.date}"`, quoted(`${ctx.bin} ${ctx.version}`), quoted(MANUAL));
  // The date is YYYY-MM-DD or empty, unescaped: mandoc parses it.
  // Ragged right, no hyphenation: the pages are full of names, paths and variables that get copied.
  page.macro('ad', 'l').macro('nh');
  page.section('NAME').text(r`${esc(name)} - ${esc(description.replace(/\.$/, ''))}`);
}

/** The setting a flag overrides, if any: --log-file is the log_file key and BONNIE_LOG_FILE. */
function settingOf(flagName, ctx) {
  const key = Object.keys(ctx.settingKeys).find((k) => ctx.flagName(k) === flagName);
  return key === undefined ? undefined : ctx.settingKeys[key];
}

function placeholder(flag, ctx) {
  if (flag.helpValue !== undefined) return [flag.helpValue].flat().join(' ');
  if (flag.options !== undefined) return flag.options.join('|');
  if (flag.name === 'config') return 'path';
  return KIND_PLACEHOLDER[settingOf(flag.name, ctx)?.kind] ?? 'value';
}

/** The flag as written in OPTIONS: \-c, \-\-catalog=path */
function flagTerm(flag, ctx) {
  const names = [
    ...(flag.char === undefined ? [] : [`-${flag.char}`]),
    ...(flag.charAliases ?? []).map((c) => `-${c}`),
    flag.allowNo ? `--[no-]${flag.name}` : `--${flag.name}`,
    ...(flag.aliases ?? []).map((a) => `--${a}`),
  ];
  const value = flag.type === 'option' ? `=${italic(placeholder(flag, ctx))}` : '';
  return `${names.map(bold).join(', ')}${value}`;
}

/** The flag as written in SYNOPSIS: [\-\-catalog path] */
function flagSynopsis(flag, ctx) {
  const name = bold(flag.char === undefined ? `--${flag.name}` : `-${flag.char}`);
  const inner = flag.type === 'option' ? `${name} ${italic(placeholder(flag, ctx))}` : name;
  return flag.required ? inner : `[${inner}]`;
}

function flagBody(flag, ctx) {
  const parts = [flag.summary, flag.description].filter((s) => s !== undefined && s !== '').map((s) => esc(s.trim()));
  if (flag.required) parts.push(r`Required.`);
  if (flag.multiple) parts.push(r`May be given more than once.`);
  if (flag.options !== undefined) parts.push(r`One of: ${flag.options.map(bold).join(', ')}.`);
  // A function default is computed at run time (it may depend on the machine): not printed.
  const hasDefault = flag.default !== undefined && typeof flag.default !== 'function' && !(flag.type === 'boolean' && flag.default === false);
  if (hasDefault) parts.push(r`Default: ${bold([flag.default].flat().join(', '))}.`);
  if (flag.env !== undefined) parts.push(r`Environment: ${bold(flag.env)}.`);
  // Unless the description already says so.
  const said = `${flag.summary ?? ''} ${flag.description ?? ''}`;
  const setting = settingOf(flag.name, ctx);
  if (setting !== undefined && flag.env === undefined && !said.includes(setting.env)) {
    parts.push(r`Overrides ${bold(setting.env)} and the configuration key ${bold(setting.file)}; see ${ref(ctx.bin)}.`);
  } else if (flag.name === 'config' && !said.includes(CONFIG_ENV)) {
    parts.push(r`Overrides ${bold(CONFIG_ENV)}.`);
  }
  for (const other of flag.exclusive ?? []) parts.push(r`Cannot be combined with ${bold(`--${other}`)}.`);
  for (const other of flag.dependsOn ?? []) parts.push(r`Requires ${bold(`--${other}`)}.`);
  return parts.join('\n');
}

function renderFlags(page, flags, ctx) {
  for (const flag of flags) page.macro('TP').text(flagTerm(flag, ctx)).text(flagBody(flag, ctx));
}

const isGlobal = (flag) => flag.helpGroup === 'GLOBAL';
const helpEntry = (page, ctx) => page.macro('TP').text(bold('--help')).text(r`Show the command's usage and exit. See also ${ref(ctx.bin)}.`);

function renderCommandPage(command, ctx) {
  const page = new Page();
  header(page, command.page, ctx, command.summary);

  page.section('SYNOPSIS');
  if (command.usage.length > 0) {
    command.usage.forEach((usage, i) => {
      if (i > 0) page.macro('br');
      page.text(esc(`${ctx.bin} ${usage}`));
    });
  } else {
    page.text(bold(`${ctx.bin} ${command.display}`));
    for (const arg of command.args) page.text(arg.required ? italic(arg.name) : `[${italic(arg.name)}]`);
    for (const flag of command.flags) page.text(flagSynopsis(flag, ctx));
  }

  page.section('DESCRIPTION').prose(command.description === '' ? command.summary : command.description);
  const aliases = command.aliases.map((a) => a.replace(/:/g, ' '));
  if (aliases.length > 0) page.macro('PP').text(r`Also available as ${aliases.map((a) => bold(`${ctx.bin} ${a}`)).join(', ')}.`);

  if (command.args.length > 0) {
    page.section('ARGUMENTS');
    for (const arg of command.args) {
      page.macro('TP').text(italic(arg.name)).text(esc(arg.description ?? ''));
      if (arg.options !== undefined) page.text(r`One of: ${arg.options.map(bold).join(', ')}.`);
    }
  }

  page.section('OPTIONS');
  const own = command.flags.filter((f) => !isGlobal(f));
  renderFlags(page, own, ctx);
  if (own.length > 0) page.macro('SS', quoted('Global options'));
  renderFlags(page, command.flags.filter(isGlobal), ctx);
  helpEntry(page, ctx);

  if (command.examples.length > 0) {
    page.section('EXAMPLES');
    command.examples.forEach((example, i) => {
      if (i > 0) page.macro('PP');
      if (example.description) page.text(esc(example.description));
      page.literal(example.command.split('\n'));
    });
  }

  page.section('EXIT STATUS');
  for (const [code, description] of command.exitStatus) page.macro('TP').text(bold(String(code))).text(esc(description));
  if (command.exitStatus.length > 0) page.macro('PP');
  page.text(r`${command.exitStatus.length > 0 ? 'Otherwise' : '0 on success; otherwise'} one of the statuses listed in ${ref(ctx.bin)}, EXIT STATUS.
With ${bold('--json')}, an expected failure also prints a JSON object with its ${bold('error')} code, message and hint.`);

  const topic = command.id.includes(':') ? command.id.slice(0, command.id.lastIndexOf(':') + 1) : undefined;
  const siblings = topic === undefined ? [] : ctx.commands.filter((c) => c.id !== command.id && c.id.startsWith(topic)).map((c) => c.page);
  seeAlso(page, [[ctx.bin, SECTION], ...siblings.map((p) => [p, SECTION])]);
  return page.toString();
}

function seeAlso(page, refs) {
  page.section('SEE ALSO');
  refs.forEach(([name, section], i) => page.text(r`${ref(name, section)}${i < refs.length - 1 ? ',' : ''}`));
}

function renderMainPage(ctx) {
  const {bin} = ctx;
  const page = new Page();
  header(page, bin, ctx, ctx.description);

  page.section('SYNOPSIS');
  page.text(r`${bold(bin)} ${italic('command')} [${italic('options')}]`).macro('br');
  page.text(r`${bold(bin)} ${italic('command')} ${bold('--help')}`).macro('br');
  page.text(r`${bold(bin)} ${bold('--version')}`);

  page.section('DESCRIPTION');
  page.text(r`${bold(bin)} turns the event notifications of a Cyrus IMAP server into a durable, searchable,
tamper-evident record of what happened to each mailbox and message, and the mail itself into a
compressed archive from which any mailbox or message can be restored.`);
  page.macro('PP').text(r`Cyrus's ${ref('notifyd', '8')} hands every notification to ${bold(`${bin} dealer`)}, which commits it to a queue
in the catalog, an SQLite database, and never loses one: when the catalog cannot be written the
notification is spilled to a folder and queued later. The other commands work from the catalog.`);
  page.macro('PP').text(r`Every command is described in its own page, listed below. Commands that produce data print it as JSON
with ${bold('--json')}; progress and logs go to standard error.`);

  page.section('COMMANDS');
  for (const command of ctx.commands) {
    page.macro('TP').text(bold(`${bin} ${command.display}`)).text(r`${esc(command.summary)} See ${ref(command.page)}.`);
  }

  const globals = new Map();
  for (const command of ctx.commands) for (const flag of command.flags.filter(isGlobal)) if (!globals.has(flag.name)) globals.set(flag.name, flag);
  page.section('GLOBAL OPTIONS').text(r`Every command accepts these options.`);
  renderFlags(page, [...globals.values()], ctx);
  helpEntry(page, ctx);

  renderConfiguration(page, ctx);

  page.section('ENVIRONMENT');
  page.macro('TP').text(bold(CONFIG_ENV)).text(r`The configuration file to read instead of ${italic(ctx.defaultConfigFile)}. It must exist.`);
  for (const spec of Object.values(ctx.settingKeys)) {
    page.macro('TP').text(bold(spec.env)).text(r`Overrides the configuration key ${bold(spec.file)}; see ${bold('CONFIGURATION')}.`);
  }
  const flagEnvs = new Map();
  for (const command of ctx.commands) {
    for (const flag of command.flags) if (flag.env !== undefined && !flagEnvs.has(flag.env)) flagEnvs.set(flag.env, flag);
  }
  for (const [env, flag] of [...flagEnvs].sort(([a], [b]) => compare(a, b))) {
    page.macro('TP').text(bold(env)).text(r`The default of ${bold(`--${flag.name}`)}.`);
  }

  page.section('EXIT STATUS').text(r`Every command exits with one of these statuses. They are a contract: a status keeps its meaning in later
releases and new ones are only added. With ${bold('--json')}, an expected failure also prints an object
${bold('{"error": {...}}')} with its ${bold('code')} (a stable name scripts may match, listed in ${bold('ERRORS')}), ${bold('message')}, ${bold('hint')} and ${bold('exit')} status.`);
  for (const [code, description] of ctx.exitDescriptions) page.macro('TP').text(bold(String(code))).text(esc(description));

  page.section('ERRORS').text(r`The ${bold('code')} of each expected failure, printed with ${bold('--json')}: the code fixes the exit status.
Codes keep their name and status in later releases; new ones are only added.`);
  for (const [code, {exit, meaning}] of ctx.errorCodes) page.macro('TP').text(r`${bold(code)} (exit ${exit})`).text(esc(meaning));

  page.section('FILES');
  const files = [
    [ctx.defaultConfigFile, 'The configuration file.'],
    [ctx.defaults.catalog, 'The catalog (SQLite): the queue, the record of events, the index of the archive.'],
    [`${ctx.defaults.spill}/`, 'Notifications the dealer could not commit, waiting to be queued.'],
    [`${ctx.defaults.archive}/`, 'The compressed archive of the mail.'],
  ];
  for (const [file, what] of files) page.macro('TP').text(italic(file)).text(esc(what));
  page.macro('PP').text(r`The spill and archive folders are beside the catalog unless configured otherwise; see ${bold('CONFIGURATION')}.`);

  seeAlso(page, [...ctx.commands.map((c) => [c.page, SECTION]), ['imapd.conf', '5'], ['notifyd', '8']]);
  return page.toString();
}

function renderConfiguration(page, ctx) {
  const keys = Object.entries(ctx.settingKeys);
  page.section('CONFIGURATION');
  page.text(r`Settings are read from ${italic(ctx.defaultConfigFile)}, or the file named by ${bold('--config')} or ${bold(CONFIG_ENV)}.
The default file may be missing; a file named explicitly must exist. The syntax is that of ${ref('imapd.conf', '5')}:
one ${bold('key: value')} per line; lines starting with ${bold('#')} are comments. Relative paths in the file are
relative to its folder; in the environment or a flag, to the working directory. For example:`);
  const example = ['catalog', 'dealerTimeoutMs'].filter((k) => ctx.settingKeys[k] !== undefined);
  const exampleValue = {catalog: ctx.defaults.catalog, dealerTimeoutMs: '2s'};
  page.literal([`# ${ctx.defaultConfigFile}`, ...example.map((k) => `${ctx.settingKeys[k].file}: ${exampleValue[k]}`)]);
  page.macro('PP').text(r`Each setting is taken from the first of: a command-line flag, the environment variable, the file, the
built-in default. An invalid value is an error (exit status ${ctx.exitConfig}) naming the key and where it came from.`);
  page.macro('PP').text(r`The keys:`);
  for (const [key, spec] of keys) {
    const flag = ctx.flagName(key);
    const commands = ctx.commands.filter((c) => c.flags.some((f) => f.name === flag)).map((c) => `${ctx.bin} ${c.display}`);
    page.macro('TP').text(r`${bold(spec.file)}: ${italic(KIND_PLACEHOLDER[spec.kind] ?? 'value')}`);
    page.text(esc(spec.description));
    const where = [r`Environment: ${bold(spec.env)}.`];
    if (commands.length > 0) where.push(r`Flag: ${bold(`--${flag}`)} (${commands.map(esc).join(', ')}).`);
    page.text(where.join(' '));
  }
}

/** Code-point order: independent of the machine's locale. */
function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof GenManError)) throw error;
  console.error(`gen-man: ${error.message}`);
  process.exitCode = 2;
}
