/**
 * User and group ids by name (Node has no getpwnam): through NSS with `getent`, which also sees LDAP and
 * other sources, then /etc/passwd and /etc/group when getent is missing.
 */
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

// Loaded when first needed: node:child_process costs ~3 ms to load, and the dealer (which notifyd runs per
// event) imports this module only to name a file's owner in an error.
const load = createRequire(import.meta.url);
function getent(db: string, name: string): string {
  const {execFileSync} = load('node:child_process') as typeof import('node:child_process');
  return execFileSync('getent', [db, name], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
}

/** A user's uid and primary gid, from a name or a number; undefined when unknown. */
export function lookUpUser(name: string): {uid: number; gid: number} | undefined {
  const fields = entry('passwd', '/etc/passwd', name);
  return fields === undefined ? undefined : {uid: Number(fields[2]), gid: Number(fields[3])};
}

/** A group's gid, from a name or a number; undefined when unknown. */
export function lookUpGroup(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  const fields = entry('group', '/etc/group', name);
  return fields === undefined ? undefined : Number(fields[2]);
}

/** A user's name from its uid; undefined when unknown. */
export function nameOfUser(uid: number): string | undefined {
  return entry('passwd', '/etc/passwd', String(uid))?.[0];
}

/** A group's name from its gid; undefined when unknown. */
export function nameOfGroup(gid: number): string | undefined {
  return entry('group', '/etc/group', String(gid))?.[0];
}

/** The colon-separated fields of `name`'s entry in database `db`, with numeric ids checked. */
function entry(db: 'passwd' | 'group', file: string, name: string): string[] | undefined {
  const valid = (line: string | undefined): string[] | undefined => {
    const fields = line?.split(':');
    if (fields === undefined || (fields[0] !== name && fields[2] !== name)) return undefined;
    if (!/^\d+$/.test(fields[2] ?? '') || (db === 'passwd' && !/^\d+$/.test(fields[3] ?? ''))) return undefined;
    return fields;
  };
  try {
    const found = valid(getent(db, name).split('\n')[0]);
    if (found !== undefined) return found;
  } catch {
    // getent is missing, or has no such entry: read the file.
  }
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const found = valid(line);
      if (found !== undefined) return found;
    }
  } catch {
    // No such file: unknown.
  }
  return undefined;
}
