/**
 * The shell completion scripts `npm run build` generates from oclif.manifest.json
 * (scripts/build-completion.js), as `bonnie completion` prints them: the Debian package installs the same
 * files where bash-completion and zsh look for them.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {BonnieError} from '../base/errors.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The generated script for `shell`, read from the installed package at `root`. */
export function completionScript(root: string, bin: string, shell: Shell): string {
  const file = join(root, 'dist', 'completion', shell === 'bash' ? `${bin}.bash` : `_${bin}`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new BonnieError('CompletionMissing', `the ${shell} completion script ${file} cannot be read: ${(error as Error).message}`, {
      hint: 'The build generates it (npm run build, or node scripts/build-completion.js in a checkout); an installed package that lacks it is damaged: reinstall it.',
      cause: error,
    });
  }
}
