import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {parseIds} from '../../lib/pipeline/queue/ids.js';
import {acknowledgeQuarantined, type AcknowledgeOutcome} from '../../lib/pipeline/queue/quarantine.js';
import {renderAcknowledge} from '../../lib/pipeline/queue/render.js';
import {BonnieError, EXIT} from '../../lib/base/errors.js';

const IDS_HINT = 'Name deliveries by id: see "bonnie quarantine list".';

export default class QuarantineAckCommand extends BonnieCommand {
  static override summary = 'Acknowledge quarantined deliveries: reviewed, nothing to queue; "bonnie status" stops warning about them.';
  static override description = `For input that will never be an event (a stray probe, a torn journal tail): the delivery is marked
acknowledged, when and by whom, and kept as evidence. If the same bytes arrive again it needs review
again. Every acknowledgement is recorded in the catalog's queue_action table with --reason. An id that
does not exist changes nothing and exits 2.`;
  static override examples = ['<%= config.bin %> <%= command.id %> 5 --reason "port scan, not Cyrus"'];
  static override strict = false;
  static override args = {
    ids: Args.string({description: 'Ids of the deliveries to acknowledge (several may be given).', required: true}),
  };
  static override flags = {
    reason: Flags.string({description: 'Why, recorded with each acknowledgement.'}),
  };

  async run(): Promise<{deliveries: AcknowledgeOutcome[]}> {
    const {argv, flags} = await this.parse(QuarantineAckCommand);
    if (argv.length === 0) throw new BonnieError('UsageInvalid', 'no delivery given', {exit: EXIT.usage, hint: IDS_HINT});
    const ids = parseIds(argv, 'quarantined delivery', IDS_HINT);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    try {
      const deliveries = acknowledgeQuarantined(catalog.db, ids, {actor: operatorName(), reason: flags.reason});
      if (!this.jsonEnabled()) this.log(renderAcknowledge(deliveries));
      return {deliveries};
    } finally {
      catalog.close();
    }
  }
}
