// The SQLite file: opened in WAL mode, migrated forward through a version table, never holding a secret.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';

export type Db = Database.Database;

/**
 * Prepared statements, made once per database and kept, with the database, for the life of the process.
 * better-sqlite3 12 can abort the process on Node 24 when a Statement or Database is garbage-collected: its destructor
 * calls RemoveEnvironmentCleanupHook while no Node environment is current ("Assertion failed: (env) != nullptr";
 * WiseLibs/better-sqlite3#1515, gone in 13, which needs Node 22). So none of ours ever becomes garbage; a closed
 * database holds almost nothing, and a process opens one (a test run, a few hundred).
 */
const kept = new Map<Db, Map<string, Database.Statement>>();

export function statement(db: Db, source: string): Database.Statement {
  let cache = kept.get(db);
  if (!cache) {
    cache = new Map();
    kept.set(db, cache);
  }
  let prepared = cache.get(source);
  if (!prepared) {
    prepared = db.prepare(source);
    cache.set(source, prepared);
  }
  return prepared;
}

/** Ordered schema steps; a step is never edited once released, only followed by a new one. */
const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'connections and bookings',
    sql: `
      CREATE TABLE connections (
        connector    TEXT PRIMARY KEY,
        account      TEXT NOT NULL,
        settings     TEXT NOT NULL DEFAULT '{}',
        status       TEXT NOT NULL DEFAULT 'connected',
        expires_at   TEXT,
        connected_at TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE TABLE bookings (
        id               TEXT PRIMARY KEY,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        customer_name    TEXT NOT NULL,
        customer_email   TEXT NOT NULL,
        topic            TEXT NOT NULL,
        timezone         TEXT NOT NULL,
        start_at         TEXT NOT NULL,
        end_at           TEXT NOT NULL,
        duration_minutes INTEGER NOT NULL,
        status           TEXT NOT NULL,
        email_status     TEXT NOT NULL DEFAULT 'pending',
        email_id         TEXT,
        email_error      TEXT
      );
      CREATE TABLE booking_results (
        booking_id    TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
        provider      TEXT NOT NULL,
        status        TEXT NOT NULL,
        external_id   TEXT,
        details       TEXT NOT NULL DEFAULT '{}',
        error_code    TEXT,
        error_message TEXT,
        remedy        TEXT,
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (booking_id, provider)
      );
      CREATE INDEX bookings_start ON bookings(start_at);
    `,
  },
  {
    version: 2,
    name: 'granted scopes of a connection',
    // Space-separated, as OAuth writes them; NULL when the provider does not say (an API key, a personal token).
    sql: `ALTER TABLE connections ADD COLUMN scopes TEXT;`,
  },
  {
    version: 3,
    name: 'idempotent bookings',
    // idempotency_key: the call's key (NULL once it has lapsed, so the same call may book anew); request_hash: what the
    // call asked for; owner: host:pid of the process booking it (a dead owner means a crash, not a booking under way);
    // email_covers: the providers the last e-mail listed (JSON array), so a repeat that books more mails again.
    sql: `
      ALTER TABLE bookings ADD COLUMN idempotency_key TEXT;
      ALTER TABLE bookings ADD COLUMN request_hash TEXT;
      ALTER TABLE bookings ADD COLUMN owner TEXT;
      ALTER TABLE bookings ADD COLUMN customer_phone TEXT;
      ALTER TABLE bookings ADD COLUMN email_covers TEXT;
      CREATE UNIQUE INDEX bookings_idempotency_key ON bookings(idempotency_key);
    `,
  },
  {
    version: 4,
    name: 'rate gates',
    // One row per paced API ('resend'), shared by every process on this file (storage/rate-gate.ts): next_at is when
    // its next request may go, held_until when a 429's wait ends (epoch ms).
    sql: `
      CREATE TABLE rate_gates (
        name       TEXT PRIMARY KEY,
        next_at    INTEGER NOT NULL,
        held_until INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 5,
    name: 'e-mail outbox',
    // An e-mail recorded before it is sent (storage/outbox.ts): its Resend idempotency key, the invitation to render it
    // again byte for byte, and its retry state; owner + lease_until: who is sending it (epoch ms, like next_at,
    // expires_at); held_for: the mailer connection's stamp when it waits for a fix (a new key); last_*: the last answer.
    sql: `
      CREATE TABLE email_outbox (
        idempotency_key TEXT PRIMARY KEY,
        booking_id      TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
        invitation      TEXT NOT NULL,
        covers          TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        expires_at      INTEGER NOT NULL,
        next_at         INTEGER NOT NULL,
        held_for        TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0,
        owner           TEXT,
        lease_until     INTEGER NOT NULL DEFAULT 0,
        last_code       TEXT,
        last_message    TEXT,
        last_remedy     TEXT
      );
      CREATE INDEX email_outbox_next ON email_outbox(next_at);
      CREATE INDEX email_outbox_booking ON email_outbox(booking_id);
    `,
  },
  {
    version: 6,
    name: 'conflict check',
    // 'checking' while book_meeting checks the host's calendars: no provider has created anything yet (each waits for
    // the check), so a booking left so by a crash is started over. 'passed' once creating may begin; NULL before this.
    sql: `ALTER TABLE bookings ADD COLUMN conflict_check TEXT;`,
  },
  {
    version: 7,
    name: 'booking history',
    // Each booking's changes, appended and never rewritten: booked (and each repeat that tried providers again), later
    // rescheduled and cancelled; `outcome` is JSON (the status and each provider's state after the change). Bookings
    // made before keep one 'booked' change with the status they had.
    sql: `
      CREATE TABLE booking_changes (
        booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        at         TEXT NOT NULL,
        kind       TEXT NOT NULL,
        outcome    TEXT NOT NULL,
        PRIMARY KEY (booking_id, seq)
      );
      INSERT INTO booking_changes (booking_id, seq, at, kind, outcome)
        SELECT id, 1, updated_at, 'booked', json_object('status', status) FROM bookings WHERE status != 'pending';
      CREATE INDEX bookings_created ON bookings(created_at);
    `,
  },
  {
    version: 8,
    name: 'booking changes',
    // A cancel (later a reschedule) of a booking, found again by its idempotency key, with one step per provider:
    // `pending` before the provider is called (a crash leaves it so: a repeat calls it again, which is safe, as a meeting
    // already gone counts as done), then `done` or `failed`. ics_sequence is the SEQUENCE of the booking's last calendar
    // e-mail: each change's e-mail carries a higher one. Bookings made before may have sent an update with SEQUENCE 1.
    sql: `
      ALTER TABLE bookings ADD COLUMN ics_sequence INTEGER NOT NULL DEFAULT 0;
      UPDATE bookings SET ics_sequence = 1 WHERE email_covers IS NOT NULL;
      CREATE TABLE booking_operations (
        idempotency_key TEXT PRIMARY KEY,
        booking_id      TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
        kind            TEXT NOT NULL,
        target          TEXT NOT NULL,
        request_hash    TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        owner           TEXT,
        status          TEXT NOT NULL,
        sequence        INTEGER NOT NULL,
        email_key       TEXT,
        email_status    TEXT NOT NULL DEFAULT 'pending',
        email_id        TEXT,
        email_error     TEXT
      );
      CREATE INDEX booking_operations_booking ON booking_operations(booking_id);
      CREATE INDEX booking_operations_email ON booking_operations(email_key);
      CREATE TABLE operation_steps (
        operation_key TEXT NOT NULL REFERENCES booking_operations(idempotency_key) ON DELETE CASCADE,
        provider      TEXT NOT NULL,
        status        TEXT NOT NULL,
        result        TEXT NOT NULL DEFAULT '{}',
        error_code    TEXT,
        error_message TEXT,
        remedy        TEXT,
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (operation_key, provider)
      );
    `,
  },
];

const ownFolderHint = 'or point ALSATALK_HOME at a folder you own';

/**
 * SQLite opens a file it may not write read-only without a word, and fails only at the first write (a booking recorded
 * after a provider made the meeting): a folder or file this user cannot write is refused at once, naming the fix.
 */
function assertWritable(dir: string, file: string): void {
  /** The errno that denies `mode` on `target` (EACCES, EROFS), or undefined when it is allowed or not there yet. */
  const denial = (target: string, mode: number): string | undefined => {
    try {
      fs.accessSync(target, mode);
      return undefined;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? undefined : (code ?? 'denied');
    }
  };
  const fix = (target: string, mode: string): string =>
    `let this user write it (\`chmod ${mode} ${target}\` if it is yours, \`sudo chown "$USER" ${target}\` if not), ${ownFolderHint}`;
  const folder = denial(dir, fs.constants.W_OK | fs.constants.X_OK);
  if (folder)
    throw new AppError(
      'storage_failed',
      `The data folder ${dir} is not writable (${folder}), so the database cannot be opened`,
      { hint: fix(dir, 'u+rwx') },
    );
  const existing = denial(file, fs.constants.R_OK | fs.constants.W_OK);
  if (existing)
    throw new AppError('storage_failed', `The database file ${file} is read-only (${existing})`, {
      hint: fix(file, 'u+rw'),
    });
}

/** Opens (creating if needed) the database at `file`, with the data folder 0700 and the file 0600. */
export function openDatabase(file: string): Db {
  let db: Db;
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new AppError('storage_failed', `Cannot create the data folder of ${file}: ${(cause as Error).message}`, {
      cause,
      hint: `check that its parent folder is writable, ${ownFolderHint}`,
    });
  }
  assertWritable(dir, file);
  try {
    db = new Database(file);
    fs.chmodSync(file, 0o600);
  } catch (cause) {
    throw new AppError('storage_failed', `Cannot open the database ${file}: ${(cause as Error).message}`, {
      cause,
      hint: `check that the data folder is writable, ${ownFolderHint}`,
    });
  }
  kept.set(db, new Map());
  // exec, not pragma(): pragma() prepares a statement each call (see `statement`). synchronous=NORMAL is SQLite's advice
  // for WAL: a commit survives the process being killed at any point, and the database is never corrupted; only an
  // OS crash or power loss may undo the last commits. FULL would fsync each of a booking's dozen small commits.
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
  );
  migrate(db);
  return db;
}

/** Applies every migration newer than the recorded version, each in its own transaction. */
function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current =
    (statement(db, 'SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new AppError(
      'storage_failed',
      `The database schema (version ${current}) is newer than this alsatalk-mcp understands (${latest})`,
      {
        hint: 'upgrade alsatalk-mcp (npx alsatalk-mcp@latest)',
      },
    );
  }
  for (const step of migrations) {
    if (step.version <= current) continue;
    db.transaction(() => {
      db.exec(step.sql);
      statement(db, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        step.version,
        step.name,
        new Date().toISOString(),
      );
    })();
  }
}
