/**
 * Cyrus' two configuration files, read for `bonnie doctor` only: imapd.conf (`key: value` lines, `#`
 * comments; imapd.conf(5)) and cyrus.conf's SERVICES section (`name cmd="..." listen="..." ...`;
 * cyrus.conf(5)).
 */
import {readFileSync} from 'node:fs';

export const DEFAULT_IMAPD_CONF = '/etc/imapd.conf';
export const DEFAULT_CYRUS_CONF = '/etc/cyrus.conf';

/** imapd.conf's options, last one wins (as Cyrus reads them). Throws what readFileSync throws. */
export function readImapdConf(path: string): Map<string, string> {
  return parseImapdConf(readFileSync(path, 'utf8'));
}

export function parseImapdConf(text: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/.exec(line);
    if (match) options.set((match[1] as string).toLowerCase(), (match[2] as string).trim());
  }
  return options;
}

/** One entry of cyrus.conf's SERVICES section. */
export interface CyrusService {
  name: string;
  /** `cmd=` value: the program and its arguments. */
  cmd: string;
  /** `listen=` value: a port, host:port or a socket path. */
  listen: string | undefined;
  /** `proto=` value (udp for notifyd's datagram socket). */
  proto: string | undefined;
  line: number;
}

/** The SERVICES section's entries. Throws what readFileSync throws. */
export function readCyrusServices(path: string): CyrusService[] {
  return parseCyrusServices(readFileSync(path, 'utf8'));
}

export function parseCyrusServices(text: string): CyrusService[] {
  const services: CyrusService[] = [];
  let section: string | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const open = /^([A-Za-z]+)\s*\{\s*$/.exec(line);
    if (open) {
      section = (open[1] as string).toUpperCase();
      continue;
    }
    if (line === '}') {
      section = undefined;
      continue;
    }
    if (section !== 'SERVICES') continue;
    const name = /^([A-Za-z0-9_-]+)\s/.exec(line)?.[1];
    if (name === undefined) continue;
    const value = (key: string) => new RegExp(`\\b${key}=(?:"([^"]*)"|(\\S+))`).exec(line)?.slice(1).find((v) => v !== undefined);
    services.push({name, cmd: value('cmd') ?? '', listen: value('listen'), proto: value('proto'), line: index + 1});
  }
  return services;
}

/** The service that runs notifyd (by its program, whatever the entry is called), if any. */
export function notifyService(services: readonly CyrusService[]): CyrusService | undefined {
  return services.find((s) => /(^|\/)notifyd(\s|$)/.test(s.cmd));
}
