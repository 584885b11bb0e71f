/**
 * Finding a person by anything they were ever called: every login, uid, address and alias of every
 * version of them. A renamed user is one person, found by the old name and the new.
 */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {canonicalLogin} from '../../sources/directory/types.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {personIdByKey, personIdsById, personIdsByName, personSummary, personVersionRows} from '../../pipeline/record/people.js';

/** Who a history or audit is about. */
export interface PersonFacts {
  /** The reference to paste back when a login is ambiguous: `person:<id>`. */
  ref: string;
  id: number;
  /** The persistent key: the directory's id (entryUUID...), or `login:<login>` without a directory. */
  key: string;
  /** The login now (of the current version). */
  login: string;
  firstSeen: string;
}

/** One version of a person: what the directory said about them from `validFrom` until `validTo`. */
export interface PersonVersionEntry {
  validFrom: string;
  validTo: string | null;
  login: string;
  uid: string | null;
  mail: string | null;
  cn: string | null;
  dn: string | null;
  aliases: string[];
  groups: string[];
}

const PERSON_REF = /^person:([1-9][0-9]{0,15})$/;

/**
 * The person `text` names: `person:<id>`, their persistent key, or any login, uid, mail or alias they
 * ever had (case-insensitive). Throws BonnieError UserUnknown (exit 1) or UserAmbiguous (usage), the
 * latter when the name was held by several people over time (a login given to someone else later).
 */
export function resolvePerson(db: Db, text: string): PersonFacts {
  const wanted = text.trim();
  const ids = findPeople(db, wanted);
  if (ids.length === 0) {
    throw new BonnieError('UserUnknown', `nobody called ${wanted} in the record`, {
      hint: 'Give a login, address or alias the person had (e.g. alice or alice@example.com), or person:<id>; "bonnie process" must have run.',
    });
  }
  const people = ids.map((id) => personFacts(db, id));
  if (people.length > 1) {
    const lines = people.map((p) => `  ${p.ref.padEnd(12)} now ${p.login}, first seen ${p.firstSeen} (${p.key})`);
    throw new BonnieError('UserAmbiguous', `${wanted} has been the name of ${people.length} people:\n${lines.join('\n')}`, {
      exit: EXIT.usage,
      hint: 'Choose one and pass its reference (the first column) to --user.',
    });
  }
  return people[0] as PersonFacts;
}

function findPeople(db: Db, wanted: string): number[] {
  const byRef = PERSON_REF.exec(wanted);
  if (byRef !== null) return personIdsById(db, Number(byRef[1]));
  const byKey = personIdByKey(db, wanted);
  return byKey !== undefined ? [byKey] : personIdsByName(db, canonicalLogin(wanted));
}

function personFacts(db: Db, id: number): PersonFacts {
  // findPeople returned this id from the same connection: the row exists.
  const row = personSummary(db, id) as {key: string; first_seen: number; login: string | null};
  return {ref: `person:${id}`, id, key: row.key, login: row.login ?? row.key, firstSeen: isoTime(row.first_seen)};
}

/** The person's versions, oldest first. */
export function personVersions(db: Db, personId: number): PersonVersionEntry[] {
  return personVersionRows(db, personId).map((row) => ({
    validFrom: isoTime(row.valid_from),
    validTo: isoTimeOrNull(row.valid_to),
    login: row.login,
    uid: row.uid,
    mail: row.mail,
    cn: row.cn,
    dn: row.dn,
    aliases: JSON.parse(row.aliases) as string[],
    groups: JSON.parse(row.groups) as string[],
  }));
}
