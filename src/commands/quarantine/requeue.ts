import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {parseIds} from '../../lib/pipeline/queue/ids.js';
import {requeueQuarantined, type RequeueOutcome} from '../../lib/pipeline/queue/quarantine.js';
import {renderRequeue} from '../../lib/pipeline/queue/render.js';
import {BonnieError, EXIT} from '../../lib/base/errors.js';

const IDS_HINT = 'Name deliveries by id: see "bonnie quarantine list".';

export default class QuarantineRequeueCommand extends BonnieCommand {
  static override summary = 'Judge quarantined deliveries again and queue what is now a valid event.';
  static override description = `After a fix (a newer bonnie that accepts what an older one refused), each named delivery's bytes are
judged again exactly as capture judges them (a datagram from the notify socket is decoded first). Every
line that is now a valid event is queued as a notification, with the delivery's original time and source,
unless those bytes are already one (nothing is stored twice). When every line is valid the delivery is
marked requeued; otherwise it still needs review and the reasons are printed. The quarantine row itself
is evidence: it stays, unchanged.

Every requeue is recorded in the catalog's queue_action table (when, who, what was queued, --reason),
which cannot be changed or deleted. An id that does not exist changes nothing and exits 2. Exit status 1
when a delivery is still not valid.`;
  static override examples = ['<%= config.bin %> <%= command.id %> 3 4 --reason "bonnie 0.2 accepts vnd.cmu.x"', '<%= config.bin %> <%= command.id %> 3 --json'];
  static override strict = false;
  static override args = {
    ids: Args.string({description: 'Ids of the deliveries to requeue (several may be given).', required: true}),
  };
  static override flags = {
    reason: Flags.string({description: 'Why, recorded with each requeue.'}),
  };

  async run(): Promise<{deliveries: RequeueOutcome[]}> {
    const {argv, flags} = await this.parse(QuarantineRequeueCommand);
    if (argv.length === 0) throw new BonnieError('UsageInvalid', 'no delivery given', {exit: EXIT.usage, hint: IDS_HINT});
    const ids = parseIds(argv, 'quarantined delivery', IDS_HINT);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    try {
      const deliveries = requeueQuarantined(catalog.db, ids, {actor: operatorName(), reason: flags.reason});
      if (!this.jsonEnabled()) this.log(renderRequeue(deliveries));
      if (deliveries.some((d) => d.outcome !== 'requeued')) process.exitCode = EXIT.failure;
      return {deliveries};
    } finally {
      catalog.close();
    }
  }
}
