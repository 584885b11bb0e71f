import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../lib/base/errors.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {parseIds} from '../../lib/pipeline/queue/ids.js';
import {retryJobs, type RetrySummary} from '../../lib/pipeline/queue/job-admin.js';
import {renderRetry} from '../../lib/pipeline/queue/render.js';

const IDS_HINT = 'Name jobs by notification id (see "bonnie queue list"), or give --all-dead.';

export default class QueueRetryCommand extends BonnieCommand {
  static override summary = 'Return failed or dead jobs to the queue, counters reset; who did it is recorded.';
  static override description = `Each named job (by notification id), or every dead one with --all-dead, goes back to pending with its
attempts and crash counters reset, so that the next "bonnie process" applies it again: after the cause
(a bug, a missing folder, a full disk) was fixed. Jobs that are pending, claimed or done are left alone
and reported. A job id that does not exist changes nothing and exits 2.

Notifications are evidence and never change; job state does. Every retry is recorded in the catalog's
queue_action table, which cannot be changed or deleted: when, who (the login, and the sudo user behind
it), the job's state, attempts and last error before, and --reason. "bonnie queue list" shows them.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 1042 1043 --reason "fixed in 0.2.1"',
    '<%= config.bin %> <%= command.id %> --all-dead --json',
  ];
  static override strict = false;
  static override args = {
    ids: Args.string({description: 'Notification ids of the jobs to retry (several may be given).'}),
  };
  static override flags = {
    'all-dead': Flags.boolean({description: 'Retry every dead job.'}),
    reason: Flags.string({description: 'Why, recorded with each retry.'}),
  };

  async run(): Promise<RetrySummary> {
    const {argv, flags} = await this.parse(QueueRetryCommand);
    if ((flags['all-dead'] === true) === (argv.length > 0)) {
      throw new BonnieError('UsageInvalid', flags['all-dead'] ? 'give job ids or --all-dead, not both' : 'no job given', {exit: EXIT.usage, hint: IDS_HINT});
    }
    const ids = flags['all-dead'] ? 'all-dead' : parseIds(argv, 'job', IDS_HINT);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    try {
      const summary = retryJobs(catalog.db, ids, {actor: operatorName(), reason: flags.reason});
      if (!this.jsonEnabled()) this.log(renderRetry(summary));
      return summary;
    } finally {
      catalog.close();
    }
  }
}
