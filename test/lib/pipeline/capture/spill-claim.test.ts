import {existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {checkSpillClaim, claimSpill, spillClaim} from '../../../../src/lib/pipeline/capture/spill-claim.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

function setup() {
  const home = tempDir();
  const spill = join(home, 'spill');
  mkdirSync(spill);
  const a = join(home, 'a.db');
  const b = join(home, 'b.db');
  writeFileSync(a, '');
  writeFileSync(b, '');
  return {home, spill, a, b};
}

describe('spill claim', () => {
  it('is made by the first catalog that drains, private, and accepted again for that catalog', () => {
    const {spill, a} = setup();
    expect(checkSpillClaim(spill, a)).toBe(false);
    claimSpill(spill, a);
    expect(spillClaim(spill)).toBe(a);
    expect(statSync(join(spill, '.catalog')).mode & 0o777).toBe(0o640);
    expect(checkSpillClaim(spill, a)).toBe(true);
    expect(() => claimSpill(spill, a)).not.toThrow();
  });

  it('refuses another catalog, naming both and the fix, and leaves the claim as it was', () => {
    const {spill, a, b} = setup();
    claimSpill(spill, a);
    let caught: unknown;
    try {
      claimSpill(spill, b);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BonnieError);
    const error = caught as BonnieError;
    expect(error.code).toBe('SpillFolderShared');
    expect(error.message).toContain(a);
    expect(error.message).toContain(b);
    expect(error.hint).toContain('its own spill folder');
    expect(() => checkSpillClaim(spill, b)).toThrow(/belongs to another catalog/);
    expect(readFileSync(join(spill, '.catalog'), 'utf8')).toBe(`${a}\n`);
  });

  it('claims no folder that does not exist (nothing to drain there), and nothing for an in-memory catalog', () => {
    const {home, spill, a} = setup();
    const absent = join(home, 'absent');
    claimSpill(absent, a);
    expect(existsSync(absent)).toBe(false);
    claimSpill(spill, ':memory:');
    expect(spillClaim(spill)).toBeUndefined();
    expect(checkSpillClaim(spill, ':memory:')).toBe(false);
  });

  it('knows a catalog reached through a symbolic link as the same catalog', () => {
    const {home, spill, a} = setup();
    mkdirSync(join(home, 'links'));
    symlinkSync(a, join(home, 'links', 'catalog.db'));
    claimSpill(spill, join(home, 'links', 'catalog.db'));
    expect(spillClaim(spill)).toBe(a);
    expect(checkSpillClaim(spill, a)).toBe(true);
  });
});
