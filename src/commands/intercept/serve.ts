import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {serveFromSettings} from '../../lib/pipeline/intercept/intercept.js';
import {checkKeepDelivered} from '../../lib/pipeline/intercept/validate.js';
import type {ServeLine, ServeSummary} from '../../lib/pipeline/intercept/serve.js';

export default class InterceptServeCommand extends BonnieCommand {
  static override summary = 'Hand over the intercepted events and messages to the agencies as they happen (root only; a service).';
  static override description = `Follows the notifications capture commits to the catalog (opened read-only; polled every 100 ms), maps
each event of a target to ETSI TS 102 232-2 e-mail records for every warrant in intercept_db (re-read each
round: an added or ended warrant counts at once), reads the message of a CC record from Cyrus' spool
(spool, partitions), and queues the BER-encoded PS-PDUs in the interception store, numbered from 0 per
warrant for HI2 (IRI) and HI3 (CC). Each warrant's HI2 and HI3 get a TCP connection of their own
(tcp://host:port; per warrant, not per agency), sending in sequence order and reconnecting with back-off
(0.5 s to 30 s); when idle for --keepalive-freq it sends a keep-alive and, unless --keepalive-wait is 0,
drops and reopens a connection that answers nothing within --keepalive-wait. A warrant with a folder gets
one file per PDU (LIID-IRI|CC-seq.ber, 0600). It runs at the niceness --nice gives (default 10) while it
keeps up: when the CPU is busy, Cyrus' deliveries go first; when the oldest event not yet mapped is more
than 1 s old, it runs at niceness 0 (Cyrus') until it is within 0.25 s again (lowering the niceness needs
CAP_SYS_NICE: without it, a warning, once, and the niceness stays).

Exactly once: a PDU is marked delivered when its socket write completed, and never sent again; a failed
write is sent again, whole, on the next connection. What remains: bytes the kernel took for a connection
that then died without the agency closing it are counted as delivered, and PDUs written just before bonnie
is killed (at most a batch of 64) may be sent again after the restart (same sequence numbers). The event
stream resumes after the last notification mapped, committed with the PDUs: nothing is lost across a
restart.

Nothing is written to the catalog or syslog. Without --json, one line per start, stop, connection and
problem on stderr. With --json, stdout carries JSON Lines whose "type" is started (at, command, pid,
catalog, afterId, intercepts: how many are active), handover (liid, hi, destination, state connected or
disconnected, error, retryInMs), warning (message), error (message) or stopped (events, records,
delivered, purged).

What it keeps: a delivered PDU keeps its bytes for --keep-delivered days (default 7, for an agency that
asks for it again; 0: dropped once delivered; forever: kept), then only its row stays (numbers, times,
length, SHA-256): the record of what was handed over, without the intercepted content. SIGTERM or SIGINT
stops it once the write in progress is done (exit 0).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json --keepalive-freq 60 --keepalive-wait 10',
    'systemctl enable --now bonnie-intercept   # docs/systemd/bonnie-intercept.service',
  ];
  static override flags = {
    spool: Flags.string({description: 'Cyrus\' partition root, imapd.conf\'s partition-default (overrides BONNIE_SPOOL and spool). Other partitions: the partitions setting.'}),
    'keepalive-freq': Flags.integer({helpValue: 'SECONDS', description: 'Send a keep-alive after this long without a PDU (OpenLI keepalivefreq; 0: never).', default: 300, min: 0}),
    'keepalive-wait': Flags.integer({helpValue: 'SECONDS', description: 'Reconnect when a keep-alive gets no answer within this time (OpenLI keepalivewait; 0: expect no answer).', default: 30, min: 0}),
    'operator-id': Flags.string({helpValue: 'ID', description: 'The operator identifier in every PS-PDU header (1-16 characters).', default: 'bonnie'}),
    'network-element-id': Flags.string({helpValue: 'ID', description: 'The network element identifier in every PS-PDU header (1-16 characters; default the host name).'}),
    'keep-delivered': Flags.string({helpValue: 'DAYS|forever', description: 'How long a delivered PDU keeps its bytes (a CC is the whole message); then only its number, times, length and SHA-256 stay. 0: dropped once delivered; forever: kept.', default: '7'}),
    nice: Flags.integer({helpValue: 'N', description: 'Run at this niceness (0-19) while keeping up: on a busy host Cyrus\' deliveries go first; more than 1 s behind, serve runs at 0 (Cyrus\') until it catches up.', default: 10, min: 0, max: 19}),
  };

  async run(): Promise<ServeSummary | undefined> {
    const {flags} = await this.parse(InterceptServeCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, spool: flags.spool}, {ldap: false});
    const json = this.jsonEnabled();
    const summary = await serveFromSettings(settings, {
      keepAlive: {frequencyMs: flags['keepalive-freq'] * 1000, waitMs: flags['keepalive-wait'] * 1000},
      operatorId: flags['operator-id'],
      networkElementId: flags['network-element-id'],
      nice: flags.nice,
      keepDeliveredMs: checkKeepDelivered(flags['keep-delivered']),
      onLine: (line) => {
        if (json) process.stdout.write(`${JSON.stringify(line)}\n`);
        else process.stderr.write(`bonnie intercept serve: ${renderServeLine(line)}\n`);
      },
    });
    // With --json, the "stopped" line carried the summary.
    return json ? undefined : summary;
  }
}

function renderServeLine(line: ServeLine): string {
  switch (line.type) {
    case 'started':
      return `following ${line.catalog} after notification ${line.afterId}; ${line.intercepts} active intercept(s); SIGTERM or Ctrl-C stops`;
    case 'handover':
      return line.state === 'connected' ? `${line.liid} ${line.hi} connected to ${line.destination}` : `${line.liid} ${line.hi} ${line.destination}: ${line.error}; retrying in ${line.retryInMs} ms`;
    case 'warning':
      return `warning: ${line.message}`;
    case 'error':
      return `error: ${line.message}`;
    case 'stopped':
      return `stopped after ${line.events} event(s), ${line.records} record(s) queued, ${line.delivered} handed over, ${line.purged} delivered PDU(s) purged of their bytes`;
  }
}
