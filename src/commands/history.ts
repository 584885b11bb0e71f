import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {folderHistory, type FolderHistory} from '../lib/read/discovery/folder-history.js';
import {messageHistory, type MessageHistory} from '../lib/read/discovery/message-history.js';
import {parseMessageRef} from '../lib/read/discovery/refs.js';
import {renderFolderHistory, renderMessageHistory, renderUserHistory} from '../lib/read/discovery/render-history.js';
import {userHistory, type UserHistory} from '../lib/read/discovery/user-history.js';
import {BonnieError, EXIT} from '../lib/base/errors.js';
import {objectDiff, type ObjectDiff} from '../lib/read/groupware/object-diff.js';
import {objectHistory, objectRaw, type ObjectHistory} from '../lib/read/groupware/object-history.js';
import {renderObjectDiff, renderObjectHistory} from '../lib/read/groupware/render-object.js';

/** What `bonnie history --json` prints: `kind` tells which. */
export type HistoryResult =
  | ({kind: 'message'} & MessageHistory)
  | ({kind: 'folder'} & FolderHistory)
  | ({kind: 'user'} & UserHistory)
  | ({kind: 'object'} & ObjectHistory)
  | ({kind: 'object-diff'} & ObjectDiff);

const ONE_OF = ['message', 'folder', 'user', 'object'];

export default class HistoryCommand extends BonnieCommand {
  static override summary = 'Show the timeline of a message, a folder, a person or a groupware object.';
  static override description = `--message REF: the message, the places it is or was (folder and UID, flags, or how it left: expunged,
expired, moved, folder-deleted) and every change to it across copies and moves (followed both ways) and
folder renames; each change with time, actor, session, action, the folder as it was called then and the
UID, and what changed (flags as +\\Seen -\\Flagged). REF is any reference bonnie prints: an emailid
(M9c44bebc02a85abc0c8606d6), msg:<n> (a message Cyrus gave no emailid), a Message-ID (<id@host>), or a
placement <folder>:<uid> with the folder's name now or at the time (user.alice.Work:1) or its mailboxID.

--folder NAME: the folder's versions (created, renamed, ACL changes, deleted) and its changes (appends,
deliveries, flags, removals, copies and moves in and out). NAME is Cyrus' internal name (user.alice.Work)
that any folder ever had, or a mailboxID.

--user LOGIN: the person's versions (logins, addresses, groups), sessions, and everything they did. LOGIN
is any login, address or alias the person ever had, or person:<n>.

--object UID: a groupware object (Kolab: event, task, note, contact...; a message with an X-Kolab-Type
header whose Subject is the UID) through its revisions, from the archive: each revision (a new message the
client saved, numbered 1, 2... by when it appeared) with when, who (the actor of its APPEND), created or
modified, and where; and the changelog, which adds moves, copies and the deletion (the last revision
expunged with no successor: who and when). --raw REV prints that revision's exact bytes (MIME) to stdout.
--diff A B shows what changed from revision A to B: the object's XML (xCal, xCard, Kolab XML) as property
lines ("summary: Budget meeting"), "-" removed and "+" added; the text parts line by line when there is no
XML. A UID kept in several calendars (an invitation) names several objects: choose one with --in FOLDER.
Only archived messages are searched, through the search index.

When a reference matches several messages, folders or people, they are listed with their references and
the exit status is 2: run again with one of them. Timelines are oldest first, newest last; --limit keeps
the newest.

--json prints {kind: "message"|"folder"|"user", ...}: message: {message, placements, timeline, omitted};
folder: {folder, versions, timeline, omitted}; user: {person, versions, sessions, timeline,
omittedSessions, omitted}. A timeline entry is {id, at, actor, actorPersonId, sessionId, kind, action,
mailboxId, folder, uid, messageRef, placementRef, before, after, summary} (folder entries add direction:
"in"|"out"|null). --object prints {kind: "object", object, revisions, changelog, omitted, indexBehind}: a
revision is {rev, action, at, actor, actorPersonId, sessionId, mailboxId, folder, uid, placementRef,
messageRef, blob, approximate, places, size, title}, a changelog entry {at, action, rev, actor,
actorPersonId, sessionId, mailboxId, folder, uid, placementRef, from, approximate}; --diff prints {kind:
"object-diff", uid, type, from, to, format, lines: [{op, text}], removed, added, unchanged}. Fields may be
added, never removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --message M9c44bebc02a85abc0c8606d6',
    '<%= config.bin %> <%= command.id %> --message user.alice.Work:1',
    "<%= config.bin %> <%= command.id %> --message '<1234@example.org>' --json",
    '<%= config.bin %> <%= command.id %> --folder user.alice.Work',
    '<%= config.bin %> <%= command.id %> --user alice --limit 50',
    '<%= config.bin %> <%= command.id %> --object 5f3c2a1e-9b7d-4c8e-a2f1-0d6e4b3c2a1f',
    '<%= config.bin %> <%= command.id %> --object 5f3c2a1e-9b7d-4c8e-a2f1-0d6e4b3c2a1f --diff 1 4',
    '<%= config.bin %> <%= command.id %> --object 5f3c2a1e-9b7d-4c8e-a2f1-0d6e4b3c2a1f --raw 2 > revision-2.eml',
  ];
  static override flags = {
    message: Flags.string({helpValue: 'REF', description: 'A message reference (emailid, msg:<n>, <Message-ID>, <folder>:<uid>, <mailboxID>:<uid>).', exactlyOne: ONE_OF}),
    folder: Flags.string({helpValue: 'NAME', description: 'A folder name (any it ever had) or mailboxID.', exactlyOne: ONE_OF}),
    user: Flags.string({helpValue: 'LOGIN', description: 'A login, address or alias the person ever had, or person:<n>.', exactlyOne: ONE_OF}),
    object: Flags.string({helpValue: 'UID', description: 'A groupware object (Kolab) by its UID: the Subject of its messages.', exactlyOne: ONE_OF}),
    in: Flags.string({helpValue: 'FOLDER', description: 'With --object: the object in this folder (any name it had, or its mailboxID), when the UID names several.', dependsOn: ['object']}),
    raw: Flags.integer({helpValue: 'REV', description: "With --object: print this revision's exact bytes (MIME) to stdout.", dependsOn: ['object'], exclusive: ['diff'], min: 1}),
    diff: Flags.integer({helpValue: 'REV', description: 'With --object: what changed from the first revision to the second (--diff 1 4).', dependsOn: ['object'], exclusive: ['raw'], multiple: true, min: 1}),
    archive: Flags.string({description: 'The archive folder, read by --object (overrides BONNIE_ARCHIVE and archive).'}),
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many entries per list (the newest).', min: 1}),
  };

  async run(): Promise<HistoryResult | undefined> {
    const {flags} = await this.parse(HistoryCommand);
    if (flags.diff !== undefined && flags.diff.length !== 2) {
      throw new BonnieError('UsageInvalid', `--diff takes two revisions, got ${flags.diff.length}`, {exit: EXIT.usage, hint: 'For example: --diff 1 4 (from revision 1 to revision 4).'});
    }
    if (flags.raw !== undefined && this.jsonEnabled()) {
      throw new BonnieError('UsageInvalid', '--raw prints a message as it is and has no --json form', {exit: EXIT.usage, hint: 'Leave out --json; "bonnie history --object UID --json" lists each revision\'s blob and size.'});
    }
    const settings = this.settings(flags);
    const ref = flags.message === undefined ? undefined : parseMessageRef(flags.message);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const options = {limit: flags.limit};
      if (flags.object !== undefined) {
        const query = {uid: flags.object, folder: flags.in};
        if (flags.raw !== undefined) {
          const raw = await objectRaw(catalog, settings.archive, query, flags.raw);
          await new Promise<void>((resolve, reject) => process.stdout.write(raw.bytes, (error) => (error ? reject(error) : resolve())));
          return undefined;
        }
        const [from, to] = flags.diff ?? [];
        const object: HistoryResult =
          from !== undefined && to !== undefined
            ? {kind: 'object-diff', ...(await objectDiff(catalog, settings.archive, query, from, to))}
            : {kind: 'object', ...(await objectHistory(catalog, settings.archive, query, options))};
        if (!this.jsonEnabled()) this.log(render(object));
        return object;
      }
      let result: HistoryResult;
      if (ref !== undefined) result = {kind: 'message', ...messageHistory(catalog.db, ref, options)};
      else if (flags.folder !== undefined) result = {kind: 'folder', ...folderHistory(catalog.db, flags.folder, options)};
      else result = {kind: 'user', ...userHistory(catalog.db, flags.user as string, options)};
      if (!this.jsonEnabled()) this.log(render(result));
      return result;
    } finally {
      catalog.close();
    }
  }
}

function render(result: HistoryResult): string {
  switch (result.kind) {
    case 'message':
      return renderMessageHistory(result);
    case 'folder':
      return renderFolderHistory(result);
    case 'user':
      return renderUserHistory(result);
    case 'object':
      return renderObjectHistory(result);
    case 'object-diff':
      return renderObjectDiff(result);
  }
}
