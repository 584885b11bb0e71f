/**
 * `bonnie <command> --help` reads well on an 80-column terminal (and a wider one): no line is longer than
 * the terminal, and paragraphs flow, that is no line stops well short of the width while the next line
 * carries on the same text at the same column (the ragged look of a description hard-wrapped at 110 columns
 * in the source and re-wrapped by oclif). Runs the built CLI for bonnie, every topic and every command.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {layoutHelpText, wrapCommand, wrapWords} from '../../src/lib/cli/help-text.js';
import {bonnie} from '../helpers/run.js';
import {REPO} from '../helpers/paths.js';

const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {hidden?: boolean}>};
const pjson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {oclif: {topics: Record<string, unknown>}};
/** bonnie's own help, each topic's, each command's. */
const IDS = [
  [],
  ...Object.keys(pjson.oclif.topics).map((topic) => [topic]),
  ...Object.entries(manifest.commands)
    .filter(([, command]) => command.hidden !== true)
    .map(([id]) => id.split(':'))
    .sort(),
];

async function help(argv: string[], columns: number): Promise<string> {
  const ran = await bonnie([...argv, '--help'], {env: {OCLIF_COLUMNS: String(columns), BONNIE_CONFIG: '/dev/null'}});
  expect(ran.code, ran.stderr).toBe(0);
  return ran.stdout;
}

/** The column where a line's last run of text starts: after its indent (and list marker), or after a gap of 2+ spaces. */
function textColumn(line: string): number {
  const gaps = [...line.matchAll(/\S( {2,})(?=\S)/g)];
  const last = gaps[gaps.length - 1];
  if (last !== undefined) return (last.index ?? 0) + 1 + (last[1]?.length ?? 0);
  return (/^\s*(?:(?:[-*]|\d+[.)]) +)?/.exec(line)?.[0] ?? '').length;
}

/**
 * Pairs of lines where the first stops short although the next line's first word, at the same column and
 * continuing the same text, would have fitted on it. Code lines (YAML keys, list items, crontab) are left
 * as written, so a line that ends a statement (".", ":", "]", "}") or a next line that starts an item
 * ("- ", "key:") is not a continuation.
 */
function raggedPairs(text: string, width: number): string[] {
  const lines = text.split('\n');
  const found: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const next = lines[i + 1] ?? '';
    if (line.trim() === '' || next.trim() === '') continue;
    const column = textColumn(line);
    if (next.length - next.trimStart().length !== column || textColumn(next) !== column) continue;
    if (/[.:\]}]$/.test(line) || /^\s*(- |[\w-]+:( |$))/.test(next)) continue;
    // An example continued with " \\" breaks between flags, each with its value (wrapCommand's test).
    if (line.endsWith(' \\')) continue;
    const word = next.trim().split(/\s+/)[0] ?? '';
    if (line.length + 1 + word.length <= width) found.push(`${line}\n${next}`);
  }
  return found;
}

describe('--help on a terminal of a given width', () => {
  for (const columns of [80, 100]) {
    it(`fits every command in ${columns} columns, with flowing paragraphs`, async () => {
      const problems: string[] = [];
      // A few at a time: each is a process of its own.
      for (let i = 0; i < IDS.length; i += 6) {
        const batch = IDS.slice(i, i + 6);
        const texts = await Promise.all(batch.map((argv) => help(argv, columns)));
        batch.forEach((argv, j) => {
          const text = texts[j] ?? '';
          const name = ['bonnie', ...argv].join(' ');
          for (const line of text.split('\n')) if (line.length > columns) problems.push(`${name}: longer than ${columns}: ${line}`);
          for (const pair of raggedPairs(text, columns)) problems.push(`${name}: ragged:\n${pair}`);
        });
      }
      expect(problems).toEqual([]);
    });
  }

  it('keeps the tables and code of a description, and flows its paragraphs', async () => {
    const search = await help(['search'], 80);
    // A table row: the term, then its text wrapped at the text's column.
    expect(search).toMatch(/\n {4}folder:NAME {5}in this folder: its name now or ever \(user\.alice\.Sent\), its\n {20}path below/);
    // A list item: its text wraps at the item's text column.
    const doctor = await help(['doctor'], 80);
    expect(doctor).toMatch(/\n {2}- system\.owner: the --owner user and group exist\.\n {2}- catalog\.file: /);
    expect(doctor).toMatch(/\n {2}- config\.file, config\.paths: the configuration parses strictly \(as every\n {4}command reads it\)/);
    const process = await help(['process'], 80);
    expect(process).toContain('\n    * * * * *  cyrus  bonnie process --quiet\n');
    const test = await help(['dlp', 'test'], 80);
    expect(test).toContain('\n            - {detector: credit_card, min_count: 1, min_confidence: high}\n');
  });
});

describe('layoutHelpText', () => {
  it('joins the lines of a paragraph and keeps paragraph breaks, headings, list items and code', () => {
    const text = 'One two\nthree four.\n\nHEADING\n  code  line\n- item one\nwraps\n- item two\n  goes on';
    expect(layoutHelpText(text, 12)).toBe('One two\nthree four.\n\nHEADING\n  code  line\n- item one\n  wraps\n- item two\n  goes on');
  });

  it('lays out a table at its column, or its text under the term when the column leaves too little room', () => {
    const text = 'Kinds:\n   a      first kind, with a text\n          that goes on\n   long-term-here\n          second';
    expect(layoutHelpText(text, 80)).toBe('Kinds:\n   a      first kind, with a text that goes on\n   long-term-here\n          second');
    expect(layoutHelpText(text, 30)).toBe('Kinds:\n   a\n       first kind, with a text\n       that goes on\n   long-term-here\n       second');
  });
});

describe('wrapWords and wrapCommand', () => {
  it('wraps at spaces and keeps a word longer than the width whole', () => {
    expect(wrapWords('aa bb  cc averyveryverylongword d', 8)).toEqual(['aa bb', 'cc', 'averyveryverylongword', 'd']);
  });

  it('continues a command with " \\" and keeps quotes and a flag with its value together', () => {
    expect(wrapCommand(`$ bonnie search 'from:bob invoice' --limit 5 --json`, 30)).toEqual([`$ bonnie search \\`, `    'from:bob invoice' \\`, '    --limit 5 --json']);
  });
});
