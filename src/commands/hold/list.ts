import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {Policy, type Hold} from '../../lib/pipeline/retention/policy.js';
import {renderHolds} from '../../lib/pipeline/retention/render.js';

export default class HoldListCommand extends BonnieCommand {
  static override summary = 'List the active legal holds (--all: released ones too).';
  static override description = `--json prints {holds: [{id, caseId, users, since, until, reason, placedAt, placedBy, releasedAt, releasedBy,
releaseReason}]} (times in ms since the epoch). Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json'];
  static override flags = {all: Flags.boolean({description: 'Also holds that were released.'})};

  async run(): Promise<{holds: Hold[]}> {
    const {flags} = await this.parse(HoldListCommand);
    const catalog = openCatalog(this.settings(flags).catalog, {readOnly: true});
    try {
      const holds = new Policy(catalog.db).holds({all: flags.all});
      if (!this.jsonEnabled()) this.log(renderHolds(holds));
      return {holds};
    } finally {
      catalog.close();
    }
  }
}
