// The find_available_slots tool: its contract (schemas, annotations, a description written for the calling model), then a
// thin handler over booking/availability.ts.
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { AvailabilityService } from '../booking/availability.js';
import type { Logger } from '../log.js';
import { maxSearchDays } from '../meeting.js';
import type { MeetingProvider } from '../providers/provider.js';
import { durationMinutes, needs, providerList, timeZoneName } from './fields.js';
import { slotsOutputShape, toSlotsOutput, toSlotsText } from './find-available-slots-result.js';
import { errorResult } from './results.js';

const name = 'find_available_slots';

const date = (field: string, example: string) =>
  z
    .string({ error: needs('a YYYY-MM-DD text', `give the ${field} like ${example}`) })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `must be YYYY-MM-DD, e.g. ${example}`);
const clock = (example: string) =>
  z
    .string({ error: needs('an HH:mm text', `give a 24-hour time like ${example}, or leave it out`) })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, `must be 24-hour HH:mm, e.g. ${example}`);

const inputShape = (providerIds: [string, ...string[]], defaultTimezone: string) => ({
  date_from: date('first day', '2026-12-01').describe(
    'First day to search, YYYY-MM-DD in `timezone` (today or later).',
  ),
  date_to: date('last day', '2026-12-05').describe(
    `Last day to search, YYYY-MM-DD in \`timezone\`, at most ${maxSearchDays} days after date_from.`,
  ),
  duration_minutes: durationMinutes().describe(
    'Length of the meeting in minutes (default 30), as book_meeting will be given it.',
  ),
  timezone: timeZoneName(defaultTimezone).describe(
    `IANA time zone the days, times and results are in. Default: ${defaultTimezone}.`,
  ),
  earliest_time: clock('09:00')
    .optional()
    .describe('Daily window: slots start at or after this time (HH:mm in `timezone`). Default: 00:00.'),
  latest_time: clock('17:00')
    .optional()
    .describe('Daily window: slots end by this time (HH:mm in `timezone`). Default: the end of the day.'),
  providers: providerList(providerIds, 'ask').describe(
    `Ask only these providers (${providerIds.join(', ')}); default: every one. Pass the same list to book_meeting.`,
  ),
  max_results: z
    .number('must be a whole number, e.g. 10')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(50, 'must be at most 50')
    .default(10)
    .describe('How many slots to return at most (default 10, at most 50), earliest first.'),
});

const description = (providers: readonly MeetingProvider[], defaultTimezone: string) =>
  [
    `Find times when a meeting can be booked in every connected provider at once (${providers.map((p) => p.displayName).join(', ')}): the host's calendars (busy time removed) and booking pages (only the times they offer).`,
    'Use it when the user asks when they can meet, or before book_meeting when no time is agreed yet; offer the user a few of the slots.',
    `Each slot's booking_date and booking_time are exactly what book_meeting takes (with the same timezone, duration_minutes and providers). Times are read in \`timezone\` (default ${defaultTimezone}).`,
    'The result lists each provider as checked, not_connected (with the command to connect it), no_availability_api, or failed (with the reason and the remedy). When complete is false, some provider was not consulted: say so, because those slots may not suit it.',
  ].join(' ');

export interface FindAvailableSlotsToolDeps {
  availability: Pick<AvailabilityService, 'find'>;
  providers: readonly MeetingProvider[];
  providerIds: [string, ...string[]];
  defaultTimezone: string;
  log: Logger;
}

export function registerFindAvailableSlotsTool(server: McpServer, deps: FindAvailableSlotsToolDeps): void {
  server.registerTool(
    name,
    {
      title: 'Find available slots',
      description: description(deps.providers, deps.defaultTimezone),
      inputSchema: z.object(inputShape(deps.providerIds, deps.defaultTimezone)),
      outputSchema: z.object(slotsOutputShape),
      annotations: {
        title: 'Find available slots',
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    async (args) => {
      try {
        const result = await deps.availability.find({
          dateFrom: args.date_from,
          dateTo: args.date_to,
          durationMinutes: args.duration_minutes,
          timezone: args.timezone,
          earliestTime: args.earliest_time,
          latestTime: args.latest_time,
          providers: args.providers,
          maxResults: args.max_results,
        });
        const output = toSlotsOutput(result);
        return {
          // Nothing could be consulted: the slots would be a bare grid, so this is an error with the fixes.
          isError: result.consulted.length === 0,
          structuredContent: output,
          content: [{ type: 'text', text: toSlotsText(result, deps.providers) }],
        };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
