// Plays the person at the browser for a sandbox sign-in: loads the sandbox's consent page (which approves at once) and
// follows its redirect to the loopback callback, over real HTTP.

/**
 * Opens `url` as a browser would, then delivers the redirect to the waiting loopback listener.
 * @param origin only pages of this sandbox are followed: anything else is a real provider, and needs a real person
 */
export async function approveSandboxSignIn(url: string, origin: string): Promise<boolean> {
  if (new URL(url).origin !== origin) return false;
  const page = await fetch(url, { redirect: 'manual' });
  const location = page.headers.get('location');
  if (!location) throw new Error(`the sandbox sign-in page answered ${page.status} without a redirect: ${await page.text()}`);
  // The listener answers once the code is exchanged; connect waits on the listener, not on this fetch.
  void fetch(location).then((r) => r.arrayBuffer(), () => undefined);
  return true;
}
