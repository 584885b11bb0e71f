/**
 * The notify socket's file: binding it safely (never over a live listener), restricting it to the Cyrus
 * group, and what the kernel will queue on it.
 */
import {chmodSync, chownSync, lstatSync, readFileSync, statSync} from 'node:fs';
import {BonnieError, EXIT, errorMessage} from '../errors.js';
import type {Logger} from '../log/logger.js';
import {lookUpGroup} from '../system/accounts.js';
import {removeIfPresent} from '../system/files.js';
import {createUnixDgramSocket, describeSocketError, errnoOf, socketCall, type UnixDgramSocket} from '../system/unix-dgram.js';

/** Owner and group (Cyrus) may write; nobody else. */
export const SOCKET_MODE = 0o660;
/** The group Debian's Cyrus runs as. */
export const DEFAULT_SOCKET_GROUP = 'mail';
/** sockaddr_un.sun_path holds 108 bytes with the terminating NUL; unix-dgram cuts longer paths silently. */
const MAX_SOCKET_PATH_BYTES = 107;
const MAX_DGRAM_QLEN_FILE = '/proc/sys/net/unix/max_dgram_qlen';

/** Binds a fresh socket at `path`, after removing a stale socket file there. */
export function bindSocket(path: string, onMessage: (bytes: Buffer) => void): UnixDgramSocket {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new BonnieError('SocketUnavailable', `the socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`, {
      exit: EXIT.usage,
      hint: 'Unix socket paths are limited to 107 bytes: choose a shorter path (and the same in imapd.conf\'s notifysocket).',
    });
  }
  clearStaleSocket(path);
  const socket = createUnixDgramSocket(onMessage);
  const failure = socketCall(socket, () => socket.bind(path));
  if (failure !== undefined) {
    socket.close();
    const errno = errnoOf(failure);
    const hint =
      errno === 'ENOENT'
        ? 'The folder does not exist: create it (Debian: /run/cyrus/socket, made at boot by tmpfiles.d) or choose another path.'
        : errno === 'EACCES'
          ? 'This user cannot create files in that folder: run as cyrus (see docs/systemd/bonnie-listen.service).'
          : errno === 'EADDRINUSE'
            ? 'Another process bound the path just now: stop it, then start again.'
            : 'Check the path and its folder.';
    throw new BonnieError('SocketUnavailable', `cannot bind ${path}: ${describeSocketError(failure)}`, {hint});
  }
  return socket;
}

/** Removes a socket file nobody listens on; refuses a live socket or a file that is not a socket. */
export function clearStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new BonnieError('SocketUnavailable', `cannot check ${path}: ${errorMessage(error)}`, {hint: 'Check the path and the permissions of its folder.'});
  }
  if (!isSocket) {
    throw new BonnieError('SocketPathTaken', `${path} exists and is not a socket`, {
      hint: 'Remove it or choose another --listen path (the one in imapd.conf\'s notifysocket).',
    });
  }
  const probe = createUnixDgramSocket();
  const failure = socketCall(probe, () => probe.connect(path));
  probe.close();
  if (failure === undefined) {
    throw new BonnieError('SocketInUse', `another process is listening on ${path}`, {
      hint: 'Stop it first: notifyd (remove the "notify" line from SERVICES in cyrus.conf and restart Cyrus) or another "bonnie dealer --listen".',
    });
  }
  if (errnoOf(failure) !== 'ECONNREFUSED') {
    throw new BonnieError('SocketUnavailable', `cannot check whether anything listens on ${path}: ${describeSocketError(failure)}`, {
      hint: 'Run as the user that owns the socket (cyrus), or remove the file if nothing uses it.',
    });
  }
  // Left behind by a listener that died: nothing answers on it.
  removeIfPresent(path);
}

/**
 * Gives the socket mode 0660 and the group Cyrus runs as. Returns the group's name, or null when it was
 * left as is. A group named explicitly, or any group when running as root, must work; the default group
 * for an unprivileged user is best effort (a warning).
 */
export function restrictSocket(path: string, groupOption: string | undefined, logger: Logger): string | null {
  chmodSync(path, SOCKET_MODE);
  const name = groupOption ?? DEFAULT_SOCKET_GROUP;
  const strict = groupOption !== undefined || process.getuid?.() === 0;
  const gid = lookUpGroup(name);
  if (gid === undefined) {
    if (strict) {
      throw new BonnieError('SocketGroupUnknown', `there is no group "${name}"`, {
        exit: EXIT.usage,
        hint: '--socket-group names the group Cyrus runs as (Debian: mail), by name or number.',
      });
    }
    logger.log('warning', `there is no group "${name}"; ${path} keeps this process' group`);
    return null;
  }
  if (statSync(path).gid === gid) return name;
  try {
    chownSync(path, -1, gid);
    return name;
  } catch (error) {
    if (strict) {
      throw new BonnieError('SocketUnavailable', `cannot give ${path} to the group ${name}: ${errorMessage(error)}`, {
        hint: 'Run as root or as a member of that group (the unit runs as cyrus:mail).',
      });
    }
    logger.log('warning', `cannot give ${path} to the group ${name} (${errorMessage(error)}); it keeps this process' group`);
    return null;
  }
}

/** How many datagrams the kernel queues on a unix socket before senders wait (Linux), or null. */
export function maxDgramQueue(): number | null {
  try {
    const value = Number(readFileSync(MAX_DGRAM_QLEN_FILE, 'utf8').trim());
    // The kernel refuses a send once the queue holds more than the limit: limit + 1 fit.
    return Number.isInteger(value) ? value + 1 : null;
  } catch {
    return null;
  }
}
