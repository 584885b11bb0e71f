/**
 * Logging for processes that must never write to stdout (the dealer: stdout is notifyd's socket).
 * Lines go to a file when one is configured, otherwise to syslog (facility mail, like Cyrus itself).
 * Nothing is loaded or opened until the first line is logged: a quiet run costs nothing.
 */
import {appendFileSync, existsSync, mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {adoptCreatedFolders, adoptOwnership} from '../system/ownership.js';
import {createUnixDgramSocket, socketCall, type UnixDgramSocket} from '../system/unix-dgram.js';

export type Level = 'error' | 'warning' | 'info';

export interface Logger {
  log(level: Level, message: string): void;
  /** Waits until every line was handed to the file or the syslog socket. */
  flush(): Promise<void>;
}

/** RFC 5424 severities. */
const SEVERITY: Record<Level, number> = {error: 3, warning: 4, info: 6};
const FACILITY_MAIL = 2;
const SYSLOG_SOCKETS = ['/dev/log', '/var/run/syslog'];

/**
 * A file logger run as root gives the file it creates the owner of `reference` (default: the folder the file
 * is in; callers pass the catalog), so that the dealer running as cyrus can still append to it.
 */
export function createLogger(options: {ident: string; file?: string | undefined; reference?: string | undefined}): Logger {
  return options.file === undefined ? new SyslogLogger(options.ident) : new FileLogger(options.ident, options.file, options.reference ?? dirname(options.file));
}

class FileLogger implements Logger {
  private ready = false;
  constructor(
    private readonly ident: string,
    private readonly file: string,
    private readonly reference: string,
  ) {}

  log(level: Level, message: string): void {
    const line = `${new Date().toISOString()} ${this.ident}[${process.pid}] ${level}: ${oneLine(message)}\n`;
    try {
      if (!this.ready) {
        const folder = dirname(this.file);
        adoptCreatedFolders(mkdirSync(folder, {recursive: true, mode: 0o750}), folder, this.reference);
        if (!existsSync(this.file)) {
          appendFileSync(this.file, '', {mode: 0o640});
          adoptOwnership(this.file, this.reference);
        }
        this.ready = true;
      }
      appendFileSync(this.file, line, {mode: 0o640});
    } catch {
      // A log we cannot write must not stop the caller from storing events; there is nowhere else to say it.
    }
  }

  async flush(): Promise<void> {}
}

/** Minimal RFC 3164 client over the local unix datagram socket (Node's dgram has no unix sockets). */
class SyslogLogger implements Logger {
  private socket: UnixDgramSocket | undefined | null = null;

  constructor(private readonly ident: string) {}

  log(level: Level, message: string): void {
    const priority = FACILITY_MAIL * 8 + SEVERITY[level];
    const text = Buffer.from(`<${priority}>${rfc3164Date(new Date())} ${this.ident}[${process.pid}]: ${oneLine(message)}`);
    if (this.socket === null) this.socket = openSyslog();
    // unix-dgram sends synchronously; a full or missing syslog socket loses the line, as it would Cyrus'.
    this.socket?.send(text, () => undefined);
  }

  async flush(): Promise<void> {
    this.socket?.close();
    this.socket = null;
  }
}

function openSyslog(): UnixDgramSocket | undefined {
  const path = SYSLOG_SOCKETS.find((candidate) => existsSync(candidate));
  if (path === undefined) return undefined;
  try {
    const socket = createUnixDgramSocket();
    socket.on('error', () => undefined);
    if (socketCall(socket, () => socket.connect(path)) === undefined) return socket;
    socket.close();
  } catch {
    // No syslog to be had (the addon failed to load): the lines are lost, as Cyrus' own would be.
  }
  return undefined;
}

function rfc3164Date(date: Date): string {
  const month = date.toLocaleString('en-US', {month: 'short'});
  const day = String(date.getDate()).padStart(2, ' ');
  const time = date.toTimeString().slice(0, 8);
  return `${month} ${day} ${time}`;
}

function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ');
}
