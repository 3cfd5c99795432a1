// `npm run bench`: cold start, booking overhead and concurrency of the built server, in one run, as medians of
// repeated runs and ratios. Prints a table and writes docs/benchmark.json. A measurement, never a test: it fails only
// when the server could not do the job.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { booking } from './bench/booking.js';
import { coldStart } from './bench/cold-start.js';
import { round } from './bench/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = path.join(root, 'bin', 'alsatalk-mcp.js');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    'booking-runs': { type: 'string', default: '9' },
    latency: { type: 'string', default: '100' },
    'warm-up': { type: 'string', default: '10' },
  },
});
const runs = Number(values.runs);
const bookingRuns = Number(values['booking-runs']);
const latencyMs = Number(values.latency);
const warmUp = Number(values['warm-up']);

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const pad = (text: string, width: number): string => text.padEnd(width);

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  memoryGiB: round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
};
out(
  `alsatalk-mcp benchmark on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}`,
);

// The server must not find a developer's own configuration: a throwaway data folder, no keychain service of theirs.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: os.tmpdir(),
  ALSATALK_HOME: path.join(os.tmpdir(), `alsatalk-bench-cold-${process.pid}`),
};
const cold = await coldStart(path.join(root, '.bench'), binary, runs, env);
const [floor, minimal, ours, minimalV2, oursModern] = cold;
if (!floor || !minimal || !ours || !minimalV2 || !oursModern) throw new Error('cold start: a subject is missing');
out();
out(`1. Cold start: spawn to the answer of tools/list (median of ${runs}, interleaved)`);
for (const row of cold)
  out(
    `   ${pad(row.name, 56)} ${pad(`${round(row.medianMs)} ms`, 10)} peak RSS ${row.peakRssMiB === null ? 'n/a' : `${round(row.peakRssMiB)} MiB`}`,
  );
const timeRatio = ours.medianMs / minimal.medianMs;
const memoryRatio =
  ours.peakRssMiB !== null && minimal.peakRssMiB !== null ? ours.peakRssMiB / minimal.peakRssMiB : null;
out(
  `   alsatalk-mcp / minimal v1 SDK server: time ${round(timeRatio, 2)}x (target <= 0.75x), memory ${memoryRatio === null ? 'n/a' : `${round(memoryRatio, 2)}x`} (target <= 1x)`,
);
out(
  `   alsatalk-mcp / minimal v2 SDK server: time ${round(ours.medianMs / minimalV2.medianMs, 2)}x; a 2026-07-28 client's first tools/list: ${round(oursModern.medianMs)} ms`,
);

const figures = await booking(path.join(root, '.bench'), binary, bookingRuns, latencyMs, warmUp);
out();
out(
  `2. book_meeting, four providers and Resend on the sandbox, ${latencyMs} ms added to every provider call (median of ${bookingRuns}, after ${warmUp} warm-up bookings)`,
);
out(
  `   alsatalk-mcp: end to end ${round(figures.medianEndToEndMs)} ms, critical path ${round(figures.medianCriticalPathMs)} ms, overhead ${round(figures.medianOverheadMs)} ms (target <= 10 ms)`,
);
const f = figures.floor;
out(
  `   floor, a minimal SDK server's tool making ${f.calls} ky calls in a row: end to end ${round(f.medianEndToEndMs)} ms, calls ${round(f.medianCriticalPathMs)} ms, overhead ${round(f.medianOverheadMs)} ms`,
);
out(`   alsatalk-mcp's own overhead above the floor: ${round(figures.medianOverheadMs - f.medianOverheadMs)} ms`);
out(
  `   sequential provider round trips on the critical path (the conflict check included, the e-mail last): ${figures.medianRounds} (target <= 4)`,
);
out(
  `   the same booking in all five providers (Microsoft 365's Outlook event then lists the other links, beside the e-mail): end to end ${round(figures.everyProvider.medianEndToEndMs)} ms, ${figures.everyProvider.medianRounds} sequential rounds`,
);
const found = figures.find;
out(
  `   find_available_slots over ${found.days} days, every provider: end to end ${round(found.medianEndToEndMs)} ms (target <= 300 ms), ${found.medianRounds} sequential rounds (target <= 2); every provider consulted: ${found.allChecked ? 'yes' : 'NO'}`,
);
const c = figures.concurrent;
out();
out(
  `3. ${c.bookings} bookings at once over one connection, every access token expired, Resend at ${c.resendRatePerSecond} per second`,
);
out(
  `   total ${round(c.totalMs)} ms vs ${round(c.singleMedianMs)} ms for one booking (${round(c.ratio, 2)}x); all booked: ${c.allBooked ? 'yes' : 'NO'}`,
);
out(
  `   every e-mail out after ${round(c.emailsOutMs)} ms, against Resend's own floor of ${round(c.floorMs)} ms (${c.bookings} e-mails at ${c.resendRatePerSecond} per second): ${round(c.floorRatio, 2)}x (target <= 1.3x)`,
);
out(
  `   token refreshes: ${Object.entries(c.tokenRefreshes)
    .map(([id, n]) => `${id} ${n}`)
    .join(', ')} (target: exactly 1 each)`,
);

const report = {
  date: new Date().toISOString(),
  machine,
  coldStart: {
    runs,
    rows: cold.map((r) => ({
      ...r,
      medianMs: round(r.medianMs),
      peakRssMiB: r.peakRssMiB === null ? null : round(r.peakRssMiB),
    })),
    timeRatio: round(timeRatio, 3),
    memoryRatio: memoryRatio === null ? null : round(memoryRatio, 3),
    timeRatioToV2: round(ours.medianMs / minimalV2.medianMs, 3),
  },
  booking: {
    ...figures,
    medianEndToEndMs: round(figures.medianEndToEndMs),
    medianCriticalPathMs: round(figures.medianCriticalPathMs),
    medianOverheadMs: round(figures.medianOverheadMs),
    everyProvider: { ...figures.everyProvider, medianEndToEndMs: round(figures.everyProvider.medianEndToEndMs) },
    find: { ...figures.find, medianEndToEndMs: round(figures.find.medianEndToEndMs) },
    floor: {
      calls: f.calls,
      medianEndToEndMs: round(f.medianEndToEndMs),
      medianCriticalPathMs: round(f.medianCriticalPathMs),
      medianOverheadMs: round(f.medianOverheadMs),
    },
    ownOverheadMs: round(figures.medianOverheadMs - f.medianOverheadMs),
    concurrent: {
      ...c,
      totalMs: round(c.totalMs),
      singleMedianMs: round(c.singleMedianMs),
      ratio: round(c.ratio, 2),
      emailsOutMs: round(c.emailsOutMs),
      floorRatio: round(c.floorRatio, 2),
    },
  },
};
const file = path.join(root, 'docs', 'benchmark.json');
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
out();
out(`Written to ${path.relative(process.cwd(), file)}.`);
if (!c.allBooked || !figures.find.allChecked) process.exitCode = 1;
