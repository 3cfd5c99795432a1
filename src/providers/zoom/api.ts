// Zoom: a scheduled meeting (type 2) with a passcode, through Server-to-Server OAuth (account credentials) or a user's
// own sign-in (a General app's public client: authorization code + PKCE, rotating refresh tokens); connect.ts connects.
// API reference: https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
import { z } from 'zod';
import type { BookedMeeting } from '../../meeting.js';
import { appTokens, refreshedTokens } from '../../auth/oauth-session.js';
import { AppError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { convertFailure } from '../../http/failure.js';
import type { ProviderImplementation } from '../lazy.js';
import type { BusyBlock, ConnectorContext } from '../provider.js';
import { inTurns } from '../../in-turns.js';
import { fromMeetingPage, fromSeries } from './busy.js';
import { connectServerToServer, connectUser } from './connect.js';
import { failure, reconnect, scopeRefusal, userFailure, type ScopeContext } from './failure.js';
import { createRateRefusal, createTurn } from './limits.js';
import { zoom } from './manifest.js';
import { appClient, publicClient } from './oauth.js';
import { displayName, findTaggedMeeting, fromZoomMeeting, toZoomMeeting, zoomErrorCode } from './wire.js';
import { toZoomZone } from './zone.js';

type Endpoints = { api: string; oauth: string };

/** Server-to-Server connections were stored before `auth` existed: a missing `auth` means S2S. */
const s2sSettings = z.object({
  auth: z.literal('s2s').optional(),
  accountId: z.string(),
  clientId: z.string(),
  userId: z.string().default('me'),
});
const oauthSettings = z.object({
  auth: z.literal('oauth'),
  clientId: z.string().min(1),
  userId: z.literal('me').default('me'),
});
const settingsSchema = z.union([oauthSettings, s2sSettings]);

/** What `zoom.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  async connect(values, ctx: ConnectorContext) {
    return values.accountId?.trim() ? connectServerToServer(values, ctx) : connectUser(values, ctx);
  },

  openSession(ctx) {
    const parsed = settingsSchema.safeParse(ctx.settings);
    if (!parsed.success) {
      throw new ProviderError(displayName, 'not_connected', 'the stored Zoom settings are incomplete', {
        hint: `connect Zoom again: ${reconnect}`,
      });
    }
    const settings = parsed.data;
    const endpoints = ctx.endpoints as Endpoints;
    const user = settings.auth === 'oauth';
    // A user's refresh token is replaced on every use; an S2S app asks for a token with its credentials each time.
    const { auth } =
      settings.auth === 'oauth'
        ? refreshedTokens(ctx, publicClient(endpoints.oauth, ctx.timeoutMs, settings.clientId))
        : appTokens(
            ctx,
            appClient(endpoints.oauth, ctx.timeoutMs, settings.clientId, () => ctx.secret('client_secret')),
            { account_id: settings.accountId },
          );
    const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs, auth });
    const scopes: ScopeContext = { admin: !user, connectAgain: zoom.reconnect?.(settings) ?? reconnect };
    const context = user ? userFailure : failure;
    return {
      async book(meeting, signal, gate) {
        const zone = toZoomZone(meeting.timezone, meeting.start);
        try {
          await gate?.();
          await createTurn(ctx, signal);
          const body = await http
            .post(`users/${encodeURIComponent(settings.userId)}/meetings`, {
              json: toZoomMeeting(meeting, zone),
              signal,
            })
            .json();
          return withNote(fromZoomMeeting(body), zone.note);
        } catch (error) {
          if (error instanceof AppError) throw error;
          const { error: converted, body } = await convertFailure(error, context);
          if (converted.status === 429)
            throw createRateRefusal(converted, body, ctx, settings.userId, scopes.connectAgain);
          throw scopeRefusal(converted, body, scopes) ?? converted;
        }
      },

      async availability(query, signal) {
        const from = query.from.toMillis();
        const to = query.to.toMillis();
        try {
          const busy: BusyBlock[] = [];
          const recurring: string[] = [];
          let nextPage: string | undefined;
          for (let page = 0; page < maxBusyPages; page += 1) {
            // Every upcoming meeting, not from/to: a series is listed once, at a start that may lie outside the range.
            const searchParams = {
              type: 'upcoming',
              page_size: 300,
              ...(nextPage ? { next_page_token: nextPage } : {}),
            };
            const listed = fromMeetingPage(
              await http.get(`users/${encodeURIComponent(settings.userId)}/meetings`, { searchParams, signal }).json(),
            );
            busy.push(...listed.busy);
            recurring.push(...listed.series);
            nextPage = listed.nextPage;
            if (!nextPage) break;
          }
          const occurrences = await inTurns(recurring, seriesAtOnce, async (id) =>
            fromSeries(await http.get(`meetings/${encodeURIComponent(id)}`, { signal }).json()),
          );
          const blocks = [...busy, ...occurrences.flat()].filter((b) => b.start < to && from < b.end);
          return { kind: 'busy', busy: blocks };
        } catch (error) {
          if (error instanceof AppError) throw error;
          const { error: converted, body } = await convertFailure(error, context);
          throw scopeRefusal(converted, body, scopes, "cannot read the host's scheduled Zoom meetings") ?? converted;
        }
      },

      async cancel({ booked }, _reason, signal) {
        try {
          // Our own e-mail tells the invitee; Zoom's reminders would tell the host and registrants a second time.
          await http.delete(`meetings/${encodeURIComponent(booked.externalId)}`, {
            searchParams: { schedule_for_reminder: false, cancel_meeting_reminder: false },
            signal,
          });
          return { state: 'cancelled' };
        } catch (error) {
          if (error instanceof AppError) throw error;
          const { error: converted, body } = await convertFailure(error, context);
          // 3001 "Meeting does not exist": deleted already (an earlier try of this cancel, or the host).
          if (converted.status === 404 && (zoomErrorCode(body) ?? 3001) === 3001)
            return { state: 'already_gone', note: 'Zoom no longer had the meeting: it was deleted earlier.' };
          throw scopeRefusal(converted, body, scopes, 'cannot delete the Zoom meeting') ?? converted;
        }
      },

      async reschedule({ booked }, to, signal) {
        const zone = toZoomZone(to.timezone, to.start);
        const id = encodeURIComponent(booked.externalId);
        try {
          // Update a meeting counts against the same 100 a day per user as creating one; it answers 204 without a body.
          await createTurn(ctx, signal);
          const { start_time, duration, timezone } = toZoomMeeting(to, zone);
          await http.patch(`meetings/${id}`, {
            json: { start_time, duration, ...(timezone ? { timezone } : {}) },
            signal,
          });
          // The id, join URL and passcode stay; read back, so the record shows Zoom's own answer. An app without the read
          // scope moved it all the same: the recorded meeting is still right then.
          const fresh = await http
            .get(`meetings/${id}`, { signal })
            .json()
            .then(fromZoomMeeting)
            .catch(() => booked);
          return { booked: withNote({ ...fresh, note: undefined }, zone.note) };
        } catch (error) {
          if (error instanceof AppError) throw error;
          const { error: converted, body } = await convertFailure(error, context);
          if (converted.status === 404 && (zoomErrorCode(body) ?? 3001) === 3001)
            throw new ProviderError(
              displayName,
              'provider_rejected',
              'the Zoom meeting no longer exists (it was deleted)',
              {
                hint: 'book a new meeting with book_meeting, or cancel this booking with cancel_booking',
                status: 404,
              },
            );
          if (converted.status === 429)
            throw createRateRefusal(converted, body, ctx, settings.userId, scopes.connectAgain);
          throw scopeRefusal(converted, body, scopes, 'cannot move the Zoom meeting') ?? converted;
        }
      },

      async findExisting(meeting, signal) {
        try {
          // The meeting's UTC day, asked in UTC: `from` and `to` are dates in `timezone`, and filter only when both are set.
          const day = meeting.start.toUTC().toISODate() ?? '';
          let nextPage: string | undefined;
          for (let page = 0; page < maxListPages; page += 1) {
            const searchParams = {
              type: 'upcoming',
              page_size: 300,
              from: day,
              to: day,
              timezone: 'UTC',
              ...(nextPage ? { next_page_token: nextPage } : {}),
            };
            const listed = findTaggedMeeting(
              await http.get(`users/${encodeURIComponent(settings.userId)}/meetings`, { searchParams, signal }).json(),
              meeting,
            );
            // The list has no passcode: the meeting itself has.
            if (listed.id) {
              const found = fromZoomMeeting(
                await http.get(`meetings/${encodeURIComponent(listed.id)}`, { signal }).json(),
              );
              return withNote(found, toZoomZone(meeting.timezone, meeting.start).note);
            }
            nextPage = listed.nextPage;
            if (!nextPage) break;
          }
          return undefined;
        } catch (error) {
          if (error instanceof AppError) throw error;
          const { error: converted, body } = await convertFailure(error, context);
          const refused = scopeRefusal(
            converted,
            body,
            scopes,
            'cannot look in Zoom for the meeting an interrupted call may have made',
          );
          if (!refused) throw converted;
          throw new ProviderError(displayName, refused.code, refused.message, {
            hint: `${refused.hint ?? ''}, then repeat the call; or look for it in the Zoom web portal`,
            ...(refused.status !== undefined ? { status: refused.status } : {}),
          });
        }
      },
    };
  },
};

/** The booked meeting with the time-zone note, when Zoom shows it in another zone than the one asked. */
const withNote = (booked: BookedMeeting, note: string | undefined): BookedMeeting =>
  note ? { ...booked, note } : booked;

/** A user's meetings that day fit one page of 300; a few more pages cover an account that books all day. */
const maxListPages = 5;
/** An account's upcoming meetings fit a few pages of 300; past that, the rest would cost more rounds than it is worth. */
const maxBusyPages = 5;
/** Recurring series read at once (Get a meeting is a Light call: Zoom allows many more). */
const seriesAtOnce = 8;
