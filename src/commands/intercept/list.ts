import {BonnieCommand} from '../../lib/cli/base-command.js';
import {listIntercepts, type ListedIntercept} from '../../lib/pipeline/intercept/intercept.js';
import {renderIntercepts} from '../../lib/pipeline/intercept/render.js';

export default class InterceptListCommand extends BonnieCommand {
  static override summary = 'List the lawful-interception warrants, ended ones included (root only).';
  static override description = `--json prints {intercepts: [{liid, agency, authCountry, deliveryCountry, start, end, hi2, hi3, folder,
targets: [{given, personId, login, addresses}], createdAt, createdBy, endedAt, endedBy, endReason, state,
handover: {hi2, hi3: {queued, delivered, waiting, waitingSince, lastDeliveredAt}}}]} (times in ms since the
epoch; state is pending, active or over; handover is where bonnie intercept serve stands for each destination:
PDUs waiting mean the agency is down or serve is not running). Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<{intercepts: ListedIntercept[]}> {
    const {flags} = await this.parse(InterceptListCommand);
    const intercepts = listIntercepts(this.settings(flags), new Date());
    if (!this.jsonEnabled()) this.log(renderIntercepts(intercepts));
    return {intercepts};
  }
}
