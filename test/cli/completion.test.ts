/**
 * Shell completion as a user gets it: `bonnie completion bash` (the script the build generated from the
 * manifest) is loaded into a real bash, and its completion function is called the way bash calls it on
 * <TAB> (COMP_WORDS, COMP_CWORD); the test reads COMPREPLY, the candidates bash would show.
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'bonnie-completion-'));
const script = join(dir, 'bonnie.bash');

beforeAll(async () => {
  const printed = await bonnie(['completion', 'bash']);
  expect(printed.code, printed.stderr).toBe(0);
  writeFileSync(script, printed.stdout);
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
