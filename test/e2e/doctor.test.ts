/**
 * bonnie doctor as an administrator runs it, built CLI on a catalog made by bonnie init and a copy of the
 * lab's Cyrus configuration: the exit status for all ok, a warning and an error, and the --json shape.
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {RESERVE_BYTES} from '../../src/lib/pipeline/capture/reserve.js';
import type {DoctorReport} from '../../src/lib/read/doctor/check.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const TEMPLATES = existsSync(new URL('../../../shared/cyrus/config/imapd.conf', import.meta.url)) ? new URL('../../../shared/cyrus/config/', import.meta.url) : new URL('../harness/cyrus/', import.meta.url);
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A host as doctor should find it: catalog by init, reserve, Cyrus config with notifyd running the dealer, its socket. */
async function host(): Promise<{args: string[]; catalog: string; spill: string; env: NodeJS.ProcessEnv}> {
  const dir = tempDir();
  const catalog = join(dir, 'bonnie', 'catalog.db');
  const spool = join(dir, 'spool');
  mkdirSync(spool);
  const env = {BONNIE_CONFIG: '/dev/null', BONNIE_SPOOL: spool};
  expect((await bonnie(['init', '--catalog', catalog], {env})).code).toBe(0);
  const spill = join(dir, 'bonnie', 'spill');
  writeFileSync(join(spill, '.reserve'), Buffer.alloc(RESERVE_BYTES));
  const dealer = join(dir, 'bonnie-dealer');
  writeFileSync(dealer, '#!/bin/sh\n', {mode: 0o755});
  const read = (name: string) => readFileSync(new URL(name, TEMPLATES), 'utf8').replaceAll('@LAB@', dir);
  writeFileSync(join(dir, 'imapd.conf'), read('imapd.conf').replace(/^notify_external:.*$/m, `notify_external: ${dealer}`));
  writeFileSync(join(dir, 'cyrus.conf'), read('cyrus.conf'));
  mkdirSync(join(dir, 'run', 'socket'), {recursive: true});
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(join(dir, 'run', 'socket', 'notify'), resolve));
  const owner = `${process.getuid?.()}:${process.getgid?.()}`;
  return {args: ['doctor', '--catalog', catalog, '-C', join(dir, 'imapd.conf'), '-M', join(dir, 'cyrus.conf'), '--owner', owner], catalog, spill, env};
}

describe('bonnie doctor', () => {
  it('exits 0 when all is ok, 6 with a warning, 7 with an error, and says what to fix', async () => {
    const {args, catalog, spill, env} = await host();
    const healthy = await bonnie([...args, '--json'], {env});
    const report = JSON.parse(healthy.stdout) as DoctorReport;
    expect(report.checks.filter((c) => c.level !== 'ok')).toEqual([]);
    expect(healthy.code).toBe(0);
    expect(report).toMatchObject({level: 'ok', exit: 0, summary: {warning: 0, error: 0}});
    expect(report.checks.map((c) => c.id)).toEqual([
      'config.file', 'system.owner', 'config.paths', 'catalog.file', 'catalog.folder', 'catalog.owner', 'spill.folder', 'journal.folder', 'spill.reserve', 'archive.folder', 'catalog.disk-space', 'intercept.store',
      'cyrus.imapd-conf', 'cyrus.event-notifier', 'cyrus.event-groups', 'cyrus.event-extra-params', 'cyrus.event-exclude-specialuse', 'cyrus.notify-service', 'cyrus.notify-external', 'cyrus.notify-socket', 'system.max-dgram-qlen',
      'reach.imap', 'reach.ldap',
    ]);
    for (const check of report.checks) expect(Object.keys(check).sort()).toEqual(['fix', 'found', 'id', 'level']);

    rmSync(join(spill, '.reserve'));
    const warned = await bonnie(args, {env});
    expect(warned.code).toBe(6);
    expect(warned.stdout).toContain(`WARNING spill.reserve: ${join(spill, '.reserve')} is missing: a full disk would lose events\n        fix: sudo -u `);
    expect(warned.stdout).toMatch(/\n\d+ ok, 1 warning\(s\), 0 error\(s\) \(exit status 6\)\n$/);

    chmodSync(catalog, 0o644);
    const failed = await bonnie([...args, '--json'], {env});
    expect(failed.code).toBe(7);
    const broken = JSON.parse(failed.stdout) as DoctorReport;
    expect(broken).toMatchObject({level: 'error', exit: 7, summary: {warning: 1, error: 1}});
    expect(broken.checks.find((c) => c.id === 'catalog.owner')).toMatchObject({level: 'error', found: `${catalog}: mode 0644, not 0640`});
  });

  it('reports an invalid configuration file as an error and still checks Cyrus', async () => {
    const {args, env} = await host();
    const conf = join(tempDir(), 'bonnie.conf');
    writeFileSync(conf, 'catalog /x\n');
    const ran = await bonnie([...args, '--json', '--config', conf], {env: {...env, BONNIE_CONFIG: ''}});
    expect(ran.code).toBe(7);
    const report = JSON.parse(ran.stdout) as DoctorReport;
    expect(report.checks[0]).toMatchObject({id: 'config.file', level: 'error', found: `${conf} line 1: expected "key: value", found "catalog /x"`});
    expect(report.checks.some((c) => c.id === 'cyrus.event-groups' && c.level === 'ok')).toBe(true);
  });
});
