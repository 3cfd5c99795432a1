// The registry: every meeting provider, in the order results are shown. A new provider is its manifest (<id>.ts, made
// with lazyProvider) and its implementation (<id>-api.ts), plus one line here; only the manifest loads at start-up.
import type { MeetingProvider } from './provider.js';
import { calendly } from './calendly/manifest.js';
import { google } from './google/manifest.js';
import { zoho } from './zoho/manifest.js';
import { zoom } from './zoom/manifest.js';

export const meetingProviders: readonly MeetingProvider[] = [zoom, calendly, google, zoho];

export const providerIds = meetingProviders.map((p) => p.id) as [string, ...string[]];

export function findProvider(providerId: string): MeetingProvider | undefined {
  return meetingProviders.find((p) => p.id === providerId);
}
