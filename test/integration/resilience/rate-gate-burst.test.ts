// A gate with a burst, as Calendly's token requests use it (8 a minute per user: 4 at once, then one every 15 s), shared
// by two handles on one SQLite file: no 60 s window ever holds more than 8, and a 429's hold moves the next burst.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/storage/database.js';
import { RateGates } from '../../../src/storage/rate-gate.js';

let dir: string;
const opened: Db[] = [];
let now = 0;
const clock = () => now;
const handle = () => {
  const db = openDatabase(path.join(dir, 'alsatalk.db'));
  opened.push(db);
  return new RateGates(db, clock);
};
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-burst-'));
  now = 1_000_000;
});
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const interval = 15_000;
const burst = 4;

describe('a rate gate with a burst', () => {
  it('lets the burst through at once, then spaces the rest, across two handles, never 9 in a minute', () => {
    const [a, b] = [handle(), handle()];
    const slots = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve('calendly:token', interval, burst).at);
    expect(slots.slice(0, 4)).toEqual([now, now, now, now]);
    expect(slots.slice(4, 7)).toEqual([now + 15_000, now + 30_000, now + 45_000]);
    for (const start of slots)
      expect(slots.filter((s) => s >= start && s <= start + 60_000).length).toBeLessThanOrEqual(8);
  });

  it('is free again once the spacing has passed, and starts no turn inside a hold', () => {
    const [a, b] = [handle(), handle()];
    for (let i = 0; i < 4; i += 1) a.reserve('calendly:token', interval, burst);
    now += 60_000;
    expect(b.reserve('calendly:token', interval, burst).waitMs).toBe(0);
    b.defer('calendly:token', now + 60_000);
    const after = [a.reserve('calendly:token', interval, burst), b.reserve('calendly:token', interval, burst)];
    for (const slot of after) expect(slot.at).toBeGreaterThanOrEqual(now + 60_000);
    expect(after[0]?.at).toBe(now + 60_000);
  });
});
