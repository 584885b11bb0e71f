import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {Policy, type Hold} from '../../lib/pipeline/retention/policy.js';
import {renderHolds} from '../../lib/pipeline/retention/render.js';

export default class HoldReleaseCommand extends BonnieCommand {
  static override summary = 'Release a legal hold (recorded with who, when and why; the hold stays listed with --all).';
  static override description = 'Releasing deletes nothing: mail the retention rules let go is pruned only by "bonnie prune", after a dry run.';
  static override examples = ['<%= config.bin %> <%= command.id %> CASE-2026-041 --reason "case settled"'];
  static override args = {case: Args.string({description: 'The case id.', required: true})};
  static override flags = {reason: Flags.string({description: 'Why the hold ends (recorded).', required: true})};

  async run(): Promise<Hold> {
    const {args, flags} = await this.parse(HoldReleaseCommand);
    const catalog = openCatalog(this.settings(flags).catalog);
    try {
      const hold = new Policy(catalog.db).releaseHold(args.case, flags.reason, operatorName(), Date.now());
      if (!this.jsonEnabled()) this.log(renderHolds([hold]));
      return hold;
    } finally {
      catalog.close();
    }
  }
}
