/**
 * The packaged /etc/cron.d/bonnie (packaging/cron): every line is commented out, and each example an admin
 * uncomments is a valid cron.d line (five time fields, a user) that runs a bonnie command and flags that
 * exist, so that uncommenting it does not mail an error every minute.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO} from '../helpers/paths.js';

interface Manifest {
  commands: Record<string, {flags: Record<string, unknown>}>;
}

const cron = readFileSync(join(REPO, 'packaging', 'cron'), 'utf8');
const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as Manifest;

describe('the packaged cron file', () => {
  it('runs nothing until a line is uncommented', () => {
    const active = cron.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    // Only cron.d's variable assignments.
    expect(active.every((line) => /^[A-Z]+=\S+$/.test(line))).toBe(true);
  });

  it('offers examples that name existing commands and flags, run as cyrus', () => {
    const examples = cron.split('\n').filter((line) => /^#[*0-9]/.test(line)).map((line) => line.slice(1));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) {
      const match = /^((?:\S+\s+){5})(\S+)\s+\/usr\/bin\/bonnie\s+([^>]*?)\s*(?:>\/dev\/null)?$/.exec(example);
      expect(match, example).not.toBeNull();
      const [, , user, command] = match as RegExpExecArray;
      expect(user).toBe('cyrus');
      const words = (command as string).split(/\s+/);
      const flags = words.filter((word) => word.startsWith('--')).map((flag) => flag.slice(2));
      const id = words.filter((word) => !word.startsWith('-')).join(':');
      expect(Object.keys(manifest.commands), example).toContain(id);
      for (const flag of flags) expect(Object.keys(manifest.commands[id]?.flags ?? {}), `${example}: --${flag}`).toContain(flag);
    }
  });
});
