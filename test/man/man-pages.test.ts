/**
 * The man pages in man/ are generated from the built commands (scripts/gen-man.js) and committed. These
 * tests fail when a command, flag, exit status or setting changed without `npm run man`, and when a page
 * does not render cleanly. They need dist/ (the test script builds first).
 */
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import {pathToFileURL} from 'node:url';
import {describe, expect, it} from 'vitest';
import {SETTING_KEYS} from '../../src/lib/base/config/settings.js';
import {EXIT_DESCRIPTIONS} from '../../src/lib/base/errors.js';
import {REPO} from '../helpers/paths.js';

const MAN = join(REPO, 'man');
const DIST_COMMANDS = join(REPO, 'dist', 'commands');

const pages = existsSync(MAN) ? readdirSync(MAN).filter((f) => f.endsWith('.1')).sort() : [];

/** Command ids of the built commands, the way oclif derives them from file names. */
function builtCommands(): Array<{id: string; file: string}> {
  const found: Array<{id: string; file: string}> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('_')) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        const parts = relative(DIST_COMMANDS, path).slice(0, -'.js'.length).split(sep);
        if (parts.at(-1) === 'index') parts.pop();
        found.push({id: parts.join(':'), file: path});
      }
    }
  };
  walk(DIST_COMMANDS);
  return found;
}

/** The lines of a roff section, from its .SH to the next. */
function section(roff: string, title: string): string[] {
  const lines = roff.split('\n');
  const start = lines.findIndex((l) => l === `.SH ${title}` || l === `.SH "${title}"`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Roff text back to plain text: the escapes gen-man.js writes. */
function plain(roff: string): string {
  return roff.replace(/\\f[BIR]/g, '').replace(/\\-/g, '-').replace(/\\e/g, '\\').replace(/\\&/g, '');
}

/** Which renderer can lint the pages here; mandoc is the stricter one. */
function findLinter(): {name: string; lint: (file: string) => string} | undefined {
  const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (has('mandoc')) {
    return {
      name: 'mandoc -T lint',
      lint: (file) => {
        const run = spawnSync('mandoc', ['-T', 'lint', '-W', 'warning', file], {encoding: 'utf8'});
        // An empty .TH date is gen-man.js's documented fallback before CHANGELOG.md has a release.
        return `${run.stdout}${run.stderr}`
          .split('\n')
          .filter((line) => line.trim() !== '' && !/missing date/.test(line))
          .join('\n');
      },
    };
  }
  if (has('groff')) {
    return {
      name: 'groff -man -ww',
      lint: (file) => {
        const run = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', file], {encoding: 'utf8'});
        return `${run.status === 0 ? '' : `exit ${run.status}\n`}${run.stderr}`.trim();
      },
    };
  }
  return undefined;
}

describe('man pages', () => {
  it('are up to date with the built commands (npm run man)', () => {
    // SOURCE_DATE_EPOCH would change the date of pages generated before CHANGELOG.md had a release.
    const env = {...process.env};
    delete env.SOURCE_DATE_EPOCH;
    const run = spawnSync(process.execPath, ['scripts/gen-man.js', '--check'], {cwd: REPO, env, encoding: 'utf8'});
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('exist for every visible command in dist/commands', async () => {
    const commands = builtCommands();
    expect(commands.map((c) => c.id)).toContain('status');
    for (const {id, file} of commands) {
      const {default: Command} = (await import(pathToFileURL(file).href)) as {default: {hidden?: boolean}};
      const page = `bonnie-${id.replace(/[:\s]+/g, '-')}.1`;
      if (Command.hidden) {
        expect(pages, `no page for the hidden command "${id}"`).not.toContain(page);
        continue;
      }
      expect(pages, `a page for "bonnie ${id.replace(/:/g, ' ')}"`).toContain(page);
      const roff = readFileSync(join(MAN, page), 'utf8');
      for (const title of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'SEE ALSO']) {
        expect(section(roff, title).length, `${page}: ${title}`).toBeGreaterThan(0);
      }
      expect(plain(section(roff, 'SYNOPSIS').join(' ')), page).toContain(`bonnie ${id.replace(/:/g, ' ')}`);
      expect(roff, `${page}: unexpanded example template`).not.toContain('<%');
    }
  });

  it('bonnie(1) documents every exit status', () => {
    const lines = section(readFileSync(join(MAN, 'bonnie.1'), 'utf8'), 'EXIT STATUS');
    expect(lines.length).toBeGreaterThan(0);
    for (const [code, description] of EXIT_DESCRIPTIONS) {
      const at = lines.findIndex((line, i) => lines[i - 1] === '.TP' && plain(line) === String(code));
      expect(at, `exit status ${code}`).toBeGreaterThan(0);
      expect(plain(lines[at + 1] ?? ''), `exit status ${code}`).toBe(description);
    }
  });

  it('bonnie(1) documents the configuration keys, their variables and BONNIE_CONFIG', () => {
    const text = plain(section(readFileSync(join(MAN, 'bonnie.1'), 'utf8'), 'CONFIGURATION').join('\n'));
    for (const spec of Object.values(SETTING_KEYS)) {
      expect(text).toContain(`${spec.file}: `);
      expect(text).toContain(spec.env);
    }
    expect(text).toContain('BONNIE_CONFIG');
  });

  const linter = findLinter();
  it.skipIf(linter === undefined)(`render without warnings (${linter?.name ?? 'skipped: none of mandoc or groff is installed'})`, () => {
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(linter?.lint(join(MAN, page)), page).toBe('');
  });
});
