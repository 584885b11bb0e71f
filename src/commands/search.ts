import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {BonnieError, EXIT} from '../lib/base/errors.js';
import {renderSearch, renderUpdate} from '../lib/read/search/render.js';
import {DEFAULT_LIMIT, searchCatalog, type SearchOutcome} from '../lib/read/search/search.js';

export default class SearchCommand extends BonnieCommand {
  static override summary = 'Find archived mail by sender, recipients, subject, text, attachment names, dates, folders and flags.';
  static override description = `Searches every message the archive holds (collected as it arrived, or archived with "bonnie archive"),
newest first: its date, sender, subject, folder, owner and a reference that "bonnie history --message",
"bonnie restore --message" and "bonnie export" accept (<mailboxID>:<uid>). A message in several folders is
listed once per folder. Mail that is gone (expunged, moved away, its folder deleted) is left out unless
--include-deleted is given or the query says deleted:.

The index holds From, To, Cc, Subject, Message-ID, the decoded text of the body (text/plain, or the text of
text/html when there is no plain text; every charset, quoted-printable and base64, encoded words in
headers) and attachment file names. It is kept current: the collector and "bonnie archive" index what they
store, and each search first catches up with the record (flags, expunges, moves, renames, deletions) and
snapshots since the last one (--no-update skips that; it also works on a catalog this user can only read).
--reindex drops the index and builds it again from the archive.

QUERY LANGUAGE
  word            a word in any field; letters are matched without case and without accents (cafe finds
                  café); Chinese and Japanese text is matched character by character
  "a phrase"      these words in this order
  from: to: cc: subject: body: attachment: messageid:
                  the word or "phrase" in that field (attachment: a file name; from:bob@example.com)
  has:attachment  messages with at least one attached file
  before:D after:D on:D
                  the message's date (its Date header, else when it arrived): before D, from D on (D
                  included), within D. D is 2026, 2026-11, 2026-11-22 (UTC) or a duration back from now:
                  7d, 12h
  larger:N smaller:N
                  size in bytes, strictly: 500, 10k, 2M, 1.5MB (k = 1024)
  user:LOGIN      in a folder of this user
  folder:NAME     in this folder: its name now or ever (user.alice.Sent), its path below the owner (Sent,
                  INBOX), or its mailboxID
  flag:F          with this flag: seen, answered, flagged, draft, deleted (\\Deleted, marked for
                  expunge), or a keyword ($Label1)
  deleted:yes|no  gone from the folder (the archive still has it), or not
  queueid:ID      the message an MTA logged under this queue ID, on any host (read by bonnie maillog)
  A B, A AND B    both;  A OR B  either;  NOT A, -A  not;  ( ) groups. AND binds tighter than OR;
                  operators are written in capitals. Put a word with a colon in quotes ("10:30").
                  A query that starts with "-" goes after "--": bonnie search -- '-from:bob invoice'.

A query that cannot be read is refused with its position marked (exit 2).

--json prints {query, limit, includeDeleted, more, update, hits: [{ref, messageRef, date, dateSource, from,
subject, messageId, folder, owner, mailboxId, uidValidity, uid, flags, deleted, removal, internalDate,
size, hasAttachment, blob, problem}]}. Fields may be added, never removed or renamed.`;
  static override examples = [
    "<%= config.bin %> <%= command.id %> 'from:bob@example.com subject:invoice after:2026-01'",
    '<%= config.bin %> <%= command.id %> \'"quarterly report" has:attachment user:alice\'',
    "<%= config.bin %> <%= command.id %> 'attachment:budget.xlsx OR attachment:forecast' --limit 10 --json",
    "<%= config.bin %> <%= command.id %> 'folder:Trash deleted:yes'",
    "<%= config.bin %> <%= command.id %> 'merger NOT (from:alice OR from:bob)' --include-deleted",
    '<%= config.bin %> <%= command.id %> --reindex',
  ];
  static override args = {
    query: Args.string({description: 'What to find (see QUERY LANGUAGE); quote it for the shell.'}),
  };
  static override flags = {
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many results, the newest.', min: 1, default: DEFAULT_LIMIT}),
    'include-deleted': Flags.boolean({description: 'Also mail that is gone: expunged, moved away, or in a deleted folder.'}),
    update: Flags.boolean({description: 'Bring the index up to date before searching (--no-update: search it as it is, read-only).', default: true, allowNo: true}),
    reindex: Flags.boolean({description: 'Drop the index and build it again from the archive (then search, if a query is given).'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
  };

  async run(): Promise<SearchOutcome> {
    const {args, flags} = await this.parse(SearchCommand);
    if (args.query === undefined && !flags.reindex) {
      throw new BonnieError('UsageInvalid', 'no query given', {exit: EXIT.usage, hint: 'For example: bonnie search \'from:bob subject:invoice\' (see "bonnie search --help" for the query language), or bonnie search --reindex.'});
    }
    const settings = this.settings({catalog: flags.catalog, config: flags.config, archive: flags.archive}, {ldap: false});
    const update = flags.update || flags.reindex === true; // reindex is undefined unless given
    const catalog = openCatalog(settings.catalog, {readOnly: !update});
    const live = update ? await this.progress() : undefined;
    try {
      const outcome = await searchCatalog(catalog, {
        query: args.query,
        archiveDir: settings.archive,
        update,
        reindex: flags.reindex,
        limit: flags.limit,
        includeDeleted: flags['include-deleted'],
        onProgress: (p) =>
          live?.report(
            p.phase === 'index'
              ? {title: 'Indexing archived mail', done: p.done, total: p.total, unit: 'messages'}
              : {title: 'Refreshing flags and folders', done: p.done, total: p.total, unit: 'places'},
          ),
      });
      live?.done();
      if (!this.jsonEnabled()) {
        const updated = outcome.update === null || outcome.query === null ? '' : renderUpdate(outcome.update);
        if (updated !== '') process.stderr.write(`${updated}\n`);
        this.log(renderSearch(outcome));
      }
      return outcome;
    } finally {
      live?.done();
      catalog.close();
    }
  }
}
