// The SQLite file and the secret stores, for real: a temp database file, the OS keychain, the encrypted file.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, statement } from '../../../src/storage/database.js';
import { FileSecretStore } from '../../../src/storage/file-secret-store.js';
import { KeychainSecretStore } from '../../../src/storage/keychain.js';
import { keychainAvailable } from '../../support/keychain.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-storage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('database', () => {
  it('creates the file 0600 in a 0700 folder, in WAL mode, with the schema version recorded', () => {
    const file = path.join(dir, 'data', 'alsatalk.db');
    const db = openDatabase(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statement(db, 'PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(statement(db, 'SELECT version, name FROM schema_migrations').all()).toEqual([
      { version: 1, name: 'connections and bookings' },
      { version: 2, name: 'granted scopes of a connection' },
      { version: 3, name: 'idempotent bookings' },
      { version: 4, name: 'rate gates' },
      { version: 5, name: 'e-mail outbox' },
      { version: 6, name: 'conflict check' },
      { version: 7, name: 'booking history' },
      { version: 8, name: 'booking changes' },
    ]);
    db.close();
  });

  it('reopens an existing file without migrating twice and keeps the data', () => {
    const file = path.join(dir, 'alsatalk.db');
    const first = openDatabase(file);
    statement(
      first,
      "INSERT INTO connections (connector, account, connected_at, updated_at) VALUES ('zoom', 'a', 'x', 'x')",
    ).run();
    first.close();
    const second = openDatabase(file);
    expect(statement(second, 'SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 8 });
    expect(statement(second, 'SELECT account FROM connections').get()).toEqual({ account: 'a' });
    second.close();
  });

  it('upgrades a version-1 file in place, keeping its connections', () => {
    const file = path.join(dir, 'alsatalk.db');
    const db = openDatabase(file);
    // What a version-1 install left behind: no scopes column, one migration recorded.
    db.exec(`DROP TABLE operation_steps; DROP TABLE booking_operations; ALTER TABLE bookings DROP COLUMN ics_sequence;
      DROP INDEX bookings_idempotency_key;
      ALTER TABLE bookings DROP COLUMN idempotency_key; ALTER TABLE bookings DROP COLUMN request_hash; ALTER TABLE bookings DROP COLUMN owner;
      ALTER TABLE bookings DROP COLUMN customer_phone; ALTER TABLE bookings DROP COLUMN email_covers;
      ALTER TABLE bookings DROP COLUMN conflict_check; DROP TABLE booking_changes; DROP INDEX bookings_created;
      ALTER TABLE connections DROP COLUMN scopes; DROP TABLE email_outbox; DROP TABLE rate_gates; DELETE FROM schema_migrations WHERE version >= 2;`);
    statement(
      db,
      "INSERT INTO connections (connector, account, connected_at, updated_at) VALUES ('zoom', 'a', 'x', 'x')",
    ).run();
    db.close();
    const upgraded = openDatabase(file);
    expect(statement(upgraded, 'SELECT account, scopes FROM connections').get()).toEqual({
      account: 'a',
      scopes: null,
    });
    expect(statement(upgraded, 'SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 8 });
    for (const column of ['idempotency_key', 'conflict_check', 'ics_sequence'])
      expect(
        statement(upgraded, 'SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?').get('bookings', column),
      ).toEqual({ n: 1 });
    upgraded.close();
  });

  it('gives the bookings made before the history one booked change each, with the status they had', () => {
    const file = path.join(dir, 'alsatalk.db');
    const db = openDatabase(file);
    // A version-6 file with two bookings: one done, one still pending (a call cut off).
    db.exec(
      `DROP TABLE operation_steps; DROP TABLE booking_operations; ALTER TABLE bookings DROP COLUMN ics_sequence; DROP TABLE booking_changes; DROP INDEX bookings_created;
       DELETE FROM schema_migrations WHERE version >= 7;`,
    );
    for (const [id, status] of [
      ['b-done', 'partial'],
      ['b-open', 'pending'],
    ])
      statement(
        db,
        `INSERT INTO bookings (id, created_at, updated_at, customer_name, customer_email, topic, timezone, start_at, end_at,
           duration_minutes, status) VALUES (?, 'x', '2026-12-01T10:00:00.000Z', 'Ada', 'ada@example.com', 't', 'UTC', 's', 'e', 30, ?)`,
      ).run(id, status);
    db.close();
    const upgraded = openDatabase(file);
    expect(statement(upgraded, 'SELECT booking_id, seq, at, kind, outcome FROM booking_changes').all()).toEqual([
      { booking_id: 'b-done', seq: 1, at: '2026-12-01T10:00:00.000Z', kind: 'booked', outcome: '{"status":"partial"}' },
    ]);
    upgraded.close();
  });

  it('upgrades a version-7 file: a booking whose invitation was updated once sends its next change with SEQUENCE 2', () => {
    const file = path.join(dir, 'alsatalk.db');
    const db = openDatabase(file);
    db.exec(
      `DROP TABLE operation_steps; DROP TABLE booking_operations; ALTER TABLE bookings DROP COLUMN ics_sequence; DELETE FROM schema_migrations WHERE version = 8;`,
    );
    for (const [id, covers] of [
      ['b-first', null],
      ['b-updated', '["zoom","google"]'],
    ])
      statement(
        db,
        `INSERT INTO bookings (id, created_at, updated_at, customer_name, customer_email, topic, timezone, start_at, end_at,
           duration_minutes, status, email_covers) VALUES (?, 'x', 'x', 'Ada', 'ada@example.com', 't', 'UTC', 's', 'e', 30, 'booked', ?)`,
      ).run(id, covers);
    db.close();
    const upgraded = openDatabase(file);
    expect(statement(upgraded, 'SELECT id, ics_sequence FROM bookings ORDER BY id').all()).toEqual([
      { id: 'b-first', ics_sequence: 0 },
      { id: 'b-updated', ics_sequence: 1 },
    ]);
    expect(statement(upgraded, 'SELECT COUNT(*) AS n FROM booking_operations').get()).toEqual({ n: 0 });
    upgraded.close();
  });

  it('refuses a database from a newer version and says to upgrade', () => {
    const file = path.join(dir, 'alsatalk.db');
    const db = openDatabase(file);
    statement(db, "INSERT INTO schema_migrations VALUES (99, 'future', 'x')").run();
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer than this alsatalk-mcp understands/);
  });

  it('names the file and the fix when the data folder cannot be created', () => {
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const target = path.join(blocker, 'alsatalk.db');
    expect(() => openDatabase(target)).toThrow(
      expect.objectContaining({
        code: 'storage_failed',
        message: expect.stringContaining(target),
        hint: expect.stringContaining('ALSATALK_HOME'),
      }),
    );
  });
});

describe.skipIf(!keychainAvailable)('OS keychain (real Secret Service)', () => {
  it('stores, reads and deletes a secret under its own service', async () => {
    const store = new KeychainSecretStore(`alsatalk-mcp-test-${randomUUID()}`);
    const secret = `s3cr3t-${randomUUID()}-ünïcødé-🔑`;
    await store.set('zoom:client_secret', secret);
    expect(await store.get('zoom:client_secret')).toBe(secret);
    await store.set('zoom:client_secret', 'rotated');
    expect(await store.get('zoom:client_secret')).toBe('rotated');
    expect(await store.delete('zoom:client_secret')).toBe(true);
    expect(await store.get('zoom:client_secret')).toBeNull();
  });

  it('keeps services apart', async () => {
    const a = new KeychainSecretStore(`alsatalk-mcp-test-${randomUUID()}`);
    const b = new KeychainSecretStore(`alsatalk-mcp-test-${randomUUID()}`);
    await a.set('resend:api_key', 'A');
    expect(await b.get('resend:api_key')).toBeNull();
    await a.delete('resend:api_key');
  });

  // Each keychain entry holds a D-Bus connection until it is garbage-collected; past 1024 open descriptors libdbus spins
  // at 100% CPU. A server that books all day must not creep towards that.
  it.skipIf(!existsSync('/proc/self/fd'))(
    'a thousand reads and writes leave the open connections where they were',
    { timeout: 120_000 },
    async () => {
      const openFiles = (): number => readdirSync('/proc/self/fd').length;
      const service = `alsatalk-mcp-test-${randomUUID()}`;
      const store = new KeychainSecretStore(service);
      await store.set('resend:api_key', 're_key');
      await store.set('zoom:access_token', 'token-0');
      const before = openFiles();
      for (let i = 1; i <= 250; i += 1) {
        await store.set('zoom:access_token', `token-${i}`);
        expect(await store.get('zoom:access_token')).toBe(`token-${i}`);
        expect(await store.get('resend:api_key')).toBe('re_key');
        expect(await new KeychainSecretStore(service).get('google:refresh_token')).toBeNull();
      }
      expect(openFiles() - before).toBeLessThanOrEqual(2);
      await store.delete('zoom:access_token');
      await store.delete('resend:api_key');
    },
  );
});

describe('encrypted file store', () => {
  it('round-trips secrets in a 0600 file that holds no plain text', async () => {
    const file = path.join(dir, 'secrets.enc');
    const store = new FileSecretStore(file, 'a long test passphrase 123', 'alsatalk-mcp');
    await store.set('zoom:client_secret', 'plain-secret-value');
    await store.set('resend:api_key', 're_key_value_123456');
    expect(await store.get('zoom:client_secret')).toBe('plain-secret-value');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/plain-secret-value|re_key_value/);
    expect(await store.delete('zoom:client_secret')).toBe(true);
    expect(await new FileSecretStore(file, 'a long test passphrase 123', 'alsatalk-mcp').get('resend:api_key')).toBe(
      're_key_value_123456',
    );
  });

  it('refuses a wrong passphrase with the fix, not garbage', async () => {
    const file = path.join(dir, 'secrets.enc');
    await new FileSecretStore(file, 'the right passphrase!!', 'alsatalk-mcp').set('a', 'b');
    await expect(new FileSecretStore(file, 'the wrong passphrase!!', 'alsatalk-mcp').get('a')).rejects.toMatchObject({
      code: 'secret_store_unavailable',
      hint: expect.stringContaining('ALSATALK_SECRET_FILE_KEY'),
    });
  });
});
