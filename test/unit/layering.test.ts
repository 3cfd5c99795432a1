// The layering rules in eslint.config.js fail the lint when an arrow turns (docs/architecture.md): each case is a
// file that would cross one, linted as if it were at that path in src/.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The layering messages the lint gives `code` placed at `file`. */
async function crossings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('the layering is enforced by the lint', () => {
  it('the serve path never imports commands/, statically or dynamically', async () => {
    expect(await crossings('src/tools/x.ts', "export { runConnect } from '../commands/connect.js';\n")).toEqual([
      expect.stringContaining('only the CLI entry'),
    ]);
    expect(await crossings('src/main.ts', "export const load = () => import('./commands/demo.js');\n")).toEqual([
      expect.stringContaining('only the CLI entry'),
    ]);
    expect(
      await crossings(
        'src/connections/x.ts',
        "import { runStatus } from '../commands/status.js';\nexport const f = runStatus;\n",
      ),
    ).toHaveLength(1);
  });

  it('the CLI entry and the commands may', async () => {
    expect(await crossings('src/cli.ts', "export const load = () => import('./commands/demo.js');\n")).toEqual([]);
    expect(await crossings('src/commands/x.ts', "export { runConnect } from './connect.js';\n")).toEqual([]);
  });

  it('providers never import storage, e-mail or connections', async () => {
    for (const target of ['../../storage/database.js', '../../email/resend.js', '../../connections/connections.js']) {
      expect(await crossings('src/providers/zoom/x.ts', `export * from '${target}';\n`)).toEqual([
        expect.stringContaining('providers see their settings'),
      ]);
    }
  });

  it('auth and http never import a provider or storage (providers -> auth -> http)', async () => {
    expect(
      await crossings('src/auth/x.ts', "export type { SessionContext } from '../providers/provider.js';\n"),
    ).toEqual([expect.stringContaining('serve the providers from below')]);
    expect(await crossings('src/http/x.ts', "export * from '../storage/database.js';\n")).toEqual([
      expect.stringContaining('serve the providers from below'),
    ]);
  });

  it("storage never imports a provider's wire format", async () => {
    expect(await crossings('src/storage/x.ts', "export { toZoomMeeting } from '../providers/zoom/wire.js';\n")).toEqual(
      [expect.stringContaining('storage keeps rows and secrets')],
    );
  });

  it('the booking flow reaches Resend only through the Mailer', async () => {
    expect(await crossings('src/booking/x.ts', "export { sendInvite } from '../email/resend.js';\n")).toEqual([
      expect.stringContaining('Mailer interface'),
    ]);
    expect(await crossings('src/booking/x.ts', "export type { Mailer } from '../email/mailer.js';\n")).toEqual([]);
  });
});
