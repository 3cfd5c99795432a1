// An e-mail Resend accepted, as the RFC 5322 / MIME message a mail client opens (`.eml`): text, HTML and attachments.
import { randomBytes } from 'node:crypto';
import type { SentEmail } from './fakes/resend.js';

/** RFC 2047 encoded-word for a header value that is not plain ASCII. */
const encodeHeader = (value: string): string =>
  /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;

/** Base64 folded at 76 characters, as MIME requires (RFC 2045 §6.8). */
const fold = (base64: string): string => base64.replace(/.{1,76}/g, '$&\r\n');

const part = (contentType: string, base64: string, extra: string[] = []): string =>
  [`Content-Type: ${contentType}`, 'Content-Transfer-Encoding: base64', ...extra, '', fold(base64)].join('\r\n');

/** Renders `email` as a multipart/mixed message: an alternative of text and HTML, then each attachment. */
export function toEml(email: SentEmail, date = new Date()): string {
  const { payload } = email;
  const to = Array.isArray(payload.to) ? payload.to : [payload.to];
  const mixed = `mixed-${randomBytes(8).toString('hex')}`;
  const alternative = `alt-${randomBytes(8).toString('hex')}`;
  const bodies = [
    ...(payload.text !== undefined
      ? [part('text/plain; charset=utf-8', Buffer.from(payload.text, 'utf8').toString('base64'))]
      : []),
    ...(payload.html !== undefined
      ? [part('text/html; charset=utf-8', Buffer.from(payload.html, 'utf8').toString('base64'))]
      : []),
  ];
  const attachments = (payload.attachments ?? []).map((a) =>
    part(`${a.content_type ?? 'application/octet-stream'}; name="${a.filename}"`, a.content, [
      `Content-Disposition: attachment; filename="${a.filename}"`,
    ]),
  );
  return [
    `From: ${encodeHeader(payload.from)}`,
    `To: ${to.map(encodeHeader).join(', ')}`,
    `Subject: ${encodeHeader(payload.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${email.id}@sandbox.resend.local>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    ...bodies.flatMap((b) => [`--${alternative}`, b]),
    `--${alternative}--`,
    ...attachments.flatMap((a) => [`--${mixed}`, a]),
    `--${mixed}--`,
    '',
  ].join('\r\n');
}
