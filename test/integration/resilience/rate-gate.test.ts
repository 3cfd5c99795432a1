// The rate gate shared through the SQLite file: two handles, and two real processes, on one file together keep the
// rate; a 429's hold reaches the waiters that had already taken a slot; a wait ends when its signal aborts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/storage/database.js';
import { RateGates } from '../../../src/storage/rate-gate.js';
import { runProcess } from '../../support/cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let dir: string;
let file: string;
const opened: Db[] = [];
const open = (): Db => {
  const db = openDatabase(file);
  opened.push(db);
  return db;
};
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-gate-'));
  file = path.join(dir, 'alsatalk.db');
});
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The most of `times` (ms) that fall in any closed window of `windowMs`. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j += 1) {
    while ((sorted[j] ?? 0) - (sorted[i] ?? 0) > windowMs) i += 1;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('a rate gate in the SQLite file', () => {
  it('spaces the slots two handles on one file take in turn, as one queue', () => {
    const [a, b] = [new RateGates(open()), new RateGates(open())];
    const slots = Array.from({ length: 40 }, (_, i) => ((i * 7) % 3 === 0 ? a : b).reserve('resend', 500).at);
    const sorted = [...slots].sort((x, y) => x - y);
    expect(new Set(slots).size).toBe(40);
    for (let i = 1; i < sorted.length; i += 1)
      expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThanOrEqual(500);
    expect(busiestWindow(slots, 1000)).toBeLessThanOrEqual(2 + 1);
    // Another gate has its own queue.
    expect(a.reserve('calendly-token', 7500).waitMs).toBe(0);
  });

  it('keeps the rate across two processes waiting on one file at once', async () => {
    // Each process is this module, bundled (better-sqlite3 stays the project's native module), waiting its turns.
    const cache = path.join(root, 'node_modules', '.cache', 'alsatalk-tests');
    mkdirSync(cache, { recursive: true });
    const driver = path.join(cache, 'gate-driver.mjs');
    const entry = path.join(dir, 'driver.ts');
    writeFileSync(
      entry,
      `import { openDatabase } from ${JSON.stringify(path.join(root, 'src/storage/database.ts'))};
import { RateGates } from ${JSON.stringify(path.join(root, 'src/storage/rate-gate.ts'))};
const [file, perSecond, turns, startAt] = process.argv.slice(2);
const gates = new RateGates(openDatabase(file));
const pace = gates.pace('resend', Number(perSecond));
await new Promise((resolve) => setTimeout(resolve, Number(startAt) - Date.now()));
const times = await Promise.all(Array.from({ length: Number(turns) }, () => pace.wait().then(() => Date.now())));
process.stdout.write(JSON.stringify(times));
`,
    );
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: driver,
      external: ['better-sqlite3'],
      logLevel: 'warning',
    });
    open(); // migrated once here, so the two processes start on the same schema
    const perSecond = 5;
    const startAt = Date.now() + 1500;
    const runs = await Promise.all(
      [1, 2].map(() => runProcess(process.execPath, [driver, file, String(perSecond), '8', String(startAt)])),
    );
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    const times = runs.flatMap((run) => JSON.parse(run.stdout) as number[]);
    expect(times).toHaveLength(16);
    // 16 turns at 5 a second: never more than 5 (+1 at the window's closed edge) in any second, by both together.
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(perSecond + 1);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(((16 - 1) * 1000) / perSecond - 50);
  });

  it('holds every waiter, even one whose slot was taken before, until a 429 names the wait is over', async () => {
    const [a, b] = [new RateGates(open()), new RateGates(open())];
    const pace = a.pace('resend', 2);
    await pace.wait(); // the gate's first slot: at once
    const waiting = pace.wait().then(() => Date.now()); // the next slot, 500 ms on
    const until = Date.now() + 1200;
    b.defer('resend', until); // another process met a 429 asking for 1.2 s
    expect(await waiting).toBeGreaterThanOrEqual(until);
    // And the slot after it comes an interval after the hold, not with it.
    expect(b.reserve('resend', 500).at).toBeGreaterThanOrEqual(until + 500);
  });

  it('ends a wait when its signal aborts, with the signal reason', async () => {
    const gates = new RateGates(open());
    gates.defer('resend', Date.now() + 60_000);
    const reason = new Error('the booking ran out of time');
    const controller = new AbortController();
    const waiting = gates.wait('resend', 500, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
