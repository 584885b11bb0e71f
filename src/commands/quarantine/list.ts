import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {listQuarantine, type QuarantineListing} from '../../lib/pipeline/queue/quarantine.js';
import {renderQuarantineList} from '../../lib/pipeline/queue/render.js';

export default class QuarantineListCommand extends BonnieCommand {
  static override summary = 'List quarantined deliveries (input that was not a valid event) with their reason, source, time and size.';
  static override description = `Input that is not a valid event (not UTF-8, not JSON, no event name, a datagram that is not Cyrus'
notification) is never dropped: the whole delivery is kept in the quarantine, byte for byte, with the
reason. It is evidence and cannot be deleted. By default only deliveries that need review are listed:
those neither requeued nor acknowledged, and those delivered again since. Oldest first. Opens the catalog
read-only.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json'];
  static override flags = {
    all: Flags.boolean({description: 'Also list deliveries already requeued or acknowledged.'}),
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many deliveries.', min: 1, default: 100}),
  };

  async run(): Promise<QuarantineListing> {
    const {flags} = await this.parse(QuarantineListCommand);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const listing = listQuarantine(catalog.db, {all: flags.all, limit: flags.limit});
      if (!this.jsonEnabled()) this.log(renderQuarantineList(listing));
      return listing;
    } finally {
      catalog.close();
    }
  }
}
