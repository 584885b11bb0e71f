/**
 * What every bonnie command shares: the global flags (`--catalog`, `--config`), settings resolution and
 * the rendering of expected errors (message and hint on stderr, or a JSON error object, and the
 * documented exit status; never a stack trace).
 */
// #oclif is @oclif/core (package.json "imports"), bundled into one file by the build: scripts/bundle-oclif.js.
import {Command, Flags} from '#oclif';
import {BonnieError, EXIT} from '../base/errors.js';
import {catalogFailure} from '../base/catalog/sqlite-errors.js';
import {loadSettings, type LoadOptions, type SettingFlags, type Settings} from '../base/config/settings.js';
import {errorJson, errorText} from './error-output.js';
import {liveProgress} from './live-progress.js';
import {Progress} from './progress.js';
// The catalog's schema (every domain's migrations), set before any command opens a catalog.
import './schema.js';

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
   * The one progress display of every long command: live (ink, on stderr) when a person watches, i.e.
   * stderr is a terminal, --json is off and `quiet` (the command's --quiet) is not set. Otherwise
   * undefined, and ink is not loaded: output stays quiet and parseable.
   */
  protected async progress(options: {quiet?: boolean | undefined} = {}): Promise<Progress | undefined> {
    if (this.jsonEnabled() || options.quiet === true || process.stderr.isTTY !== true) return undefined;
    return new Progress(await liveProgress());
  }

  override async init(): Promise<void> {
    // Catalog, spill and archive files: owner read-write, group read, nobody else.
    process.umask(0o027);
    await super.init();
  }

  override async catch(thrown: Error & {exitCode?: number; code?: unknown; oclif?: {exit?: number}}): Promise<unknown> {
    // this.exit(n): a status chosen on purpose, nothing to render; oclif exits with it (even with --json).
    if (thrown.code === 'EEXIT' && typeof thrown.oclif?.exit === 'number') throw thrown;
    // A damaged, full or locked catalog fails whatever statement meets it first, in any command: it is
    // an expected failure with its documented status (4), not a crash. A BonnieError wrapping one too.
    const sqlite = thrown instanceof BonnieError && thrown.exit !== EXIT.failure ? undefined : catalogFailure(thrown);
    const error = sqlite ?? (this.jsonEnabled() ? asJsonError(thrown, this.id) : thrown);
    if (!(error instanceof BonnieError)) return super.catch(error);
    process.exitCode = error.exit;
    if (this.jsonEnabled()) this.logJson(errorJson(error));
    else process.stderr.write(errorText(error));
    return undefined;
  }
}

/**
 * With --json every failure prints the documented `{"error": {code, message, hint, exit}}`: oclif's own
 * errors would print themselves whole (a parse error carries the whole configuration: home folder, every
 * command's metadata) and exit 1. Its parse errors (unknown flag, missing value, bad option: exit 2 in
 * oclif's `oclif.exit`) become UsageInvalid, exit 2; anything else unexpected is Unexpected, exit 1, its
 * stack on stderr. Without --json, oclif renders its errors (with the usage) and exits 2 itself.
 */
function asJsonError(thrown: Error & {oclif?: {exit?: number}}, id: string | undefined): BonnieError {
  if (thrown instanceof BonnieError) return thrown;
  const command = id === undefined ? 'bonnie' : `bonnie ${id.replaceAll(':', ' ')}`;
  if (thrown.oclif?.exit === EXIT.usage) {
    // oclif frames its messages with lines of its own ("The following errors occurred:", "See more help
    // with --help"): the message keeps the problems, the hint says where help is.
    const problems = thrown.message.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/^(See more help|The following errors? occurred)/i.test(line));
    const message = problems.join('; ') || thrown.message;
    return new BonnieError('UsageInvalid', message, {exit: EXIT.usage, hint: `See "${command} --help".`, cause: thrown});
  }
  process.stderr.write(`${thrown.stack ?? thrown.message}\n`);
  return new BonnieError('Unexpected', `${command} failed unexpectedly: ${thrown.message}`, {
    exit: EXIT.failure,
    hint: 'This is a bug in bonnie: report it with the command line and the stack printed on stderr.',
    cause: thrown,
  });
}
