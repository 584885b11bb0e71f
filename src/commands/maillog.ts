import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {BonnieError} from '../lib/base/errors.js';
import {useTimeZone} from '../lib/base/config/time-zone.js';
import {clock, followWriter} from '../lib/cli/follow-lines.js';
import type {FollowLine} from '../lib/base/system/follow-lines.js';
import {readMaillogs, type MaillogResult} from '../lib/pipeline/maillog/ingest.js';
import {followMaillogs, type MaillogBatchLine} from '../lib/pipeline/maillog/follow.js';
import {renderMaillogResult} from '../lib/pipeline/maillog/render.js';

export default class MaillogCommand extends BonnieCommand {
  static override summary = 'Read MTA logs (Postfix, Exim, Cyrus lmtpd) so that "bonnie trace" can follow messages through them.';
  static override description = `Reads syslog files, plain or gzip-compressed (rotated ones included: mail.log.2.gz), from any number of
hosts (each line's host field tells which), and stores what each line says about a message: Postfix's
queue entries (smtpd client, cleanup message-id, qmgr from/size/nrcpt, removed), each recipient's delivery
(smtp, lmtp, local, virtual: relay, status sent, deferred, bounced or expired with the reason, the next
hop's "queued as" ID, Cyrus' LMTP session ID), bounce notices and NOQUEUE rejects; Exim's <=, =>, ->,
**, == and Completed lines (from its own mainlog, whose lines name no host: give it with --host); Cyrus
lmtpd's "Delivered:" lines.

Each file is remembered by its first line, so a run reads only what is new: run it from cron, or keep it
running with --follow (it survives rotation). Renamed or compressed by logrotate, a file is resumed where
it was left. Lines of other programs are ignored; lines of mail programs that no rule understands are
counted as unknown, never fatal. Lines with no year (traditional syslog) are dated in the local time zone
(--timezone for logs written in another), in the year that puts them at most a day after the file's
modification time.

--json prints {files: [{path, fingerprint, gzip, from, to, lines, records, ignored, unknown}], lines,
records, ignored, unknown, stored: {entries, deliveries, rejects, mailboxDeliveries}}. With --follow --json,
stdout carries JSON Lines whose "type" is started, batch (path, lines, records, unknown, rotated) and
stopped (the totals). Fields may be added, never removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> /var/log/mail.log',
    '<%= config.bin %> <%= command.id %> /var/log/mail.log.2.gz /var/log/mail.log.1 /var/log/mail.log --json',
    '<%= config.bin %> <%= command.id %> /var/log/remote/mx1/mail.log /var/log/remote/mx2/mail.log --follow',
    '<%= config.bin %> <%= command.id %> --host mx3.example.org /var/log/exim4/mainlog',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({description: 'Log files to read (plain or .gz), any number.', required: true}),
  };
  static override flags = {
    host: Flags.string({description: 'The host of lines that name none (Exim\'s own mainlog). Default: this machine\'s name.'}),
    timezone: Flags.string({helpValue: 'ZONE', description: 'Read times without a zone (traditional syslog) in this IANA zone (Europe/Berlin), not this host\'s: for logs written elsewhere.'}),
    follow: Flags.boolean({description: 'Keep reading the files as they grow, through rotation, until SIGTERM or SIGINT.'}),
    quiet: Flags.boolean({description: 'Print nothing when all went well (for cron).'}),
  };

  async run(): Promise<MaillogResult | undefined> {
    const {argv, flags} = await this.parse(MaillogCommand);
    const files = argv as string[];
    if (files.length === 0) throw new BonnieError('UsageInvalid', 'no log file given', {hint: 'For example: bonnie maillog /var/log/mail.log'});
    if (flags.timezone !== undefined) useTimeZone(flags.timezone, '--timezone');
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    const live = flags.follow ? undefined : await this.progress({quiet: flags.quiet});
    try {
      if (flags.follow) {
        const json = this.jsonEnabled();
        const onLine = followWriter<MaillogFollowLine>({json, human: !flags.quiet}, renderLine);
        const summary = await followMaillogs(catalog.db, catalog.path, files, {host: flags.host, onLine});
        if (!json && !flags.quiet) this.log(renderMaillogResult(summary));
        return json ? undefined : summary;
      }
      const result = await readMaillogs(catalog.db, files, {
        host: flags.host,
        onProgress: live === undefined ? undefined : (p) => live.report({title: 'Reading mail logs', done: p.lines, unit: 'lines', bytes: p.position, folder: p.path}),
      });
      live?.done();
      if (!this.jsonEnabled() && !flags.quiet) this.log(renderMaillogResult(result));
      return result;
    } finally {
      live?.done();
      catalog.close();
    }
  }
}

type MaillogFollowLine = FollowLine<MaillogBatchLine, MaillogResult>;

function renderLine(line: MaillogFollowLine): string | undefined {
  switch (line.type) {
    case 'started':
      return `bonnie maillog: following into ${line.catalog}; SIGTERM or Ctrl-C stops`;
    case 'batch':
      return `${clock(line.at)} ${line.path}: ${line.lines} line(s), ${line.records} about messages, ${line.unknown} unknown${line.rotated ? ' (rotated: now reading the new file)' : ''}`;
    default:
      return undefined;
  }
}
