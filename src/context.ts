// What every command opens once: the configuration, the SQLite file and the secret store.
import { loadConfig, type Config } from './config.js';
import { endpointSpecs } from './connectors.js';
import { createLogger, type Logger } from './log.js';
import { BookingRepository } from './storage/bookings.js';
import { ConnectionRepository } from './storage/connections.js';
import { openDatabase, type Db } from './storage/database.js';
import { openSecretStore, type SecretStore } from './storage/secret-store.js';

export interface AppContext {
  config: Config;
  db: Db;
  connections: ConnectionRepository;
  bookings: BookingRepository;
  secrets: SecretStore;
  log: Logger;
  close(): void;
}

export async function openContext(env: Record<string, string | undefined>): Promise<AppContext> {
  const config = loadConfig(env, endpointSpecs);
  return openContextWith(config, createLogger(config.logLevel));
}

/** The same, for a configuration already read (`serve` reads it at start-up and opens the rest on first use). */
export async function openContextWith(config: Config, log: Logger): Promise<AppContext> {
  const db = openDatabase(config.databasePath);
  const secrets = await openSecretStore(config.secretStore);
  return {
    config,
    db,
    connections: new ConnectionRepository(db),
    bookings: new BookingRepository(db),
    secrets,
    log,
    close: () => db.close(),
  };
}
