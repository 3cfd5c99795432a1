// What a sender domain's status in Resend means for e-mailing invitees, said once at `connect resend`.
// Statuses: https://resend.com/docs/dashboard/domains/introduction · records: https://resend.com/docs/api-reference/domains/get-domain
export const domainsPage = 'https://resend.com/domains';

/** The part of GET /domains/{id} read here: each DNS record's kind (`SPF`, `DKIM`, `Receiving`, ...) and status. */
interface DomainRecords {
  records?: Array<{ record: string; status: string }>;
}

/** A Resend SDK answer: its `data`, or an error (a sending-only key, a network failure). */
type Fetched<T> = { data: T | null; error: unknown };

/**
 * Whether Resend sends from the domain: its sending records (SPF and DKIM) all verified. Undefined when the answer does
 * not say (the call failed, or it lists no such record).
 */
async function sendingVerified(get: () => Promise<Fetched<DomainRecords>>): Promise<boolean | undefined> {
  let found: Fetched<DomainRecords>;
  try {
    found = await get();
  } catch {
    return undefined;
  }
  const sending = (found.data?.records ?? []).filter((r) => r.record === 'SPF' || r.record === 'DKIM');
  return sending.length === 0 ? undefined : sending.every((r) => r.status === 'verified');
}

/**
 * The note for a sender domain Resend does not (or may not) send from; undefined when it does. A `partially_verified`
 * or `partially_failed` domain has one of sending and receiving verified and not the other, so its records decide.
 */
export async function domainNote(
  domain: { name: string; status: string },
  get: () => Promise<Fetched<DomainRecords>>,
): Promise<string | undefined> {
  const { name, status } = domain;
  const until = 'e-mails to invitees fail until it is verified';
  switch (status) {
    case 'verified':
      return undefined;
    case 'partially_verified':
    case 'partially_failed': {
      const sending = await sendingVerified(get);
      if (sending === true) return undefined; // only receiving is unverified, and invitations only send
      return sending === false
        ? `The domain ${name} is ${status} in Resend: its receiving side is verified but its sending records (SPF, DKIM) are not, so ${until} for sending at ${domainsPage}.`
        : `The domain ${name} is ${status} in Resend: one of sending and receiving is verified, the other not; if it is sending, ${until} for sending (check at ${domainsPage}).`;
    }
    case 'pending':
      return `The domain ${name} is pending in Resend, not yet verified: Resend is still checking its DNS records, and ${until} (${domainsPage}).`;
    case 'not_started':
      return `The domain ${name} is not_started in Resend, not yet verified: click "Verify DNS Records" at ${domainsPage}; ${until}.`;
    case 'failed':
      return `The domain ${name} failed verification in Resend (its DNS records were not found within 72 hours): fix them and verify again at ${domainsPage}; ${until}.`;
    case 'temporary_failure':
      return `Resend can no longer find the DNS records of ${name} (temporary_failure): it checks again for 72 hours, then marks the domain failed; restore them at ${domainsPage}.`;
    default:
      return `The domain ${name} is ${status} in Resend, not verified: ${until} (${domainsPage}).`;
  }
}
