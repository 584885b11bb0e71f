/**
 * What every bonnie command shares: the global flags (`--catalog`, `--config`), settings resolution and
 * the rendering of expected errors (message and hint on stderr, or a JSON error object, and the
 * documented exit status; never a stack trace).
 */
import {Command, Flags} from '@oclif/core';
import {BonnieError, EXIT} from '../errors.js';
import {catalogFailure} from '../catalog/sqlite-errors.js';
import {loadSettings, type LoadOptions, type SettingFlags, type Settings} from '../config/settings.js';
import {liveProgress, type LiveProgress} from './live-progress.js';

export abstract class BonnieCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    catalog: Flags.string({description: 'Catalog file (overrides BONNIE_CATALOG and the config file).', helpGroup: 'GLOBAL'}),
    config: Flags.string({description: 'Configuration file (default /etc/bonnie/bonnie.conf, or BONNIE_CONFIG).', helpGroup: 'GLOBAL'}),
  };

  /**
   * Resolves settings: flags > environment > file > defaults. Capture passes `{ldap: false}`: it never
   * uses the directory, so a mistake in the `ldap_*` keys must not stop it from storing events.
   */
  protected settings(flags: {catalog?: string | undefined; config?: string | undefined} & SettingFlags, options: LoadOptions = {}): Settings {
    const {config, ...rest} = flags;
    return loadSettings(rest, process.env, config, options);
  }

  /**
   * Live progress (ink, on stderr) when a person watches: stderr is a terminal and --json is off.
   * Otherwise undefined, and nothing is loaded: output stays quiet and parseable.
   */
  protected async progress(): Promise<LiveProgress | undefined> {
    return !this.jsonEnabled() && process.stderr.isTTY ? liveProgress() : undefined;
  }

  override async init(): Promise<void> {
    // Catalog, spill and archive files: owner read-write, group read, nobody else.
    process.umask(0o027);
    await super.init();
  }

  override async catch(thrown: Error & {exitCode?: number}): Promise<unknown> {
    // A damaged, full or locked catalog fails whatever statement meets it first, in any command: it is
    // an expected failure with its documented status (4), not a crash. A BonnieError wrapping one too.
    const sqlite = thrown instanceof BonnieError && thrown.exit !== EXIT.failure ? undefined : catalogFailure(thrown);
    const error = sqlite ?? thrown;
    if (!(error instanceof BonnieError)) return super.catch(error);
    process.exitCode = error.exit;
    if (this.jsonEnabled()) {
      this.logJson({error: {code: error.code, message: error.message, hint: error.hint ?? null, exit: error.exit}});
    } else {
      process.stderr.write(`bonnie: ${error.message}\n${error.hint === undefined ? '' : `hint: ${error.hint}\n`}`);
    }
    return undefined;
  }
}
