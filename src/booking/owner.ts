// Which process is booking: a booking whose owner is gone was cut off by a crash, one whose owner lives is under way.
import os from 'node:os';

/** `host:pid` of this process. */
export const thisProcess = `${os.hostname()}:${process.pid}`;

/**
 * Whether `owner` may still be making the booking's calls. Another host's process cannot be checked, so it is taken to be
 * alive; on this host, signal 0 tells (EPERM: it exists, under another user).
 */
export function isAlive(owner: string): boolean {
  if (owner === thisProcess) return true;
  const split = owner.lastIndexOf(':');
  const host = owner.slice(0, split);
  const pid = Number(owner.slice(split + 1));
  if (host !== os.hostname()) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
