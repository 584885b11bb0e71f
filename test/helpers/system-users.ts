/**
 * Real, non-root users for permission tests (root only): the catalog's owner, as cyrus is in production,
 * and a reader in its group. Both are in group mail, as on Debian. Users a test run created are removed
 * after it; users that existed are left alone.
 */
import {spawnSync} from 'node:child_process';
import {afterAll, beforeAll, expect} from 'vitest';
import {run} from './run.js';

/** Owns the catalog (like cyrus: primary group mail). */
export const OWNER = 'bonnie-test-owner';
/** Reads it: another primary group, mail as a supplementary group (like an auditor's account). */
export const READER = 'bonnie-test-reader';

export const isRoot = process.getuid?.() === 0;

/** Creates OWNER and READER before the tests of the calling file, removes them after. Call at top level of a describe. */
export function useSystemUsers(): void {
  const made: string[] = [];
  beforeAll(() => {
    for (const [user, groups] of [[OWNER, ['-g', 'mail']], [READER, ['-g', 'nogroup', '-G', 'mail']]] as const) {
      if (spawnSync('id', [user]).status === 0) continue;
      const added = spawnSync('useradd', ['-M', '-N', ...groups, '-s', '/usr/sbin/nologin', user], {encoding: 'utf8'});
      expect(added.status, added.stderr).toBe(0);
      made.push(user);
    }
  });
  afterAll(() => {
    for (const user of made.splice(0)) spawnSync('userdel', [user]);
  });
}

/** `node <args>` as `user`, with that user's supplementary groups (runuser initializes them). */
export const runAs = (user: string, args: string[], options: {env?: NodeJS.ProcessEnv; input?: string} = {}) =>
  run('runuser', ['-u', user, '--', process.execPath, ...args], {env: {BONNIE_CONFIG: '/dev/null', ...options.env}, input: options.input});
