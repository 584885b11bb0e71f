/**
 * Reloading the rule file in long runs (`bonnie process --follow`, `bonnie collector --follow`): when the
 * file changes (fs.watch on its folder, so an editor's save-by-rename and a file created after the start
 * are seen too; a folder missing at the start: SIGHUP only; changes within
 * {@link DEBOUNCE_MS} are one reload) or on SIGHUP. A file that does not load leaves the rules in force
 * (RuleSet.reload) and is reported with its line and column; the next change is tried again.
 *
 * Contract: the new rules apply from the next batch on; a batch being applied finishes with the rules it
 * started with (BehaviourDetector and ContentAlerter read the RuleSet at each batch or message).
 */
import {watch, type FSWatcher} from 'node:fs';
import {basename, dirname} from 'node:path';
import type {BonnieError} from '../../base/errors.js';
import type {Logger} from '../../base/log/logger.js';
import type {RuleSet} from './rules.js';

/** Changes closer together than this are one reload (an editor writes, renames, touches). */
export const DEBOUNCE_MS = 300;

export interface RuleWatchOptions {
  /** The new rules are in force: says how many, and why they were read. */
  onReload: (message: string) => void;
  /** The file did not load: the old rules stay; the error names the file, line and column. */
  onError: (error: BonnieError) => void;
  debounceMs?: number;
  /** Watch the file for changes (default true); SIGHUP reloads either way. */
  fsWatch?: boolean;
}

/** A running watch; {@link RuleWatch.close} stops it (and the SIGHUP handler). */
export interface RuleWatch {
  /** Reloads now (what SIGHUP does). */
  reload(why: string): void;
  close(): void;
}

/** Reloads `rules` on change of its file and on SIGHUP, until closed. */
export function watchRules(rules: RuleSet, options: RuleWatchOptions): RuleWatch {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const reload = (why: string) => {
    const error = rules.reload();
    if (error !== undefined) options.onError(error);
    else options.onReload(`reloaded the DLP rules of ${rules.file} (${why}): ${rules.rules.length} content rule(s), ${rules.behaviour.length} behaviour rule(s)`);
  };
  const later = (why: string) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload(why);
    }, options.debounceMs ?? DEBOUNCE_MS);
  };
  const onHup = () => later('SIGHUP');
  process.on('SIGHUP', onHup);
  if (options.fsWatch !== false) {
    const name = basename(rules.file);
    try {
      watcher = watch(dirname(rules.file), {persistent: false}, (_event, file) => {
        if (file === null || file === name) later('the file changed');
      });
      // A folder that goes away (unmounted) ends the watch; SIGHUP still works.
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined;
    }
  }
  return {
    reload,
    close() {
      if (timer !== undefined) clearTimeout(timer);
      process.off('SIGHUP', onHup);
      watcher?.close();
    },
  };
}

/**
 * {@link watchRules} as `--follow` runs use it: reloads logged (info) and passed to `onReload` if given, a bad
 * file logged (error) and passed to `warn` (the run's warning line) with the note that the rules in force stay.
 */
export function watchRulesLogged(rules: RuleSet, log: Pick<Logger, 'log'>, warn: (message: string) => void, onReload?: (message: string) => void): RuleWatch {
  return watchRules(rules, {
    onReload: (message) => {
      log.log('info', message);
      onReload?.(message);
    },
    onError: (error) => {
      const message = `${error.message}; the rules in force stay`;
      log.log('error', message);
      warn(message);
    },
  });
}
