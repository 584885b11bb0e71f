/** File operations every durable writer needs (spill folder, notify socket, archive segments). */
import {closeSync, fsyncSync, openSync, unlinkSync} from 'node:fs';

/** fsyncs a folder so that a file created or renamed in it survives a crash (POSIX leaves that to the caller). */
export function fsyncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes a file; one already gone is fine (another process got there first). */
export function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
