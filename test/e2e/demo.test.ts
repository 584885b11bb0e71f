/**
 * The README's first command runs `npm run demo` (scripts/demo.sh): it must keep working as the code moves.
 * Run here as a user would, in a folder of its own (BONNIE_DEMO_DIR), against the built CLI; what it prints
 * is checked at the points a reader of the README looks at.
 */
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO} from '../helpers/paths.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();

describe('npm run demo', () => {
  it('runs every step to the end: the record, the archive, restore, search, verify, status, and the daemon through a kill -9', () => {
    const demo = join(tempDir(), 'demo');
    const run = spawnSync('bash', [join(REPO, 'scripts', 'demo.sh')], {cwd: REPO, env: {...process.env, BONNIE_DEMO_DIR: demo}, encoding: 'utf8', timeout: 300_000});
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^BONNIE OK - 0 pending, 97 done/m);
    expect(run.stdout).toMatch(/96 datagrams sent and committed in \d+ ms, through a kill -9/);
    expect(run.stdout).toMatch(/^queue\.pending\s+96$/m);
  }, 360_000);
});
