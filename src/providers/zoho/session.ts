// A Zoho Bookings session: a confirmed appointment with the connected staff member (another service of theirs for
// another length), and the look-up of one an interrupted call made.
// API reference: https://www.zoho.com/bookings/help/api/v1/book-appointment.html
import { refreshedTokens } from '../../auth/oauth-session.js';
import { ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import type { ProviderSession, SessionContext } from '../provider.js';
import { openTimes } from './available-slots.js';
import { apiFailure, bookingsUrl, fetchList, readJson } from './bookings-calls.js';
import { cancelInZoho, rescheduleInZoho } from './changes.js';
import { reconnect } from './failure.js';
import { zohoClient } from './oauth.js';
import { settingsSchema } from './settings.js';
import { chooseService, serviceItem } from './setup-wire.js';
import { formatZohoTime } from './times.js';
import {
  displayName,
  fetchedAppointments,
  fromZohoAppointment,
  matchAppointment,
  openEnvelope,
  toZohoAppointmentForm,
} from './wire.js';

export function openZohoSession(ctx: SessionContext): ProviderSession {
  const parsed = settingsSchema.safeParse(ctx.settings);
  if (!parsed.success) {
    throw new ProviderError(displayName, 'not_connected', 'the stored Zoho Bookings settings are incomplete', {
      hint: `connect Zoho Bookings again: ${reconnect}`,
    });
  }
  const settings = parsed.data;
  // Each token answer names the API host (api_domain); the one seen at connect time serves until the first refresh.
  let apiDomain = settings.apiDomain;
  // Every token answer names the API host; a refresh reads the client secret from the keychain each time.
  const client = zohoClient(settings.accountsServer, ctx.timeoutMs, settings.clientId, () =>
    ctx.secret('client_secret'),
  );
  const { tokens, auth } = refreshedTokens(ctx, client, (token) => {
    apiDomain = token.api_domain;
  });
  const http = createHttp({ prefixUrl: '', timeoutMs: ctx.timeoutMs, auth });
  /** The connected service, or the staff member's service of another length (listed only then). */
  async function serviceFor(minutes: number, signal: AbortSignal) {
    const staffServices =
      settings.service.durationMinutes === minutes
        ? []
        : await fetchList(
            http,
            bookingsUrl(apiDomain, 'services'),
            { workspace_id: settings.workspace.id, staff_id: settings.staff.id },
            serviceItem,
            { signal },
          );
    return chooseService(settings.service, settings.staff, minutes, staffServices);
  }

  const calls = { http, apiDomain: () => apiDomain };

  return {
    async book(meeting, signal, gate) {
      try {
        await tokens.get(); // Learns the current api_domain before any URL is built.
        const { service, note } = await serviceFor(meeting.durationMinutes, signal);
        const form = new FormData();
        for (const [name, value] of Object.entries(
          toZohoAppointmentForm(meeting, { serviceId: service.id, staffId: settings.staff.id }),
        ))
          form.append(name, value);
        // multipart/form-data, as the reference says ("form-data"); fetch writes the boundary.
        await gate?.();
        const answer = await http.post(bookingsUrl(apiDomain, 'appointment'), { body: form, signal });
        const booked = fromZohoAppointment(await readJson(answer, true), meeting);
        const notes = [note, booked.note].filter(Boolean).join('. ');
        return { ...booked, ...(notes ? { note: notes } : {}) };
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async availability(query, signal) {
      try {
        await tokens.get();
        const { service } = await serviceFor(query.durationMinutes, signal);
        const target = { serviceId: service.id, staffId: settings.staff.id };
        return await openTimes(http, apiDomain, target, settings.timeZone, query, signal);
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async cancel({ booked }, _reason, signal) {
      try {
        await tokens.get();
        return await cancelInZoho(calls, booked.externalId, signal);
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async reschedule({ meeting, booked }, to, signal) {
      // The appointment's length is its service's: Reschedule Appointment moves the start only.
      if (to.durationMinutes !== meeting.durationMinutes)
        throw new ProviderError(
          displayName,
          'provider_rejected',
          `Zoho Bookings cannot change an appointment's length (${meeting.durationMinutes} minutes, its service's) when it moves it`,
          { hint: 'keep duration_minutes as it is, or cancel this booking and book the new length with book_meeting' },
        );
      // Reschedule Appointment takes a wall time and no zone: the workspace's (connect zoho --time-zone), as it reads
      // every other zoneless time; without one, the meeting's own zone, and the note says so.
      const zone = settings.timeZone ?? to.timezone;
      try {
        await tokens.get();
        const moved = await rescheduleInZoho(calls, booked, to, zone, signal);
        const note = settings.timeZone
          ? moved.note
          : [
              moved.note,
              `The new time was sent to Zoho Bookings as ${zone} wall time: connect zoho with --time-zone <the workspace's zone> so that a reschedule is read in the zone Zoho expects`,
            ]
              .filter(Boolean)
              .join('. ');
        return { booked: { ...booked, ...moved, ...(note ? { note } : {}) } };
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async findExisting(meeting, signal) {
      try {
        await tokens.get();
        // The day around the start, in the meeting's zone and a day either side: Fetch Appointment reads its bounds in the
        // workspace's zone, which may not be the meeting's.
        const day = meeting.start.setZone(meeting.timezone).startOf('day');
        const filters = {
          from_time: formatZohoTime(day.minus({ days: 1 }), meeting.timezone),
          to_time: formatZohoTime(day.plus({ days: 2 }).minus({ seconds: 1 }), meeting.timezone),
          staff_id: settings.staff.id,
          customer_email: meeting.customerEmail,
        };
        const form = new FormData();
        form.append('data', JSON.stringify(filters));
        const opened = openEnvelope(
          await readJson(await http.post(bookingsUrl(apiDomain, 'fetchappointment'), { body: form, signal }), false),
        );
        if (!opened)
          throw new ProviderError(
            displayName,
            'provider_unavailable',
            'Zoho Bookings answered fetchappointment in a shape we do not know',
            { hint: 'retry in a few minutes' },
          );
        if (!opened.ok)
          throw new ProviderError(
            displayName,
            'provider_rejected',
            `Zoho Bookings refused to list appointments: ${opened.message}`,
            { hint: 'look for the appointment in Zoho Bookings before booking again' },
          );
        const found = matchAppointment(fetchedAppointments(opened.value), meeting);
        return found
          ? fromZohoAppointment({ response: { status: 'success', returnvalue: found } }, meeting)
          : undefined;
      } catch (error) {
        throw await apiFailure(error);
      }
    },
  };
}
