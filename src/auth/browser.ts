// Opening the sign-in page in the user's browser, and the SSH line that makes the loopback work from a headless machine.
import { spawn } from 'node:child_process';
import { hostname, userInfo } from 'node:os';

/** How one platform's opener is started. */
export interface Opener {
  command: string;
  args: string[];
  /** Windows only: hand `args` to cmd.exe exactly as written, because they are already escaped for it. */
  verbatim: boolean;
}

export interface OpenBrowserOptions {
  platform?: NodeJS.Platform;
  /** How long an opener may take to fail before it counts as having opened the page. */
  settleMs?: number;
}

/**
 * The platform's opener for an http(s) URL, or undefined for anything else: a `file:` or custom-scheme URL handed to
 * `open` or `start` would launch a program rather than a page.
 */
function openerFor(url: string, platform: NodeJS.Platform): Opener | undefined {
  let href: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    // The serialised form percent-encodes spaces and quotes, so the URL stays one argument everywhere.
    href = parsed.href;
  } catch {
    return undefined;
  }
  if (platform === 'darwin') return { command: 'open', args: [href], verbatim: false };
  if (platform === 'win32') {
    // cmd.exe parses its command line even without a shell: `&` would end the command at the first query separator.
    // `%` is left alone: an expansion needs an environment variable named like `3A%2F`, which nobody has.
    const escaped = href.replace(/[\^&|<>()]/g, '^$&');
    // `/d` skips AutoRun scripts; the empty title stops `start` from taking a quoted URL as the window title.
    return { command: 'cmd', args: ['/d', '/c', 'start', '""', escaped], verbatim: true };
  }
  return { command: 'xdg-open', args: [href], verbatim: false };
}

/**
 * Opens `url` in the default browser, detached, without a shell, output ignored. Resolves true once the opener has
 * started and not failed within `settleMs`, false when there is no opener or it failed (no browser on a headless
 * machine); never throws, because the caller can always print the URL instead.
 */
export async function openBrowser(url: string, options: OpenBrowserOptions = {}): Promise<boolean> {
  const opener = openerFor(url, options.platform ?? process.platform);
  if (!opener) return false;
  const settleMs = options.settleMs ?? 1000;
  return new Promise<boolean>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (opened: boolean, child?: { unref(): void }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The browser may outlive this process; nothing here should wait for it.
      child?.unref();
      resolve(opened);
    };
    try {
      const child = spawn(opener.command, opener.args, {
        detached: true,
        stdio: 'ignore',
        shell: false,
        windowsHide: true,
        windowsVerbatimArguments: opener.verbatim,
      });
      // Stays attached after settling: an 'error' without a listener would crash the process.
      child.on('error', () => settle(false, child));
      // xdg-open exits non-zero at once when it finds no browser; `open` and `start` exit 0 once the page is handed over.
      child.once('exit', (code) => settle(code === 0, child));
      timer = setTimeout(() => settle(true, child), settleMs);
    } catch {
      settle(false);
    }
  });
}

/** Who and where this process runs, for the SSH line; placeholders when the OS will not say. */
function thisMachine(): { user: string; host: string } {
  let user = '<user>';
  try {
    user = userInfo().username || user;
  } catch {
    // Containers can run as a UID with no passwd entry.
  }
  return { user, host: hostname() || '<this-host>' };
}

/**
 * What to tell a user whose browser is on another computer (a server over SSH): forward the callback port, and the
 * sign-in page's own port when that page is on this machine too (the sandbox), so both reach this process's loopback.
 * Pure when `machine` is given.
 */
export function sshForwardHint(
  ports: readonly number[],
  machine: { user: string; host: string } = thisMachine(),
): string {
  const forwards = [...new Set(ports)].map((port) => `-L ${port}:127.0.0.1:${port}`).join(' ');
  return [
    `From another computer, forward ${ports.length > 1 ? 'these ports' : 'the callback port'} first, then open the link there:`,
    `  ssh ${forwards} ${machine.user}@${machine.host}`,
    `(If "${machine.host}" does not resolve there, use the address you normally connect to.)`,
  ].join('\n');
}
