/**
 * The built `bonnie collector` as a process. As root, the user who may not read Cyrus' files is played by
 * nobody (setpriv): the run must stop with SpoolUnreadable and the hint to run as cyrus.
 */
import {spawnSync} from 'node:child_process';
import {chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {BIN_RUN, SPECIMENS} from '../../../helpers/paths.js';
import {bonnie, run} from '../../../helpers/run.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const NOBODY = 65534;
const INBOX = '76yzkoa5vpplgcimbgeofaee';
const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('sh', ['-c', 'command -v setpriv']).status === 0;

/** A catalog holding the specimens' first APPEND (alice's INBOX, UID 1), and a spool holding that file. */
function prepare(dir: string): {catalogPath: string; spool: string; archive: string} {
  const catalogPath = join(dir, 'catalog.db');
  const catalog = openCatalog(catalogPath, {create: true});
  const append = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort()[14] as string; // 15-MessageAppend
  new Ingester(catalog.db).ingest([{raw: readFileSync(join(SPECIMENS, append)), receivedAt: 1000, source: 'stdin'}]);
  catalog.close();
  const spool = join(dir, 'spool');
  const file = messagePath(spool, INBOX, 1);
  mkdirSync(dirname(file), {recursive: true});
  writeFileSync(file, 'Subject: hi\r\n\r\nhello\r\n', {mode: 0o600});
  return {catalogPath, spool, archive: join(dir, 'archive')};
}

describe('bonnie collector', () => {
  it('collects and prints the summary as JSON', async () => {
    const {catalogPath, spool, archive} = prepare(tempDir());
    const ran = await bonnie(['collector', '--catalog', catalogPath, '--spool', spool, '--archive', archive, '--json'], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({
      scan: {scanned: 1, created: 1, folders: 0},
      collected: 1,
      alreadyStored: 0,
      overImap: 0,
      unrecoverable: 0,
      failed: 0,
      remaining: 0,
      dlpAlerts: 0,
      reconcile: {done: 0, cancelled: 0, gapsReconciled: 0, failed: 0, dead: 0, remaining: 0, snapshots: 0, collected: 0, alreadyStored: 0, unrecoverable: 0},
      // New mail is searchable at once.
      search: expect.objectContaining({locations: 1, docs: 1, problems: 0}) as unknown,
    });
    const human = await bonnie(['collector', '--catalog', catalogPath, '--spool', spool, '--archive', archive], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(human.stdout).toContain('Collected 0, already stored 0, unrecoverable 0, failed 0 (retried by a later run); 0 remaining.');
    expect(human.stdout).toContain('Reconcile jobs: 0 done (0 snapshot(s), 0 message(s) collected, 0 already stored, 0 unrecoverable, 0 gap(s) reconciled), 0 cancelled (folder deleted), 0 failed (retried by a later run), 0 dead; 0 remaining.');
    const status = JSON.parse((await bonnie(['status', '--json', '--catalog', catalogPath], {env: {BONNIE_CONFIG: '/dev/null'}})).stdout) as {archive: Record<string, number>};
    expect(status.archive).toMatchObject({segments: 1, messages: 1, collectPending: 0, collectUnrecoverable: 0});
    expect(status.archive.storedBytes).toBeGreaterThan(0);
  });

  it.skipIf(!isRoot || !hasSetpriv).each([
    ['the files', (_spool: string) => undefined],
    // The folder's parent mode 0700, as Cyrus' umask 077 leaves it: the folder is not "absent", and its message not gone.
    ['the folders', (spool: string) => chmodSync(join(spool, 'uuid', '7'), 0o700)],
  ])('stops with SpoolUnreadable and the hint to run as cyrus when %s are not readable', async (_what, restrict) => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const {catalogPath, spool, archive} = prepare(dir);
    restrict(spool);
    chownSync(dir, NOBODY, NOBODY);
    for (const f of readdirSync(dir).filter((name) => name.startsWith('catalog.db'))) chownSync(join(dir, f), NOBODY, NOBODY);
    const ran = await run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN_RUN, 'collector', '--catalog', catalogPath, '--spool', spool, '--archive', archive, '--json'], {
      env: {BONNIE_CONFIG: '/dev/null', HOME: dir},
    });
    expect(ran.code).toBe(1);
    const {error} = JSON.parse(ran.stdout) as {error: {code: string; hint: string}};
    expect(error.code).toBe('SpoolUnreadable');
    expect(error.hint).toMatch(/run bonnie collector as the cyrus user.*imap_url/);
  });
});
