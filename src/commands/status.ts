import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/catalog/catalog.js';
import {readStatus, type Status} from '../lib/status/status.js';
import {renderStatus} from '../lib/status/render.js';

export default class StatusCommand extends BonnieCommand {
  static override summary = 'Show the queue, the quarantine and the spill folder.';
  static override description = `Counts jobs by state (pending, claimed, done, failed, dead), quarantined input, the age of the
oldest pending job, files waiting in the spill folder, and the catalog's path, size and schema version.
Opens the catalog read-only.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', 'BONNIE_CATALOG=./demo/catalog.db <%= config.bin %> <%= command.id %>'];

  async run(): Promise<Status> {
    const {flags} = await this.parse(StatusCommand);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const status = readStatus(catalog, settings.spill);
      if (!this.jsonEnabled()) this.log(renderStatus(status));
      return status;
    } finally {
      catalog.close();
    }
  }
}
