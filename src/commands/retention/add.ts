import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {parsePeriod} from '../../lib/pipeline/retention/period.js';
import {Policy, type RetentionRule} from '../../lib/pipeline/retention/policy.js';
import {renderRules} from '../../lib/pipeline/retention/render.js';
import {parseQuery} from '../../lib/read/search/query.js';

export default class RetentionAddCommand extends BonnieCommand {
  static override summary = 'Add a retention rule: keep archived mail for a period, then keep it or let bonnie prune delete it.';
  static override description = `A rule applies to every user's mail, or --user's, or --group's members' (LDAP groups, as bonnie process last read
them from the directory), in every folder, or --folder's (patterns as the owner
sees the folder: INBOX, Sent, Archive/* or Archive.*), and only to the places a search query matches with
--query ("bonnie search"'s language, gone mail included; run again at each prune). Its period (--keep or --delete, e.g. 7y, 18mo, 12w,
90d) runs from the message's date (--from date, the default) or from when it left its last folder (--from
left: expunged, moved away, its folder deleted). At its end, --keep keeps the message; --delete lets "bonnie prune" remove it.
When several rules apply to a message (one of its copies is enough), the longest period wins; a legal hold
("bonnie hold") keeps it whatever the rules say. A rule never deletes on its own: only "bonnie prune" does,
after a dry run. Every change is recorded, with who made it, in a hash-chained log ("bonnie verify --events").`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> default --delete 7y',
    '<%= config.bin %> <%= command.id %> board --keep 10y --user ceo --user cfo',
    '<%= config.bin %> <%= command.id %> trash --delete 90d --from left --folder Trash',
    '<%= config.bin %> <%= command.id %> newsletters --delete 30d --query \'from:news.example\'',
  ];
  static override args = {name: Args.string({description: 'The rule\'s name (never reused).', required: true})};
  static override flags = {
    keep: Flags.string({helpValue: 'PERIOD', description: 'Keep the mail for this period and after it (7y, 18mo, 12w, 90d).', exactlyOne: ['keep', 'delete']}),
    delete: Flags.string({helpValue: 'PERIOD', description: 'Keep the mail for this period, then let bonnie prune delete it.', exactlyOne: ['keep', 'delete']}),
    from: Flags.string({description: "Count the period from the message's date, or from when it left its last folder.", options: ['date', 'left'], default: 'date'}),
    user: Flags.string({helpValue: 'LOGIN', description: 'Only this user\'s folders (repeat for several).', multiple: true}),
    group: Flags.string({helpValue: 'GROUP', description: 'Only folders of members of this directory group (repeat for several), as the record last saw them.', multiple: true}),
    folder: Flags.string({helpValue: 'PATTERN', description: 'Only folders matching this pattern as the owner sees them (repeat for several).', multiple: true}),
    query: Flags.string({helpValue: 'QUERY', description: 'Only the places this search query matches (bonnie search\'s language), checked at each prune.'}),
  };

  async run(): Promise<RetentionRule> {
    const {args, flags} = await this.parse(RetentionAddCommand);
    const periodMs = parsePeriod((flags.keep ?? flags.delete) as string, flags.keep === undefined ? '--delete' : '--keep');
    if (flags.query !== undefined) parseQuery(flags.query);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    try {
      const rule = new Policy(catalog.db).addRule(
        {name: args.name, users: flags.user, groups: flags.group, folders: flags.folder, query: flags.query, periodMs, basis: flags.from as 'date' | 'left', action: flags.keep === undefined ? 'delete' : 'keep'},
        operatorName(),
        Date.now(),
      );
      if (!this.jsonEnabled()) this.log(renderRules([rule]));
      return rule;
    } finally {
      catalog.close();
    }
  }
}
