// What a Zoho Bookings connection stores (SQLite, never a secret): the client, its data centre's accounts server, the
// API host, and the workspace, service and staff member it books with.
import { z } from 'zod';

export const settingsSchema = z.object({
  clientId: z.string().min(1),
  accountsServer: z.url(),
  apiDomain: z.url(),
  workspace: z.object({ id: z.string(), name: z.string() }),
  service: z.object({
    id: z.string(),
    name: z.string(),
    duration: z.string(),
    durationMinutes: z.number().int().positive(),
  }),
  staff: z.object({ id: z.string(), name: z.string(), email: z.string().optional() }),
  /** The workspace's zone (--time-zone), in which availableslots' wall times are read; absent: the server's default. */
  timeZone: z.string().optional(),
});
