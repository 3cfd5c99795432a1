// The four meeting providers' fakes, and `connect` of each as a person would run it (plus Resend), for tests that
// book in all of them through the harness.
import { createCalendlyFake, type CalendlyFake } from '../../src/sandbox/fakes/calendly.js';
import { createGoogleFake, type GoogleFake } from '../../src/sandbox/fakes/google.js';
import { createZohoFake, type ZohoFake } from '../../src/sandbox/fakes/zoho.js';
import type { Harness } from './harness.js';

export const allFakes = () => [createCalendlyFake(), createGoogleFake(), createZohoFake()];

export interface AllFakes {
  calendly: CalendlyFake;
  google: GoogleFake;
  zoho: ZohoFake;
}

export const fakesOf = (h: Harness): AllFakes => {
  const [calendly, google, zoho] = h.extra as [CalendlyFake, GoogleFake, ZohoFake];
  return { calendly, google, zoho };
};

type MeetingProviderId = 'zoom' | 'calendly' | 'google' | 'zoho';

/** Connects one meeting provider as a person would (Calendly with `calendlyArgs`, Zoho's workspace in `zone`). */
export async function connectOne(
  h: Harness,
  provider: MeetingProviderId,
  zone: string,
  calendlyArgs: string[] = [],
): Promise<void> {
  const { calendly, google, zoho } = fakesOf(h);
  switch (provider) {
    case 'zoom':
      return h.connectZoom();
    case 'calendly':
      return h.connect('calendly', ['--token-stdin', ...calendlyArgs], `${calendly.state.token}\n`);
    case 'google':
      return h.connect(
        'google',
        ['--client-id', google.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
        `${google.state.clientSecret}\n${google.state.refreshToken}\n`,
      );
    case 'zoho':
      zoho.state.workspaceTimezone = zone;
      return h.connect(
        'zoho',
        [
          ...['--client-id', zoho.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
          ...['--service', 'Intro call', '--staff', 'Ann Smith', '--time-zone', zone],
        ],
        `${zoho.state.clientSecret}\n${[...zoho.state.refreshTokens][0] ?? ''}\n`,
      );
  }
}

/** Connects Zoom, Calendly (with `calendlyArgs`), Google, Zoho (its workspace in `zone`) and Resend. */
export async function connectAll(h: Harness, zone: string, calendlyArgs: string[] = []): Promise<void> {
  for (const provider of ['zoom', 'calendly', 'google', 'zoho'] as const)
    await connectOne(h, provider, zone, calendlyArgs);
  await h.connectResend();
}
