import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {listAlerts, renderAlerts, type AlertListing} from '../../lib/pipeline/dlp/alert-report.js';

export default class DlpAlertsCommand extends BonnieCommand {
  static override summary = 'List the data-loss prevention alerts, newest first.';
  static override description = `Alerts are raised by the rules of dlp_rules (/etc/bonnie/dlp.yaml by default): content rules by
"bonnie collector" on each message delivered (in) or appended (out), behaviour rules by "bonnie process"
(mass_delete: messages expunged by one person within a window; shared_to_anyone: a folder's ACL lets
anyone or anonymous read it). Each alert names the rule, its severity, the person, session and client
address when known, the folder and the messages (Message-ID, mailbox ID, UID: "bonnie history", "restore"
and "export" take it from there), what the detectors found with masked samples only (4111 **** **** 1111),
and its acknowledgements. An alert is never changed nor deleted; "bonnie dlp ack" adds an acknowledgement.

--json prints {alerts: [{id, at, raisedAt, rule, severity, kind (content|behaviour), behaviour, direction,
login, personId, sessionId, clientIp, mailboxId, folder, count, messages: [{emailId, messageId, mailboxId,
uid}], placementIds, hits: [{detector, count, confidence, samples}], detail (behaviour: {count, minCount,
within, from, to, folders, subject, rights}; null for content), notificationIds, acks: [{at, by, note}]}]}.
Times are ISO 8601 UTC. Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --since 24h --rule cards-leaving', '<%= config.bin %> <%= command.id %> --since 2026-12-01 --json'];
  static override flags = {
    since: Flags.string({helpValue: 'TIME', description: 'Alerts about what happened from this time: ISO date or time (UTC unless zoned), or a duration back from now (24h, 7d).'}),
    rule: Flags.string({helpValue: 'NAME', description: 'Only the alerts of this rule.'}),
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many alerts (the newest).', min: 1, default: 100}),
  };

  async run(): Promise<AlertListing> {
    const {flags} = await this.parse(DlpAlertsCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config}, {ldap: false});
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const listing = listAlerts(catalog.db, {since: flags.since, rule: flags.rule, limit: flags.limit});
      if (!this.jsonEnabled()) this.log(renderAlerts(listing));
      return listing;
    } finally {
      catalog.close();
    }
  }
}
