// What the tools' input schemas share: refusals that name the fix.

/**
 * A field's refusal when the value is missing or not even the right type: zod's own texts ("expected string, received
 * undefined") name no fix. The SDK appends "at <field>".
 */
export const needs =
  (what: string, fix: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `is required: ${fix}` : `must be ${what}: ${fix}`;
