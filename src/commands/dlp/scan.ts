import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {RuleSet} from '../../lib/pipeline/dlp/rules.js';
import {DlpRuntime} from '../../lib/pipeline/dlp/runtime.js';
import {renderDlpScan} from '../../lib/read/dlp-scan/render.js';
import {scanArchive, type DlpScanSummary} from '../../lib/read/dlp-scan/scan.js';

export default class DlpScanCommand extends BonnieCommand {
  static override summary = 'Evaluate the DLP content rules over the archived mail: a new rule, old mail.';
  static override description = `Brings the search index up to date (it is the catalog's list of archived messages, their folders and
dates), then reads every archived message dated within --since and --until from the archive, scans it once
(a message in several folders is scanned once) and evaluates the content rules of the rule file (dlp_rules,
/etc/bonnie/dlp.yaml by default, or --rules) for each folder it is or was in, with that folder's owner.
Archived mail does not say how it arrived: a folder whose name starts with Sent (Sent, Sent Items,
Sent/2026) counts as out (with local_domains, only when a recipient is outside them), every other folder
as in.

A match raises an alert as the collector would (bonnie dlp alerts lists them), with masked samples only. An
alert is raised once per rule and message place: a message the collector already alerted on is not alerted
again, and scanning twice raises nothing new. Each new alert is logged to syslog (facility mail, ident
bonnie-dlp, or log_file), and mailed to dlp_notify when its rule has the notify action.

Exits 0 whether or not an alert was raised; 3 when the rule file is unreadable or invalid.

--json prints {rulesFile, rules, since, until, messages, places, alerts, alreadyRaised, byRule: [{rule,
alerts, alreadyRaised}], unreadable: [{mailboxId, uidValidity, uid, error}]}. Fields may be added, never
removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --rules new-rule.yaml --since 2026-01-01',
    '<%= config.bin %> <%= command.id %> --since 90d --json',
  ];
  static override flags = {
    since: Flags.string({helpValue: 'TIME', description: 'Messages dated from this time: ISO date or time (UTC unless zoned), or a duration back from now (90d).'}),
    until: Flags.string({helpValue: 'TIME', description: 'Messages dated up to this time: ISO date or time, or a duration back from now.'}),
    rules: Flags.string({helpValue: 'FILE', description: 'The DLP rule file (YAML; default: dlp_rules).'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
  };

  async run(): Promise<DlpScanSummary> {
    const {flags} = await this.parse(DlpScanCommand);
    const settings = this.settings(flags, {ldap: false});
    const rules = RuleSet.load(flags.rules ?? settings.dlpRules);
    const catalog = openCatalog(settings.catalog);
    // The bonnie-dlp log and the alert mails (the rules are the ones just loaded: a bad file is an error here).
    const dlp = DlpRuntime.open(settings, (message) => this.warn(message), {rules});
    const live = await this.progress();
    try {
      const summary = await scanArchive(catalog, settings.archive, rules, {
        since: flags.since,
        until: flags.until,
        onProgress:
          live === undefined
            ? undefined
            : (p) => live.report({title: p.phase === 'index' ? 'Bringing the search index up to date' : 'Scanning the archived messages', done: p.done, total: p.total, unit: p.phase === 'index' ? 'messages' : 'places'}),
        onAlert: dlp.onAlert,
        localDomains: settings.localDomains,
      });
      live?.done();
      await dlp.mailer(catalog.db)();
      if (!this.jsonEnabled()) this.log(renderDlpScan(summary));
      return summary;
    } finally {
      live?.done();
      catalog.close();
      await dlp.close();
    }
  }
}
