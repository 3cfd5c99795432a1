// Lint rules that protect the stdio wire (in server code, one stray console.log corrupts JSON-RPC) and the layering
// (docs/architecture.md): the arrows between src/ folders point one way, and these rules fail the lint when one turns.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a part of src/ may not make: a glob per forbidden folder, and why. */
const forbid = (folders, why) =>
  folders.map((folder) => ({ group: [`**/${folder}/*`, `**/${folder}/**`], message: why }));

const notCommands = forbid(
  ['commands'],
  'only the CLI entry (src/cli.ts) and other commands import src/commands/: the MCP serve path must not load them.',
);

/** `no-restricted-imports`, plus the same check for `await import(...)`, which that rule does not see. */
function layer(files, patterns, ignores = []) {
  // esquery's regular expressions end at the first "/", so a slash is written \x2F.
  const folders = [...new Set(patterns.flatMap((p) => p.group.map((g) => g.replace(/^\*\*\/|\/?\*+$/g, ''))))];
  const slash = '\\x2F';
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=/(^|${slash})(${folders.map((f) => f.replaceAll('/', slash)).join('|')})/]`,
          message: `a dynamic import crosses the layering too: ${patterns.map((p) => p.message).join(' ')}`,
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.bench/', '.bundle/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // The serve path (and everything but the CLI entry and the commands themselves) never imports commands/.
  layer(['src/**/*.ts'], notCommands, [
    'src/cli.ts',
    'src/commands/**',
    'src/providers/**',
    'src/storage/**',
    'src/meeting.ts',
    'src/booking/**',
    'src/auth/**',
    'src/http/**',
  ]),
  // Providers map their own wire formats; they never reach storage, e-mail, connections, bookings or the runtime.
  layer(
    ['src/providers/**/*.ts'],
    [
      ...notCommands,
      ...forbid(
        ['storage', 'email', 'connections', 'booking', 'tools'],
        'providers see their settings and two secret callbacks (providers/provider.ts), never storage, e-mail, connections or the booking flow.',
      ),
    ],
  ),
  // Storage keeps rows and secrets; it never knows a provider's wire format.
  layer(
    ['src/storage/**/*.ts'],
    [
      ...notCommands,
      ...forbid(
        ['providers', 'booking', 'email', 'connections', 'tools', 'auth', 'http'],
        'storage keeps rows and secrets in its own terms (src/meeting.ts): it never imports a provider, the booking flow or e-mail.',
      ),
    ],
  ),
  // auth/ and http/ are below the providers: they know no provider, no storage and nothing above.
  layer(
    ['src/auth/**/*.ts', 'src/http/**/*.ts'],
    [
      ...notCommands,
      ...forbid(
        ['providers', 'storage', 'connections', 'booking', 'email', 'tools', 'sandbox'],
        'auth/ and http/ serve the providers from below (providers -> auth -> http): they define what they need themselves (auth/sign-in.ts).',
      ),
    ],
  ),
  // The booking flow sends e-mail through the Mailer interface, never through Resend itself.
  layer(
    ['src/booking/**/*.ts'],
    [
      ...notCommands,
      {
        group: ['**/email/resend*'],
        message:
          'the booking flow sends e-mail through the Mailer interface (src/email/mailer.ts), never Resend itself.',
      },
      ...forbid(['tools', 'sandbox'], 'the booking flow is below the tools and knows nothing of the sandbox.'),
    ],
  ),
  // The shared domain types are a leaf.
  {
    files: ['src/meeting.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./*', '../*'], message: 'src/meeting.ts is a leaf: it imports nothing of ours.' }] },
      ],
    },
  },
);
