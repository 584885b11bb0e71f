/**
 * `bonnie doctor`: every check in order, each a small function testable alone (check.ts for the shape).
 * Never throws for what it finds: a problem is a check's finding, and the exit status sums them up.
 */
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {lookUpGroup, lookUpUser} from '../../base/system/accounts.js';
import {checkConfiguration, checkPaths} from './config-checks.js';
import {checkInterceptStore} from './intercept-check.js';
import {checkCatalogFile, checkCatalogOwnership, checkDiskSpace, checkFolder, checkReserve, checkTree, type ExpectedOwner} from './file-checks.js';
import {checkCyrus, type CaptureMode} from './cyrus-checks.js';
import {checkImapReach, checkLdapReach} from './reach.js';
import {error, ok, summarize, type CheckResult, type DoctorReport} from './check.js';

export interface DoctorOptions {
  catalog?: string | undefined;
  config?: string | undefined;
  env?: NodeJS.ProcessEnv;
  imapdConf: string;
  cyrusConf: string;
  /** `user:group` bonnie's files belong to (cyrus:mail on Debian). */
  owner: string;
  capture?: CaptureMode | undefined;
  /** Log in to IMAP and bind to LDAP (sends the passwords); otherwise connect and handshake only. */
  login?: boolean;
  timeoutMs?: number;
  /** Leave out the network checks (tests of the file checks). */
  offline?: boolean;
  dgramQlenFile?: string;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  const {result, settings} = checkConfiguration({catalog: options.catalog}, options.env ?? process.env, options.config);
  checks.push(result);
  const owner = expectedOwner(options.owner);
  checks.push(owner.uid === undefined || owner.gid === undefined ? error('system.owner', `no user or group ${options.owner} on this host: owners are not compared`, 'Give the user and group Cyrus runs as: bonnie doctor --owner cyrus:mail') : ok('system.owner', `${options.owner} is uid ${owner.uid}, gid ${owner.gid}`));
  if (settings !== undefined) {
    checks.push(checkPaths(settings));
    const catalog = checkCatalogFile(settings.catalog, owner);
    checks.push(catalog);
    if (existsSync(settings.catalog)) checks.push(...checkCatalogOwnership(settings.catalog, owner));
    checks.push(
      checkTree('spill.folder', settings.spill, owner, {usedBy: 'the dealer and --drain-spill'}),
      checkFolder('journal.folder', join(settings.spill, 'journal'), owner, {optional: 'bonnie dealer --listen makes it'}),
      checkReserve(settings.spill, owner),
      checkTree('archive.folder', settings.archive, owner, {optional: 'bonnie init or the first archive run makes it', usedBy: 'bonnie collector and archive'}),
      checkDiskSpace(settings.catalog),
      checkInterceptStore(settings.interceptDb),
    );
  }
  checks.push(...checkCyrus({imapdConf: options.imapdConf, cyrusConf: options.cyrusConf, capture: options.capture, cyrus: owner, ...(options.dgramQlenFile === undefined ? {} : {dgramQlenFile: options.dgramQlenFile})}));
  if (settings !== undefined && options.offline !== true) {
    const reach = {login: options.login ?? false, ...(options.timeoutMs === undefined ? {} : {timeoutMs: options.timeoutMs})};
    checks.push(await checkImapReach(settings.imap, reach), await checkLdapReach(settings.ldap, reach));
  }
  return summarize(checks);
}

function expectedOwner(spec: string): ExpectedOwner {
  const [user, group] = spec.split(':') as [string, string | undefined];
  const account = lookUpUser(user);
  const groupName = group ?? user;
  return {user, group: groupName, uid: account?.uid, gid: group === undefined ? account?.gid : lookUpGroup(group)};
}

const MARK: Record<CheckResult['level'], string> = {ok: 'ok     ', warning: 'WARNING', error: 'ERROR  '};

/** One line per check, its fix indented below it, then the counts. */
export function renderDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.level]} ${check.id}: ${check.found}`);
    if (check.fix !== null) lines.push(`        fix: ${check.fix}`);
  }
  const {ok: good, warning: warned, error: failed} = report.summary;
  lines.push('', `${good} ok, ${warned} warning(s), ${failed} error(s)${report.exit === 0 ? '' : ` (exit status ${report.exit})`}`);
  return lines.join('\n');
}
