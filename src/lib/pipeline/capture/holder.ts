/**
 * Where `bonnie dealer --listen` gets its socket. Under systemd socket activation (docs/systemd/
 * bonnie-capture.socket) the socket arrives as file descriptor 3 with LISTEN_FDS=1 and LISTEN_PID set to
 * our pid. Otherwise bonnie runs its own socket holder (bin/bonnie-socket-holder): it binds the socket,
 * keeps it open, and runs this same command again as the daemon, with the socket handed over the same way;
 * it restarts the daemon when it dies. Either way the socket outlives the daemon, so a crash or a restart
 * loses nothing that Cyrus sent.
 */
import {spawn} from 'node:child_process';
import {constants} from 'node:os';
import {fileURLToPath} from 'node:url';
import {BonnieError, EXIT} from '../../base/errors.js';
import {lookUpGroup} from '../../base/system/accounts.js';
import {LISTEN_FDS_START} from './listen.js';
import {clearStaleSocket, DEFAULT_SOCKET_GROUP, MAX_SOCKET_PATH_BYTES} from './notify-socket.js';

const HOLDER = fileURLToPath(new URL('../../../../bin/bonnie-socket-holder', import.meta.url));

/** The socket handed over by the service manager or the holder, if any (sd_listen_fds(3)). */
export function handedOverSocket(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.LISTEN_FDS === undefined || env.LISTEN_PID !== String(process.pid)) return undefined;
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count < 1) return undefined;
  if (count > 1) {
    throw new BonnieError('SocketSetupInvalid', `${count} sockets were handed over (LISTEN_FDS); bonnie reads exactly one`, {
      exit: EXIT.usage,
      hint: 'Give the .socket unit one ListenDatagram= line: imapd.conf\'s notifysocket.',
    });
  }
  return LISTEN_FDS_START;
}

export interface HolderOptions {
  socket: string;
  /** Group that may write the socket, a name or a number; undefined means `mail`, leniently. */
  socketGroup?: string | undefined;
  /** The command line to run as the daemon (this process' own, normally). */
  command: readonly string[];
}

/**
 * Runs the socket holder with `command` as its daemon, forwarding SIGTERM and SIGINT, and resolves with its
 * exit status. Refuses a socket path that is too long, taken by a live listener or by another file, and an
 * unknown group, before anything is bound.
 */
export async function runSocketHolder(options: HolderOptions): Promise<number> {
  if (Buffer.byteLength(options.socket) > MAX_SOCKET_PATH_BYTES) {
    throw new BonnieError('SocketSetupInvalid', `the socket path ${options.socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`, {
      exit: EXIT.usage,
      hint: 'Unix socket paths are limited to 107 bytes: choose a shorter path (and the same in imapd.conf\'s notifysocket).',
    });
  }
  clearStaleSocket(options.socket);
  const gid = socketGroupId(options.socketGroup);
  const child = spawn('perl', [HOLDER, options.socket, String(gid), '--', ...options.command], {stdio: 'inherit'});
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onTerm = forward('SIGTERM');
  const onInt = forward('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    return await new Promise<number>((resolvePromise, reject) => {
      child.once('error', (error) => reject(new BonnieError('SocketUnavailable', `cannot run the socket holder: ${error.message}`, {hint: 'bonnie needs perl (Debian: perl-base, always installed).'})));
      child.once('exit', (code, signal) => resolvePromise(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
    });
  } finally {
    process.removeListener('SIGTERM', onTerm);
    process.removeListener('SIGINT', onInt);
  }
}

/** The socket's group id, or -1 to leave it. Strict when named, or when root; else `mail` is best effort. */
function socketGroupId(option: string | undefined): number {
  const name = option ?? DEFAULT_SOCKET_GROUP;
  const gid = /^\d+$/.test(name) ? Number(name) : lookUpGroup(name);
  if (gid !== undefined) {
    // Giving a file to a group one is not in needs root: leave the default group alone then.
    if (option === undefined && process.getuid?.() !== 0 && !(process.getgroups?.() ?? []).includes(gid)) return -1;
    return gid;
  }
  if (option !== undefined || process.getuid?.() === 0) {
    throw new BonnieError('SocketGroupUnknown', `there is no group "${name}"`, {
      exit: EXIT.usage,
      hint: '--socket-group names the group Cyrus runs as (Debian: mail), by name or number.',
    });
  }
  return -1;
}
