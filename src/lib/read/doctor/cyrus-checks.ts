/**
 * Cyrus' side of capture, as `bonnie doctor` checks it: imapd.conf's event settings, the notify service in
 * cyrus.conf, notify_external, the notify socket, and the kernel's datagram queue. The working values are
 * the ones observed on Debian 12's Cyrus 3.6 (shared/cyrus/FACTS.md).
 */
import {lstatSync, readFileSync, statSync} from 'node:fs';
import {basename, isAbsolute, join} from 'node:path';
import {errorMessage} from '../../base/errors.js';
import {error, ok, octal, warning, type CheckResult} from './check.js';
import {notifyService, readCyrusServices, readImapdConf, type CyrusService} from './cyrus-conf.js';

/** Event groups bonnie's handlers need (not `quota`: it crashes 3.6.1, cyrus-imapd#3831). */
export const REQUIRED_EVENT_GROUPS = ['message', 'flags', 'access', 'mailbox', 'subscription'] as const;
/** Parameters the record is built from: sessions, lineage, gaps (modseq, uidnext), ACLs, envelopes. */
export const WANTED_EXTRA_PARAMS = [
  'bodyStructure', 'clientAddress', 'diskUsed', 'flagNames', 'messageSize', 'messages', 'modseq', 'service', 'timestamp', 'uidnext',
  'vnd.cmu.midset', 'vnd.cmu.unseenMessages', 'vnd.cmu.envelope', 'vnd.cmu.sessionId', 'vnd.cmu.mailboxACL', 'vnd.cmu.mbtype', 'vnd.cmu.emailid', 'vnd.cmu.threadid',
] as const;
/** Below this, a burst of events makes Cyrus wait on the socket daemon (bench/README.md, capture). */
export const MIN_DGRAM_QLEN = 512;
export const MAX_DGRAM_QLEN_FILE = '/proc/sys/net/unix/max_dgram_qlen';

/** How events leave Cyrus: notifyd runs the per-event dealer, or `bonnie dealer --listen` reads the socket. */
export type CaptureMode = 'dealer' | 'listen';

export interface CyrusCheckOptions {
  imapdConf: string;
  cyrusConf: string;
  /** The mode the operator means to run; undefined: inferred from cyrus.conf (a notify service: dealer). */
  capture?: CaptureMode | undefined;
  /** Cyrus' user and group ids, when known: the notify socket must be writable by them. */
  cyrus?: {uid: number | undefined; gid: number | undefined} | undefined;
  /** Where the kernel's datagram queue length is read (tests give a fixture). */
  dgramQlenFile?: string;
}

/** Every Cyrus check, in order. Never throws: an unreadable file is a check's finding. */
export function checkCyrus(options: CyrusCheckOptions): CheckResult[] {
  const results: CheckResult[] = [];
  let conf: Map<string, string>;
  try {
    conf = readImapdConf(options.imapdConf);
    results.push(ok('cyrus.imapd-conf', `read ${options.imapdConf}`));
  } catch (e) {
    results.push(error('cyrus.imapd-conf', `cannot read ${options.imapdConf}: ${errorMessage(e)}`, 'Give the imapd.conf Cyrus runs with: bonnie doctor --imapd-conf /path/to/imapd.conf (cyrus.conf\'s "-C" argument).'));
    return results;
  }
  let services: CyrusService[] | undefined;
  try {
    services = readCyrusServices(options.cyrusConf);
  } catch (e) {
    results.push(error('cyrus.cyrus-conf', `cannot read ${options.cyrusConf}: ${errorMessage(e)}`, 'Give the cyrus.conf Cyrus runs with: bonnie doctor --cyrus-conf /path/to/cyrus.conf (cyrmaster\'s "-M" argument).'));
  }
  const notify = services === undefined ? undefined : notifyService(services);
  const mode: CaptureMode = options.capture ?? (services !== undefined && notify === undefined ? 'listen' : 'dealer');
  const socket = notifySocketPath(conf);

  results.push(checkEventNotifier(conf), checkEventGroups(conf), checkExtraParams(conf), checkExcludeSpecialUse(conf));
  if (services !== undefined) results.push(checkNotifyService(options.cyrusConf, notify, mode, socket, options.capture !== undefined));
  results.push(checkNotifyExternal(conf, mode), checkNotifySocket(socket, mode, options.cyrus), checkDgramQueue(mode, options.dgramQlenFile ?? MAX_DGRAM_QLEN_FILE));
  return results;
}

export function checkEventNotifier(conf: Map<string, string>): CheckResult {
  const value = conf.get('event_notifier');
  if (value === undefined || value === '') {
    return error('cyrus.event-notifier', 'event_notifier is not set: Cyrus sends no events', 'Add to imapd.conf: event_notifier: external (then restart Cyrus).');
  }
  return ok('cyrus.event-notifier', `event_notifier: ${value}`);
}

export function checkEventGroups(conf: Map<string, string>): CheckResult {
  const groups = new Set((conf.get('event_groups') ?? '').split(/[\s,]+/).filter((g) => g !== ''));
  const missing = REQUIRED_EVENT_GROUPS.filter((g) => !groups.has(g));
  const line = `event_groups: ${[...REQUIRED_EVENT_GROUPS].join(' ')}`;
  if (missing.length > 0) {
    return error('cyrus.event-groups', `event_groups lacks ${missing.join(', ')}: those events never reach bonnie`, `Write in imapd.conf: ${line} (then restart Cyrus).`);
  }
  if (groups.has('quota')) {
    return warning('cyrus.event-groups', 'event_groups includes quota: Cyrus 3.6.1 aborts imapd/lmtpd on QuotaExceed/QuotaWithin (cyrus-imapd#3831)', `Write in imapd.conf: ${line}, unless this Cyrus is fixed.`);
  }
  return ok('cyrus.event-groups', `event_groups: ${[...groups].join(' ')}`);
}

export function checkExtraParams(conf: Map<string, string>): CheckResult {
  const params = new Set((conf.get('event_extra_params') ?? '').split(/[\s,]+/).filter((p) => p !== ''));
  if (params.has('messageContent') && (conf.get('event_content_inclusion_mode') ?? 'standard') !== 'standard') {
    return error('cyrus.event-extra-params', 'event_extra_params has messageContent with event_content_inclusion_mode other than standard: every APPEND and LMTP delivery aborts in Cyrus 3.6.1', 'Remove messageContent from event_extra_params in imapd.conf (bonnie reads message bodies from the spool).');
  }
  const missing = WANTED_EXTRA_PARAMS.filter((p) => !params.has(p));
  if (missing.length > 0) {
    return warning('cyrus.event-extra-params', `event_extra_params lacks ${missing.join(', ')}: sessions, gaps or message details are missing from the record`, `Write in imapd.conf: event_extra_params: ${[...WANTED_EXTRA_PARAMS].join(' ')}`);
  }
  return ok('cyrus.event-extra-params', `event_extra_params has the ${WANTED_EXTRA_PARAMS.length} parameters bonnie reads`);
}

export function checkExcludeSpecialUse(conf: Map<string, string>): CheckResult {
  const value = conf.get('event_exclude_specialuse') ?? '\\Junk';
  if (value.toLowerCase() !== 'none') {
    return warning('cyrus.event-exclude-specialuse', `event_exclude_specialuse is ${value}${conf.has('event_exclude_specialuse') ? '' : ' (the default)'}: no events for those folders`, 'Write in imapd.conf: event_exclude_specialuse: none');
  }
  return ok('cyrus.event-exclude-specialuse', 'event_exclude_specialuse: none (events for every folder)');
}

/** imapd.conf's notifysocket, or Cyrus' default under configdirectory. */
export function notifySocketPath(conf: Map<string, string>): string {
  return conf.get('notifysocket') ?? join(conf.get('configdirectory') ?? '/var/lib/cyrus', 'socket', 'notify');
}

export function checkNotifyService(cyrusConf: string, notify: CyrusService | undefined, mode: CaptureMode, socket: string, stated: boolean): CheckResult {
  const id = 'cyrus.notify-service';
  if (mode === 'listen') {
    if (notify !== undefined) {
      return error(id, `${cyrusConf} line ${notify.line} runs notifyd ("${notify.name}"), which binds the socket bonnie dealer --listen must read`, `Remove the "${notify.name}" line from SERVICES in ${cyrusConf} and restart Cyrus.`);
    }
    return ok(id, `no notify service in ${cyrusConf}: the socket is left to bonnie dealer --listen${stated ? '' : ' (mode inferred; --capture listen states it)'}`);
  }
  if (notify === undefined) {
    return error(id, `no notify service in ${cyrusConf}, but --capture dealer: nothing runs notify_external`, `Add to SERVICES in ${cyrusConf}: notify cmd="notifyd" listen="${socket}" proto="udp" prefork=1 (or run bonnie dealer --listen, and doctor with --capture listen).`);
  }
  if (notify.listen !== undefined && notify.listen !== socket) {
    return error(id, `${cyrusConf} line ${notify.line}: notifyd listens on ${notify.listen} but imapd.conf's notifysocket is ${socket}`, `Make them the same: listen="${socket}" in ${cyrusConf}.`);
  }
  return ok(id, `${cyrusConf} line ${notify.line}: notifyd on ${socket} runs notify_external once per event`);
}

export function checkNotifyExternal(conf: Map<string, string>, mode: CaptureMode): CheckResult {
  const id = 'cyrus.notify-external';
  const program = conf.get('notify_external');
  if (mode === 'listen') return ok(id, 'not used: bonnie dealer --listen reads the socket');
  const fix = 'Write in imapd.conf: notify_external: /usr/bin/bonnie-dealer (the path of bonnie-dealer on this host).';
  if (program === undefined || program === '') return error(id, 'notify_external is not set: notifyd has nothing to run', fix);
  if (!isAbsolute(program)) return error(id, `notify_external is ${program}, not an absolute path`, fix);
  let fileMode: number;
  try {
    fileMode = statSync(program).mode;
  } catch (e) {
    return error(id, `notify_external ${program} cannot be found: ${errorMessage(e)} (a wrong path kills notifyd)`, fix);
  }
  if ((fileMode & 0o111) === 0) return error(id, `notify_external ${program} is not executable (${octal(fileMode)})`, `chmod 0755 ${program}`);
  if (!looksLikeDealer(program)) {
    return warning(id, `notify_external ${program} does not look like bonnie-dealer`, fix);
  }
  return ok(id, `notify_external: ${program}, executable`);
}

/** bonnie-dealer itself, or a short wrapper script that runs it (FACTS.md: notifyd passes no arguments). */
function looksLikeDealer(program: string): boolean {
  if (basename(program) === 'bonnie-dealer') return true;
  try {
    if (statSync(program).size > 64 * 1024) return false;
    return /bonnie-dealer|bonnie(\.js)?["']?\s+dealer/.test(readFileSync(program, 'latin1'));
  } catch {
    return false;
  }
}

export function checkNotifySocket(socket: string, mode: CaptureMode, cyrus: CyrusCheckOptions['cyrus']): CheckResult {
  const id = 'cyrus.notify-socket';
  if (Buffer.byteLength(socket) > 107) return error(id, `notifysocket ${socket} is longer than a unix socket path may be (107 bytes)`, 'Write a shorter notifysocket in imapd.conf, e.g. notifysocket: /run/cyrus/socket/notify');
  let stats;
  try {
    stats = lstatSync(socket);
  } catch (e) {
    const absent = (e as NodeJS.ErrnoException).code === 'ENOENT';
    if (mode === 'dealer') return warning(id, `${socket} ${absent ? 'does not exist' : `cannot be checked: ${errorMessage(e)}`}: notifyd makes it when Cyrus runs`, 'Start Cyrus (systemctl start cyrus-imapd), then run bonnie doctor again.');
    return error(id, `${socket} ${absent ? 'does not exist' : `cannot be checked: ${errorMessage(e)}`}: events are lost`, `systemctl enable --now bonnie-listen.socket bonnie-listen.service (or start bonnie dealer --listen ${socket})`);
  }
  if (!stats.isSocket()) return error(id, `${socket} exists and is not a socket`, `Remove it (rm ${socket}) and restart ${mode === 'dealer' ? 'Cyrus' : 'bonnie-listen.socket'}.`);
  const byOwner = cyrus?.uid !== undefined && stats.uid === cyrus.uid && (stats.mode & 0o200) !== 0;
  const byGroup = cyrus?.gid !== undefined && stats.gid === cyrus.gid && (stats.mode & 0o020) !== 0;
  if (!byOwner && !byGroup && (stats.mode & 0o002) === 0) {
    return error(id, `${socket} (uid ${stats.uid}, gid ${stats.gid}, ${octal(stats.mode)}) is not writable by Cyrus: events are refused`, `chgrp mail ${socket} && chmod 0660 ${socket}`);
  }
  return ok(id, `${socket}: a socket writable by Cyrus (${octal(stats.mode)})`);
}

export function checkDgramQueue(mode: CaptureMode, file: string): CheckResult {
  const id = 'system.max-dgram-qlen';
  let value: number;
  try {
    value = Number(readFileSync(file, 'utf8').trim());
  } catch (e) {
    return mode === 'listen' ? warning(id, `cannot read ${file}: ${errorMessage(e)}`, `sysctl net.unix.max_dgram_qlen (it should be at least ${MIN_DGRAM_QLEN})`) : ok(id, 'not read: notifyd queues events itself');
  }
  if (mode === 'dealer') return ok(id, `net.unix.max_dgram_qlen = ${value} (matters only to bonnie dealer --listen)`);
  if (!Number.isInteger(value) || value < MIN_DGRAM_QLEN) {
    return warning(id, `net.unix.max_dgram_qlen = ${value}: a burst of more events makes Cyrus wait for bonnie dealer --listen`, `echo net.unix.max_dgram_qlen=1024 > /etc/sysctl.d/60-bonnie.conf && sysctl -w net.unix.max_dgram_qlen=1024`);
  }
  return ok(id, `net.unix.max_dgram_qlen = ${value}`);
}
