import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {renderAlert} from '../../lib/pipeline/dlp/alert-report.js';
import {DlpRuntime} from '../../lib/pipeline/dlp/runtime.js';
import {followRuleFile, watchAlerts, type WatchLine, type WatchSummary} from '../../lib/pipeline/dlp/watch.js';

export default class DlpWatchCommand extends BonnieCommand {
  static override summary = 'Follow the data-loss prevention alerts as they are raised, until SIGTERM or Ctrl-C.';
  static override description = `Reads the catalog's alerts every half second and prints each alert committed since the watch started,
whoever raised it (bonnie collector, bonnie process, bonnie dlp scan), in the order they were written, with
masked samples only. "bonnie dlp alerts" lists the earlier ones. SIGTERM or SIGINT stops it (exit 0).

The DLP rule file (dlp_rules, /etc/bonnie/dlp.yaml by default) is read again when it changes, when it
appears after the start, or on SIGHUP (kill -HUP), as "bonnie process --follow" and "bonnie collector
--follow" do: whoever edits the rules while watching sees what is now in force, or the line and column of
a mistake (the rules in force stay; a deleted file too), and a SIGHUP sent to every bonnie process does not
stop the watch. Each is logged too (bonnie-dlp).

Without --json, each alert is printed as "bonnie dlp alerts" prints it, on stdout. With --json, stdout
carries JSON Lines whose "type" is started (at, command, pid, catalog, afterId), alert (the fields of an
entry of "bonnie dlp alerts --json"), rules (at, file, contentRules, behaviourRules, message: the rule file
was read again), warning (at, message: it did not load) and stopped (at, alerts: how many were printed).
Fields may be added, never removed or renamed.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json | jq -c \'select(.type == "alert") | {rule, login, severity}\''];

  async run(): Promise<WatchSummary | undefined> {
    const {flags} = await this.parse(DlpWatchCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config}, {ldap: false});
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    const json = this.jsonEnabled();
    const onLine = (line: WatchLine) => (json ? process.stdout.write(`${JSON.stringify(line)}\n`) : writeHuman(line));
    const dlp = DlpRuntime.open(settings, (message) => this.warn(message), {follow: true});
    try {
      // Reloads fire later, from a timer: after the "started" line watchAlerts writes first.
      followRuleFile(dlp, onLine);
      const summary = await watchAlerts(catalog.db, catalog.path, onLine);
      return json ? undefined : summary;
    } finally {
      catalog.close();
      await dlp.close();
    }
  }
}

/** Alerts on stdout (the data), one paragraph each; the start and stop notes on stderr. */
function writeHuman(line: WatchLine): void {
  if (line.type === 'alert') {
    process.stdout.write(`${renderAlert(line)}\n\n`);
  } else if (line.type === 'started') {
    process.stderr.write(`bonnie dlp watch: following the alerts of ${line.catalog}; SIGTERM or Ctrl-C stops\n`);
  } else if (line.type === 'rules') {
    process.stderr.write(`bonnie dlp watch: ${line.message}\n`);
  } else if (line.type === 'warning') {
    process.stderr.write(`bonnie: warning: ${line.message}\n`);
  } else {
    process.stderr.write(`bonnie dlp watch: stopped after ${line.alerts} alert(s)\n`);
  }
}
