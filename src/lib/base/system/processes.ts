/** What the operating system says about other processes. */

/**
 * Whether a process with this pid exists. EPERM means it does, under another user (the daemon or a run
 * started by cyrus, seen from root or a reader in the mail group). A pid can be reused: callers use this for
 * files and locks whose owner died, where a false "alive" only delays a clean-up.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
