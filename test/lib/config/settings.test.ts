import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BonnieError, EXIT} from '../../../src/lib/errors.js';
import {loadSettings} from '../../../src/lib/config/settings.js';
import {useTempDirs} from '../../helpers/tmp.js';

const tempDir = useTempDirs();

function configFile(text: string): string {
  const file = join(tempDir(), 'bonnie.conf');
  writeFileSync(file, text);
  return file;
}

function thrown(fn: () => unknown): BonnieError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  }
  throw new Error('expected a BonnieError');
}

describe('loadSettings', () => {
  it('uses the defaults when no file exists', () => {
    const s = loadSettings({}, {});
    expect(s.catalog).toBe('/var/lib/bonnie/catalog.db');
    expect(s.archive).toBe('/var/lib/bonnie/archive');
    expect(s.spill).toBe('/var/lib/bonnie/spill');
    expect(s.dealerTimeoutMs).toBe(2000);
    expect(s.origin.catalog).toBe('default');
  });

  it('resolves flags over environment over file over defaults', () => {
    const file = configFile('# bonnie\ncatalog: /srv/file.db\narchive: /srv/file-archive\nspill: /srv/file-spill\ndealer_timeout: 500ms\n');
    const env = {BONNIE_CONFIG: file, BONNIE_CATALOG: '/srv/env.db', BONNIE_ARCHIVE: '/srv/env-archive'};
    const s = loadSettings({catalog: '/srv/flag.db'}, env);
    expect(s.catalog).toBe('/srv/flag.db');
    expect(s.origin.catalog).toBe('flag');
    expect(s.archive).toBe('/srv/env-archive');
    expect(s.origin.archive).toBe('environment');
    expect(s.spill).toBe('/srv/file-spill');
    expect(s.origin.spill).toBe('file');
    expect(s.dealerTimeoutMs).toBe(500);
    expect(s.maxAttempts).toBe(5);
    expect(s.origin.maxAttempts).toBe('default');
    expect(s.configFile).toBe(file);
  });

  it('puts archive and spill beside the catalog unless told otherwise', () => {
    const s = loadSettings({}, {BONNIE_CONFIG: configFile(''), BONNIE_CATALOG: '/data/bonnie/cat.db'});
    expect(s.archive).toBe('/data/bonnie/archive');
    expect(s.spill).toBe('/data/bonnie/spill');
  });

  it('reads relative paths in the file relative to the file', () => {
    const file = configFile('catalog: state/catalog.db\n');
    expect(loadSettings({}, {BONNIE_CONFIG: file}).catalog).toBe(join(file, '..', 'state', 'catalog.db'));
  });

  it('names the key and the file for an unknown key', () => {
    const file = configFile('catalog: /x.db\ncatalgo: /y.db\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.code).toBe('ConfigInvalid');
    expect(error.exit).toBe(EXIT.config);
    expect(error.message).toContain(file);
    expect(error.message).toContain('line 2');
    expect(error.message).toContain('"catalgo"');
    expect(error.hint).toContain('catalog');
  });

  it('names the key and the file for an invalid value', () => {
    const file = configFile('dealer_timeout: soon\n');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: file}));
    expect(error.message).toContain('dealer_timeout');
    expect(error.message).toContain(file);
    expect(error.hint).toContain('2s');
  });

  it('names the variable for an invalid environment value', () => {
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile(''), BONNIE_MAX_ATTEMPTS: '0'}));
    expect(error.message).toContain('BONNIE_MAX_ATTEMPTS');
  });

  it('rejects a line that is not key: value', () => {
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: configFile('catalog = /x.db\n')}));
    expect(error.message).toMatch(/line 1: expected "key: value"/);
  });

  it('fails when a named configuration file is missing', () => {
    const missing = join(tempDir(), 'missing.conf');
    const error = thrown(() => loadSettings({}, {BONNIE_CONFIG: missing}));
    expect(error.code).toBe('ConfigUnreadable');
    expect(error.message).toContain(missing);
  });
});
