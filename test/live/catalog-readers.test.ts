/**
 * The permission model on a live Cyrus (issue 12): notifyd runs bin/bonnie-dealer as cyrus:mail, which
 * writes the catalog `bonnie init --owner cyrus:mail` made; a user of group mail reads it with status and
 * search --no-update, and is refused a write with a hint naming the owner.
 */
import {statSync} from 'node:fs';
import {describe, expect, inject, it} from 'vitest';
import {lastEventId} from '../harness/events.js';
import {BIN_RUN} from '../helpers/paths.js';
import {READER, runAs, useSystemUsers} from '../helpers/system-users.js';
import {lookUpUser} from '../../src/lib/base/system/accounts.js';

const lab = inject('lab');

describe('a mail-group reader of the catalog the dealer writes as cyrus', () => {
  useSystemUsers();

  it('reads status and search --no-update; a writing command is refused, naming the owner', async () => {
    // The lab's own setup (the admin creating mailboxes) went through notifyd and the dealer.
    expect(lastEventId(lab)).toBeGreaterThan(0);
    const cyrus = lookUpUser('cyrus');
    for (const file of [lab.catalog, `${lab.catalog}-wal`, `${lab.catalog}-shm`]) {
      expect(statSync(file), file).toMatchObject({uid: cyrus?.uid, gid: cyrus?.gid});
      expect(statSync(file).mode & 0o777, file).toBe(0o640);
    }

    const status = await runAs(READER, [BIN_RUN, 'status', '--json', '--catalog', lab.catalog]);
    expect([0, 6, 7], status.stderr + status.stdout).toContain(status.code);
    expect(JSON.parse(status.stdout)).toMatchObject({catalog: {path: lab.catalog}});
    const search = await runAs(READER, [BIN_RUN, 'search', '--no-update', 'anything', '--json', '--catalog', lab.catalog]);
    expect(search.code, search.stderr + search.stdout).toBe(0);

    const write = await runAs(READER, [BIN_RUN, 'process', '--json', '--catalog', lab.catalog]);
    expect(write.code).toBe(4);
    expect(JSON.parse(write.stdout)).toMatchObject({error: {code: 'CatalogUnavailable', hint: expect.stringContaining('sudo -u cyrus')}});
  });
});
