// The same call again: the recorded result, with only what had not been booked tried again (looking first for what an
// interrupted request may have made), and an e-mail only where the invitee lacks one listing every booked provider.
import { InputError } from '../errors.js';
import type { EmailOutcome, Meeting, ProviderOutcome } from '../meeting.js';
import type { BookingRecord } from '../storage/bookings.js';
import type { Attempt } from './attempt.js';
import type { BookingResult, Call, Flow, OnEmailQueued, OnProgress } from './flow.js';
import { bookedEntries, ordered, statusOf, uncertainCodes, unusable } from './outcomes.js';
import { isAlive, thisProcess } from './owner.js';
import { recordedMeeting } from './recorded-meeting.js';
import { recordedEmail, recordedOutcomes } from './recorded.js';

export async function repeatBooking(
  flow: Flow,
  record: BookingRecord,
  call: Call,
  onProgress?: OnProgress,
  onEmailQueued?: OnEmailQueued,
): Promise<BookingResult> {
  const { connections, bookings, mailer } = flow.deps;
  if (call.byAgent && record.requestHash !== call.requestHash) {
    throw new InputError(
      'idempotency_key',
      `was already used, at ${record.createdAt}, for another booking (${record.id}) with other details`,
      'give a new idempotency_key for a new booking, or repeat the earlier call exactly to get its result',
    );
  }
  // A cancelled booking (cancel_booking cancelled it in at least one provider) is never booked again by a repeat.
  if (record.status === 'cancelled' || record.results.some((r) => r.status === 'cancelled')) {
    const recorded = recordedOutcomes(record);
    return {
      bookingId: record.id,
      status: record.status,
      meeting: recordedMeeting(record),
      providers: [...recorded.values()].flatMap((o) => (o.status === 'pending' || o.status === 'cancelled' ? [] : [o])),
      email: { status: 'skipped', reason: 'the booking was cancelled' },
      notes: [
        `This booking (${record.id}) was cancelled with cancel_booking; nothing was booked again. To book this meeting anew, pass a new idempotency_key.`,
      ],
      repeat: { firstCalledAt: record.createdAt, retried: [], emailed: false },
    };
  }
  // As first booked, but with a phone given now (a provider asked for one): the providers tried again get it.
  const phone = call.identity.customerPhone ?? record.customerPhone ?? undefined;
  const meeting: Meeting = { ...recordedMeeting(record), ...(phone ? { customerPhone: phone } : {}) };
  const recorded = recordedOutcomes(record);
  // A live owner is another server process making these calls right now (this process's own are waited for in turn).
  const underWay = record.owner !== null && record.owner !== thisProcess && isAlive(record.owner);
  const outcomes = new Map<string, ProviderOutcome>();
  const retry: Attempt[] = [];
  let elsewhere = false;
  for (const provider of call.wanted) {
    const before = recorded.get(provider.id);
    if (before?.status === 'booked') {
      outcomes.set(provider.id, before);
      continue;
    }
    if (before?.status === 'pending' && underWay) {
      elsewhere = true;
      outcomes.set(provider.id, {
        provider: provider.id,
        status: 'failed',
        error: {
          code: 'in_progress',
          message: `another alsatalk-mcp process is booking this in ${provider.displayName} right now`,
          remedy: 'wait a minute, then repeat the same call to get its result',
        },
      });
      continue;
    }
    const connection = connections.get(provider.id);
    const refused = unusable(provider, connection);
    if (refused) outcomes.set(provider.id, refused);
    else if (connection)
      retry.push({
        provider,
        connection,
        lookFirst:
          before?.status === 'pending' || (before?.status === 'failed' && uncertainCodes.has(before.error.code)),
      });
  }
  const notes = [...call.notes];
  if (!call.byAgent && (record.topic !== call.identity.topic || record.customerName !== call.identity.customerName)) {
    notes.push(
      `The same invitee, start, length and providers were booked at ${record.createdAt} as "${record.topic}" for ${record.customerName}; that booking is returned. To book another meeting at the same time, pass a new idempotency_key.`,
    );
  }
  if (retry.length > 0) {
    bookings.reopen(
      record.id,
      thisProcess,
      retry.map((r) => r.provider.id),
      phone,
    );
    await flow.run(meeting, retry, outcomes, onProgress);
  }

  const results = ordered(call.wanted, outcomes);
  const booked = bookedEntries(call.wanted, results);
  // A provider booked now: every host event lists its links too (only what each lacks is added).
  const annotated = retry.length > 0 && !elsewhere ? flow.annotate(meeting, booked, notes) : Promise.resolve();
  const covered = record.emailStatus === 'sent' && booked.every((b) => record.emailCovers.includes(b.id));
  let email: EmailOutcome;
  let emailed = false;
  if (booked.length === 0) {
    email = { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' };
  } else if (covered) {
    email = recordedEmail(record) ?? {
      status: 'skipped',
      reason: 'the invitee already has an e-mail listing every booked provider',
    };
  } else if (elsewhere) {
    // The process still booking sends the e-mail once it is done: one now, listing only part, would be a second one.
    email = {
      status: 'skipped',
      reason: 'another alsatalk-mcp process is still booking this meeting and e-mails the invitee when it is done',
    };
  } else {
    // An update when an earlier e-mail went out (its providers are recorded then), whatever the last one's state: an
    // e-mail still queued is the same invitation again, under the same key.
    const update = record.emailCovers.length > 0;
    // Queued earlier: the same key, so the outbox tries that entry now and reports where it stands.
    email = await mailer.sendInvitation(
      { meeting, booked, stamp: record.createdAt, update },
      onEmailQueued ? { onQueued: onEmailQueued } : {},
    );
    emailed = email.status === 'sent';
  }
  await annotated;
  const status = statusOf(results, booked.length);
  // A pure replay writes nothing.
  if (!underWay && (retry.length > 0 || !covered))
    flow.keep(() => bookings.finish(record.id, status, retry.length > 0 ? 'retried' : 'emailed'));
  return {
    bookingId: record.id,
    status,
    meeting,
    providers: results,
    email,
    notes: [...notes, ...flow.trouble],
    repeat: { firstCalledAt: record.createdAt, retried: retry.map((r) => r.provider.id), emailed },
  };
}
