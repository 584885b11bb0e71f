/** bonnie doctor's check of the interception store: root's only, judged without opening it. */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkInterceptStore} from '../../../../src/lib/read/doctor/intercept-check.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const root = process.getuid?.() === 0;

describe('doctor: the interception store', () => {
  it('is fine when there is none', () => {
    expect(checkInterceptStore(join(tempDir(), 'intercept', 'intercept.db'))).toMatchObject({id: 'intercept.store', level: 'ok'});
  });

  it.runIf(root)('is fine as root made it (0600 in 0700), an error with the fix when group or others may read it', () => {
    const folder = join(tempDir(), 'intercept');
    mkdirSync(folder, {mode: 0o700});
    const store = join(folder, 'intercept.db');
    writeFileSync(store, '', {mode: 0o600});
    expect(checkInterceptStore(store)).toMatchObject({level: 'ok'});
    chmodSync(store, 0o640);
    const lax = checkInterceptStore(store);
    expect(lax).toMatchObject({level: 'error'});
    expect(JSON.stringify(lax)).toContain(`chmod 0600 ${store}`);
    chmodSync(store, 0o600);
    chmodSync(folder, 0o755);
    expect(checkInterceptStore(store)).toMatchObject({level: 'error'});
  });
});
