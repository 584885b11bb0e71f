import {BonnieCommand} from '../../lib/cli/base-command.js';
import {listIntercepts} from '../../lib/pipeline/intercept/intercept.js';
import {renderIntercepts} from '../../lib/pipeline/intercept/render.js';
import type {Intercept} from '../../lib/pipeline/intercept/warrants.js';

export default class InterceptListCommand extends BonnieCommand {
  static override summary = 'List the lawful-interception warrants, ended ones included (root only).';
  static override description = `--json prints {intercepts: [{liid, agency, authCountry, deliveryCountry, start, end, hi2, hi3, folder,
targets: [{given, personId, login, addresses}], createdAt, createdBy, endedAt, endedBy, endReason, state}]}
(times in ms since the epoch; state is pending, active or over). Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<{intercepts: Intercept[]}> {
    const {flags} = await this.parse(InterceptListCommand);
    const intercepts = listIntercepts(this.settings(flags), new Date());
    if (!this.jsonEnabled()) this.log(renderIntercepts(intercepts));
    return {intercepts};
  }
}
