// Zoho Bookings' pure pieces: data centres, durations, wall times, the appointment form, Zoho's answers and failures.
import { DateTime, Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, ProviderError } from '../../src/errors.js';
import {
  accountsHosts,
  callbackAccountsServer,
  regions,
  resolveAccountsServer,
} from '../../src/providers/zoho/data-centres.js';
import {
  chooseService,
  listItems,
  parseZohoDuration,
  pickOne,
  serviceItem,
  unbookableReason,
  type ZohoService,
} from '../../src/providers/zoho/setup-wire.js';
import { formatZohoTime, parseZohoTime } from '../../src/providers/zoho/times.js';
import {
  describeZohoError,
  fromZohoAppointment,
  openEnvelope,
  toZohoAppointmentForm,
  zohoFailure,
} from '../../src/providers/zoho/wire.js';
import { sampleMeeting as meeting } from '../support/meeting.js';

const defaultUrl = 'https://accounts.zoho.com';
const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('callbackAccountsServer', () => {
  const fake = 'https://accounts.zoho.test';

  it("trusts the data centre a sign-in's callback names when it is one of Zoho's accounts hosts", () => {
    expect(callbackAccountsServer('https://accounts.zoho.eu', accountsHosts.us)).toEqual({
      server: 'https://accounts.zoho.eu',
      region: 'eu',
    });
    expect(callbackAccountsServer('https://accounts.zohocloud.ca/', fake)).toEqual({
      server: 'https://accounts.zohocloud.ca',
      region: 'ca',
    });
    expect(callbackAccountsServer('https://ACCOUNTS.ZOHO.IN', fake)).toEqual({
      server: 'https://accounts.zoho.in',
      region: 'in',
    });
    expect(callbackAccountsServer('https://accounts.zoho.ae', accountsHosts.us)).toEqual({
      server: 'https://accounts.zoho.ae',
      region: 'ae',
    });
  });

  it("falls back on the callback's location when it names no accounts server, unless we signed in at an override", () => {
    expect(callbackAccountsServer(null, accountsHosts.us, 'ae')).toEqual({ server: accountsHosts.ae, region: 'ae' });
    expect(callbackAccountsServer('', accountsHosts.us, 'SA')).toEqual({ server: accountsHosts.sa, region: 'sa' });
    expect(callbackAccountsServer(null, accountsHosts.us, 'mars')).toEqual({ server: accountsHosts.us, region: 'us' });
    expect(callbackAccountsServer(null, accountsHosts.us, 'constructor')).toEqual({
      server: accountsHosts.us,
      region: 'us',
    });
    expect(callbackAccountsServer(null, fake, 'eu')).toEqual({ server: fake });
    // accounts-server, when there, wins over location.
    expect(callbackAccountsServer(accountsHosts.eu, accountsHosts.us, 'in')).toEqual({
      server: accountsHosts.eu,
      region: 'eu',
    });
  });

  it('keeps the server signed in at (a configured override included) when the callback names it or nothing', () => {
    expect(callbackAccountsServer(fake, fake)).toEqual({ server: fake });
    expect(callbackAccountsServer(null, fake)).toEqual({ server: fake });
    expect(callbackAccountsServer('', accountsHosts.jp)).toEqual({ server: accountsHosts.jp, region: 'jp' });
  });

  it.each([
    ['https://accounts.zoho.eu.evil.test', 'another host'],
    ['http://accounts.zoho.eu', 'plain http'],
    ['https://accounts.zoho.eu/oauth/v2', 'a path'],
    ['https://user@accounts.zoho.eu', 'credentials'],
    ['https://accounts.zoho.eu:8443', 'another port'],
    ['accounts.zoho.eu', 'no scheme'],
  ])('refuses %s (%s)', (named) => {
    expect(callbackAccountsServer(named, fake)).toEqual({ refused: named });
  });
});

describe('resolveAccountsServer', () => {
  it.each([
    ['us', 'https://accounts.zoho.com'],
    ['eu', 'https://accounts.zoho.eu'],
    ['in', 'https://accounts.zoho.in'],
    ['au', 'https://accounts.zoho.com.au'],
    ['jp', 'https://accounts.zoho.jp'],
    ['ca', 'https://accounts.zohocloud.ca'],
    ['sa', 'https://accounts.zoho.sa'],
    ['cn', 'https://accounts.zoho.com.cn'],
    ['uk', 'https://accounts.zoho.uk'],
    ['ae', 'https://accounts.zoho.ae'],
  ])('--region %s uses %s', (region, server) => {
    expect(resolveAccountsServer(region, defaultUrl, defaultUrl)).toEqual({ server, region });
    expect(resolveAccountsServer(` ${region.toUpperCase()} `, undefined, defaultUrl)).toEqual({ server, region });
  });

  it('defaults to the US data centre', () => {
    expect(resolveAccountsServer(undefined, defaultUrl, defaultUrl)).toEqual({
      server: 'https://accounts.zoho.com',
      region: 'us',
    });
    expect(regions).toEqual(Object.keys(accountsHosts));
  });

  it('lets ALSATALK_ZOHO_ACCOUNTS_URL win, and says so when --region was given too', () => {
    expect(resolveAccountsServer(undefined, 'https://accounts.zoho.test', defaultUrl)).toEqual({
      server: 'https://accounts.zoho.test',
    });
    expect(resolveAccountsServer('jp', 'https://accounts.zoho.test', defaultUrl)).toEqual({
      server: 'https://accounts.zoho.test',
      region: 'jp',
      note: 'ALSATALK_ZOHO_ACCOUNTS_URL is set, so https://accounts.zoho.test is used instead of the jp accounts server.',
    });
  });

  it('refuses a data centre Zoho does not have, naming the ones it has', () => {
    const error = caught(() => resolveAccountsServer('com', defaultUrl, defaultUrl));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({
      field: '--region',
      hint: expect.stringContaining('us, eu, in, au, jp, ca, sa, cn, uk, ae'),
    });
    expect(caught(() => resolveAccountsServer('constructor', defaultUrl, defaultUrl))).toBeInstanceOf(InputError);
  });
});

describe('parseZohoDuration', () => {
  it.each([
    ['30 mins', 30],
    ['1 hour', 60],
    ['1 hour 30 mins', 90],
    ['2 hours', 120],
    ['45 min', 45],
    ['1 hr 15 mins', 75],
    ['1 hour and 5 minutes', 65],
    ['90 Minutes', 90],
    ['1.5 hours', 90],
    ['1 day', 1440],
    ['15', 15],
    [' 2 hours, 10 mins ', 130],
  ])('%j is %i minutes', (text, minutes) => {
    expect(parseZohoDuration(text)).toBe(minutes);
  });

  it.each(['', 'half an hour', '30 parsecs', '0 mins', '0', '1 hour later', '0.1 mins', 'mins 30'])(
    '%j is not a duration',
    (text) => {
      expect(parseZohoDuration(text)).toBeUndefined();
    },
  );
});

describe('formatZohoTime and parseZohoTime', () => {
  afterEach(() => {
    Settings.defaultLocale = 'en-US';
  });

  it.each([
    ['Pacific/Auckland in its summer (+13:00)', '2027-01-15T09:30:00Z', 'Pacific/Auckland', '15-Jan-2027 22:30:00'],
    ['Pacific/Auckland in its winter (+12:00)', '2026-07-01T20:00:00Z', 'Pacific/Auckland', '02-Jul-2026 08:00:00'],
    ['Asia/Kolkata (+05:30)', '2026-12-01T03:45:00Z', 'Asia/Kolkata', '01-Dec-2026 09:15:00'],
    ['America/St_Johns in winter (-03:30)', '2026-12-01T11:30:00Z', 'America/St_Johns', '01-Dec-2026 08:00:00'],
    ['America/St_Johns in summer (-02:30)', '2026-07-01T10:30:00Z', 'America/St_Johns', '01-Jul-2026 08:00:00'],
    [
      'Auckland just after clocks go forward (02:00 → 03:00)',
      '2026-09-26T14:00:00Z',
      'Pacific/Auckland',
      '27-Sep-2026 03:00:00',
    ],
    ['Auckland just before clocks go forward', '2026-09-26T13:59:00Z', 'Pacific/Auckland', '27-Sep-2026 01:59:00'],
    [
      'New York on the first 01:30 of the day clocks go back',
      '2026-11-01T05:30:00Z',
      'America/New_York',
      '01-Nov-2026 01:30:00',
    ],
    ['New York on the second 01:30 of that day', '2026-11-01T06:30:00Z', 'America/New_York', '01-Nov-2026 01:30:00'],
    ['St Johns across midnight into a new year', '2027-01-01T03:29:00Z', 'America/St_Johns', '31-Dec-2026 23:59:00'],
  ])('%s', (_label, instant, zone, wall) => {
    expect(formatZohoTime(DateTime.fromISO(instant, { zone: 'utc' }), zone)).toBe(wall);
  });

  it('writes English month names whatever the locale', () => {
    Settings.defaultLocale = 'de-DE';
    expect(formatZohoTime(DateTime.fromISO('2026-03-05T10:00:00Z').setLocale('fr'), 'UTC')).toBe(
      '05-Mar-2026 10:00:00',
    );
    expect(formatZohoTime(DateTime.fromISO('2026-09-05T10:00:00Z'), 'UTC')).toBe('05-Sep-2026 10:00:00');
  });

  it('reads back what it writes, and nothing else', () => {
    const at = parseZohoTime('15-Jan-2027 22:30:00', 'Pacific/Auckland');
    expect(at?.toUTC().toISO()).toBe('2027-01-15T09:30:00.000Z');
    expect(parseZohoTime('15-jan-2027 22:30:00', 'Pacific/Auckland')?.toMillis()).toBe(at?.toMillis());
    for (const bad of ['2027-01-15 22:30:00', '15-Foo-2027 22:30:00', '31-Feb-2027 10:00:00', '15-Jan-2027 22:30'])
      expect(parseZohoTime(bad, 'UTC')).toBeUndefined();
    expect(parseZohoTime('27-Sep-2026 02:30:00', 'Pacific/Auckland')).toBeUndefined(); // skipped by daylight saving
    expect(parseZohoTime('15-Jan-2027 22:30:00', 'Mars/Olympus')).toBeUndefined();
  });
});

describe('toZohoAppointmentForm', () => {
  const target = { serviceId: '4753814000000048054', staffId: '4753814000000048014' };

  it('sends the wall time with its zone as time_zone (the documented name, alone), the customer as a JSON string, and a note', () => {
    const m = meeting('2026-11-25T14:00', 'Asia/Kolkata', { customerPhone: '+919876543210' });
    expect(toZohoAppointmentForm(m, target)).toEqual({
      service_id: '4753814000000048054',
      staff_id: '4753814000000048014',
      from_time: '25-Nov-2026 14:00:00',
      time_zone: 'Asia/Kolkata',
      customer_details: '{"name":"Ada Lovelace","email":"ada@example.com","phone_number":"+919876543210"}',
      notes: 'Quarterly review (booked by alsatalk-mcp, ref f3b1c2d4-0000-4000-8000-000000000001)',
    });
  });

  it('leaves phone_number out when there is none, and keeps the note on one line', () => {
    const form = toZohoAppointmentForm(
      meeting('2026-11-25T14:00', 'Pacific/Auckland', { topic: 'Intro\r\ncall "quoted"' }),
      target,
    );
    expect(JSON.parse(form.customer_details ?? '')).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(form.notes).toBe('Intro call "quoted" (booked by alsatalk-mcp, ref f3b1c2d4-0000-4000-8000-000000000001)');
    expect(form.from_time).toBe('25-Nov-2026 14:00:00');
  });
});

describe('fromZohoAppointment', () => {
  const m = meeting('2026-11-25T14:00', 'America/New_York');
  const answer = (returnvalue: Record<string, unknown>) => ({ response: { returnvalue, status: 'success' } });

  it('takes the booking id and the summary link', () => {
    const url = 'https://acme.zohobookings.com/portal/appointment-summary/%23AN-00014';
    expect(
      fromZohoAppointment(
        answer({
          booking_id: '#AN-00014',
          summary_url: url,
          start_time: '25-Nov-2026 14:00:00',
          time_zone: 'America/New_York',
        }),
        m,
      ),
    ).toEqual({
      externalId: '#AN-00014',
      reference: { label: 'Booking ID', value: '#AN-00014' },
      links: [{ label: 'Zoho Bookings appointment', url }],
      confirmation: 'confirmed',
    });
  });

  it('books without a link when the summary URL is missing or not a web address', () => {
    expect(fromZohoAppointment(answer({ booking_id: '#AN-00015' }), m).links).toEqual([]);
    expect(
      fromZohoAppointment(answer({ booking_id: '#AN-00016', summary_url: 'javascript:alert(1)' }), m).links,
    ).toEqual([]);
  });

  it.each([
    [
      'the wall time in the request zone, time_zone the workspace zone',
      { start_time: '25-Nov-2026 14:00:00', time_zone: 'America/Los_Angeles' },
    ],
    ['the same instant in the echoed zone', { start_time: '25-Nov-2026 11:00:00', time_zone: 'America/Los_Angeles' }],
    [
      'customer_booking_start_time in the request zone, start_time in the echoed one',
      {
        start_time: '25-Nov-2026 11:00:00',
        customer_booking_start_time: '2026-11-25 14:00:00',
        time_zone: 'America/Los_Angeles',
      },
    ],
    ['customer_booking_start_time alone', { customer_booking_start_time: '2026-11-25 14:00:00' }],
    ['fields it cannot read', { start_time: 'tomorrow', time_zone: 'Mars/Olympus' }],
  ])(
    'says nothing when some reading of the echo is the requested instant (%s): Zoho documents no zone for it',
    (_label, echo) => {
      expect(fromZohoAppointment(answer({ booking_id: '#AN-00017', ...echo }), m).note).toBeUndefined();
    },
  );

  it('records an echo no reading makes the requested instant, without alarm, and keeps the booking', () => {
    const booked = fromZohoAppointment(
      answer({
        booking_id: '#AN-00017',
        start_time: '25-Nov-2026 09:00:00',
        customer_booking_start_time: '2026-11-25 09:00:00',
        time_zone: 'America/Los_Angeles',
      }),
      m,
    );
    expect(booked.externalId).toBe('#AN-00017');
    expect(booked.note).toBe(
      'Zoho Bookings echoed start_time 25-Nov-2026 09:00:00, customer_booking_start_time 2026-11-25 09:00:00, time_zone America/Los_Angeles for the requested 25-Nov-2026 14:00:00 America/New_York (Zoho does not document the zone of these fields)',
    );
    expect(booked.note).not.toMatch(/correct/);
  });

  it('notes a wall time that happens twice, since Zoho cannot be told which', () => {
    for (const [instant, offset] of [
      ['2026-11-01T05:30:00Z', '-04:00'],
      ['2026-11-01T06:30:00Z', '-05:00'],
    ] as const) {
      const start = DateTime.fromISO(instant).setZone('America/New_York');
      const m2 = meeting('2026-11-01T01:30', 'America/New_York', { start, end: start.plus({ minutes: 30 }) });
      expect(fromZohoAppointment(answer({ booking_id: '#AN-00018' }), m2).note).toBe(
        `01:30 happens twice on 2026-11-01 in America/New_York and Zoho Bookings takes the wall time only: check in Zoho Bookings that it booked the one at UTC${offset}`,
      );
    }
    expect(
      fromZohoAppointment(answer({ booking_id: '#AN-00019' }), meeting('2026-11-01T03:30', 'America/New_York')).note,
    ).toBeUndefined();
  });

  it.each([
    [
      'returnvalue.status',
      { response: { returnvalue: { status: 'failure', message: 'Slot not available' }, status: 'success' } },
      'Slot not available',
    ],
    [
      'response.status with message',
      { response: { status: 'failure', message: 'Invalid service_id' } },
      'Invalid service_id',
    ],
    [
      'response.status with errormessage',
      { response: { status: 'failure', errormessage: 'Invalid from_time' } },
      'Invalid from_time',
    ],
    ['a bare failure', { response: { status: 'failure' } }, 'no reason given'],
  ])("turns a failure in %s (HTTP 200) into an error with Zoho's message", (_where, body, message) => {
    const error = caught(() => fromZohoAppointment(body, m));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain(`Zoho said: "${message}"`);
    expect((error as ProviderError).status).toBe(200);
  });

  it.each([
    { response: { returnvalue: {}, status: 'success' } },
    { response: { status: 'success' } },
    { data: [] },
    'ok',
  ])('refuses an answer without a booking id: %j', (body) => {
    expect(caught(() => fromZohoAppointment(body, m))).toMatchObject({
      code: 'provider_unavailable',
      hint: expect.stringContaining('so it is not doubled'),
    });
  });
});

describe('zohoFailure', () => {
  const withPhone = { customerPhone: '+14155550123' };
  it.each([
    [
      'Please enter a valid phone number',
      {},
      'invalid_input',
      /ask the customer for their phone number.*same details plus customer_phone.*only Zoho Bookings is tried again/,
    ],
    ['Contact number is mandatory', {}, 'invalid_input', /ask the customer/],
    // Without a phone, any wording asks for it: Zoho documents it as mandatory in customer_details.
    ['Mandatory fields are missing', {}, 'invalid_input', /ask the customer for their phone number/],
    ['Invalid customer_details', {}, 'invalid_input', /ask the customer for their phone number/],
    ['Slot not available for the selected staff', {}, 'invalid_input', /ask the customer for their phone number/],
    ['Invalid phone number', { customerPhone: '+1555' }, 'invalid_input', /check the number with the customer/],
    ['Slot not available for the selected staff', withPhone, 'provider_rejected', /not free then/],
    ['The staff is busy at the selected time', withPhone, 'provider_rejected', /not free then/],
    ['API limit exceeded for the day', {}, 'rate_limited', /retry tomorrow/],
    [
      'Invalid input for notes',
      withPhone,
      'provider_rejected',
      /call book_meeting again with the same details: only Zoho Bookings is tried again/,
    ],
  ])('%j → %s', (message, m, code, hint) => {
    const error = zohoFailure(message, m);
    expect(error).toMatchObject({ code, hint: expect.stringMatching(hint), provider: 'Zoho Bookings' });
    expect(error.message).toContain(message);
  });
});

describe('unbookableReason', () => {
  const service = (service_type?: string): ZohoService => ({
    id: '1',
    name: 'S',
    duration: '30 mins',
    ...(service_type ? { service_type } : {}),
  });

  it('books APPOINTMENT services (and those without a type) with a staff member, and says why not the others', () => {
    expect(unbookableReason(service('APPOINTMENT'))).toBeUndefined();
    expect(unbookableReason(service())).toBeUndefined();
    expect(unbookableReason(service('CLASS'))).toMatch(/CLASS service .* documents no way to book/);
    expect(unbookableReason(service('resource'))).toMatch(/RESOURCE service is booked with a resource/);
    expect(unbookableReason(service('COLLECTIVE'))).toMatch(/staff group/);
    expect(unbookableReason(service('WEBINAR'))).toMatch(/only for APPOINTMENT services, and this one is WEBINAR/);
  });
});

describe('chooseService', () => {
  const connected = { id: 's30', name: 'Intro call', duration: '30 mins', durationMinutes: 30 };
  const ann = { id: 'ann', name: 'Ann Smith' };
  const service = (id: string, name: string, duration: string, extra: Partial<ZohoService> = {}): ZohoService => ({
    id,
    name,
    duration,
    service_type: 'APPOINTMENT',
    assigned_staffs: ['ann'],
    ...extra,
  });

  it('keeps the connected service when its length matches, without needing the list', () => {
    expect(chooseService(connected, ann, 30)).toEqual({ service: connected });
  });

  it("falls back to the first of the staff member's services of the right length, and says why", () => {
    const list = [
      service('room', 'Room', '1 hour', { service_type: 'RESOURCE' }),
      service('bob', 'Bob only', '1 hour', { assigned_staffs: ['bob'] }),
      service('s60', 'Deep dive', '1 hour'),
      service('s60b', 'Other hour', '60 mins'),
    ];
    expect(
      chooseService(connected, ann, 60, [service('yoga', 'Yoga', '1 hour', { service_type: 'CLASS' }), ...list]),
    ).toMatchObject({ service: { id: 's60' } });
    expect(chooseService(connected, ann, 60, list)).toEqual({
      service: { id: 's60', name: 'Deep dive', duration: '1 hour', durationMinutes: 60 },
      note: 'Booked Zoho service "Deep dive" (1 hour), because the connected service "Intro call" (30 mins) is not 60 minutes long',
    });
  });

  it('names the lengths there are and the fix when none matches', () => {
    const list = [
      service('s30', 'Intro call', '30 mins'),
      service('s90', 'Long', '1 hour 30 mins'),
      service('odd', 'Odd', 'a while'),
      service('class', 'Class', '2 hours', { service_type: 'COLLECTIVE' }),
    ];
    const error = caught(() => chooseService(connected, ann, 45, list));
    expect(error).toMatchObject({
      code: 'provider_rejected',
      message:
        'Zoho Bookings has no 45-minute service for Ann Smith: a Zoho service has a fixed length, and Ann Smith\'s services are "Intro call" (30 mins), "Long" (1 hour 30 mins), "Odd" (a while)',
      hint: expect.stringMatching(
        /^book 30 or 90 minutes instead \(duration_minutes\), or create a 45-minute service in Zoho Bookings, assign Ann Smith to it/,
      ),
    });
  });
});

describe('pickOne', () => {
  const items = [
    { id: '1', name: 'Intro call' },
    { id: '2', name: 'Deep dive' },
    { id: '3', name: 'deep dive' },
  ];

  it('finds by id, or by name in any case', () => {
    expect(pickOne('service', '--service', items, '2')).toBe(items[1]);
    expect(pickOne('service', '--service', items, '  INTRO CALL ')).toBe(items[0]);
    expect(pickOne('service', '--service', [items[0]!], undefined)).toBe(items[0]);
  });

  it('refuses an ambiguous name, an unknown one, several without a choice, and none', () => {
    expect(caught(() => pickOne('service', '--service', items, 'Deep Dive'))).toMatchObject({
      field: '--service',
      hint: 'give the id instead: --service <id>',
    });
    expect(caught(() => pickOne('service', '--service', items, 'Yoga'))).toMatchObject({
      message: '--service: Zoho Bookings has no service "Yoga"',
      hint: expect.stringContaining('"Intro call" (id 1)'),
    });
    expect(caught(() => pickOne('service', '--service', items, undefined))).toMatchObject({
      message: expect.stringContaining('there are several services: "Intro call" (id 1), "Deep dive" (id 2)'),
    });
    expect(caught(() => pickOne('workspace', '--workspace', [], undefined))).toMatchObject({
      hint: 'create a workspace in Zoho Bookings first, then connect again',
    });
  });
});

describe('answers and errors', () => {
  it('opens the envelope and lists items, dropping those of an unknown shape', () => {
    const body = {
      response: {
        returnvalue: {
          data: [{ id: '1', name: 'A', duration: '30 mins' }, { id: '2' }, { id: 3, name: 'C', duration: 60 }],
        },
        status: 'success',
      },
    };
    const opened = openEnvelope(body);
    expect(opened?.ok).toBe(true);
    expect(listItems(opened?.ok ? opened.value : undefined, serviceItem)).toEqual([
      { id: '1', name: 'A', duration: '30 mins' },
      { id: '3', name: 'C', duration: '60' },
    ]);
    expect(openEnvelope({ error: 'x' })).toBeUndefined();
    expect(listItems(undefined, serviceItem)).toEqual([]);
  });

  it("describes an HTML page by its title, never pasting it, and Zoho's other error shapes", () => {
    expect(
      describeZohoError(
        '<!DOCTYPE html><html><head><title>Zoho Creator - Error Page</title></head><body>…</body></html>',
      ),
    ).toBe(
      'an HTML error page ("Zoho Creator - Error Page") instead of JSON, Zoho\'s answer to a missing or refused access token',
    );
    expect(describeZohoError({ response: { status: 'failure', message: 'Invalid\nworkspace' } })).toBe(
      'Invalid workspace',
    );
    expect(
      describeZohoError({ error: 'Access Denied', error_description: 'You have made too many requests continuously.' }),
    ).toBe('You have made too many requests continuously. (Access Denied)');
    expect(describeZohoError('Service Unavailable')).toBe('Service Unavailable');
    expect(describeZohoError('')).toBeUndefined();
  });
});
