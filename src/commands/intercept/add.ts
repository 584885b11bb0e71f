import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {operatorName} from '../../lib/pipeline/queue/actions.js';
import {addIntercept} from '../../lib/pipeline/intercept/intercept.js';
import {renderIntercepts} from '../../lib/pipeline/intercept/render.js';
import type {Intercept} from '../../lib/pipeline/intercept/warrants.js';

export default class InterceptAddCommand extends BonnieCommand {
  static override summary = 'Add a lawful-interception warrant: its LIID, agency, targets, period and handover (root only).';
  static override description = `Warrants are kept apart from the catalog, in intercept_db (default
/var/lib/bonnie-intercept/intercept.db): a file 0600 in a folder 0700, both root's; the first add creates
them, and bonnie refuses a file or folder that group or others could read. Each target (a login or an
address) is resolved through the LDAP directory, when ldap_url is set, to the person with all their
addresses; without LDAP the login is stored as given. Times are ISO dates or times (UTC unless zoned).
Delivery is HI2 and HI3 over TCP (ETSI TS 102 232-1), or a folder. Who added it (login and sudo user),
when and what go into the interception log, a hash chain ("bonnie intercept verify-log"). Nothing about an
intercept is written to the catalog or to syslog. A LIID is used once.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --liid DE-BKA-2026-0042 --agency BKA --target alice --target bob@example.com --start 2026-12-08 --end 2027-03-08 --hi2 tcp://192.0.2.10:9001 --hi3 tcp://192.0.2.10:9002 --auth-country DE --delivery-country DE',
    '<%= config.bin %> <%= command.id %> --liid LI-7 --agency POL --target alice --start 2026-12-08T08:00:00Z --end 2026-12-22 --folder /srv/intercept/LI-7 --auth-country FR --delivery-country FR',
  ];
  static override flags = {
    liid: Flags.string({helpValue: 'LIID', description: 'The lawful interception id the agency gave (1-25 characters; once only).', required: true}),
    agency: Flags.string({helpValue: 'ID', description: "The agency's id.", required: true}),
    target: Flags.string({helpValue: 'LOGIN_OR_ADDRESS', description: 'A login or address to intercept (repeat for several).', required: true, multiple: true}),
    start: Flags.string({helpValue: 'TIME', description: 'When the warrant starts (nothing is delivered before).', required: true}),
    end: Flags.string({helpValue: 'TIME', description: 'When it ends (nothing is delivered after); after --start.', required: true}),
    hi2: Flags.string({helpValue: 'tcp://HOST:PORT', description: 'Where intercept-related information (IRI) goes.'}),
    hi3: Flags.string({helpValue: 'tcp://HOST:PORT', description: 'Where the content of communication (CC) goes.'}),
    folder: Flags.string({helpValue: 'DIR', description: 'Deliver to this folder instead of --hi2/--hi3.'}),
    'auth-country': Flags.string({helpValue: 'CC', description: 'The authorisation country (ISO 3166-1 alpha-2).', required: true}),
    'delivery-country': Flags.string({helpValue: 'CC', description: 'The delivery country (ISO 3166-1 alpha-2).', required: true}),
  };

  async run(): Promise<Intercept> {
    const {flags} = await this.parse(InterceptAddCommand);
    const input = {
      liid: flags.liid, agency: flags.agency, targets: flags.target, start: flags.start, end: flags.end,
      hi2: flags.hi2, hi3: flags.hi3, folder: flags.folder, authCountry: flags['auth-country'], deliveryCountry: flags['delivery-country'],
    };
    const intercept = await addIntercept(this.settings(flags), input, operatorName(), new Date());
    if (!this.jsonEnabled()) this.log(renderIntercepts([intercept]));
    return intercept;
  }
}
