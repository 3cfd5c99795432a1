// The registry: every meeting provider, in the order results are shown. A new provider is its folder (<id>/manifest.ts,
// made with lazyProvider, and its implementation, loaded on first use) plus one line here. CLI help, tool
// descriptions, the configuration, the sandbox and log redaction read the providers from here.
import { registerAuthScheme } from '../log.js';
import type { MeetingProvider } from './provider.js';
import { calendly } from './calendly/manifest.js';
import { google } from './google/manifest.js';
import { microsoft } from './microsoft/manifest.js';
import { zoho } from './zoho/manifest.js';
import { zoom } from './zoom/manifest.js';

export const meetingProviders: readonly MeetingProvider[] = [zoom, calendly, google, zoho, microsoft];

// A provider whose API takes its own Authorization scheme (Zoho's `Zoho-oauthtoken`) has it masked in every log line.
for (const provider of meetingProviders) if (provider.authScheme) registerAuthScheme(provider.authScheme);

export const providerIds = meetingProviders.map((p) => p.id) as [string, ...string[]];
