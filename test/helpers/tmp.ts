/** Temporary folders for tests, removed afterwards. */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach} from 'vitest';

/** Returns a function that creates a fresh temporary folder, removed after each test. */
export function useTempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true});
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'bonnie-test-'));
    made.push(dir);
    return dir;
  };
}
