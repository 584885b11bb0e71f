/**
 * Shell completion as a user gets it: `bonnie completion bash` (the script the build generated from the
 * manifest) is loaded into a real bash, and its completion function is called the way bash calls it on
 * <TAB> (COMP_WORDS, COMP_CWORD); the test reads COMPREPLY, the candidates bash would show.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';

/** The build script's escaping (plain JavaScript; importing it runs nothing). */
const {zshText} = (await import(new URL('../../scripts/build-completion.js', import.meta.url).href)) as {zshText: (text: string) => string};

const dir = mkdtempSync(join(tmpdir(), 'bonnie-completion-'));
const script = join(dir, 'bonnie.bash');
/** A folder for zsh's fpath holding _bonnie. */
const zshDir = join(dir, 'zsh');

beforeAll(async () => {
  const printed = await bonnie(['completion', 'bash']);
  expect(printed.code, printed.stderr).toBe(0);
  writeFileSync(script, printed.stdout);
  const zsh = await bonnie(['completion', 'zsh']);
  expect(zsh.code, zsh.stderr).toBe(0);
  mkdirSync(zshDir);
  writeFileSync(join(zshDir, '_bonnie'), zsh.stdout);
});

afterAll(() => rmSync(dir, {recursive: true, force: true}));

/**
 * What bash offers for the command line `words`, the last one being completed (bash splits `--flag=value`
 * into `--flag`, `=`, `value` with its default COMP_WORDBREAKS; callers pass the words split that way).
 */
function complete(...words: string[]): string[] {
  const line = words.join(' ');
  const program = [
    'source "$1"; COMP_LINE=$2; shift 2',
    'COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_POINT=${#COMP_LINE}',
    // As bash does: the function is the one `complete -F` registered, with the command, the word, the previous word.
    'fn=$(complete -p bonnie | sed -n "s/.* -F \\([^ ]*\\) .*/\\1/p")',
    '"$fn" bonnie "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const ran = spawnSync('bash', ['--norc', '--noprofile', '-c', program, 'bash', script, line, ...words], {encoding: 'utf8'});
  expect(ran.status, ran.stderr).toBe(0);
  expect(ran.stderr).toBe('');
  return ran.stdout.split('\n').filter((w) => w !== '');
}

describe('bash completion', () => {
  it('registers for bonnie, falling back to file names where a value is free (a path)', () => {
    const ran = spawnSync('bash', ['--norc', '--noprofile', '-c', 'source "$1" && complete -p bonnie', 'bash', script], {encoding: 'utf8'});
    expect(ran.stdout.trim()).toBe('complete -o default -F _bonnie bonnie');
  });

  it('completes command names: bonnie sta<TAB>', () => {
    expect(complete('bonnie', 'sta')).toEqual(['status']);
    expect(complete('bonnie', 'q')).toEqual(['quarantine', 'queue']);
    const all = complete('bonnie', '');
    expect(all).toEqual(expect.arrayContaining(['archive', 'completion', 'history', 'process', 'queue', 'quarantine', 'search', 'status']));
    expect(all).not.toContain('list');
  });

  it("completes a topic's commands: bonnie queue <TAB>", () => {
    expect(complete('bonnie', 'queue', '')).toEqual(['list', 'retry']);
    expect(complete('bonnie', 'quarantine', 're')).toEqual(['requeue']);
  });

  it("completes a command's flags: bonnie status --<TAB>", () => {
    const flags = complete('bonnie', 'status', '--');
    expect(flags).toEqual(expect.arrayContaining(['--json', '--catalog', '--config', '--nagios', '--pending-age', '--recent-hours', '--help']));
    // Only status' own: no flag of another command.
    expect(flags).not.toContain('--follow');
    expect(complete('bonnie', 'status', '--na')).toEqual(['--nagios']);
    // --[no-]update: both spellings.
    expect(complete('bonnie', 'search', '--no-')).toEqual(['--no-update']);
  });

  it('completes the fixed values of flags and arguments, with a space or an =', () => {
    expect(complete('bonnie', 'export', '--format', '')).toEqual(['eml', 'mbox', 'maildir', 'tar.zst']);
    expect(complete('bonnie', 'export', '--format', '=', 'ma')).toEqual(['maildir']);
    expect(complete('bonnie', 'queue', 'list', '--state', 'd')).toEqual(['done', 'dead']);
    expect(complete('bonnie', 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it('leaves a free value (a path, a login) to bash, and flags after it to the command', () => {
    expect(complete('bonnie', 'status', '--catalog', '')).toEqual([]);
    expect(complete('bonnie', 'status', '--catalog', '/tmp/c.db', '--j')).toEqual(['--json']);
    expect(complete('bonnie', 'frobnicate', '--')).toEqual([]);
  });
});

const hasZsh = spawnSync('zsh', ['-f', '-c', 'zmodload zsh/zpty'], {encoding: 'utf8'}).status === 0;

/**
 * What an interactive zsh lists on <TAB> after each of `lines`: a real zsh (compinit, _bonnie in fpath) in a
 * pseudo-terminal (zsh/zpty), wide enough that no description is cut. Each line is typed, then <TAB>,
 * then erased, then a marker command whose output ends the listing: no timing involved.
 */
function zshListings(...lines: string[]): string[] {
  const program = [
    'zmodload zsh/zpty',
    'dir=$1; shift',
    "zpty -b z 'zsh -f -i'",
    `zpty -w z "PS1='%% '; fpath=($dir \\$fpath); autoload -U compinit; compinit -u -D; zstyle ':completion:*' list-separator '--'; setopt nobeep; stty rows 500 columns 300; COLUMNS=300; LINES=500; LISTMAX=0; echo READY-\\$((40+2))"`,
    "zpty -r z out '*READY-42*' || exit 3",
    'integer n=0',
    'for line in "$@"; do',
    '  (( n++ ))',
    `  zpty -w -n z "$line"$'\\t\\C-u'"echo END-\\$((1000+$n))"$'\\n'`,
    '  zpty -r z out "*END-$((1000+n))*" || exit 4',
    '  print -rn -- "$out"; print -rn -- $\'\\0\'',
    'done',
    'zpty -d z',
  ].join('\n');
  const ran = spawnSync('zsh', ['-f', '-c', program, 'zsh', zshDir, ...lines], {encoding: 'utf8', timeout: 60_000});
  expect(ran.status, ran.stderr).toBe(0);
  // eslint-disable-next-line no-control-regex -- the terminal's escape sequences and carriage returns
  const plain = ran.stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '');
  return plain.split('\0').slice(0, lines.length);
}

describe('zsh completion', () => {
  it('escapes what _describe and _arguments split on, so descriptions are shown as written', () => {
    expect(zshText('Legal holds: add, list')).toBe('Legal holds\\: add, list');
    expect(zshText('a [b] c\\d')).toBe('a \\[b\\] c\\\\d');
    expect(zshText("the archive's")).toBe("the archive'\\''s");
  });

  it.skipIf(!hasZsh)('lists commands and flags with their descriptions, colons and quotes included (needs zsh)', () => {
    const [root = '', rebuild = '', dlp = '', format = ''] = zshListings('bonnie ', 'bonnie rebuild --', 'bonnie dlp ', 'bonnie export --format=');
    expect(root).toMatch(/\ndlp +-- Data-loss prevention: check messages against the rules \(dlp_rules\)\.\n/);
    expect(root).toMatch(/\nrebuild +-- Make a new catalog from the archive's segments alone \(archive format 2\)\.\n/);
    expect(rebuild).toMatch(/\n--no-index +--index +-- Build the search index too \(--no-index: leave it to the first "bonnie search"\)\./);
    expect(dlp).toMatch(/\ntest +-- Check a message against a DLP rule file: which rules match, and why\.\n/);
    expect(format).toMatch(/eml +maildir +mbox +tar\.zst/);
  });
});
