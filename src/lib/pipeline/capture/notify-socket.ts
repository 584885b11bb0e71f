/**
 * The notify socket's file: never bound over a live listener, mode 0660 for the Cyrus group (the holder,
 * bin/bonnie-socket-holder, binds it), and what the kernel will queue on it.
 */
import {lstatSync, readFileSync} from 'node:fs';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {removeIfPresent} from '../../base/system/files.js';
import {createUnixDgramSocket, describeSocketError, errnoOf, socketCall} from '../../base/system/unix-dgram.js';

/** Owner and group (Cyrus) may write; nobody else. */
export const SOCKET_MODE = 0o660;
/** The group Debian's Cyrus runs as. */
export const DEFAULT_SOCKET_GROUP = 'mail';
/** sockaddr_un.sun_path holds 108 bytes with the terminating NUL; unix-dgram cuts longer paths silently. */
export const MAX_SOCKET_PATH_BYTES = 107;
const MAX_DGRAM_QLEN_FILE = '/proc/sys/net/unix/max_dgram_qlen';

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
