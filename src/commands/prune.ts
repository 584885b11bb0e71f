import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {BonnieError} from '../lib/base/errors.js';
import {operatorName} from '../lib/pipeline/queue/actions.js';
import {renderPlan} from '../lib/pipeline/retention/render.js';
import {pruneDryRun} from '../lib/read/retention/dry-run.js';
import type {PrunePlan} from '../lib/read/retention/plan.js';

export default class PruneCommand extends BonnieCommand {
  static override summary = 'Plan what the retention rules let go: with --dry-run, which archived messages would be pruned, per rule, and what legal holds keep.';
  static override description = `--dry-run brings the search index up to date (it is the catalog's list of archived messages, their
folders and dates), then decides for each archived message (every folder it is or was in): the longest
applicable retention period wins; a keep rule, or a folder no rule covers, keeps it; a legal hold keeps it
whatever the rules say. It prints, per rule, how many messages it decides, how many have expired (and their
size as received) and how many of those are held, and what expires within 30 days; and per hold, what it
keeps. The plan is kept in the catalog under its id (a digest of the messages it would remove and of the
rules and holds in force).

Nothing is deleted. Deleting a confirmed plan (bonnie prune --plan ID: segments repacked, search entries and
snapshot references removed, a tombstone per message) is not in this version: without --dry-run, bonnie
prune refuses (PruneNotConfirmed, exit 2).

--json prints {id, at, messages, kept, expired, expiredBytes, held, heldBytes, rules: [{rule, action,
messages, expired, expiredBytes, held, expiringSoon, expiringSoonBytes}], holds: [{caseId, messages,
bytes}]}. Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %> --dry-run --json'];
  static override flags = {
    'dry-run': Flags.boolean({description: 'Plan only: say what would be pruned, delete nothing.'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
  };

  async run(): Promise<PrunePlan> {
    const {flags} = await this.parse(PruneCommand);
    if (!flags['dry-run']) {
      throw new BonnieError('PruneNotConfirmed', 'bonnie prune deletes only a confirmed plan, and this version makes plans only', {
        hint: 'Run "bonnie prune --dry-run" to see what the retention rules let go; nothing is deleted yet.',
      });
    }
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    const live = await this.progress();
    try {
      const plan = await pruneDryRun(catalog, settings.archive, {
        actor: operatorName(),
        onProgress: live === undefined ? undefined : (p) => live.report({title: 'Bringing the search index up to date', done: p.done, total: p.total, unit: 'messages'}),
      });
      live?.done();
      if (!this.jsonEnabled()) this.log(renderPlan(plan));
      return plan;
    } finally {
      live?.done();
      catalog.close();
    }
  }
}
