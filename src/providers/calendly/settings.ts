// What a Calendly connection stores (SQLite, never a secret): how it was authorized, the user and organization, the
// booking mode, and the event type pinned with --event-type.
import { z } from 'zod';

export const modes = ['auto', 'direct', 'link'] as const;
export type Mode = (typeof modes)[number];

export const settingsSchema = z.object({
  /** Connections made before the sign-in existed have no `auth`: a Personal Access Token. */
  auth: z.enum(['pat', 'oauth']).default('pat'),
  /** The OAuth app (sign-in only); whether it is a web app with a secret in the keychain. */
  clientId: z.string().min(1).optional(),
  webClient: z.boolean().optional(),
  /** The port of the redirect URI registered for the app, so that a sign-in again uses it. */
  redirectPort: z.number().int().optional(),
  userUri: z.string().min(1),
  organizationUri: z.string().min(1),
  mode: z.enum(modes).default('auto'),
  /** Pinned with `--event-type`; otherwise the event type is picked by the booking's length each time. */
  eventType: z
    .object({ uri: z.string(), name: z.string().nullable(), slug: z.string().nullable(), duration: z.number() })
    .optional(),
});
export type Settings = z.infer<typeof settingsSchema>;
