import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {acknowledgeAlert, renderAlert, type AlertView} from '../../lib/pipeline/dlp/alert-report.js';

export default class DlpAckCommand extends BonnieCommand {
  static override summary = 'Acknowledge a data-loss prevention alert, with a note.';
  static override description = `Records who acknowledged alert ID (the login running the command, and the sudo user), when, and
why (--note). The alert itself is never changed: acknowledgements are rows of their own, listed with it by
"bonnie dlp alerts"; an alert may be acknowledged more than once.

Exits 1 (DlpAlertNotFound) when there is no such alert.

--json prints the alert as "bonnie dlp alerts --json" lists it, with its acknowledgements.`;
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --note "the shop\'s test card, not a customer\'s"'];
  static override args = {
    id: Args.string({description: 'The alert\'s number, as bonnie dlp alerts shows it.', required: true}),
  };
  static override flags = {
    note: Flags.string({helpValue: 'TEXT', description: 'Why the alert is acknowledged (kept with it).', required: true}),
  };

  async run(): Promise<AlertView> {
    const {args, flags} = await this.parse(DlpAckCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config}, {ldap: false});
    const catalog = openCatalog(settings.catalog);
    try {
      const alert = acknowledgeAlert(catalog.db, args.id, flags.note);
      if (!this.jsonEnabled()) this.log(renderAlert(alert));
      return alert;
    } finally {
      catalog.close();
    }
  }
}
