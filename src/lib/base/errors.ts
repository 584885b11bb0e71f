/**
 * The one error class bonnie raises for expected failures. Its `code` is stable (scripts may match on
 * it, `--json` prints it) and registered in {@link ERROR_CODES}, which fixes its `exit` status; its `hint`
 * tells the user what to do.
 */
export class BonnieError extends Error {
  readonly code: ErrorCode;
  readonly exit: number;
  readonly hint: string | undefined;

  /**
   * `options.exit` is redundant with the registry and kept only because older call sites pass it: it must
   * equal the code's registered exit (test/unit/error-codes.test.ts fails otherwise); the registry wins.
   */
  constructor(code: ErrorCode, message: string, options: {exit?: number; hint?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'BonnieError';
    this.code = code;
    // A code cast past the type checker still gets a documented status.
    this.exit = (ERROR_CODES as Record<string, ErrorCodeSpec | undefined>)[code]?.exit ?? EXIT.failure;
    this.hint = options.hint;
  }
}

/**
 * Exit statuses: a documented contract (bonnie(1), EXIT STATUS). Never renumber; only add.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A failure not covered below. */
  failure: 1,
  /** Bad command-line usage (unknown flag, missing argument). */
  usage: 2,
  /** The configuration file or environment is invalid. */
  config: 3,
  /** The catalog cannot be opened, is locked, or was written by a newer bonnie. */
  catalog: 4,
  /** The check ran and found problems (e.g. a broken evidence chain). */
  unsound: 5,
  /** `bonnie status`: something needs an operator's attention (its health reasons say what). */
  warning: 6,
  /** `bonnie status`: something is broken or was given up (dead jobs, broken segments...). */
  critical: 7,
} as const;

/** What each exit status means, for the man page and `--help`. */
export const EXIT_DESCRIPTIONS: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'Success.'],
  [EXIT.failure, 'A failure not covered below; the message says what and the hint what to do.'],
  [EXIT.usage, 'Bad usage: an unknown command or flag, a missing or invalid argument.'],
  [EXIT.config, 'The configuration (file, environment or flags) is invalid; the message names the key and the file.'],
  [EXIT.catalog, 'The catalog cannot be opened or written: missing, locked, read-only, or written by a newer bonnie.'],
  [EXIT.unsound, 'A check ran and found problems (reported one by one).'],
  [EXIT.warning, 'bonnie status: a warning, something needs attention (open gaps, quarantined input not reviewed, jobs waiting for a retry, files waiting to be drained, a backlog).'],
  [EXIT.critical, 'bonnie status: critical, something is broken or was given up (dead jobs, broken segments, failed reconcile or collector jobs). With --nagios, bonnie status exits 0, 1, 2 or 3 as Nagios plugins do instead.'],
];

/** What the registry says of one error code. */
export interface ErrorCodeSpec {
  /** The exit status every error with this code ends the command with: one of {@link EXIT}. */
  readonly exit: number;
  /** What the code means, in one line, for the man page (bonnie(1), ERRORS). */
  readonly meaning: string;
}

/**
 * Every error code bonnie raises, with the exit status it fixes and what it means. A contract like
 * {@link EXIT}: a code keeps its name and status; new ones are only added. test/unit/error-codes.test.ts
 * fails on a code raised but not listed here, on one listed but never raised, and on a call site whose
 * `exit:` disagrees. Alphabetical, as bonnie(1) lists them.
 */
export const ERROR_CODES = {
  ArchiveFormatUnknown: {exit: EXIT.failure, meaning: 'An archive segment is in a format this bonnie does not know (a newer bonnie wrote it); nothing was read or written: upgrade bonnie.'},
  ArchiveLocked: {exit: EXIT.failure, meaning: 'Another process writes the archive (its owner, pid and host are named); try again when it is done.'},
  ArchiveWriterClosed: {exit: EXIT.failure, meaning: 'An archive writer was used after it was closed (a bug).'},
  ArchiveWriterFailed: {exit: EXIT.failure, meaning: 'An archive write failed; the writer refuses further use and nothing half-written is trusted.'},
  BlobCorrupt: {exit: EXIT.failure, meaning: "A blob's bytes do not match its SHA-256 or do not decompress."},
  BlobIdInvalid: {exit: EXIT.failure, meaning: 'A blob id is not 64 lower-case hexadecimal digits.'},
  BlobUnknown: {exit: EXIT.failure, meaning: 'The archive holds no blob with this id.'},
  CatalogCorrupt: {exit: EXIT.catalog, meaning: 'SQLite reports the catalog damaged.'},
  CatalogForeign: {exit: EXIT.catalog, meaning: 'The file is an SQLite database but not a bonnie catalog; it was not changed.'},
  CatalogMissing: {exit: EXIT.catalog, meaning: 'No catalog at the path; only bonnie init creates one.'},
  CatalogTooNew: {exit: EXIT.catalog, meaning: 'The catalog was written by a newer bonnie.'},
  CatalogTooOld: {exit: EXIT.catalog, meaning: 'The catalog needs an upgrade this command does not make.'},
  CatalogUnavailable: {exit: EXIT.catalog, meaning: 'The catalog cannot be opened or written: locked, read-only for this user, disk full.'},
  CollectFailed: {exit: EXIT.failure, meaning: 'bonnie collector stopped on a failure it cannot skip (the message says which).'},
  CommandUnknown: {exit: EXIT.usage, meaning: 'No such command or topic; the hint names the closest one.'},
  CompletionMissing: {exit: EXIT.failure, meaning: 'bonnie completion: the generated completion script is missing from the installation.'},
  ConfigInvalid: {exit: EXIT.config, meaning: 'A setting is invalid or missing; the message names the key and where it came from.'},
  ConfigUnreadable: {exit: EXIT.config, meaning: 'The configuration file, or a file a setting names (a password file), cannot be read.'},
  DirectoryAmbiguous: {exit: EXIT.failure, meaning: 'A login matches more than one person in the LDAP directory.'},
  DirectoryConfigInvalid: {exit: EXIT.config, meaning: 'The LDAP directory answers but the ldap_* settings do not fit it: bind refused, no base DN, no usable id attribute, no password.'},
  DirectoryUnavailable: {exit: EXIT.failure, meaning: 'The LDAP directory cannot be reached or answered with an error; bonnie process retries later.'},
  DlpAlertNotFound: {exit: EXIT.failure, meaning: 'bonnie dlp ack names an alert that does not exist.'},
  DlpMessageUnreadable: {exit: EXIT.failure, meaning: 'bonnie dlp test cannot read the message file it was given.'},
  DlpRulesInvalid: {exit: EXIT.config, meaning: 'The DLP rule file is not valid YAML or not a valid rule set; the message names the line and column. Rules already in force stay.'},
  DlpRulesUnreadable: {exit: EXIT.config, meaning: 'The DLP rule file (dlp_rules) cannot be read.'},
  ExportOutExists: {exit: EXIT.usage, meaning: 'bonnie export --out names something that exists; it is never overwritten.'},
  ExportOutInvalid: {exit: EXIT.usage, meaning: 'bonnie export --out cannot be used: a symbolic link, or its folder is missing.'},
  ExportWriteFailed: {exit: EXIT.failure, meaning: 'bonnie export cannot create or write an output file.'},
  FolderAmbiguous: {exit: EXIT.usage, meaning: 'A folder name has named several folders over time; the message lists them to choose from.'},
  FolderUnknown: {exit: EXIT.failure, meaning: 'No folder with this name in the record or the snapshots.'},
  HoldExists: {exit: EXIT.usage, meaning: 'bonnie hold add: the case id has a legal hold already (active or released); use another case id.'},
  HoldUnknown: {exit: EXIT.usage, meaning: 'bonnie hold release: no active legal hold for the case id given.'},
  ImapListFailed: {exit: EXIT.failure, meaning: 'The IMAP server refused a LIST of folders.'},
  ImapLoginFailed: {exit: EXIT.failure, meaning: 'The IMAP server refused the admin login (imap_user, imap_password_file).'},
  ImapMetadataFailed: {exit: EXIT.failure, meaning: "The IMAP server refused GETMETADATA for a folder's annotations."},
  ImapNoMailboxId: {exit: EXIT.failure, meaning: 'The IMAP server gave no MAILBOXID (RFC 8474) for a folder.'},
  ImapNotConfigured: {exit: EXIT.config, meaning: 'The command needs IMAP and imap_url, imap_user or imap_password_file is not set.'},
  ImapUnreachable: {exit: EXIT.failure, meaning: 'The IMAP server cannot be reached or dropped the connection.'},
  IndexUnreadable: {exit: EXIT.failure, meaning: 'A cyrus.index file is too short or inconsistent to read.'},
  IndexVersionUnsupported: {exit: EXIT.failure, meaning: 'A cyrus.index file has a version bonnie does not read (it reads Cyrus 3.2 to 3.6).'},
  InterceptExists: {exit: EXIT.usage, meaning: 'bonnie intercept add: the LIID has been used (the intercept is active or ended); LIIDs are used once.'},
  InterceptInvalid: {exit: EXIT.usage, meaning: 'bonnie intercept add, end or serve: a LIID, country code, time, handover URL, target, reason, niceness or keep time is not valid; the message names the flag.'},
  InterceptLogBroken: {exit: EXIT.unsound, meaning: 'bonnie intercept verify-log: an entry of the interception log was edited, removed or inserted; the message names the first.'},
  InterceptNotRoot: {exit: EXIT.failure, meaning: 'bonnie intercept runs as root only: warrants are kept in a file only root may read.'},
  InterceptStoreInsecure: {exit: EXIT.failure, meaning: "The interception store's file or folder is not root's alone (owner, mode 0600/0700, or a symbolic link); it was not opened: the hint gives the fix."},
  InterceptStoreMissing: {exit: EXIT.failure, meaning: 'No interception store at intercept_db; the first bonnie intercept add creates it.'},
  InterceptUnknown: {exit: EXIT.usage, meaning: 'bonnie intercept end: no intercept in force with the LIID given.'},
  JobNotFound: {exit: EXIT.usage, meaning: 'bonnie queue retry: no job for a notification id given.'},
  LogUnreadable: {exit: EXIT.usage, meaning: 'bonnie dealer --recover-log cannot read the log file given.'},
  MailboxIdInvalid: {exit: EXIT.failure, meaning: 'A Cyrus mailbox id cannot be turned into a path in the spool.'},
  MaillogUnreadable: {exit: EXIT.failure, meaning: 'bonnie maillog cannot read a log file given (missing, unreadable, or a .gz that does not decompress).'},
  MessageAmbiguous: {exit: EXIT.usage, meaning: 'A message reference matches several messages; the message lists them.'},
  MessageNotFound: {exit: EXIT.failure, meaning: 'A folder has no message with the UID given.'},
  MessageUnknown: {exit: EXIT.failure, meaning: 'The record knows no such message, or not in that folder at that time.'},
  NothingToArchive: {exit: EXIT.failure, meaning: 'bonnie archive found no folder to snapshot in its source.'},
  NothingToRestore: {exit: EXIT.failure, meaning: 'bonnie restore: the user had no folder at the time given.'},
  ObjectAmbiguous: {exit: EXIT.usage, meaning: 'A groupware UID names several objects; the message lists them.'},
  ObjectNotInFolder: {exit: EXIT.failure, meaning: 'The groupware object was never in the folder given.'},
  ObjectUidInvalid: {exit: EXIT.usage, meaning: 'No groupware object UID was given.'},
  ObjectUnknown: {exit: EXIT.failure, meaning: 'The archive holds no groupware object with this UID.'},
  OwnerUnknown: {exit: EXIT.usage, meaning: 'bonnie init --owner names a user or group this system does not have.'},
  PermissionDenied: {exit: EXIT.failure, meaning: 'The operating system refused access to a file bonnie needs; the hint says which owner it needs.'},
  ProcessLockLost: {exit: EXIT.failure, meaning: 'bonnie process lost its lock on the catalog to another run.'},
  PruneApprovalInvalid: {exit: EXIT.usage, meaning: 'bonnie prune approve: the administrator who made the plan (its dry run) cannot also be its second approver.'},
  PruneNotApproved: {exit: EXIT.usage, meaning: 'bonnie prune --plan: prune_approvers asks for a second administrator to approve the plan (bonnie prune approve ID) first.'},
  PruneNotConfirmed: {exit: EXIT.usage, meaning: 'bonnie prune deletes only a plan a dry run made and an administrator confirmed: --dry-run, then --plan ID.'},
  PrunePlanStale: {exit: EXIT.usage, meaning: 'bonnie prune --plan: the plan is older than its bound (7 days) or than a change to the retention rules or legal holds; make a new one with --dry-run.'},
  PrunePlanUnknown: {exit: EXIT.usage, meaning: 'bonnie prune --plan or approve: no plan with that id (bonnie prune --dry-run prints it).'},
  PruneRepackFailed: {exit: EXIT.failure, meaning: 'bonnie prune could not write or verify a repacked segment; nothing was deleted and what it wrote was removed.'},
  QuarantineNotFound: {exit: EXIT.usage, meaning: 'No quarantined delivery with an id given.'},
  QueryInvalid: {exit: EXIT.usage, meaning: 'bonnie search: the query does not parse; the message points at the position.'},
  RebuildChainBroken: {exit: EXIT.unsound, meaning: "bonnie rebuild: the evidence chain carried by the archive's record members does not check (a member altered or missing); no catalog was made."},
  RebuildTargetExists: {exit: EXIT.usage, meaning: 'bonnie rebuild --catalog names a file that exists; rebuild only creates a new catalog.'},
  RefInvalid: {exit: EXIT.usage, meaning: 'Not a message reference.'},
  RestoreAppendFailed: {exit: EXIT.failure, meaning: 'The IMAP server refused to APPEND a restored message.'},
  RestoreDestinationInvalid: {exit: EXIT.failure, meaning: "bonnie restore: the destination is not a user's folder (user.<login>...)."},
  RetentionRuleExists: {exit: EXIT.usage, meaning: 'bonnie retention add: a rule had that name (names are never reused).'},
  RetentionRuleUnknown: {exit: EXIT.usage, meaning: 'bonnie retention remove: no active rule with that name.'},
  RevisionUnknown: {exit: EXIT.usage, meaning: 'The groupware object has no revision with this number.'},
  SearchIndexMissing: {exit: EXIT.failure, meaning: 'The catalog has no search index yet (bonnie search builds it unless --no-update).'},
  SegmentMissing: {exit: EXIT.failure, meaning: 'An archive segment file is missing; the blobs in it cannot be read.'},
  SegmentUnreadable: {exit: EXIT.failure, meaning: 'An archive segment file cannot be opened.'},
  SocketGroupUnknown: {exit: EXIT.usage, meaning: 'The group given for the notify socket does not exist.'},
  SocketInUse: {exit: EXIT.failure, meaning: 'Another process listens on the notify socket.'},
  SocketPathTaken: {exit: EXIT.failure, meaning: 'The notify socket path exists and is not a socket.'},
  SocketReadFailed: {exit: EXIT.failure, meaning: 'Reading the notify socket failed.'},
  SocketSetupInvalid: {exit: EXIT.usage, meaning: 'The notify socket cannot be used as given: a path longer than 107 bytes, or more than one socket handed over (LISTEN_FDS).'},
  SocketUnavailable: {exit: EXIT.failure, meaning: 'The notify socket cannot be checked or taken over: its folder is not readable, the handed-over descriptor is not a socket, perl is missing.'},
  SpillFolderShared: {exit: EXIT.config, meaning: 'The spill folder was claimed by another catalog (its .catalog file): each catalog needs its own spill setting. The socket daemon stops rather than restarts.'},
  SpoolDamaged: {exit: EXIT.failure, meaning: "A folder's files in the Cyrus spool cannot be parsed (cyrus.header, cyrus.index)."},
  SpoolNotFound: {exit: EXIT.failure, meaning: 'The path is not a Cyrus partition, or a folder is not in it.'},
  SpoolUnreadable: {exit: EXIT.failure, meaning: 'The Cyrus spool cannot be read by this user.'},
  StartTlsUnavailable: {exit: EXIT.failure, meaning: 'STARTTLS is required (ldap:// or imap:// to a host other than loopback) and the server does not offer it.'},
  TlsCaFileUnreadable: {exit: EXIT.config, meaning: 'The *_ca_file setting names a file that cannot be read or holds no PEM certificate.'},
  TlsCertificateRejected: {exit: EXIT.failure, meaning: "The server's TLS certificate did not pass the check; no password was sent."},
  TraceNotFound: {exit: EXIT.failure, meaning: 'bonnie trace: no MTA log line and no message in the record matches what was asked (run bonnie maillog first).'},
  UidSetTooLarge: {exit: EXIT.failure, meaning: 'An event names more UIDs than bonnie records in one event.'},
  Unexpected: {exit: EXIT.failure, meaning: 'A failure bonnie did not expect (a bug): report it with the stack printed on stderr.'},
  UsageInvalid: {exit: EXIT.usage, meaning: 'Bad usage: an unknown flag, a missing or invalid argument or value.'},
  UserAmbiguous: {exit: EXIT.usage, meaning: 'A login has been the name of several people; the message lists them.'},
  UserUnknown: {exit: EXIT.failure, meaning: 'Nobody with this login in the record.'},
  XmlInvalid: {exit: EXIT.failure, meaning: "A groupware object's XML cannot be parsed."},
} as const satisfies Record<string, ErrorCodeSpec>;

/** A registered error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Message of any thrown value, for logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
