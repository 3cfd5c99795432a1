// The invitee's address as mail servers take it: a domain in any script is sent as its ASCII form (punycode, what DNS
// holds: bücher.de is xn--bcher-kva.de); a part before the @ outside ASCII is refused with the reason, since it needs
// SMTPUTF8, which the providers' own invitation mailers do not promise.
import { domainToASCII } from 'node:url';

/** zod's own rule for the part before the @ (z.email's default), which the schema kept before. */
const localPart = /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]$/;
const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const topLevel = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

export const addressExample = 'must be an e-mail address such as ada@example.com';

/** The address with its domain in ASCII, or why it cannot be one (a fix included), for the schema's refusal. */
export function asciiAddress(address: string): { address: string } | { problem: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { problem: `${addressExample} (it needs a name, @ and a domain)` };
  const local = address.slice(0, at);
  // eslint-disable-next-line no-control-regex -- ASCII is exactly U+0000-U+007F
  if (/[^\x00-\x7f]/.test(local))
    return {
      problem: `has letters outside ASCII before the @ ("${local}"), which many mail servers refuse: ask the user for an address in plain ASCII before the @`,
    };
  const domain = domainToASCII(address.slice(at + 1));
  const labels = domain.split('.');
  if (
    !localPart.test(local) ||
    labels.length < 2 ||
    !labels.every((l) => label.test(l)) ||
    !topLevel.test(labels.at(-1) ?? '')
  )
    return { problem: addressExample };
  const ascii = `${local}@${domain}`;
  if (ascii.length > 254) return { problem: 'must be at most 254 characters (with its domain in ASCII form)' };
  return { address: ascii };
}

/** The address to send to: its domain in ASCII (the schema has refused any address this cannot convert). */
export function inAscii(address: string): string {
  const checked = asciiAddress(address);
  return 'address' in checked ? checked.address : address;
}
