import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {endIntercept} from '../../lib/pipeline/intercept/intercept.js';
import {renderIntercepts} from '../../lib/pipeline/intercept/render.js';
import type {Intercept} from '../../lib/pipeline/intercept/warrants.js';

export default class InterceptEndCommand extends BonnieCommand {
  static override summary = 'End a lawful-interception warrant before its end time (root only).';
  static override description = `The warrant stays in the store, marked ended (who, when, why); the end goes into the interception log.
Nothing more is delivered for it.`;
  static override examples = ['<%= config.bin %> <%= command.id %> DE-BKA-2026-0042 --reason "order revoked by the court"'];
  static override args = {liid: Args.string({description: 'The LIID of the warrant.', required: true})};
  static override flags = {reason: Flags.string({description: 'Why it ends (logged).', required: true})};

  async run(): Promise<Intercept> {
    const {args, flags} = await this.parse(InterceptEndCommand);
    const intercept = endIntercept(this.settings(flags), args.liid, flags.reason, operatorName(), new Date());
    if (!this.jsonEnabled()) this.log(renderIntercepts([intercept]));
    return intercept;
  }
}
