// Plays the person at the browser for a fake provider's sign-in: loads its consent page (which approves at once) and
// follows the redirect to the loopback callback, over real HTTP. The demo does it for the sandbox, the tests for msw.

/** Opens the consent page at `url` as a browser would, then delivers its redirect to the waiting loopback listener. */
export async function followConsentPage(url: string): Promise<boolean> {
  const page = await fetch(url, { redirect: 'manual' });
  const location = page.headers.get('location');
  if (!location) throw new Error(`the sign-in page answered ${page.status} without a redirect: ${await page.text()}`);
  // The listener answers once the code is exchanged; connect waits on the listener, not on this fetch.
  void fetch(location).then(
    (r) => r.arrayBuffer(),
    () => undefined,
  );
  return true;
}

/** `followConsentPage` for pages of this sandbox only: a real provider's page needs a real person. */
export const approveSandboxSignIn = (url: string, origin: string): Promise<boolean> =>
  new URL(url).origin === origin ? followConsentPage(url) : Promise.resolve(false);
