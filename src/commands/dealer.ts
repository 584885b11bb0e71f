import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {deal, readStdin, type DealOutcome} from '../lib/pipeline/capture/dealer.js';
import {drainCaptured, recoverLog, type CaptureDrainSummary, type LogRecoverySummary} from '../lib/pipeline/capture/drain.js';
import {handedOverSocket, runSocketHolder} from '../lib/pipeline/capture/holder.js';
import {runNotifyListener, type ListenerProgress} from '../lib/pipeline/capture/listen.js';

type Result = ({mode: 'deal'} & DealOutcome) | ({mode: 'drain-spill'} & CaptureDrainSummary) | ({mode: 'recover-log'} & LogRecoverySummary);

export default class DealerCommand extends BonnieCommand {
  static override summary = 'Commit Cyrus event notifications to the queue: from stdin (what notifyd runs), or from the notify socket.';
  static override description = `Reads one or more notifications (JSON lines) on stdin and commits them to the catalog's queue in one
transaction. When the catalog cannot be written within --dealer-timeout (locked, read-only, missing, disk
full), the input is written to the spill folder instead. Either way nothing is lost and nothing is written to
stdout, which under notifyd is its socket. Logs go to syslog (facility mail) or --log-file.

Cyrus should run the lighter bin/bonnie-dealer, which shares this code without loading the CLI framework:
  notify_external: /usr/lib/node_modules/bonnie/bin/bonnie-dealer

With --drain-spill, moves into the queue, each exactly once, what capture kept outside the catalog: spilled
notifications, and the journal of a socket daemon that is no longer running. With --recover-log FILE, queues
the events a dealer could keep only in its log (lines "LOST unless recovered from this line"), each once.

With --listen, runs as a daemon in place of notifyd, reading Cyrus' notifysocket (a unix datagram socket,
mode 0660, group --socket-group), so Cyrus needs no process per event. Remove the notify line from SERVICES
in cyrus.conf first, so that cyrmaster does not bind the socket itself. Every datagram is written to the
capture journal (<spill>/journal) before the next one is read, by a thread that does nothing else; the main
thread moves the journal into the queue every 50 ms. A kill -9 loses nothing, a locked or missing catalog
only delays the queue (Cyrus never waits on it), and a full disk first uses a reserve kept in the spill folder
(.reserve, 32 MiB), then holds events in memory, then makes Cyrus wait. Datagrams that are not valid events
are quarantined whole.

The socket outlives the daemon: under systemd it comes from bonnie-capture.socket (socket activation,
LISTEN_FDS); otherwise bonnie starts a small holder (bin/bonnie-socket-holder, perl) that binds it, runs the
daemon, and restarts it after a crash, while Cyrus' events wait in the socket. SIGTERM or SIGINT: the socket
file is removed, what is still queued is read, the journal is moved into the queue, and it exits 0. Logs go
to syslog or --log-file; with --json, stdout carries JSON Lines whose "type" is listening, progress
(counters, every minute when they changed), catalog-unavailable, catalog-available, disk-full or stopped
(final counters; "left": journal bytes not yet in the catalog).`;
  static override examples = [
    'printf \'%s\\n\' "$EVENT_JSON" | <%= config.bin %> <%= command.id %> --catalog ./demo/catalog.db',
    '<%= config.bin %> <%= command.id %> --drain-spill',
    '<%= config.bin %> <%= command.id %> --recover-log /var/log/bonnie/dealer.log',
    '<%= config.bin %> <%= command.id %> --listen /run/cyrus/socket/notify',
    '<%= config.bin %> <%= command.id %> --listen ./notify.sock --socket-group 1000 --catalog ./demo/catalog.db --json',
  ];
  static override flags = {
    'drain-spill': Flags.boolean({description: 'Move spilled notifications and a stopped daemon\'s journal into the queue, then exit.', exclusive: ['listen', 'recover-log']}),
    'recover-log': Flags.string({helpValue: 'file', description: 'Queue the events a dealer kept only in this log ("LOST unless recovered" lines), each once.', exclusive: ['listen']}),
    listen: Flags.string({helpValue: 'path', description: 'Bind this unix datagram socket (imapd.conf\'s notifysocket) in place of notifyd and commit what arrives, until SIGTERM.'}),
    'socket-group': Flags.string({helpValue: 'group', description: 'Group given write access to the --listen socket, by name or number (default: mail).', dependsOn: ['listen']}),
    'log-file': Flags.string({description: 'Log to this file instead of syslog.'}),
    spill: Flags.string({description: 'Spill folder (default: "spill" beside the catalog).'}),
    'dealer-timeout': Flags.string({description: 'How long to wait for a locked catalog before spilling (e.g. 2s, 500ms).'}),
    // notifyd's own argv (-c CLASS -p PRIO -u USER -m MAILBOX -f): accepted and ignored.
    c: Flags.string({char: 'c', hidden: true}),
    p: Flags.string({char: 'p', hidden: true}),
    u: Flags.string({char: 'u', hidden: true}),
    m: Flags.string({char: 'm', hidden: true}),
    f: Flags.boolean({char: 'f', hidden: true}),
  };

  async run(): Promise<Result | undefined> {
    const {flags} = await this.parse(DealerCommand);
    if (flags.listen !== undefined) {
      const settings = this.settings({catalog: flags.catalog, config: flags.config, spill: flags.spill, logFile: flags['log-file'], dealerTimeoutMs: flags['dealer-timeout']}, {ldap: false});
      const fd = handedOverSocket();
      if (fd === undefined) {
        // Not handed a socket: run the holder, which binds it and runs this same command line as the daemon.
        const code = await runSocketHolder({socket: flags.listen, socketGroup: flags['socket-group'], command: [process.execPath, ...process.execArgv, ...process.argv.slice(1)]});
        if (code !== 0) this.exit(code);
        return undefined;
      }
      const json = this.jsonEnabled();
      // A long-running command: JSON Lines on stdout with --json (printed here, so run() returns nothing
      // for oclif to print), otherwise one line on stderr when it starts and one when it stops.
      const report = (progress: ListenerProgress) => {
        if (json) process.stdout.write(`${JSON.stringify(progress)}\n`);
        else if (progress.type === 'listening') this.logToStderr(`bonnie: reading ${progress.socket}, journal ${progress.journal}, committing to ${progress.catalog}; SIGTERM or Ctrl-C stops`);
        else if (progress.type === 'stopped') this.logToStderr(`bonnie: stopped: received ${progress.received}, committed ${progress.committed} (${progress.queued} queued, ${progress.duplicates} duplicate(s), ${progress.quarantined} quarantined), ${progress.left} journal byte(s) left for the next start`);
      };
      await runNotifyListener({
        socket: flags.listen,
        fd,
        catalog: settings.catalog,
        spill: settings.spill,
        logFile: settings.logFile,
        busyTimeoutMs: settings.dealerTimeoutMs,
        onProgress: report,
      });
      return undefined;
    }
    if (flags['drain-spill']) {
      const summary = drainCaptured(this.settings({catalog: flags.catalog, config: flags.config, spill: flags.spill}, {ldap: false}));
      if (!this.jsonEnabled()) {
        this.log(`Drained ${summary.files} spill file(s) and ${summary.journalRecords} journal record(s) from ${summary.spill}: ${summary.queued} queued, ${summary.duplicates} duplicate(s), ${summary.quarantined} quarantined`);
        if (summary.alreadyDrained > 0) this.log(`Removed ${summary.alreadyDrained} file(s) an earlier drain had already queued`);
        if (!summary.reserve) this.log(`No room for the capture reserve in ${summary.spill}: free space on that filesystem`);
      }
      return {mode: 'drain-spill', ...summary};
    }
    if (flags['recover-log'] !== undefined) {
      const summary = recoverLog(this.settings({catalog: flags.catalog, config: flags.config, spill: flags.spill}, {ldap: false}), flags['recover-log']);
      if (!this.jsonEnabled()) {
        this.log(`Found ${summary.lines} event(s) kept only in ${flags['recover-log']}: ${summary.queued} queued, ${summary.duplicates} duplicate(s), ${summary.quarantined} quarantined, ${summary.alreadyRecovered} recovered before`);
      }
      return {mode: 'recover-log', ...summary};
    }
    const fromNotifyd = flags.c !== undefined || process.env.CYRUS_SERVICE === 'notify';
    const outcome = await deal(readStdin(), {
      catalog: flags.catalog,
      config: flags.config,
      logFile: flags['log-file'],
      spill: flags.spill,
      dealerTimeout: flags['dealer-timeout'],
      fromNotifyd,
    });
    // Under notifyd stdout is its socket: report only when asked for JSON by a person or a script.
    return {mode: 'deal', ...outcome};
  }
}
