import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {Policy, type RetentionRule} from '../../lib/pipeline/retention/policy.js';
import {renderRules} from '../../lib/pipeline/retention/render.js';

export default class RetentionListCommand extends BonnieCommand {
  static override summary = 'List the retention rules in force (--all: removed ones too).';
  static override description = `--json prints {rules: [{id, name, users, folders, periodMs, basis, action, createdAt, createdBy, removedAt,
removedBy}]} (times in ms since the epoch). Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json'];
  static override flags = {all: Flags.boolean({description: 'Also rules that were removed.'})};

  async run(): Promise<{rules: RetentionRule[]}> {
    const {flags} = await this.parse(RetentionListCommand);
    const catalog = openCatalog(this.settings(flags).catalog, {readOnly: true});
    try {
      const rules = new Policy(catalog.db).rules({all: flags.all});
      if (!this.jsonEnabled()) this.log(renderRules(rules));
      return {rules};
    } finally {
      catalog.close();
    }
  }
}
