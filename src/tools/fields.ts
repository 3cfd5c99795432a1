// What the tools' input schemas share: refusals that name the fix, and the fields book_meeting and
// find_available_slots both take (the same refusals, each with its own description).
import { z } from 'zod';

/**
 * A field's refusal when the value is missing or not even the right type: zod's own texts ("expected string, received
 * undefined") name no fix. The SDK appends "at <field>".
 */
export const needs =
  (what: string, fix: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `is required: ${fix}` : `must be ${what}: ${fix}`;

const minutes = () =>
  z
    .number('must be a whole number of minutes, e.g. 30')
    .int('must be a whole number of minutes')
    .min(5, 'must be at least 5 minutes')
    .max(720, 'must be at most 720 minutes (12 hours)');

/** `duration_minutes`: whole minutes from 5 to 720, default 30. */
export const durationMinutes = () => minutes().default(30);

/** `duration_minutes` of a change: the same rule, left out to keep the booking's own length. */
export const newDurationMinutes = () => minutes().optional();

/** `timezone`: an IANA name, checked (and made canonical) by the booking code; optional, for the server's default. */
export const timeZoneName = (defaultTimezone: string) =>
  z
    .string({
      error: needs('text', `give an IANA name such as America/New_York, or leave it out for ${defaultTimezone}`),
    })
    .min(1, 'give an IANA time-zone name such as America/New_York')
    .optional();

/**
 * `providers`: a non-empty subset of the registry's ids, optional.
 * @param doing what leaving it out does, for the refusal of an empty list ("book in", "ask")
 */
export const providerList = (providerIds: [string, ...string[]], doing: string) =>
  z
    .array(
      z.enum(providerIds, {
        error: (issue) => `${JSON.stringify(issue.input)} is not a provider: choose from ${providerIds.join(', ')}`,
      }),
      { error: `must be a list of provider ids such as ["${providerIds[0]}"], or left out for every connected one` },
    )
    .min(1, `must name at least one provider, or be left out to ${doing} every connected one`)
    .optional();
