import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {initCatalog, type InitResult} from '../lib/base/catalog/init.js';
import {ensureReserve} from '../lib/pipeline/capture/reserve.js';

/** Changes listed one by one on a terminal; --json lists all. */
const SHOWN_CHANGES = 20;

export default class InitCommand extends BonnieCommand {
  static override summary = 'Create the catalog and its folders, or upgrade an existing catalog.';
  static override description = `Creates the catalog file (mode 0640) and the folders beside it (catalog folder, spill, archive;
mode 0750), and applies any pending schema migrations. Run it once as root with --owner cyrus:mail so that
the dealer, which Cyrus runs as cyrus, can write the catalog and nobody outside the mail group can read it.
Running it again is harmless.

It also repairs an existing installation: with --owner (or run as root, the catalog's current owner), the
catalog, its -wal and -shm files, the archive tree, the spill folder and the capture journal get that owner,
folders mode 0750 and files 0640, and every change is listed ("changed" with --json). Use it when files
were left owned by root (bonnie run by root gives what it creates the catalog's owner, older versions did
not) and a command fails with PermissionDenied.`;
  static override examples = ['<%= config.bin %> <%= command.id %> --owner cyrus:mail', '<%= config.bin %> <%= command.id %> --owner cyrus:mail --json', '<%= config.bin %> <%= command.id %> --catalog ./demo/catalog.db'];
  static override flags = {
    owner: Flags.string({description: 'Give the catalog and its folders to this user, or user:group (e.g. cyrus:mail).'}),
  };

  async run(): Promise<InitResult> {
    const {flags} = await this.parse(InitCommand);
    const settings = this.settings(flags);
    const result = initCatalog(settings, flags.owner, () => ensureReserve(settings.spill));
    if (!this.jsonEnabled()) {
      this.log(`${result.created ? 'Created' : 'Checked'} catalog ${result.catalog} (schema ${result.schemaVersion})`);
      for (const folder of result.folders) this.log(`  folder ${folder}`);
      if (result.owner !== null) this.log(`  owned by ${result.owner}`);
      if (!result.reserve) this.log(`  no room for the capture reserve (32 MiB in the spill folder, kept for a full disk): free space there`);
      for (const change of result.changed.slice(0, SHOWN_CHANGES)) this.log(`  changed ${change.path}: ${change.from} -> ${change.to}`);
      if (result.changed.length > SHOWN_CHANGES) this.log(`  ... and ${result.changed.length - SHOWN_CHANGES} more changes (--json lists them all)`);
      if (result.changed.length === 0 && result.owner !== null) this.log('  nothing to repair: owners and modes were right');
    }
    return result;
  }
}
