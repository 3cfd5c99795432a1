// loadConfig and defaultDataDir with a plain env object and a fake platform: no dependence on the machine running the suite.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, loadConfig, type Platform } from '../../src/config.js';
import { configSpecs } from '../../src/connectors.js';
import { ConfigError } from '../../src/errors.js';

const linux: Platform = { platform: 'linux', homedir: '/home/ada', machineTimezone: 'Europe/Berlin' };
const darwin: Platform = { platform: 'darwin', homedir: '/Users/ada', machineTimezone: 'America/New_York' };
const win32: Platform = { platform: 'win32', homedir: 'C:\\Users\\ada', machineTimezone: 'Asia/Kolkata' };

const load = (env: Record<string, string | undefined>, platform: Platform = linux) =>
  loadConfig(env, configSpecs, platform);

/** Returns the ConfigError that loading `env` throws. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('defaultDataDir', () => {
  it('Linux: XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultDataDir(linux, {})).toBe(path.join('/home/ada', '.local', 'share', 'alsatalk-mcp'));
    expect(defaultDataDir(linux, { XDG_DATA_HOME: '/data/xdg' })).toBe(path.join('/data/xdg', 'alsatalk-mcp'));
  });

  it('macOS: ~/Library/Application Support, whatever XDG_DATA_HOME says', () => {
    expect(defaultDataDir(darwin, { XDG_DATA_HOME: '/data/xdg' })).toBe(
      path.join('/Users/ada', 'Library', 'Application Support', 'alsatalk-mcp'),
    );
  });

  it('Windows: %APPDATA%, else the roaming folder under the home directory', () => {
    const appData = 'C:\\Users\\ada\\AppData\\Roaming';
    expect(defaultDataDir(win32, { APPDATA: appData })).toBe(path.join(appData, 'alsatalk-mcp'));
    expect(defaultDataDir(win32, {})).toBe(path.join('C:\\Users\\ada', 'AppData', 'Roaming', 'alsatalk-mcp'));
  });
});

describe('loadConfig: defaults', () => {
  it('an empty environment gives the documented defaults', () => {
    const config = load({});
    const dataDir = path.join('/home/ada', '.local', 'share', 'alsatalk-mcp');
    expect(config).toEqual({
      dataDir,
      databasePath: path.join(dataDir, 'alsatalk.db'),
      defaultTimezone: 'Europe/Berlin',
      secretStore: { kind: 'keychain', service: 'alsatalk-mcp' },
      // Every connector's documented default, the real hosts among them.
      endpoints: expect.objectContaining({
        zoom: { api: 'https://api.zoom.us/v2', oauth: 'https://zoom.us' },
        resend: { api: 'https://api.resend.com' },
      }),
      providerTimeoutMs: 20_000,
      resendRatePerSecond: undefined, // unset: what `connect resend --rate-per-second` stored, else 2
      emailWaitMs: 30_000,
      logLevel: 'info',
    });
  });

  it('the data folder follows the platform', () => {
    expect(load({ XDG_DATA_HOME: '/data/xdg' }).dataDir).toBe(path.join('/data/xdg', 'alsatalk-mcp'));
    expect(load({}, darwin).dataDir).toBe(path.join('/Users/ada', 'Library', 'Application Support', 'alsatalk-mcp'));
    expect(load({ APPDATA: 'D:\\Roaming' }, win32).dataDir).toBe(path.join('D:\\Roaming', 'alsatalk-mcp'));
  });

  it('ALSATALK_HOME overrides the data folder on every platform', () => {
    for (const platform of [linux, darwin, win32]) {
      const config = load(
        { ALSATALK_HOME: '/srv/alsatalk', XDG_DATA_HOME: '/data/xdg', APPDATA: 'D:\\Roaming' },
        platform,
      );
      expect(config.dataDir).toBe(path.resolve('/srv/alsatalk'));
      expect(config.databasePath).toBe(path.join(path.resolve('/srv/alsatalk'), 'alsatalk.db'));
    }
  });

  it('blank variables count as unset', () => {
    expect(load({ ALSATALK_HOME: '  ', XDG_DATA_HOME: '', ALSATALK_DEFAULT_TIMEZONE: ' ' }).dataDir).toBe(
      path.join('/home/ada', '.local', 'share', 'alsatalk-mcp'),
    );
  });

  it('blank enum, number and URL variables count as unset too (as an MCP host may leave them)', () => {
    const config = load({
      ALSATALK_SECRET_STORE: '',
      ALSATALK_LOG_LEVEL: ' ',
      ALSATALK_PROVIDER_TIMEOUT_MS: '',
      ALSATALK_ZOOM_API_URL: '',
    });
    expect(config).toMatchObject({ logLevel: 'info', providerTimeoutMs: 20_000, secretStore: { kind: 'keychain' } });
    expect(config.endpoints.zoom?.api).toBe('https://api.zoom.us/v2');
  });
});

describe('loadConfig: every connector has its endpoints', () => {
  it('resolves each declared endpoint to its default', () => {
    const defaults = Object.fromEntries(
      Object.entries(configSpecs.endpoints).map(([id, specs]) => [
        id,
        Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.default])),
      ]),
    );
    expect(load({}).endpoints).toEqual(defaults);
  });
});

describe('loadConfig: time zone', () => {
  it('ALSATALK_DEFAULT_TIMEZONE wins over the machine zone', () => {
    expect(load({ ALSATALK_DEFAULT_TIMEZONE: 'Asia/Tokyo' }).defaultTimezone).toBe('Asia/Tokyo');
  });

  it('an invalid ALSATALK_DEFAULT_TIMEZONE is rejected, naming the variable', () => {
    const error = configError({ ALSATALK_DEFAULT_TIMEZONE: 'Berlin' });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe(
      'ALSATALK_DEFAULT_TIMEZONE must be an IANA time-zone name, not "Berlin": use Europe/Berlin if that is what was meant, or another Area/City name',
    );
    expect(error.hint).toBe('fix or unset ALSATALK_DEFAULT_TIMEZONE');
    expect(configError({ ALSATALK_DEFAULT_TIMEZONE: 'PST' }).message).toBe(
      'ALSATALK_DEFAULT_TIMEZONE must be an IANA time-zone name, not "PST": use America/Los_Angeles, or another Area/City name',
    );
  });

  it('ALSATALK_DEFAULT_TIMEZONE and the machine zone are taken in their canonical spelling', () => {
    expect(load({ ALSATALK_DEFAULT_TIMEZONE: 'us/eastern' }).defaultTimezone).toBe('America/New_York');
    expect(load({}, { ...linux, machineTimezone: 'Asia/Calcutta' }).defaultTimezone).toBe('Asia/Kolkata');
  });

  it('falls back to the machine zone, then to UTC when the machine has none or an unknown one', () => {
    expect(load({}, { ...linux, machineTimezone: 'Australia/Adelaide' }).defaultTimezone).toBe('Australia/Adelaide');
    expect(load({}, { ...linux, machineTimezone: undefined }).defaultTimezone).toBe('UTC');
    expect(load({}, { ...linux, machineTimezone: 'Not/AZone' }).defaultTimezone).toBe('UTC');
  });
});

describe('loadConfig: endpoints', () => {
  it('an override replaces the default, without its trailing slashes', () => {
    const config = load({
      ALSATALK_ZOOM_API_URL: 'http://127.0.0.1:4010/v2/',
      ALSATALK_RESEND_API_URL: ' http://localhost:4011// ',
    });
    expect(config.endpoints.zoom).toEqual({ api: 'http://127.0.0.1:4010/v2', oauth: 'https://zoom.us' });
    expect(config.endpoints.resend).toEqual({ api: 'http://localhost:4011' });
  });

  it('a non-URL override is rejected, naming the variable', () => {
    const error = configError({ ALSATALK_ZOOM_OAUTH_URL: 'zoom.us' });
    expect(error.message).toBe('ALSATALK_ZOOM_OAUTH_URL is not a URL: "zoom.us"');
    expect(error.hint).toContain('set ALSATALK_ZOOM_OAUTH_URL to an http(s) URL such as https://zoom.us');
  });

  it('a non-http(s) override is rejected, naming the variable', () => {
    expect(configError({ ALSATALK_RESEND_API_URL: 'ftp://files.example.com' }).message).toBe(
      'ALSATALK_RESEND_API_URL must be an http(s) URL, got "ftp://files.example.com"',
    );
  });
});

describe('loadConfig: secret store and other settings', () => {
  it('the file store needs ALSATALK_SECRET_FILE_KEY', () => {
    const error = configError({ ALSATALK_SECRET_STORE: 'file' });
    expect(error.message).toContain('ALSATALK_SECRET_FILE_KEY');
    expect(error.hint).toContain('ALSATALK_SECRET_FILE_KEY');
  });

  it('a short file key is rejected, naming the variable', () => {
    const error = configError({ ALSATALK_SECRET_STORE: 'file', ALSATALK_SECRET_FILE_KEY: 'short' });
    expect(error.message).toBe(
      'ALSATALK_SECRET_FILE_KEY must be at least 16 characters (use a long random passphrase)',
    );
  });

  it('the file store lives in the data folder', () => {
    const config = load({
      ALSATALK_HOME: '/srv/alsatalk',
      ALSATALK_SECRET_STORE: 'file',
      ALSATALK_SECRET_FILE_KEY: 'correct horse battery staple',
      ALSATALK_KEYCHAIN_SERVICE: 'alsatalk-test',
    });
    expect(config.secretStore).toEqual({
      kind: 'file',
      service: 'alsatalk-test',
      path: path.join(path.resolve('/srv/alsatalk'), 'secrets.enc'),
      key: 'correct horse battery staple',
    });
  });

  it("the sandbox store needs the sandbox's loopback origin and key, and nothing but loopback", () => {
    const error = configError({ ALSATALK_SECRET_STORE: 'sandbox' });
    expect(error.message).toMatch(/^ALSATALK_SECRET_STORE=sandbox needs ALSATALK_SANDBOX_URL and ALSATALK_SANDBOX_KEY/);
    expect(error.hint).toContain('npx alsatalk-mcp sandbox');
    expect(
      configError({
        ALSATALK_SECRET_STORE: 'sandbox',
        ALSATALK_SANDBOX_URL: 'https://secrets.example.com',
        ALSATALK_SANDBOX_KEY: 'k',
      }).message,
    ).toBe("ALSATALK_SANDBOX_URL must be the sandbox's loopback origin, such as http://127.0.0.1:8960");
    const config = load({
      ALSATALK_SECRET_STORE: 'sandbox',
      ALSATALK_SANDBOX_URL: 'http://127.0.0.1:8960',
      ALSATALK_SANDBOX_KEY: 'k3y',
    });
    expect(config.secretStore).toEqual({
      kind: 'sandbox',
      service: 'alsatalk-mcp',
      url: 'http://127.0.0.1:8960',
      key: 'k3y',
    });
  });

  it('an unknown store, timeout or log level is rejected, naming the variable', () => {
    expect(configError({ ALSATALK_SECRET_STORE: 'vault' }).message).toBe(
      'ALSATALK_SECRET_STORE must be "keychain" (the default), "file", or "sandbox" (only with `alsatalk-mcp sandbox`)',
    );
    expect(configError({ ALSATALK_PROVIDER_TIMEOUT_MS: 'soon' }).message).toMatch(/^ALSATALK_PROVIDER_TIMEOUT_MS /);
    expect(configError({ ALSATALK_PROVIDER_TIMEOUT_MS: '500' }).message).toBe(
      'ALSATALK_PROVIDER_TIMEOUT_MS must be at least 1000 ms',
    );
    expect(configError({ ALSATALK_RESEND_RATE_PER_SECOND: 'fast' }).message).toBe(
      "ALSATALK_RESEND_RATE_PER_SECOND must be a number of requests per second, such as 2 (Resend's default team limit)",
    );
    expect(configError({ ALSATALK_RESEND_RATE_PER_SECOND: '0' }).message).toBe(
      "ALSATALK_RESEND_RATE_PER_SECOND must be more than 0 (Resend's default team limit is 2 per second)",
    );
    expect(configError({ ALSATALK_LOG_LEVEL: 'verbose' }).message).toBe(
      'ALSATALK_LOG_LEVEL must be one of debug, info, warn, error',
    );
  });

  it('reads the timeout and log level', () => {
    const config = load({ ALSATALK_PROVIDER_TIMEOUT_MS: '45000', ALSATALK_LOG_LEVEL: 'debug' });
    expect(config.providerTimeoutMs).toBe(45_000);
    expect(config.logLevel).toBe('debug');
  });

  it("reads Resend's rate when set; unset, the mailer uses the rate `connect resend` stored, else 2", () => {
    expect(load({}).resendRatePerSecond).toBeUndefined();
    expect(load({ ALSATALK_RESEND_RATE_PER_SECOND: ' ' }).resendRatePerSecond).toBeUndefined();
    expect(load({ ALSATALK_RESEND_RATE_PER_SECOND: '10' }).resendRatePerSecond).toBe(10);
    expect(load({ ALSATALK_RESEND_RATE_PER_SECOND: '0.5' }).resendRatePerSecond).toBe(0.5);
  });

  it('reads how long a booking waits for its e-mail: 30 s unless set, 0 for not at all, else an error naming it', () => {
    expect(load({}).emailWaitMs).toBe(30_000);
    expect(load({ ALSATALK_EMAIL_WAIT_MS: '0' }).emailWaitMs).toBe(0);
    expect(load({ ALSATALK_EMAIL_WAIT_MS: '5000' }).emailWaitMs).toBe(5000);
    for (const bad of ['-1', '1.5', 'soon', '300001'])
      expect(() => load({ ALSATALK_EMAIL_WAIT_MS: bad })).toThrow(/ALSATALK_EMAIL_WAIT_MS/);
  });
});
