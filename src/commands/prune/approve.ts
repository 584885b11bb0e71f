import {Args} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {approvePlan, type PlanApproval} from '../../lib/read/retention/prune.js';

export default class PruneApproveCommand extends BonnieCommand {
  static override summary = 'Approve a prune plan as a second administrator (prune_approvers: 2), before bonnie prune --plan deletes it.';
  static override description = `With prune_approvers: 2, bonnie prune --plan ID deletes nothing until an administrator other than the
one who made the plan (its dry run) has approved it. The administrator is the invoking user: SUDO_USER under
sudo, else the login name. The approval is recorded with who and when, and in the policy log's hash chain
(bonnie verify --events checks it). An unknown or stale plan is refused (PrunePlanUnknown, PrunePlanStale),
and so is the plan's own maker (PruneApprovalInvalid). Approving twice is one approval.

--json prints {planId, createdBy, createdAt, approvals: [{by, at}]}.`;
  static override examples = ['<%= config.bin %> <%= command.id %> 3f9c2a7d41e0b6c8', '<%= config.bin %> <%= command.id %> 3f9c2a7d41e0b6c8 --json'];
  static override args = {plan: Args.string({description: 'The plan id, as bonnie prune --dry-run printed it.', required: true})};

  async run(): Promise<PlanApproval> {
    const {args, flags} = await this.parse(PruneApproveCommand);
    const catalog = openCatalog(this.settings(flags).catalog);
    try {
      const approval = approvePlan(catalog, args.plan, operatorName());
      if (!this.jsonEnabled()) {
        this.log(`Plan ${approval.planId} (made ${approval.createdAt} by ${approval.createdBy}) approved by ${approval.approvals.map((a) => `${a.by} at ${a.at}`).join(', ')}.`);
        this.log(`Run "bonnie prune --plan ${approval.planId}" to delete it.`);
      }
      return approval;
    } finally {
      catalog.close();
    }
  }
}
