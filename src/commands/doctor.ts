import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {EXIT} from '../lib/base/errors.js';
import type {DoctorReport} from '../lib/read/doctor/check.js';
import {DEFAULT_CYRUS_CONF, DEFAULT_IMAPD_CONF} from '../lib/read/doctor/cyrus-conf.js';
import {renderDoctor, runDoctor} from '../lib/read/doctor/doctor.js';
import {REACH_TIMEOUT_MS} from '../lib/read/doctor/reach.js';

export default class DoctorCommand extends BonnieCommand {
  static override summary = 'Check that this host is set up for bonnie, and say exactly what to fix.';
  static override description = `Runs a list of checks, each with a stable id, a level (ok, warning, error), what it found and the
fix (a command to run or a configuration line to write):

- config.file, config.paths: the configuration parses strictly (as every command reads it) and the paths it
  names exist (spool, partitions, the log file's folder, password and CA files; a password file readable by
  everyone is a warning).
- system.owner: the --owner user and group exist.
- catalog.file: the catalog opens as a bonnie catalog with the current schema.
- catalog.folder, catalog.owner: the catalog's folder (0750), the catalog and its -wal and -shm files (0640,
  present: readers in the group cannot create them) belong to --owner.
- spill.folder, journal.folder, archive.folder: owned like the catalog, 0750; no file in the spill folder or
  the archive owned by another user (root running bonnie archive or bonnie dealer --drain-spill).
- spill.reserve: the capture reserve (<spill>/.reserve) is there at full size.
- catalog.disk-space: free space on the catalog's filesystem.
- cyrus.imapd-conf, cyrus.cyrus-conf: Cyrus' files can be read.
- cyrus.event-notifier, cyrus.event-groups, cyrus.event-extra-params, cyrus.event-exclude-specialuse: Cyrus
  sends the events bonnie needs (and not quota, which crashes Cyrus 3.6.1).
- cyrus.notify-service: cyrus.conf runs notifyd for the per-event dealer, or not, for bonnie dealer --listen
  (the mode is inferred from cyrus.conf unless --capture says which is meant).
- cyrus.notify-external: the per-event dealer is an executable bonnie-dealer.
- cyrus.notify-socket: imapd.conf's notifysocket is a socket Cyrus can write.
- system.max-dgram-qlen: net.unix.max_dgram_qlen is at least 512 when bonnie dealer --listen reads the
  socket.
- reach.imap, reach.ldap: imap_url and ldap_url answer, and the TLS handshake passes (within --timeout); no
  password is sent unless --login.

Run it as root to read Cyrus' files and compare owners. Changes nothing.`;
  static override examples = [
    'sudo <%= config.bin %> <%= command.id %>',
    'sudo <%= config.bin %> <%= command.id %> --capture listen --json',
    'sudo <%= config.bin %> <%= command.id %> -C /etc/cyrus/imapd.conf --login',
  ];
  /** Rendered in bonnie-doctor(1), EXIT STATUS (scripts/gen-man.js). */
  static exitStatus: ReadonlyArray<readonly [number, string]> = [
    [EXIT.ok, 'Every check is ok.'],
    [EXIT.warning, 'Some checks gave a warning, none an error.'],
    [EXIT.critical, 'Some checks gave an error.'],
  ];
  static override flags = {
    'imapd-conf': Flags.string({char: 'C', description: 'Cyrus\' imapd.conf (the -C argument of its services).', default: DEFAULT_IMAPD_CONF}),
    'cyrus-conf': Flags.string({char: 'M', description: 'Cyrus\' cyrus.conf (cyrmaster\'s -M argument).', default: DEFAULT_CYRUS_CONF}),
    owner: Flags.string({description: 'The user:group bonnie\'s files belong to (the user Cyrus and the dealer run as).', default: 'cyrus:mail'}),
    capture: Flags.string({description: 'How events are captured: dealer (notifyd runs bonnie-dealer per event) or listen (bonnie dealer --listen); default: inferred from cyrus.conf.', options: ['dealer', 'listen']}),
    login: Flags.boolean({description: 'Also log in to IMAP and bind to LDAP (sends the passwords from the password files).'}),
    timeout: Flags.integer({description: 'Seconds each network step may take.', min: 1, default: REACH_TIMEOUT_MS / 1000}),
  };

  async run(): Promise<DoctorReport> {
    const {flags} = await this.parse(DoctorCommand);
    const report = await runDoctor({
      catalog: flags.catalog,
      config: flags.config,
      imapdConf: flags['imapd-conf'],
      cyrusConf: flags['cyrus-conf'],
      owner: flags.owner,
      capture: flags.capture as 'dealer' | 'listen' | undefined,
      login: flags.login,
      timeoutMs: flags.timeout * 1000,
    });
    if (!this.jsonEnabled()) this.log(renderDoctor(report));
    process.exitCode = report.exit;
    return report;
  }
}
