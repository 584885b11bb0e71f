import {Args} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {Policy, type RetentionRule} from '../../lib/pipeline/retention/policy.js';
import {renderRules} from '../../lib/pipeline/retention/render.js';

export default class RetentionRemoveCommand extends BonnieCommand {
  static override summary = 'Remove a retention rule (it stays in the list with --all, marked removed, and in the log).';
  static override description = 'Removing a rule deletes nothing: mail it let go is pruned only by "bonnie prune", after a dry run.';
  static override examples = ['<%= config.bin %> <%= command.id %> trash'];
  static override args = {name: Args.string({description: 'The rule\'s name.', required: true})};

  async run(): Promise<RetentionRule> {
    const {args, flags} = await this.parse(RetentionRemoveCommand);
    const catalog = openCatalog(this.settings(flags).catalog);
    try {
      const rule = new Policy(catalog.db).removeRule(args.name, operatorName(), Date.now());
      if (!this.jsonEnabled()) this.log(renderRules([rule]));
      return rule;
    } finally {
      catalog.close();
    }
  }
}
