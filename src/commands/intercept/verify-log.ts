import {BonnieCommand} from '../../lib/cli/base-command.js';
import {checkInterceptLog} from '../../lib/pipeline/intercept/intercept.js';
import {renderLogReport} from '../../lib/pipeline/intercept/render.js';
import type {InterceptLogReport} from '../../lib/pipeline/intercept/warrants.js';

export default class InterceptVerifyLogCommand extends BonnieCommand {
  static override summary = "Check the interception log's hash chain: an edited, removed or inserted entry is found (root only).";
  static override description = `Exits 0 when the chain is intact, 5 (InterceptLogBroken) naming the first entry that does not follow.
--json prints {checked, firstProblem} when intact.`;
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  async run(): Promise<InterceptLogReport> {
    const {flags} = await this.parse(InterceptVerifyLogCommand);
    const report = checkInterceptLog(this.settings(flags));
    if (!this.jsonEnabled()) this.log(renderLogReport(report));
    return report;
  }
}
