/**
 * An object's revisions and changelog from the places its contents have been (object-places.ts).
 *
 * - A revision is one content (one set of bytes). Revisions are numbered 1..n by when their content first
 *   appeared; the first is `created`, each later one `modified` (a Kolab client saves a change as a new
 *   message and expunges the old one).
 * - The changelog walks every arrival and departure in time order (at the same instant, arrivals first):
 *   a revision's first place is its `created` / `modified`; a later place of the same content is `moved`
 *   or `copied` (its origin), or `restored` when nothing held the object any more (an APPEND of the same
 *   bytes, as `bonnie restore` does). A departure (expunge, expiry, folder deletion) that leaves no place
 *   holding the object is its `deleted`; one that does not is the old revision giving way, shown on that
 *   revision (`places[].removedAt`, `removedBy`).
 */
import type {Removal} from '../../pipeline/record/messages.js';
import type {Actor, ObjectPlace} from './object-places.js';

export type ObjectAction = 'created' | 'modified' | 'moved' | 'copied' | 'restored' | 'deleted';

/** How places are named: the folder's name at a time, and the reference `--message` accepts. */
export interface PlaceNaming {
  /** The folder's name at `at` (ISO 8601), or null when unknown. */
  folderAt(place: ObjectPlace, at: string): string | null;
  /** The folder's name now (its last name if deleted). */
  folderNow(place: ObjectPlace): string | null;
  /** `<folder>:<uid>` as `bonnie history --message` accepts it. */
  placementRef(place: ObjectPlace): string;
}

/** One entry of an object's changelog. Part of `bonnie history --object --json`. */
export interface ObjectChange extends Actor {
  at: string;
  action: ObjectAction;
  /** The revision the entry is about (for `deleted`: the one that was deleted). */
  rev: number;
  mailboxId: string;
  /** The folder's name at the time. */
  folder: string | null;
  uid: number;
  placementRef: string;
  /** For `moved` and `copied`: where from, `<folder then>:<uid>`. */
  from: string | null;
  /** The time comes from snapshots (an internal date, or the first snapshot without the message). */
  approximate: boolean;
}

/** A place that held a revision, as it is now. */
export interface RevisionPlace {
  placementRef: string;
  mailboxId: string;
  /** The folder's name now. */
  folder: string | null;
  uid: number;
  origin: ObjectPlace['origin'];
  addedAt: string;
  /** `present`, or how it left. */
  state: 'present' | Removal;
  removedAt: string | null;
  /** Who expunged it (or moved it away, deleted its folder); null when unknown. */
  removedBy: string | null;
}

/** One revision: a content of the object. Part of `bonnie history --object --json`. */
export interface ObjectRevision extends Actor {
  rev: number;
  action: 'created' | 'modified';
  /** When its content first appeared, and where. */
  at: string;
  mailboxId: string;
  folder: string | null;
  uid: number;
  placementRef: string;
  /** The message's emailid, when the record knows it. */
  messageRef: string | null;
  /** Hex SHA-256 of its bytes: the archive's blob. */
  blob: string;
  approximate: boolean;
  places: RevisionPlace[];
}

/** Revisions (oldest first) and the changelog (in time order). */
export function buildTimeline(places: readonly ObjectPlace[], naming: PlaceNaming): {revisions: ObjectRevision[]; changelog: ObjectChange[]} {
  const byContent = new Map<string, ObjectPlace[]>();
  for (const place of [...places].sort(comparePlaces)) byContent.set(place.content, [...(byContent.get(place.content) ?? []), place]);
  const firsts = [...byContent.values()].map((list) => list[0] as ObjectPlace).sort(comparePlaces);
  const revOf = new Map(firsts.map((place, i) => [place.content, i + 1]));
  const byPlacement = new Map(places.filter((p) => p.placementId !== null).map((p) => [p.placementId as number, p]));

  const revisions = firsts.map((first, i): ObjectRevision => ({
    rev: i + 1,
    action: i === 0 ? 'created' : 'modified',
    at: first.addedAt,
    ...(first.added ?? NOBODY),
    mailboxId: first.mailboxId,
    folder: naming.folderAt(first, first.addedAt),
    uid: first.uid,
    placementRef: naming.placementRef(first),
    messageRef: first.emailId,
    blob: first.content,
    approximate: first.approximate,
    places: (byContent.get(first.content) ?? []).map((p) => ({
      placementRef: naming.placementRef(p),
      mailboxId: p.mailboxId,
      folder: naming.folderNow(p),
      uid: p.uid,
      origin: p.origin,
      addedAt: p.addedAt,
      state: p.removal ?? 'present',
      removedAt: p.removedAt,
      removedBy: p.removed?.actor ?? null,
    })),
  }));

  type Step = {at: string; arrival: boolean; place: ObjectPlace};
  const steps: Step[] = [
    ...places.map((place) => ({at: place.addedAt, arrival: true, place})),
    ...places.filter((p) => p.removedAt !== null).map((place) => ({at: place.removedAt as string, arrival: false, place})),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : Number(b.arrival) - Number(a.arrival) || comparePlaces(a.place, b.place)));

  const changelog: ObjectChange[] = [];
  const live = new Set<ObjectPlace>();
  const begun = new Set<string>();
  const entry = (step: Step, action: ObjectAction, actor: Actor | null, from: string | null): ObjectChange => ({
    at: step.at,
    action,
    rev: revOf.get(step.place.content) as number,
    ...(actor ?? NOBODY),
    mailboxId: step.place.mailboxId,
    folder: naming.folderAt(step.place, step.at),
    uid: step.place.uid,
    placementRef: naming.placementRef(step.place),
    from,
    approximate: step.place.approximate,
  });
  for (const step of steps) {
    const {place} = step;
    if (step.arrival) {
      const source = place.sourcePlacementId === null ? undefined : byPlacement.get(place.sourcePlacementId);
      let action: ObjectAction;
      if (!begun.has(place.content)) action = revOf.get(place.content) === 1 ? 'created' : 'modified';
      else if (place.origin === 'moved' || place.origin === 'copied') action = place.origin;
      else action = live.size === 0 ? 'restored' : 'copied';
      begun.add(place.content);
      const from = source === undefined || action === 'created' || action === 'modified' ? null : naming.placementRef(source);
      changelog.push(entry(step, action, place.added, from));
      live.add(place);
    } else if (live.delete(place) && live.size === 0 && place.removal !== 'moved') {
      changelog.push(entry(step, 'deleted', place.removed, null));
    }
  }
  return {revisions, changelog};
}

const NOBODY: Actor = {actor: null, actorPersonId: null, sessionId: null};

/** By arrival, then the record's order (placement ids), places only snapshots know last. */
function comparePlaces(a: ObjectPlace, b: ObjectPlace): number {
  if (a.addedAt !== b.addedAt) return a.addedAt < b.addedAt ? -1 : 1;
  return (a.placementId ?? Number.MAX_SAFE_INTEGER) - (b.placementId ?? Number.MAX_SAFE_INTEGER) || a.content.localeCompare(b.content) || a.uid - b.uid;
}

