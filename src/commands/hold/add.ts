import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {parseInstant} from '../../lib/base/config/dates.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {Policy, type Hold} from '../../lib/pipeline/retention/policy.js';
import {renderHolds} from '../../lib/pipeline/retention/render.js';
import {parseQuery} from '../../lib/read/search/query.js';

export default class HoldAddCommand extends BonnieCommand {
  static override summary = 'Place a legal hold: the mail it covers is never pruned, whatever the retention rules say.';
  static override description = `A hold names a case and why (--reason), and covers every user's archived mail or --user's (an owner of
any folder the message is or was in) or --group's members' (LDAP groups, as bonnie process last read them), of any date or dated from --since to --until, or only what a search query matches (--query, "bonnie
search"'s language, gone mail included: e.g. 'from:acme.example OR "project falcon"'). It stays until "bonnie
hold release"; who placed and released it, when and why, go into a hash-chained log ("bonnie verify
--events"). A case id is used once.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> CASE-2026-041 --user alice --user bob --reason "litigation hold, Acme v. Example"',
    '<%= config.bin %> <%= command.id %> AUDIT-2026 --since 2026-01-01 --until 2026-06-30 --reason "tax audit"',
    '<%= config.bin %> <%= command.id %> CASE-2026-057 --query \'"project falcon" OR from:falcon.example\' --reason "merger inquiry"',
  ];
  static override args = {case: Args.string({description: 'The case id (once only).', required: true})};
  static override flags = {
    reason: Flags.string({description: 'Why the mail must be kept (recorded).', required: true}),
    user: Flags.string({helpValue: 'LOGIN', description: 'Only this user\'s mail (repeat for several).', multiple: true}),
    since: Flags.string({helpValue: 'TIME', description: 'Only messages dated from this time (ISO date or time; UTC unless zoned).'}),
    until: Flags.string({helpValue: 'TIME', description: 'Only messages dated up to this time.'}),
    group: Flags.string({helpValue: 'GROUP', description: 'Only mail of members of this directory group (repeat for several), as the record last saw them.', multiple: true}),
    query: Flags.string({helpValue: 'QUERY', description: 'Only messages this search query matches in some folder (bonnie search\'s language), checked at each prune.'}),
  };

  async run(): Promise<Hold> {
    const {args, flags} = await this.parse(HoldAddCommand);
    const now = new Date();
    const since = flags.since === undefined ? undefined : parseInstant(flags.since, '--since', now, {future: true});
    const until = flags.until === undefined ? undefined : parseInstant(flags.until, '--until', now, {future: true});
    if (flags.query !== undefined) parseQuery(flags.query, now);
    const catalog = openCatalog(this.settings(flags).catalog);
    try {
      const hold = new Policy(catalog.db).addHold({caseId: args.case, users: flags.user, groups: flags.group, since, until, query: flags.query, reason: flags.reason}, operatorName(), now.getTime());
      if (!this.jsonEnabled()) this.log(renderHolds([hold]));
      return hold;
    } finally {
      catalog.close();
    }
  }
}
