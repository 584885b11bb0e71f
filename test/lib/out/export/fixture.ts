/**
 * A real catalog and archive without Cyrus, built the way scripts/demo.sh builds the demo's: the 96 sample
 * events (samples/events, captured from a real Cyrus 3.6) queued in file order, `bonnie process`, a spool
 * laid out for them (scripts/demo-spool.js), `bonnie archive --all`. The events are queued in-process with
 * the dealer's own Ingester (what bin/bonnie-dealer does per event, minus 96 process start-ups).
 *
 * What the samples hold, for the tests: alice's INBOX had UIDs 1-4 until 11:54:11-12 (2 moved to Work,
 * 1 and 4 expunged), then 5 and 6 were delivered; now it holds 3, 5, 6.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {queryCatalog} from '../../../helpers/catalog.js';
import {REPO} from '../../../helpers/paths.js';
import {bonnie, run} from '../../../helpers/run.js';

export const SAMPLES = join(REPO, 'samples/events');

export interface SampleArchive {
  dir: string;
  catalog: string;
  archive: string;
  /** Environment for the built CLI: no config file, this catalog and archive. */
  env: NodeJS.ProcessEnv;
}

/** Builds the samples' catalog and archive in `dir` (a few seconds). */
export async function buildSampleArchive(dir: string): Promise<SampleArchive> {
  const catalogPath = join(dir, 'catalog.db');
  const archive = join(dir, 'archive');
  mkdirSync(archive, {recursive: true});
  const env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: catalogPath, BONNIE_ARCHIVE: archive};
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort();
  const catalog = openCatalog(catalogPath, {create: true});
  try {
    const now = Date.now();
    new Ingester(catalog.db).ingest(files.map((f, i) => ({raw: readFileSync(join(SAMPLES, f)), receivedAt: now + i, source: 'stdin' as const})));
  } finally {
    catalog.close();
  }
  const processed = await bonnie(['process'], {env});
  if (processed.code !== 0) throw new Error(`bonnie process failed: ${processed.stderr}`);
  const spool = join(dir, 'spool');
  const laid = await run(process.execPath, [join(REPO, 'scripts/demo-spool.js'), spool, ...files.map((f) => join(SAMPLES, f))]);
  if (laid.code !== 0) throw new Error(`demo-spool.js failed: ${laid.stderr}`);
  const archived = await bonnie(['archive', '--all', '--spool', spool], {env});
  if (archived.code !== 0) throw new Error(`bonnie archive failed: ${archived.stderr}`);
  return {dir, catalog: catalogPath, archive, env};
}

/** SHA-256 (hex) of each archived message of a folder, by UID: what the archive holds, from the catalog. */
export function archivedHashes(catalogPath: string, mailboxName: string): Map<number, string> {
  const rows = queryCatalog<{uid: number; sha256: string}>(
    catalogPath,
    `SELECT a.uid, lower(hex(a.sha256)) AS sha256 FROM archived_message a
     WHERE a.mailbox_id = (SELECT mailbox_id FROM snapshot WHERE mailbox_name = ? ORDER BY id DESC LIMIT 1)`,
    mailboxName,
  );
  return new Map(rows.map((r) => [r.uid, r.sha256]));
}

/** Runs a Python 3 program (an independent reader) with `args`; returns what it prints as JSON. */
export function python<T>(program: string, ...args: string[]): T {
  const ran = spawnSync('python3', ['-c', program, ...args], {encoding: 'utf8'});
  if (ran.status !== 0) throw new Error(`python3 failed (${ran.status}): ${ran.stderr}`);
  return JSON.parse(ran.stdout) as T;
}

/** Runs a command; throws with its stderr unless it exits 0. Returns stdout. */
export function sh(command: string, args: string[], cwd?: string): string {
  const ran = spawnSync(command, args, {encoding: 'utf8', cwd});
  if (ran.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${ran.status}): ${ran.stderr}`);
  return ran.stdout;
}
