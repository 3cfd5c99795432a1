// The book_meeting tool: its contract (schemas, annotations, a description written for the calling model), then a thin handler.
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { BookingService } from '../booking/book-meeting.js';
import type { Logger } from '../log.js';
import type { MeetingProvider } from '../providers/provider.js';
import { unsafeCharacter } from '../text.js';
import { outputShape, toOutput, toText } from './book-meeting-result.js';
import { addressExample, asciiAddress, inAscii } from './email-address.js';
import { durationMinutes, needs, providerList, timeZoneName } from './fields.js';
import { providerProgress } from './progress.js';
import { errorResult } from './results.js';

const name = 'book_meeting';

/** Names and titles go into headers, subjects and calendars: refuse line breaks, controls and bidi overrides (spoofing). */
const oneLine = (schema: z.ZodString) =>
  schema.refine((value) => unsafeCharacter(value) === undefined, {
    error: (issue) =>
      `must be plain text on one line: remove ${unsafeCharacter(String(issue.input))} (a line break, control or bidi-override character)`,
  });

const inputShape = (providerIds: [string, ...string[]], defaultTimezone: string) => ({
  customer_name: oneLine(
    z
      .string({ error: needs('text', "give the customer's name") })
      .trim()
      .min(1, "give the customer's name")
      .max(200, 'must be at most 200 characters'),
  ).describe("The invitee's full name, as it should appear in the invitation."),
  customer_email: z
    .string({ error: needs('text', "ask the user for the customer's e-mail address; do not invent one") })
    .max(254, 'must be at most 254 characters')
    // Over 254 characters is max's refusal alone.
    .refine((value) => value.length > 254 || 'address' in asciiAddress(value), {
      error: (issue) => {
        const checked = asciiAddress(String(issue.input));
        return 'problem' in checked ? checked.problem : addressExample;
      },
    })
    .meta({ format: 'email' })
    .describe(
      "The invitee's e-mail address; the invitation and links are sent there. A domain in another script is sent in its ASCII (punycode) form.",
    ),
  customer_phone: z
    .string({ error: needs('text', 'give it in E.164 form, e.g. +14155550123') })
    .regex(/^\+[1-9]\d{6,14}$/, 'must be in international E.164 form, e.g. +14155550123')
    .optional()
    .describe(
      "The invitee's phone number in E.164 form (+14155550123). Some providers (Zoho Bookings) need it: ask the user for it if a result says so.",
    ),
  booking_date: z
    .string({ error: needs('a YYYY-MM-DD text', 'give the date like 2026-12-01; ask the user if they did not say') })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD, e.g. 2026-12-01')
    .describe('Date of the meeting, YYYY-MM-DD, in `timezone`.'),
  booking_time: z
    .string({
      error: needs('an HH:mm text', 'give the 24-hour start time like 14:00; ask the user if they did not say'),
    })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be 24-hour HH:mm, e.g. 09:30 or 14:00')
    .describe('Start time, 24-hour HH:mm, wall-clock time in `timezone`.'),
  duration_minutes: durationMinutes().describe('Length of the meeting in minutes (default 30).'),
  timezone: timeZoneName(defaultTimezone).describe(
    `IANA time zone the date and time are meant in, e.g. America/New_York or Europe/Berlin. Default: ${defaultTimezone}.`,
  ),
  topic: oneLine(
    z.string({ error: needs('text', 'give the meeting title as text') }).max(200, 'must be at most 200 characters'),
  )
    .optional()
    .describe('Meeting title (default "Meeting with <customer name>").'),
  providers: providerList(providerIds, 'book in').describe(
    `Book only in these providers (${providerIds.join(', ')}); default: every connected one.`,
  ),
  allow_conflict: z
    .boolean('must be true or false')
    .optional()
    .describe(
      'Book even when the host is busy at that time in a connected calendar (Google Calendar, Zoom). Default false: a busy host gets status conflict with free times instead, and nothing is created. Set it only when the user says to double-book.',
    ),
  idempotency_key: z
    .string({ error: needs('text', 'give a UUID, or leave it out') })
    .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 printable ASCII characters without spaces, e.g. a UUID')
    .optional()
    .describe(
      'Your key for this booking (e.g. a UUID). A call with the same key within 24 hours returns the same booking instead of booking again. Without one, the invitee, start, duration and providers are the key.',
    ),
});

const description = (providers: readonly MeetingProvider[], defaultTimezone: string) =>
  [
    `Book a meeting with a customer in every connected meeting provider at once (${providers.map((p) => p.displayName).join(', ')}), then e-mail the customer every join link, the passcode, the time in their zone and a calendar file.`,
    'Use it when the user asks to schedule, book or set up a call or meeting with someone.',
    "Needed: the customer's name and e-mail, the date (YYYY-MM-DD) and start time (HH:mm, 24 h). If the user did not give them, ask; do not invent an e-mail address.",
    `The time is read in \`timezone\` (an IANA name); if the user did not say which zone they mean, ask, or the server default ${defaultTimezone} is used.`,
    "Before anything is created, the host's calendars are checked: when the host is busy then, the status is conflict, nothing is created, and the result offers the nearest free times (find_available_slots finds more).",
    'The result lists each provider as booked (with links), failed (with a remedy), not_connected or needs_reauth (with the command the user runs to connect it).',
    'The e-mail is sent, or queued: recorded and sent by the server in the background (retry_at says when it is tried next); tell the user it will follow, and do not book again for it.',
    'A partial result is a success: tell the user what failed and the remedy. Calling again with the same details (or the same idempotency_key) within 24 hours never books twice: it returns the recorded booking and retries only the providers that had failed, so call again once the user has applied a remedy.',
  ].join(' ');

export interface BookMeetingToolDeps {
  booking: Pick<BookingService, 'book'>;
  providers: readonly MeetingProvider[];
  providerIds: [string, ...string[]];
  defaultTimezone: string;
  log: Logger;
}

export function registerBookMeetingTool(server: McpServer, deps: BookMeetingToolDeps): void {
  server.registerTool(
    name,
    {
      title: 'Book a meeting',
      description: description(deps.providers, deps.defaultTimezone),
      inputSchema: z.object(inputShape(deps.providerIds, deps.defaultTimezone)),
      outputSchema: z.object(outputShape),
      annotations: {
        title: 'Book a meeting',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    async (args, ctx) => {
      try {
        const request = {
          customerName: args.customer_name,
          customerEmail: inAscii(args.customer_email),
          customerPhone: args.customer_phone,
          date: args.booking_date,
          time: args.booking_time,
          durationMinutes: args.duration_minutes,
          timezone: args.timezone,
          topic: args.topic,
          providers: args.providers,
          idempotencyKey: args.idempotency_key,
          allowConflict: args.allow_conflict,
        };
        const progress = providerProgress(ctx);
        const result = await deps.booking.book(
          request,
          (outcome, total) => progress.step(outcome, total),
          (message) => progress.waiting(message),
        );
        const output = toOutput(result);
        return {
          // Only a booking where nothing at all was booked is an error: a model retries errors and would double the rest.
          isError: output.status === 'failed',
          structuredContent: output,
          content: [{ type: 'text', text: toText(result, output) }],
        };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
