import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {DlpRuntime} from '../lib/pipeline/dlp/runtime.js';
import {collect, type CollectProgress, type CollectSummary} from '../lib/pipeline/collect/collector.js';
import {followCollect, type CollectBatchLine} from '../lib/pipeline/collect/follow.js';
import {clock, followWriter} from '../lib/cli/follow-lines.js';
import {lineTime, type FollowLine} from '../lib/base/system/follow-lines.js';
import {indexAfterWrite} from '../lib/read/search/after-write.js';
import type {UpdateSummary} from '../lib/read/search/update.js';

export default class CollectorCommand extends BonnieCommand {
  static override summary = 'Archive the bytes of new messages, read from Cyrus\' spool or over IMAP.';
  static override description = `Runs on the IMAP host as the cyrus user (Cyrus' message files are mode 0600, owner cyrus), from cron
or with --follow. Reads the notifications received since its last run; every MessageNew, MessageAppend,
vnd.cmu.MessageCopy and vnd.cmu.MessageMove gives a job per destination UID. For each job it reads
<partition>/uuid/<id[0]>/<id[1]>/<mailboxID>/<UID>. from the first partition holding the folder (spool,
then partitions) and stores it in the archive (once per distinct message: a copy or move is a hard link to
bytes already stored), then links the message (mailboxID, UIDVALIDITY, UID) to the blob. An expunged
message stays on disk until cyr_expire -X, so it is still collected; a file already gone is recorded as
unrecoverable with the reason, never skipped. A message that fails for another reason is retried by later
runs (after a minute per attempt), and recorded as unrecoverable after max_attempts.

With imap_url set (imap_user, imap_password_file), what this host cannot read is fetched over IMAP: when
the spool is not a Cyrus partition here (the collector runs on another host), the folder is in no
partition, or reading is denied. bonnie logs in as the admin acting as the folder's owner, EXAMINEs the
folder (read-only), checks that it is still the event's mailbox (MAILBOXID, UIDVALIDITY; a renamed folder
is found by its newest name in the catalog) and fetches BODY.PEEK[], which changes no flag. IMAP cannot
serve expunged messages: one expunged before collection is unrecoverable over IMAP even while the spool
still holds it, so run the collector on the IMAP host where possible.

Then it runs the reconcile jobs that gap detection (bonnie process, bonnie gaps) queued when events went
missing: each folder is re-read whole, from the spool when it is here, else over IMAP; every message not
yet archived is stored and the folder's state recorded as a snapshot. A job that fails is retried by later
runs (after a minute per attempt) and dead after max_attempts, with the error. A job done makes the
folder's open gaps "reconciled" (bonnie gaps). A folder the catalog knows was deleted (MailboxDelete, a
rename into DELETED, or the record) before the collector got to it is not looked for: its jobs end
cancelled, with the reason, and its open gaps close (a gap's job still tries the spool, which may keep a
deleted folder's files). A folder under none of the names the catalog knows (a parent renamed, which sends
no event for its children) is looked up over IMAP by its mailboxID among its owner's folders (LIST RETURN
(STATUS (MAILBOXID)), RFC 8474).

With imap_url and folder_metadata set, each folder created or renamed (MailboxCreate, MailboxRename) gets
a snapshot over IMAP that records those annotations (GETMETADATA). Limits: the annotations are read when
the collector gets to the folder, not when the event happened; later changes to them are recorded only by
bonnie archive --from imap; and a folder whose gap already has a
reconcile job waiting gets no second one: that job runs, from the spool when the folder is here, without
the annotations.

When the DLP rule file (dlp_rules, /etc/bonnie/dlp.yaml by default) exists, its content rules run over
each message delivered (LMTP: direction in) or appended (APPEND: direction out when the folder is a Sent
folder with a recipient outside local_domains, else neither; without local_domains every APPEND is out) as it is stored, and what matches raises an alert ("bonnie dlp
alerts") with masked samples, in the transaction that marks the message collected: one per rule and
message; each is also logged to syslog (facility mail, ident bonnie-dlp), and mailed to dlp_notify when its
rule has the notify action (retried later when the relay fails). With --follow, the rule file is read again
when it changes, when it appears after the start, or on SIGHUP; one that does not load is reported with its
line and column and the rules in force stay (a deleted file too). Copies and moves are not scanned again. A
rule file that cannot be read or is invalid is reported on stderr and the run goes on without DLP (with
--follow, until the file loads).

Prints how many messages were collected (over IMAP among them), were already stored, are unrecoverable,
and remain, and how many reconcile jobs were done, cancelled, failed or died, and gaps reconciled. On a
terminal, a run shows its progress on stderr (messages done of those pending, rate, bytes, folder).

With --follow it prints a line per batch on stderr when it runs on a terminal or with --verbose, and the
summary when it stops. With --follow --json, stdout carries JSON Lines, each written when it happens,
whose "type" is started (command, pid, catalog), batch (one per committed batch: kind "messages" with
jobs, collected, alreadyStored, overImap, unrecoverable, failed, processed since the start and folder; or
kind "reconcile" with the round's reconcile counts), warning (message) or stopped (the summary of the
whole run, as "bonnie collector --json" prints it, without "search"). Every line has "at" (ISO 8601 UTC).`;
  static override examples = [
    'sudo -u cyrus <%= config.bin %> <%= command.id %>',
    '* * * * *  cyrus  <%= config.bin %> <%= command.id %> --quiet   # /etc/cron.d/bonnie',
    '<%= config.bin %> <%= command.id %> --spool /var/spool/cyrus/mail --json',
    '<%= config.bin %> <%= command.id %> --follow',
    '<%= config.bin %> <%= command.id %> --follow --json | jq -c \'select(.type == "batch")\'',
    'BONNIE_IMAP_URL=imap://mail.example.com BONNIE_IMAP_PASSWORD_FILE=/etc/bonnie/imap.password <%= config.bin %> <%= command.id %>',
  ];
  static override flags = {
    spool: Flags.string({description: 'Cyrus\' partition root, imapd.conf\'s partition-default (overrides BONNIE_SPOOL and spool; default /var/spool/cyrus/mail). Other partitions: the partitions setting.'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
    limit: Flags.integer({description: 'Collect at most this many messages (reconcile jobs are not counted).', min: 1}),
    index: Flags.boolean({description: 'Bring the search index up to date after collecting (--no-index: leave it to the next "bonnie search").', default: true, allowNo: true}),
    follow: Flags.boolean({description: 'Keep running: collect new messages as they arrive (polling every second), until SIGTERM or SIGINT.'}),
    quiet: Flags.boolean({description: 'Print nothing when all went well (for cron); the summary is printed, on stderr, only when a message or a reconcile job failed, died or was unrecoverable. Warnings and errors still go to stderr.', exclusive: ['verbose']}),
    verbose: Flags.boolean({description: 'With --follow: a line per batch on stderr, also when not on a terminal (a log).', dependsOn: ['follow']}),
  };

  async run(): Promise<(CollectSummary & {search: UpdateSummary | null}) | undefined> {
    const {flags} = await this.parse(CollectorCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, spool: flags.spool, archive: flags.archive}, {ldap: false});
    const catalog = openCatalog(settings.catalog);
    // The rule file, the bonnie-dlp log, the alert mails and, following, the rules' reload.
    const dlp = DlpRuntime.open(settings, (message) => this.warn(message), {follow: flags.follow});
    // Following, batches are lines (a live display would never end); a single run shows live progress.
    const live = flags.follow ? undefined : await this.progress({quiet: flags.quiet});
    try {
      const options = {
        archiveDir: settings.archive,
        spool: settings.spool,
        partitions: settings.partitions,
        imap: settings.imap,
        folderMetadata: settings.folderMetadata,
        limit: flags.limit,
        maxAttempts: settings.maxAttempts,
        warn: (message: string) => this.warn(message),
        // Each new alert to syslog (facility mail, ident bonnie-dlp), masked samples only, then mailed to
        // dlp_notify when its rule has the notify action; a failure is retried by later runs.
        ...dlp.pipelineOptions(catalog.db),
        onProgress:
          live === undefined
            ? undefined
            : (p: CollectProgress) => {
                if (p.phase === 'messages') live.report({title: 'Collecting messages', done: p.done, total: p.total, unit: 'messages', bytes: p.bytes, folder: p.folder ?? undefined});
              },
      };
      const index = async () => (flags.index ? indexAfterWrite(catalog, settings.archive, (m) => this.warn(m)) : undefined);
      const json = this.jsonEnabled();
      const onLine = followWriter<CollectFollowLine>({json, human: !flags.quiet && (flags.verbose || process.stderr.isTTY === true)}, renderLine);
      // Following, the rules are read again when their file changes or on SIGHUP; a bad file keeps the old
      // ones and says so (a "warning" line: on stdout under --json, else on stderr).
      if (flags.follow) dlp.followRules((message) => onLine({type: 'warning', at: lineTime(), message}));
      const summary = flags.follow ? await followCollect(catalog, options, {afterRound: index, onLine}) : await collect(catalog, options);
      live?.done();
      const search = flags.follow ? undefined : await index();
      if (!this.jsonEnabled() && !flags.quiet) {
        this.log(renderSummary(summary));
        if (search !== undefined && search.locations > 0) this.log(`Indexed ${search.locations} message(s) for search.`);
      } else if (!this.jsonEnabled() && needsAttention(summary)) {
        // cron mails whatever is printed: under --quiet only what an operator must look at, on stderr.
        this.logToStderr(renderSummary(summary));
      }
      // Following with --json, the "stopped" line carried the summary: nothing more for oclif to print.
      return flags.follow && json ? undefined : {...summary, search: search ?? null};
    } finally {
      live?.done();
      catalog.close();
      await dlp.close();
    }
  }
}

type CollectFollowLine = FollowLine<CollectBatchLine, CollectSummary>;

/** A follow line for a person (the summary at the end is printed whole). */
function renderLine(line: CollectFollowLine): string | undefined {
  switch (line.type) {
    case 'started':
      return `bonnie collector: following the notifications of ${line.catalog}; SIGTERM or Ctrl-C stops`;
    case 'batch':
      return line.kind === 'messages'
        ? `${clock(line.at)} ${line.jobs} message(s)${line.folder === null ? '' : ` (last in ${line.folder})`}: ${line.collected} collected, ${line.alreadyStored} already stored, ${line.unrecoverable} unrecoverable, ${line.failed} failed (${line.processed} since the start)`
        : `${clock(line.at)} reconcile jobs: ${line.done} done, ${line.cancelled} cancelled, ${line.failed} failed, ${line.dead} dead; ${line.gapsReconciled} gap(s) reconciled`;
    case 'warning':
      return `bonnie: warning: ${line.message}`;
    default:
      return undefined;
  }
}

/** Something an operator should look at: a message or a reconcile job that failed, died or is gone. */
function needsAttention(s: CollectSummary): boolean {
  return s.unrecoverable + s.failed + s.reconcile.failed + s.reconcile.dead + s.reconcile.unrecoverable > 0;
}

function renderSummary(s: CollectSummary): string {
  const r = s.reconcile;
  const folders = s.scan.folders > 0 ? `, ${s.scan.folders} folder(s) to snapshot` : '';
  const lines = [
    `Scanned ${s.scan.scanned} notification(s): ${s.scan.created} new message(s) to collect${folders}.`,
    `Collected ${s.collected}, already stored ${s.alreadyStored}, unrecoverable ${s.unrecoverable}, failed ${s.failed} (retried by a later run); ${s.remaining} remaining.`,
  ];
  if (s.overImap > 0) lines.push(`Read ${s.overImap} message(s) over IMAP: their files are not readable on this host.`);
  if (s.dlpAlerts > 0) lines.push(`Raised ${s.dlpAlerts} DLP alert(s) (see "bonnie dlp alerts").`);
  lines.push(
    `Reconcile jobs: ${r.done} done (${r.snapshots} snapshot(s), ${r.collected} message(s) collected, ${r.alreadyStored} already stored, ${r.unrecoverable} unrecoverable, ${r.gapsReconciled} gap(s) reconciled), ${r.cancelled} cancelled (folder deleted), ${r.failed} failed (retried by a later run), ${r.dead} dead; ${r.remaining} remaining.`,
  );
  return lines.join('\n');
}
