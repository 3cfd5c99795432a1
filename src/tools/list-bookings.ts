// The list_bookings tool: its contract (schemas, annotations, a description written for the calling model), then a thin
// handler over booking/list-bookings.ts. It reads the local ledger only: no provider is called.
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ListRequest, ListResult } from '../booking/list-bookings.js';
import type { Logger } from '../log.js';
import { needs, timeZoneName } from './fields.js';
import { listOutputShape, toListOutput, toListText } from './list-bookings-result.js';
import { errorResult } from './results.js';

const name = 'list_bookings';

const inputShape = (defaultTimezone: string) => ({
  customer_email: z
    .string({ error: needs('text', "give the invitee's e-mail address, or leave it out for everyone") })
    .max(254, 'must be at most 254 characters')
    .optional()
    .describe("Only this invitee's bookings (any letter case)."),
  date_from: z
    .string({ error: needs('a YYYY-MM-DD text', 'give the date like 2026-12-01, or leave it out') })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD, e.g. 2026-12-01')
    .optional()
    .describe('Only meetings on or after this day (YYYY-MM-DD in `timezone`).'),
  date_to: z
    .string({ error: needs('a YYYY-MM-DD text', 'give the date like 2026-12-31, or leave it out') })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD, e.g. 2026-12-31')
    .optional()
    .describe('Only meetings on or before this day (YYYY-MM-DD in `timezone`).'),
  timezone: timeZoneName(defaultTimezone).describe(
    `IANA zone the days are read in. Default: ${defaultTimezone}. Each booking is shown in its own zone.`,
  ),
  status: z
    .enum(['booked', 'partial', 'failed', 'pending', 'cancelled'], {
      error: 'must be one of booked, partial, failed, pending or cancelled, or left out',
    })
    .optional()
    .describe('Only bookings with this status.'),
  limit: z
    .number('must be a whole number, e.g. 20')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(20)
    .describe('Bookings per page (default 20, at most 100), newest first.'),
  cursor: z
    .string({ error: needs('text', 'pass next_cursor from the previous page, or leave it out') })
    .max(500, 'must be a next_cursor this tool gave')
    .optional()
    .describe('next_cursor from the previous page, for the next one.'),
});

const description = (defaultTimezone: string) =>
  [
    'List the meetings booked through this server, newest first, from its own records (no provider is called).',
    "Use it when the user asks what is booked, for a customer or on some days, or to find a booking's id.",
    `Filter by customer_email, by the meeting's days (date_from, date_to in \`timezone\`, default ${defaultTimezone}) and by status; page with limit and next_cursor.`,
    "Each booking shows its id, the invitee, the time in the booking's own zone, its status, each provider's meeting id, links and state, the e-mail's state, and its history.",
  ].join(' ');

export interface ListBookingsToolDeps {
  ledger: { list(request: ListRequest): Promise<ListResult> };
  defaultTimezone: string;
  log: Logger;
}

export function registerListBookingsTool(server: McpServer, deps: ListBookingsToolDeps): void {
  server.registerTool(
    name,
    {
      title: 'List bookings',
      description: description(deps.defaultTimezone),
      inputSchema: z.object(inputShape(deps.defaultTimezone)),
      outputSchema: z.object(listOutputShape),
      annotations: { title: 'List bookings', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const result = await deps.ledger.list({
          customerEmail: args.customer_email,
          dateFrom: args.date_from,
          dateTo: args.date_to,
          timezone: args.timezone ?? deps.defaultTimezone,
          status: args.status,
          limit: args.limit,
          cursor: args.cursor,
        });
        const output = toListOutput(result);
        return { structuredContent: output, content: [{ type: 'text', text: toListText(output) }] };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
