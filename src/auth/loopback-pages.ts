// The pages the loopback listener answers the browser with, and what an `error=...` callback means: every string from
// the query is escaped, and the page forbids scripts and outside resources.
import type { ServerResponse } from 'node:http';
import { AppError } from '../errors.js';

export interface Refusal {
  title: string;
  lines: string[];
  error: AppError;
}

/** The page and the error for an `error=...` callback (RFC 6749 §4.1.2.1). */
export function refusalFor(error: string, description: string, command: string, redirectUri: string): Refusal {
  const said = description ? ` (the provider said: "${description}")` : '';
  const providerLine = description ? [`The provider said: ${description}`] : [];
  if (error === 'access_denied') {
    return {
      title: 'Sign-in cancelled',
      lines: [
        'Access was not granted, so nothing was connected.',
        ...providerLine,
        'Run the connect command again in the terminal and approve the request.',
      ],
      error: new AppError('auth_failed', `Consent was denied in the browser${said}, so nothing was connected`, {
        hint: `run \`${command}\` again and approve the requested access`,
      }),
    };
  }
  return {
    title: 'Sign-in failed',
    lines: [`The provider refused the sign-in: ${error}.`, ...providerLine, 'The terminal says what to do next.'],
    error: new AppError('auth_failed', `The provider refused the sign-in with "${error}"${said}`, {
      hint: `check the app's redirect URI (${redirectUri}) and scopes in the provider's console, then run \`${command}\` again`,
    }),
  };
}

/** Provider text bound for a terminal: no control characters (escape sequences), bounded length. */
export function clean(text: string): string {
  const flat = text.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything a page shows passes through here, so nothing from the query is ever read as HTML. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);
}

/** A small self-contained page; `Connection: close` because a one-shot server gains nothing from keep-alive. */
export function send(
  response: ServerResponse,
  status: number,
  title: string,
  lines: readonly string[],
  headers: Record<string, string> = {},
): void {
  const body = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · alsatalk-mcp</title>`,
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    '</body></html>',
  ].join('\n');
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    // Defence in depth behind escaping: no script, no outside resource, and the callback URL (with its code) is never sent as a referrer.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
    ...headers,
  });
  response.end(body);
}
