/**
 * The built `bonnie search` on a site archived by the built `bonnie archive` (mail-fixture.ts): each operator,
 * each charset, HTML-only mail, deleted mail only with --include-deleted, newest first, --limit, errors that
 * point at the position, and --reindex giving the same results.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SearchOutcome} from '../../../../src/lib/read/search/search.js';
import {MAIL, archiveSite, type Site} from './mail-fixture.js';

let dir: string;
let site: Site;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-search-'));
  site = await archiveSite(dir);
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const KEY_BY_ID = new Map(Object.entries(MAIL).map(([key, bytes]) => [/Message-ID: (<[^>]+>)/.exec(bytes.toString('latin1'))?.[1], key]));

async function search(query: string, ...flags: string[]): Promise<SearchOutcome> {
  // `--` first: a query may start with "-".
  const ran = await site.run(['search', '--json', ...flags, '--', query]);
  expect(ran.code, `${query}: ${ran.stderr}${ran.stdout}`).toBe(0);
  return JSON.parse(ran.stdout) as SearchOutcome;
}

/** The hits as `key@folder`, newest first (places of one message by folder name). */
const found = (o: SearchOutcome) =>
  o.hits
    .map((h, i) => ({label: `${KEY_BY_ID.get(h.messageId) ?? h.messageId}@${h.folder}`, date: h.date, i}))
    .sort((a, b) => (a.date === b.date ? a.label.localeCompare(b.label) : a.i - b.i))
    .map((h) => h.label);

const INBOX = 'user.alice';
const SENT = 'user.alice.Sent';

// One row per check: the query, extra flags, what it must find (newest first).
const CASES: Array<[string, string[], string[]]> = [
  // words, phrases, accents and case
  ['merger', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['MERGER noir', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['"best regards"', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['"regards best"', [], []],
  ['cafe', [], [`htmlOnly@${INBOX}`, `utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  // fields
  ['from:joerg@example.de', [], [`latin1Qp@${INBOX}`]],
  ['from:muller', [], [`latin1Qp@${INBOX}`]],
  ['to:bob@example.com', [], [`big@user.bob`, `utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['cc:erin', [], [`utf8Qp@${INBOX}`]],
  ['cc:carol', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['subject:budget', [], [`withAttachment@${INBOX}`]],
  ['subject:quarterly', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['body:quarterly', [], []],
  ['body:unterschrieben', [], [`latin1Qp@${INBOX}`]],
  ['attachment:budget-2026.xlsx', [], [`withAttachment@${INBOX}`]],
  ['attachment:logo', [], []],
  ['messageid:<budget@example.com>', [], [`withAttachment@${INBOX}`]],
  ['has:attachment', [], [`withAttachment@${INBOX}`]],
  // dates (UTC days), sizes
  ['on:2026-03-10', [], [`latin1Qp@${INBOX}`]],
  ['before:2026-03-05', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`, `noDate@${INBOX}`]],
  ['after:2026-04-06', [], [`chinese@shared.Sales`, `big@user.bob`]],
  ['after:2026-03 before:2026-04 subject:report', [], [`utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['after:2026-03-03 subject:report', [], []],
  ['larger:100k', [], [`big@user.bob`]],
  ['smaller:300', [], [`chinese@shared.Sales`, `noDate@${INBOX}`]],
  // owners, folders (name, path below the owner), flags
  ['user:bob', [], [`big@user.bob`]],
  ['user:bob', ['--include-deleted'], [`inDeletedFolder@user.bob.Old`, `expunged@user.bob`, `big@user.bob`]],
  ['folder:user.alice.Sent', [], [`utf8Plain@${SENT}`]],
  ['folder:Sent', [], [`utf8Plain@${SENT}`]],
  ['folder:inbox user:bob', [], [`big@user.bob`]],
  ['folder:shared.Sales', [], [`chinese@shared.Sales`]],
  ['flag:seen', [], [`sjisBase64@${INBOX}`, `utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['flag:$label1', [], [`sjisBase64@${INBOX}`]],
  ['flag:flagged OR flag:answered', [], [`withAttachment@${INBOX}`, `latin1Qp@${INBOX}`]],
  // deleted mail
  ['deleted:yes', [], [`inDeletedFolder@user.bob.Old`, `expunged@user.bob`]],
  ['invoice', [], []],
  ['invoice', ['--include-deleted'], [`expunged@user.bob`]],
  ['falcon', ['--include-deleted'], [`inDeletedFolder@user.bob.Old`]],
  ['falcon deleted:no', ['--include-deleted'], []],
  // AND, OR, NOT, parentheses
  ['merger OR unterschrieben', [], [`latin1Qp@${INBOX}`, `utf8Plain@${INBOX}`, `utf8Plain@${SENT}`]],
  ['merger AND unterschrieben', [], []],
  ['(from:bob OR from:dave) NOT has:attachment', [], [`utf8Qp@${INBOX}`]],
  ['merger -folder:Sent', [], [`utf8Plain@${INBOX}`]],
  ['NOT user:alice', [], [`chinese@shared.Sales`, `big@user.bob`]],
  ['budget OR flag:$label1', [], [`withAttachment@${INBOX}`, `sjisBase64@${INBOX}`]],
  ['-merger user:alice folder:Sent', [], []],
  // charsets: Shift_JIS, ISO-8859-1, UTF-8 quoted-printable, encoded words; CJK inside a run of characters
  ['会議', [], [`sjisBase64@${INBOX}`]],
  ['subject:議事録', [], [`sjisBase64@${INBOX}`]],
  ['subject:予算', [], [`utf8Qp@${INBOX}`]],
  ['预算', [], [`chinese@shared.Sales`]],
  ['Äpfel', [], [`latin1Qp@${INBOX}`]],
  ['subject:GRUßE', [], [`latin1Qp@${INBOX}`]],
  ['käse offsite', [], [`utf8Qp@${INBOX}`]],
  // HTML-only mail: its text, not its markup, styles or scripts
  ['launch party', [], [`htmlOnly@${INBOX}`]],
  ['tracking OR hidden OR title', [], []],
];

describe('bonnie search', () => {
  it('builds the index on first use and finds each operator, charset and HTML-only mail', async () => {
    const first = await search('merger');
    // The catalog had no mail when `bonnie archive` created it: no full build is needed, only catching up.
    expect(first.update).toMatchObject({rebuilt: false, docs: 12, locations: 13, problems: 0});
    // Four at a time: each is a process of its own, as an administrator would run it.
    for (let at = 0; at < CASES.length; at += 4) {
      const batch = CASES.slice(at, at + 4);
      const outcomes = await Promise.all(batch.map(([query, flags]) => search(query, ...flags)));
      batch.forEach(([query, flags, expected], i) => expect(found(outcomes[i] as SearchOutcome), `${query} ${flags.join(' ')}`).toEqual(expected));
    }
  });

  it('lists newest first with date, sender, subject, folder, owner and a ref; an undated message by its internal date', async () => {
    const all = await search('deleted:no');
    expect(found(all)).toEqual([
      'chinese@shared.Sales',
      'big@user.bob',
      `inlineLogo@${INBOX}`,
      `withAttachment@${INBOX}`,
      `htmlOnly@${INBOX}`,
      `utf8Qp@${INBOX}`,
      `sjisBase64@${INBOX}`,
      `latin1Qp@${INBOX}`,
      `utf8Plain@${INBOX}`,
      `utf8Plain@${SENT}`,
      `noDate@${INBOX}`,
    ]);
    const undated = all.hits.find((h) => h.subject === 'Undated notice');
    expect(undated).toMatchObject({date: '2026-02-01T00:00:00.000Z', dateSource: 'internal', internalDate: '2026-02-01T00:00:00.000Z'});
    const sjis = all.hits.find((h) => h.messageId === '<sjis@example.jp>');
    expect(sjis).toEqual({
      ref: 'a11ce00000000000000search:3',
      messageRef: null,
      date: '2026-03-14T23:30:00.000Z',
      dateSource: 'header',
      from: 'tanaka@example.jp',
      subject: '議事録',
      messageId: '<sjis@example.jp>',
      folder: 'user.alice',
      owner: 'alice',
      mailboxId: 'a11ce00000000000000search',
      uidValidity: 1001,
      uid: 3,
      flags: ['\\Seen', '$Label1'],
      deleted: false,
      removal: null,
      internalDate: '2026-03-14T23:30:05.000Z',
      size: MAIL.sjisBase64.length,
      hasAttachment: false,
      blob: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      problem: null,
    });
    expect(all.hits.find((h) => h.folder === 'shared.Sales')?.owner).toBeNull();
    const gone = await search('deleted:yes');
    expect(gone.hits.map((h) => [h.folder, h.removal])).toEqual([
      ['user.bob.Old', 'folder-deleted'],
      ['user.bob', 'expunged'],
    ]);
  });

  it('prints a table for a person, and says when --limit cut the list', async () => {
    const ran = await site.run(['search', 'deleted:no', '--limit', '2']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trimEnd().split('\n')).toEqual([
      'DATE (UTC)        FROM               SUBJECT       FOLDER        OWNER  REF',
      '2026-04-09 03:00  li@example.cn      预算报告      shared.Sales  -      5a1e5000000000000000sales:1',
      '2026-04-06 09:00  alice@example.com  Large export  user.bob      bob    b0b0000000000000000search:1',
      '(the newest 2 shown: more messages match; raise --limit or narrow the query)',
    ]);
    const gone = await site.run(['search', 'invoice', '--include-deleted']);
    expect(gone.stdout).toContain('user.bob (expunged)');
    const none = await site.run(['search', 'nothing-like-this']);
    expect(none.stdout).toBe('No message matches.\n');
  });

  it('refuses a bad query with its position marked: exit 2, before any update', async () => {
    const ran = await site.run(['search', 'from:bob (merger OR']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe(
      'bonnie: "OR" needs something after it at position 18:\n  from:bob (merger OR\n                   ^\nhint: See "man bonnie-search" for the query language: words, "phrases", field:value, AND, OR, NOT, parentheses.\n',
    );
    const json = await site.run(['search', 'colour:red merger', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'QueryInvalid', message: 'unknown field "colour:" at position 1:\n  colour:red merger\n  ^', exit: 2}});
    const punctuation = await site.run(['search', 'merger "..."']);
    expect(punctuation.code).toBe(2);
    expect(punctuation.stderr).toContain('"..." has no letter or digit to search for at position 8:');
    const empty = await site.run(['search']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^bonnie: no query given\n/);
  });

  it('gives the same results after --reindex', async () => {
    const queries = ['cafe', 'deleted:no', 'user:bob', 'flag:seen', '会議 OR Äpfel'];
    const before = await Promise.all(queries.map((q) => search(q, '--include-deleted')));
    const rebuilt = await site.run(['search', '--reindex', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({query: null, hits: [], update: {rebuilt: true, docs: 12, locations: 13}});
    const human = await site.run(['search', '--reindex']);
    expect(human.stdout).toMatch(/^Rebuilt the search index: 12 message\(s\) in 13 place\(s\) in \d+\.\d s\.\n$/);
    const after = await Promise.all(queries.map((q) => search(q, '--include-deleted')));
    expect(after.map((o) => o.hits)).toEqual(before.map((o) => o.hits));
    expect(after.every((o) => o.update?.rebuilt === false && o.update.docs === 0)).toBe(true);
  });
});
