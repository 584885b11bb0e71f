/**
 * The capture reserve: a file of zeros kept in the spill folder (`.reserve`) so that a full disk still has
 * room for events. When a journal or spill write fails for lack of space, the writer deletes the reserve and
 * writes again; the freed room holds events until an administrator frees the disk. The reserve is made again
 * once there is room (by the daemon, `bonnie dealer --drain-spill` and `bonnie init`).
 *
 * The file is written, not allocated sparse: a sparse file would free nothing.
 */
import {closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {removeIfPresent} from '../../base/system/files.js';
import {adoptCreatedFolders, adoptOwnership} from '../../base/system/ownership.js';

/** Size of the reserve: at ~1 KB an event, room for some 30,000 events while the disk is full. */
export const RESERVE_BYTES = 32 * 1024 * 1024;
export const RESERVE_NAME = '.reserve';
const CHUNK = 1024 * 1024;

/** Path of the reserve file for a spill folder. */
export function reservePath(spill: string): string {
  return join(spill, RESERVE_NAME);
}

/** True when the error says the filesystem has no room (or the quota is exhausted). */
export function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Makes sure the reserve exists at its full size. Returns false (leaving nothing behind) when the disk has no
 * room for it; other errors are thrown.
 */
export function ensureReserve(spill: string, bytes = RESERVE_BYTES): boolean {
  const path = reservePath(spill);
  try {
    if (statSync(path).size >= bytes) return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  adoptCreatedFolders(mkdirSync(spill, {recursive: true, mode: 0o750}), spill, dirname(spill));
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', 0o640); // 0640 like every file init --owner repairs, so a second init changes nothing
  try {
    const zeros = Buffer.alloc(Math.min(CHUNK, bytes));
    for (let written = 0; written < bytes; ) written += writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - written), written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeIfPresent(temp);
    if (isNoSpace(error)) return false;
    throw error;
  }
  closeSync(fd);
  // Root's reserve must stay the spill folder owner's to delete when the disk fills (see system/ownership.ts).
  adoptOwnership(temp, spill);
  renameSync(temp, path);
  return true;
}

/** Deletes the reserve to give its room to events. True when there was one to delete. */
export function releaseReserve(spill: string): boolean {
  try {
    unlinkSync(reservePath(spill));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
