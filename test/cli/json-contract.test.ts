/**
 * The JSON output of every command, pinned (issue 14): each command runs with --json in its common modes on
 * one catalog (the archive fixture `sound`, its spool, and the 96 real Cyrus events processed), and the
 * SHAPE of what it prints (keys, nesting, value types: test/helpers/json-shape.ts) must equal the committed
 * test/cli/json-shapes/<command>.json, with the exit status (and an error's code). A change to a command's
 * JSON is then a deliberate one:
 *
 *   BONNIE_UPDATE_SHAPES=1 npx vitest run --project unit test/cli/json-contract.test.ts
 *
 * rewrites the files; review `git diff test/cli/json-shapes` (STYLE.md: JSON changes are additive) and
 * commit them. Also the contract every output shares: one JSON document on stdout and nothing else, and an
 * exit status the command's man page lists (an error's `exit` being the status).
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {availableParallelism, tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {copyArchiveFixture, type FixtureCopy} from '../fixtures/archive/fixtures.js';
import {shapeOf, union, type Shape} from '../helpers/json-shape.js';
import {REPO, SPECIMENS} from '../helpers/paths.js';
import {SPECIMEN_FILES, variant} from '../helpers/record.js';
import {bonnie, type Ran} from '../helpers/run.js';

const SHAPES = join(REPO, 'test/cli/json-shapes');
const UPDATE = process.env.BONNIE_UPDATE_SHAPES === '1';
const UPDATE_HOW = 'If the change is deliberate, run BONNIE_UPDATE_SHAPES=1 npx vitest run --project unit test/cli/json-contract.test.ts, review git diff test/cli/json-shapes (fields may be added, never removed or renamed) and commit it.';
const env = {BONNIE_CONFIG: '/dev/null'};

/** Where the commands run: the copied fixture, and a folder for what they create. */
interface Lab extends FixtureCopy {
  home: string;
}

/** One run of the CLI whose output is pinned: json-shapes/<file>.json holds its shape under `mode`. */
interface Case {
  /** The oclif command id (queue:list), or "errors". */
  command: string;
  mode: string;
  args: (lab: Lab) => string[];
  /** Paths (json-shape.ts) of objects whose keys are data. */
  maps?: string[];
  /** Standard input. */
  input?: string;
  /** Environment besides BONNIE_CONFIG. */
  env?: Record<string, string> | ((lab: Lab) => Record<string, string>);
}

const cat = (lab: Lab) => ['--catalog', lab.catalog];
const store = (lab: Lab) => [...cat(lab), '--archive', lab.archive];
const spool = (lab: Lab) => [...store(lab), '--spool', lab.spool];
/** The interception store, apart from the catalog (root's: CI runs as root). */
const interceptEnv = (lab: Lab) => ({BONNIE_INTERCEPT_DB: join(lab.home, 'intercept', 'intercept.db')});
const WARRANT = ['--liid', 'LI-1', '--agency', 'BKA', '--target', 'alice', '--start', '2026-01-01', '--end', '2099-01-01', '--hi2', 'tcp://127.0.0.1:9001', '--hi3', 'tcp://127.0.0.1:9002', '--auth-country', 'DE', '--delivery-country', 'DE'];

// What writes runs one at a time, in the order an administrator would; what only reads, at once.
const WRITERS: Case[] = [
  // With behaviour rules: alice's EXPUNGE of two messages raises a DLP alert (for dlp alerts and dlp ack).
  {command: 'process', mode: 'process', args: (l) => ['process', ...cat(l)], maps: ['byType', 'unhandled'], env: {BONNIE_DLP_RULES: join(REPO, 'test/fixtures/dlp/behaviour.yaml')}},
  {command: 'collector', mode: 'collector', args: (l) => ['collector', ...spool(l)]},
  {command: 'archive', mode: 'archive --all', args: (l) => ['archive', '--all', ...spool(l)]},
  {command: 'search', mode: 'search QUERY', args: (l) => ['search', 'user:alice', ...store(l)]},
  {command: 'gaps', mode: 'gaps --all', args: (l) => ['gaps', '--all', ...cat(l)]},
  {command: 'retention:add', mode: 'retention add NAME --delete', args: (l) => ['retention', 'add', 'week', '--delete', '7d', ...cat(l)]},
  {command: 'hold:add', mode: 'hold add CASE', args: (l) => ['hold', 'add', 'CASE-1', '--user', 'alice', '--reason', 'a probe', ...cat(l)]},
  {command: 'intercept:add', mode: 'intercept add --hi2 --hi3', args: () => ['intercept', 'add', ...WARRANT], env: interceptEnv},
  {command: 'prune', mode: 'prune --dry-run', args: (l) => ['prune', '--dry-run', ...store(l)]},
  {command: 'maillog', mode: 'maillog FILE...', args: (l) => ['maillog', join(REPO, 'samples/maillog/mx-edge.log'), join(REPO, 'samples/maillog/mx-hub.log'), ...cat(l)]},
  {command: 'dealer', mode: 'dealer --drain-spill', args: (l) => ['dealer', '--drain-spill', ...cat(l)]},
  {command: 'dealer', mode: 'dealer (an event on stdin)', args: (l) => ['dealer', ...cat(l)], input: '{"event":"Logout","timestamp":"2026-11-22T12:00:00.000Z","user":"alice","vnd.cmu.sessionId":"s-spilled"}\n'},
];
const READERS: Case[] = [
  {command: 'status', mode: 'status', args: (l) => ['status', ...cat(l)], maps: ['queue.unknownTypes']},
  {command: 'doctor', mode: 'doctor', args: (l) => ['doctor', '--imapd-conf', join(REPO, 'test/harness/cyrus/imapd.conf'), '--cyrus-conf', join(REPO, 'test/harness/cyrus/cyrus.conf'), ...cat(l)]},
  {command: 'queue:list', mode: 'queue list', args: (l) => ['queue', 'list', ...cat(l)]},
  {command: 'quarantine:list', mode: 'quarantine list', args: (l) => ['quarantine', 'list', ...cat(l)]},
  {command: 'history', mode: 'history --message', args: (l) => ['history', '--message', 'user.alice.Work:1', ...cat(l)]},
  {command: 'history', mode: 'history --folder', args: (l) => ['history', '--folder', 'user.alice.Work', ...cat(l)]},
  {command: 'history', mode: 'history --user', args: (l) => ['history', '--user', 'alice', ...cat(l)]},
  {command: 'dlp:alerts', mode: 'dlp alerts', args: (l) => ['dlp', 'alerts', ...cat(l)]},
  {command: 'dlp:test', mode: 'dlp test RULES MESSAGE', args: () => ['dlp', 'test', join(REPO, 'test/fixtures/dlp/rules.yaml'), join(REPO, 'test/fixtures/dlp/card.eml'), '--direction', 'out']},
  {command: 'retention:list', mode: 'retention list', args: (l) => ['retention', 'list', ...cat(l)]},
  {command: 'hold:list', mode: 'hold list', args: (l) => ['hold', 'list', ...cat(l)]},
  // A follow command prints JSON Lines (test/e2e/dlp-watch.test.ts); pinned here: its failure.
  {command: 'dlp:watch', mode: 'dlp watch (no catalog)', args: (l) => ['dlp', 'watch', '--catalog', join(l.home, 'none.db')]},
  {command: 'intercept:list', mode: 'intercept list', args: () => ['intercept', 'list'], env: interceptEnv},
  {command: 'intercept:verify-log', mode: 'intercept verify-log', args: () => ['intercept', 'verify-log'], env: interceptEnv},
  // A service printing JSON Lines (test/live/intercept.test.ts); pinned here: its failure without a store.
  {command: 'intercept:serve', mode: 'intercept serve (no store)', args: (l) => ['intercept', 'serve', ...cat(l)], env: (l: Lab) => ({BONNIE_INTERCEPT_DB: join(l.home, 'none', 'intercept.db')})},
  {command: 'errors', mode: 'LIID used (intercept add)', args: () => ['intercept', 'add', ...WARRANT], env: interceptEnv},
  {command: 'errors', mode: 'usage (prune without --dry-run)', args: (l) => ['prune', ...cat(l)]},
  {command: 'trace', mode: 'trace MESSAGE-ID', args: (l) => ['trace', '<Plus-addressed-1795348462056@example.org>', ...cat(l)]},
  {command: 'trace', mode: 'trace --to --since (a bounce, a reject)', args: (l) => ['trace', '--to', 'bob@imap.lab.test', '--since', '2026-11-01', ...cat(l)]},
  {command: 'errors', mode: 'not found (trace)', args: (l) => ['trace', 'ABCDEF123456', ...cat(l)]},
  {command: 'audit', mode: 'audit --user --since', args: (l) => ['audit', '--user', 'alice', '--since', '2026-11-01', ...cat(l)]},
  {command: 'verify', mode: 'verify --events', args: (l) => ['verify', '--events', ...cat(l)]},
  {command: 'verify', mode: 'verify --integrity', args: (l) => ['verify', '--integrity', ...cat(l)]},
  {command: 'verify', mode: 'verify --read-data (every check)', args: (l) => ['verify', '--read-data', ...store(l)]},
  {command: 'export', mode: 'export --user --format eml', args: (l) => ['export', '--user', 'alice', '--format', 'eml', '--out', join(l.home, 'export'), ...store(l)]},
  {command: 'restore', mode: 'restore --user --dry-run', args: (l) => ['restore', '--user', 'alice', '--dry-run', ...store(l)]},
  {command: 'init', mode: 'init', args: (l) => ['init', '--catalog', join(l.home, 'new', 'catalog.db')]},
  {command: 'errors', mode: 'usage error (status --no-such-flag)', args: (l) => ['status', '--no-such-flag', ...cat(l)]},
  {command: 'errors', mode: 'missing catalog (status)', args: (l) => ['status', '--catalog', join(l.home, 'none.db')]},
  {command: 'errors', mode: 'not found (history --message)', args: (l) => ['history', '--message', 'Mffffffffffffffffffffffff', ...cat(l)]},
  {command: 'errors', mode: 'unknown command (frobnicate)', args: () => ['frobnicate']},
  {command: 'completion', mode: 'completion bash', args: () => ['completion', 'bash']},
];
/** After the readers: what acts on the job and the delivery they listed (job 3 is done: skipped). */
const ACTORS: Case[] = [
  // The dry run's plan (the `week` rule lets bob's mail go; CASE-1 holds alice's), approved by another
  // administrator (through sudo), then deleted: before the hold's release and the rule's removal make it stale.
  {command: 'prune:approve', mode: 'prune approve ID', args: (l) => ['prune', 'approve', lastPlan(l), ...cat(l)], env: {SUDO_USER: 'carol'}},
  {command: 'prune', mode: 'prune --plan ID', args: (l) => ['prune', '--plan', lastPlan(l), ...store(l)]},
  {command: 'errors', mode: 'unknown plan (prune --plan)', args: (l) => ['prune', '--plan', 'feedfacefeedface', ...store(l)]},
  {command: 'intercept:end', mode: 'intercept end LIID', args: () => ['intercept', 'end', 'LI-1', '--reason', 'a probe'], env: interceptEnv},
  {command: 'hold:release', mode: 'hold release CASE', args: (l) => ['hold', 'release', 'CASE-1', '--reason', 'done', ...cat(l)]},
  {command: 'retention:remove', mode: 'retention remove NAME', args: (l) => ['retention', 'remove', 'week', ...cat(l)]},
  {command: 'queue:retry', mode: 'queue retry ID...', args: (l) => ['queue', 'retry', '1', '3', '--reason', 'handler fixed', ...cat(l)]},
  {command: 'quarantine:requeue', mode: 'quarantine requeue ID (still invalid)', args: (l) => ['quarantine', 'requeue', '1', ...cat(l)]},
  {command: 'quarantine:ack', mode: 'quarantine ack ID', args: (l) => ['quarantine', 'ack', '1', '--reason', 'a probe', ...cat(l)]},
  {command: 'dlp:ack', mode: 'dlp ack ID --note', args: (l) => ['dlp', 'ack', '1', '--note', 'a clean-up alice announced', ...cat(l)]},
  {command: 'errors', mode: 'not found (dlp ack)', args: (l) => ['dlp', 'ack', '99', '--note', 'x', ...cat(l)]},
];
/** Then what shows those actions. */
const AFTER: Case[] = [
  {command: 'dlp:scan', mode: 'dlp scan --rules --since --until', args: (l) => ['dlp', 'scan', '--rules', join(REPO, 'test/fixtures/dlp/archive-scan.yaml'), '--since', '2026-03-01', '--until', '2026-03-31', ...store(l)]},
  {command: 'queue:list', mode: 'queue list --state pending (retried)', args: (l) => ['queue', 'list', '--state', 'pending', ...cat(l)]},
  {command: 'quarantine:list', mode: 'quarantine list --all (one acknowledged)', args: (l) => ['quarantine', 'list', '--all', ...cat(l)]},
  {command: 'quarantine:show', mode: 'quarantine show ID (acknowledged)', args: (l) => ['quarantine', 'show', '1', ...cat(l)]},
  {command: 'dlp:alerts', mode: 'dlp alerts --rule --since (acknowledged)', args: (l) => ['dlp', 'alerts', '--rule', 'mass-delete', '--since', '2026-11-01', ...cat(l)]},
  // A new catalog from the segments the writers and the prune above left.
  {command: 'rebuild', mode: 'rebuild --archive --catalog NEW', args: (l) => ['rebuild', '--archive', l.archive, '--catalog', join(l.home, 'rebuilt.db')]},
];
const CASES = [...WRITERS, ...READERS, ...ACTORS, ...AFTER];

/** The id of the latest prune plan (the dry run's, among the writers). */
function lastPlan(l: Lab): string {
  const catalog = openCatalog(l.catalog, {readOnly: true});
  try {
    return (catalog.db.prepare('SELECT id FROM prune_plan ORDER BY created_at DESC LIMIT 1').get() as {id: string}).id;
  } finally {
    catalog.close();
  }
}

/** A MailboxCreate without its folder: the handler refuses it, the job fails (notification 1). */
const BAD_EVENT = '{"event":"MailboxCreate","timestamp":"2026-11-22T11:53:57.598Z"}\n';
/** Not events: quarantined (deliveries 1 and 2). */
const NOT_EVENTS = ['GET / HTTP/1.0\r\n', '\x1b]0;pwned\x07 not an event\n'];
/** Alice's Job folder gets UID 9 after UID 2: UIDs 3-8 never announced, a gap (specimen 82 is UID 2). */
const AFTER_A_GAP = variant(82, {timestamp: '2026-11-22T11:59:00.000Z', uri: 'imap://imap.lab.test/user.alice.Job;UIDVALIDITY=1795348441/;UID=9', uidnext: 10, modseq: 20});
/** A Login a dealer spilled while the catalog was locked, for --drain-spill. */
const SPILLED = '{"event":"Login","timestamp":"2026-11-22T11:53:50.000Z","user":"alice","vnd.cmu.sessionId":"s-spilled"}\n';

let lab: Lab;
const results = new Map<Case, Ran>();
const cli = async (c: Case) => results.set(c, await bonnie([...c.args(lab), '--json'], {env: {...env, ...(typeof c.env === 'function' ? c.env(lab) : c.env)}, ...(c.input === undefined ? {} : {input: c.input})}));
/** Runs `cases`, as many at once as there are cores (each is a process). */
async function concurrently(cases: readonly Case[]): Promise<void> {
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) await cli(c);
  };
  await Promise.all(Array.from({length: availableParallelism()}, worker));
}

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'bonnie-json-'));
  lab = {...copyArchiveFixture('sound', home), home};
  const catalog = openCatalog(lab.catalog);
  const raws = [Buffer.from(BAD_EVENT), ...NOT_EVENTS.map((e) => Buffer.from(e)), ...SPECIMEN_FILES.map((file) => readFileSync(join(SPECIMENS, file))), AFTER_A_GAP];
  new Ingester(catalog.db).ingest(raws.map((raw, i) => ({raw, receivedAt: 1_000_000 + i, source: 'stdin' as const})));
  catalog.close();
  const spill = join(lab.dir, 'spill');
  mkdirSync(spill, {recursive: true});
  writeFileSync(join(spill, '0001763812430000-4242-0badcafe.stdin.spill'), SPILLED);

  for (const c of WRITERS) await cli(c);
  await concurrently(READERS);
  for (const c of ACTORS) await cli(c);
  await concurrently(AFTER);
}, 300_000);
afterAll(() => {
  if (lab !== undefined) rmSync(lab.home, {recursive: true, force: true});
});

/** The statuses `bonnie <id>` may exit with, as its man page lists them (EXIT STATUS). */
function manExits(id: string): number[] {
  const exits = (page: string) => {
    const section = readFileSync(join(REPO, 'man', page), 'utf8').split('.SH "EXIT STATUS"')[1]?.split('.SH ')[0] ?? '';
    return [...section.matchAll(/^\\fB(\d+)\\fR\n(.*)$/gm)].map((m) => ({code: Number(m[1]), text: m[2] ?? ''}));
  };
  // bonnie(1) lists every status; 6 and 7 are said to be bonnie status' own.
  const general = exits('bonnie.1').filter((e) => !e.text.startsWith('bonnie status:')).map((e) => e.code);
  const page = `bonnie-${id.replaceAll(':', '-')}.1`;
  // Not a command (an unknown one): bonnie(1) alone.
  const own = existsSync(join(REPO, 'man', page)) ? exits(page).map((e) => e.code) : [];
  return [...new Set([0, ...own, ...general])].sort();
}

/** What `c` printed, parsed: it must be one JSON document and nothing else. */
function document(c: Case): unknown {
  const r = results.get(c);
  if (r === undefined) throw new Error(`${c.mode} did not run`);
  try {
    return JSON.parse(r.stdout);
  } catch (error) {
    throw new Error(`${c.mode}: stdout is not one JSON document (${(error as Error).message}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

describe('the JSON output of every command', () => {
  it('runs every command of the CLI', () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>};
    expect(Object.keys(manifest.commands).filter((id) => !CASES.some((c) => c.command === id)), 'commands whose JSON output is not pinned: add a case').toEqual([]);
  });

  it.each(CASES.map((c) => [c.mode, c] as const))('%s: one JSON document on stdout, an exit status its man page lists', (_mode, c) => {
    const r = results.get(c) as Ran;
    const parsed = document(c);
    const id = c.command === 'errors' ? (c.args(lab)[0] as string) : c.command;
    expect(manExits(id), `${c.mode} exited ${r.code}; stderr:\n${r.stderr}`).toContain(r.code);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      // The documented failure: exactly {error: {code, message, hint, exit}}, and the status it names.
      expect(Object.keys(parsed)).toEqual(['error']);
      const {code, message, hint, exit} = parsed.error as Record<string, unknown>;
      expect(Object.keys(parsed.error as object)).toEqual(['code', 'message', 'hint', 'exit']);
      expect([typeof code, typeof message, hint === null ? 'null' : typeof hint, exit]).toEqual(['string', 'string', expect.stringMatching(/^(string|null)$/), r.code]);
      expect(r.code).not.toBe(0);
    }
  });

  const files = [...new Set(CASES.map((c) => c.command))];
  it.each(files)('%s: the shape of its output is the one committed in json-shapes/', (command) => {
    // An error's code is pinned too: scripts match on it (bonnie(1), ERRORS).
    const actual: Record<string, {exit: number | null; errorCode?: unknown; shape: Shape}> = {};
    for (const c of CASES.filter((k) => k.command === command)) {
      const parsed = document(c) as {error?: {code?: unknown}};
      actual[c.mode] = {exit: results.get(c)?.code ?? null, ...(parsed.error === undefined ? {} : {errorCode: parsed.error.code}), shape: shapeOf(parsed, c.maps)};
    }
    const path = join(SHAPES, `${command.replaceAll(':', '-')}.json`);
    if (UPDATE) {
      mkdirSync(SHAPES, {recursive: true});
      writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    let committed: unknown;
    try {
      committed = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new Error(`no shape committed for ${command} (${path}). ${UPDATE_HOW}`);
    }
    expect(actual, `The JSON output of bonnie ${command.replace(':', ' ')} changed. ${UPDATE_HOW}`).toEqual(committed);
  });

  it('keeps no shape of a command that is no longer run', () => {
    const expected = new Set(files.map((command) => `${command.replaceAll(':', '-')}.json`));
    const stale = readdirSync(SHAPES).filter((file) => !expected.has(file));
    if (UPDATE) for (const file of stale) rmSync(join(SHAPES, file));
    else expect(stale, `stale files in test/cli/json-shapes/. ${UPDATE_HOW}`).toEqual([]);
  });
});

describe('shapes', () => {
  it('tells null from a missing key, and merges the elements of an array', () => {
    expect(shapeOf({a: null, b: [{x: 1, y: 'z'}, {x: 2, y: null}, {x: 3}], c: [], d: {}})).toEqual({
      a: 'null',
      b: [{x: 'number', 'y?': 'null|string'}],
      c: [],
      d: {},
    });
    expect(shapeOf({b: 1})).not.toEqual(shapeOf({b: null}));
    expect(shapeOf({})).not.toEqual(shapeOf({b: null}));
  });

  it('lists different kinds, and writes the keys of a map as one', () => {
    expect(shapeOf([1, 'a', {k: true}, [2]])).toEqual([{anyOf: ['number', 'string', {k: 'boolean'}, ['number']]}]);
    expect(shapeOf({counts: {Login: 3, Logout: 1}}, ['counts'])).toEqual({counts: {'<key>': 'number'}});
    expect(union([[{a: 'number'}], [{a: 'number', b: 'string'}], []])).toEqual([{a: 'number', 'b?': 'string'}]);
  });
});
