/**
 * `bonnie history --object UID`: a Kolab groupware object (event, task, note, contact...) through its
 * revisions, as Kolab's Bonnie offered it (created, last modified, changelog, get, rawdata, diff).
 *
 * An object's revisions are the archived messages with an X-Kolab-Type header whose Subject is its UID
 * (object-candidates.ts), with every place they have been (object-places.ts) and what happened to them
 * (object-timeline.ts). One UID can name several objects: an invitation keeps its UID in each attendee's
 * calendar. Places are grouped into objects by what links them (the same bytes, the same folder); when
 * several remain, `--in` chooses by folder.
 */
import type {Catalog, Db} from '../../base/catalog/catalog.js';
import {ArchiveReader} from '../../store/archive/reader.js';
import {keepNewest} from '../discovery/timeline.js';
import {FolderNames} from '../discovery/folder-names.js';
import {formatPlacementRef} from '../discovery/refs.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {FolderReader} from '../../pipeline/record/folders.js';
import {contentsWithSubject, searchIndexBehind} from './object-candidates.js';
import {PlaceFinder, type ObjectPlace} from './object-places.js';
import {buildTimeline, type ObjectChange, type ObjectRevision, type PlaceNaming} from './object-timeline.js';
import {objectType, readKolabMessage, titleOf, type KolabMessage} from './kolab-message.js';

/** What `--object` names: the UID, and optionally the folder of the object (any name it had, or its mailboxID). */
export interface ObjectQuery {
  uid: string;
  folder?: string | undefined;
}

/** The object as a whole. */
export interface ObjectFacts {
  uid: string;
  /** `event`, `task`, `note`, `contact`... (from X-Kolab-Type). */
  type: string;
  /** The X-Kolab-Type header of the last revision. */
  kolabType: string;
  /** The last revision's summary (events, tasks, notes) or full name (contacts). */
  title: string | null;
  state: 'present' | 'deleted';
  /** Where it is now (or was last): the folder's name now and its mailboxID. */
  folder: string | null;
  mailboxId: string;
  revisions: number;
  createdAt: string;
  createdBy: string | null;
  lastModifiedAt: string;
  lastModifiedBy: string | null;
  deletedAt: string | null;
  deletedBy: string | null;
}

/** A revision with what its bytes say. */
export interface RevisionDetail extends ObjectRevision {
  /** Size of its bytes. */
  size: number;
  /** Its summary or full name. */
  title: string | null;
}

/** What `bonnie history --object` shows (`--json`: with `kind: "object"`). */
export interface ObjectHistory {
  object: ObjectFacts;
  /** Oldest first. */
  revisions: RevisionDetail[];
  /** Oldest first, newest last. */
  changelog: ObjectChange[];
  /** Older changelog entries left out by `limit`. */
  omitted: number;
  /** The search index has not read every archived message yet: later revisions may be missing. */
  indexBehind: boolean;
}

/** An object with the decoded message of each revision (by blob). */
export interface LoadedObject {
  history: ObjectHistory;
  messages: Map<string, KolabMessage>;
}

/**
 * The object `query` names, every revision read back from the archive. Throws BonnieError ObjectUidInvalid
 * (usage), ObjectUnknown, ObjectAmbiguous (usage, with the candidates) or ObjectNotInFolder; and what
 * reading the archive throws (BlobCorrupt, SegmentMissing...).
 */
export async function loadObject(catalog: Catalog, reader: ArchiveReader, query: ObjectQuery): Promise<LoadedObject> {
  const db = catalog.db;
  const uid = query.uid.trim();
  if (uid === '') throw new BonnieError('ObjectUidInvalid', 'no object UID given', {exit: EXIT.usage, hint: "Pass the object's UID: the Subject of its message."});
  const candidates = contentsWithSubject(db, uid);
  const behind = searchIndexBehind(db);
  const messages = new Map<string, KolabMessage>();
  const sizes = new Map<string, number>();
  for (const sha256 of candidates) {
    const bytes = reader.readBlob(sha256);
    const message = await readKolabMessage(bytes);
    if (message === undefined) continue;
    messages.set(sha256.toString('hex'), message);
    sizes.set(sha256.toString('hex'), bytes.length);
  }
  if (messages.size === 0) throw unknownObject(uid, candidates.length, behind);

  const places = new PlaceFinder(db).placesOf([...messages.keys()].map((hex) => Buffer.from(hex, 'hex')));
  const objects = groupObjects(places);
  const inFolder = query.folder === undefined ? undefined : folderMatcher(db, query.folder);
  const chosen = inFolder === undefined ? objects : objects.filter((o) => o.some(inFolder));
  const naming = placeNaming(db);
  if (chosen.length === 0) {
    throw new BonnieError('ObjectNotInFolder', `no object ${uid} was ever in ${query.folder as string}`, {
      hint: `It has been in ${describeObjects(objects, naming).join('; ')}. Pass one of those folders to --in, or leave --in out.`,
    });
  }
  if (chosen.length > 1) {
    throw new BonnieError('ObjectAmbiguous', `${uid} names ${chosen.length} objects (an invitation keeps its UID in each calendar):\n${describeObjects(chosen, naming).map((d) => `  ${d}`).join('\n')}`, {
      exit: EXIT.usage,
      hint: 'Choose one with --in <folder> (any name the folder had, or its mailboxID).',
    });
  }

  const {revisions, changelog} = buildTimeline(chosen[0] as ObjectPlace[], naming);
  const details = revisions.map((r): RevisionDetail => ({...r, size: sizes.get(r.blob) ?? 0, title: titleOf(messages.get(r.blob) as KolabMessage)}));
  const first = details[0] as RevisionDetail;
  const last = details.at(-1) as RevisionDetail;
  const lastMessage = messages.get(last.blob) as KolabMessage;
  const deleted = changelog.at(-1)?.action === 'deleted' ? (changelog.at(-1) as ObjectChange) : undefined;
  const where = lastPlace(chosen[0] as ObjectPlace[]);
  const history: ObjectHistory = {
    object: {
      uid,
      type: objectType(lastMessage.kolabType),
      kolabType: lastMessage.kolabType,
      title: last.title,
      state: deleted === undefined ? 'present' : 'deleted',
      folder: naming.folderNow(where),
      mailboxId: where.mailboxId,
      revisions: details.length,
      createdAt: first.at,
      createdBy: first.actor,
      lastModifiedAt: last.at,
      lastModifiedBy: last.actor,
      deletedAt: deleted?.at ?? null,
      deletedBy: deleted?.actor ?? null,
    },
    revisions: details,
    changelog,
    omitted: 0,
    indexBehind: behind,
  };
  return {history, messages};
}

/** `bonnie history --object`: the object's revisions and changelog (the newest `limit` entries). */
export async function objectHistory(catalog: Catalog, archiveDir: string, query: ObjectQuery, options: {limit?: number | undefined} = {}): Promise<ObjectHistory> {
  const reader = new ArchiveReader(catalog, archiveDir);
  try {
    const {history} = await loadObject(catalog, reader, query);
    const {kept, omitted} = keepNewest(history.changelog, options.limit);
    return {...history, changelog: kept, omitted};
  } finally {
    reader.close();
  }
}

/** What `--raw` prints: one revision's exact bytes, as archived. */
export interface ObjectRaw {
  uid: string;
  revision: RevisionDetail;
  bytes: Buffer;
}

/** `bonnie history --object --raw REV`. Throws RevisionUnknown (usage) for a revision the object does not have. */
export async function objectRaw(catalog: Catalog, archiveDir: string, query: ObjectQuery, rev: number): Promise<ObjectRaw> {
  const reader = new ArchiveReader(catalog, archiveDir);
  try {
    const {history} = await loadObject(catalog, reader, query);
    const revision = revisionOf(history, rev);
    return {uid: history.object.uid, revision, bytes: reader.readBlob(Buffer.from(revision.blob, 'hex'))};
  } finally {
    reader.close();
  }
}

/** Revision `rev` (1-based) of the object; throws RevisionUnknown (usage) with the valid range. */
export function revisionOf(history: ObjectHistory, rev: number): RevisionDetail {
  const found = history.revisions.find((r) => r.rev === rev);
  if (found !== undefined) return found;
  const n = history.revisions.length;
  throw new BonnieError('RevisionUnknown', `object ${history.object.uid} has no revision ${rev}: it has ${n === 1 ? 'only revision 1' : `revisions 1 to ${n}`}`, {
    exit: EXIT.usage,
    hint: `Run "bonnie history --object ${history.object.uid}" to list them.`,
  });
}

function unknownObject(uid: string, mail: number, behind: boolean): BonnieError {
  const search = `bonnie search --include-deleted 'subject:"${uid}"'`;
  const notKolab = mail === 0 ? '' : ` (${mail} archived message(s) have that Subject but no X-Kolab-Type header: they are mail, see "${search}")`;
  const hints = [
    "The UID is the Subject of the object's message. Only archived mail is searched: archive its folder first (bonnie archive --mailbox user.alice.Calendar).",
    ...(behind ? [`The search index has not read every archived message yet: run "${search}" once (it brings the index up to date), then this again.`] : []),
  ];
  return new BonnieError('ObjectUnknown', `no groupware object ${uid} in the archive${notKolab}`, {hint: hints.join(' ')});
}

/** Places grouped into objects: places of the same content, or in the same folder, are one object. */
function groupObjects(places: readonly ObjectPlace[]): ObjectPlace[][] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(key, root);
    return root;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const p of places) {
    if (!parent.has(`c:${p.content}`)) parent.set(`c:${p.content}`, `c:${p.content}`);
    if (!parent.has(`f:${p.mailboxId}`)) parent.set(`f:${p.mailboxId}`, `f:${p.mailboxId}`);
    union(`c:${p.content}`, `f:${p.mailboxId}`);
  }
  const groups = new Map<string, ObjectPlace[]>();
  for (const p of places) {
    const root = find(`c:${p.content}`);
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [p]);
    else group.push(p);
  }
  return [...groups.values()];
}

/** One line per object: its folders now, its revisions, when it last changed. */
function describeObjects(objects: readonly ObjectPlace[][], naming: PlaceNaming): string[] {
  return objects.map((places) => {
    const folders = [...new Set(places.map((p) => naming.folderNow(p) ?? p.mailboxId))].join(', ');
    const contents = new Set(places.map((p) => p.content)).size;
    const latest = places.reduce((max, p) => (p.addedAt > max ? p.addedAt : max), '');
    return `${folders}: ${contents} revision(s), the last ${latest}`;
  });
}

/** Whether a place is in the folder `folder` names: its mailboxID, a name it ever had, or its archived name. */
function folderMatcher(db: Db, folder: string): (place: ObjectPlace) => boolean {
  const named = new Set(new FolderReader(db).mailboxIdsNamed(folder));
  return (place) => place.mailboxId === folder || place.archivedName === folder || named.has(place.mailboxId);
}

/** The place that holds the object now, else the one that left last. */
function lastPlace(places: readonly ObjectPlace[]): ObjectPlace {
  const present = places.filter((p) => p.removedAt === null).sort((a, b) => (a.addedAt < b.addedAt ? 1 : -1));
  if (present[0] !== undefined) return present[0];
  return [...places].sort((a, b) => ((a.removedAt as string) < (b.removedAt as string) ? 1 : -1))[0] as ObjectPlace;
}

/** Names from the record (the folder's name at the time), else from the snapshots and the collector. */
function placeNaming(db: Db): PlaceNaming {
  const names = new FolderNames(db);
  // Object places carry their times as shown (ISO 8601); the record is asked in ms.
  const folderAt = (p: ObjectPlace, at: string) => names.nameAt(p.mailboxId, Date.parse(at)) ?? p.archivedName;
  return {
    folderAt,
    folderNow: (p) => names.nameNow(p.mailboxId) ?? p.archivedName,
    placementRef: (p) => formatPlacementRef(p.placementId === null ? p.mailboxId : names.refName(p.mailboxId, folderAt(p, p.addedAt) ?? undefined), p.uid),
  };
}
