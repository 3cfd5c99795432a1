// Probes the real OS keychain once, through the project's own store. In CI a missing keychain is a failure, never a skip.
import { randomUUID } from 'node:crypto';
import { KeychainSecretStore } from '../../src/storage/keychain.js';

export interface KeychainProbe {
  available: boolean;
  reason?: string;
}

async function probeKeychain(): Promise<KeychainProbe> {
  const store = new KeychainSecretStore(`alsatalk-mcp-probe-${randomUUID()}`);
  try {
    await store.set('probe', 'ok');
    const value = await store.get('probe');
    await store.delete('probe');
    return value === 'ok'
      ? { available: true }
      : { available: false, reason: 'the keychain did not return what was stored' };
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
}

const probe = await probeKeychain();

if (!probe.available) {
  if (process.env.CI === 'true') {
    throw new Error(
      `CI must run the keychain tests against a real Secret Service, but none is reachable: ${probe.reason}. Run the tests through scripts/with-keyring.sh.`,
    );
  }
  process.stderr.write(
    `[tests] OS keychain unavailable (${probe.reason}); keychain tests are skipped and other tests use the encrypted file store. Run \`bash scripts/with-keyring.sh npm test\` for the real keychain.\n`,
  );
}

/** True when the real keychain works here. */
export const keychainAvailable = probe.available;

/**
 * Environment that selects the real keychain when it works, else the encrypted file store.
 * @param service the keychain service the secrets go under (default: a new one)
 */
export function secretStoreEnv(service = `alsatalk-mcp-test-${randomUUID()}`): Record<string, string> {
  return keychainAvailable
    ? { ALSATALK_KEYCHAIN_SERVICE: service }
    : {
        ALSATALK_SECRET_STORE: 'file',
        ALSATALK_SECRET_FILE_KEY: 'test-only-passphrase-0123456789',
        ALSATALK_KEYCHAIN_SERVICE: service,
      };
}
