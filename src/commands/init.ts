import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {initCatalog, type InitResult} from '../lib/catalog/init.js';

export default class InitCommand extends BonnieCommand {
  static override summary = 'Create the catalog and its folders, or upgrade an existing catalog.';
  static override description = `Creates the catalog file (mode 0640) and the folders beside it (catalog folder, spill, archive;
mode 0750), and applies any pending schema migrations. Run it once as root with --owner cyrus:mail so that
the dealer, which Cyrus runs as cyrus, can write the catalog and nobody outside the mail group can read it.
Running it again is harmless.`;
  static override examples = ['<%= config.bin %> <%= command.id %> --owner cyrus:mail', '<%= config.bin %> <%= command.id %> --catalog ./demo/catalog.db'];
  static override flags = {
    owner: Flags.string({description: 'Give the catalog and its folders to this user, or user:group (e.g. cyrus:mail).'}),
  };

  async run(): Promise<InitResult> {
    const {flags} = await this.parse(InitCommand);
    const result = initCatalog(this.settings(flags), flags.owner);
    if (!this.jsonEnabled()) {
      this.log(`${result.created ? 'Created' : 'Checked'} catalog ${result.catalog} (schema ${result.schemaVersion})`);
      for (const folder of result.folders) this.log(`  folder ${folder}`);
      if (result.owner !== null) this.log(`  owned by ${result.owner}`);
    }
    return result;
  }
}
