// Issue 21 item 1 through the real session handler (dev CIAM login, userinfo, the Capillary simulator,
// dynalite): a user changes her e-mail at the CIAM to a member's address, unverified; userinfo returns the new
// e-mail without `email_verified`; her session with an earlier ID token (whose `email_verified: true` was for
// her old address) must not link her to that member's customer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostAuthRig, startPostAuthRig } from '../support/post-auth-harness.js';

describe('issue 21 item 1: an identifier and its verified flag come from the same claim source', () => {
  let rig: PostAuthRig;
  beforeAll(async () => {
    rig = await startPostAuthRig({
      accounts: { eve: { given_name: 'Eve', family_name: 'Mallory', email: 'eve@example.com', email_verified: true } },
      tablePrefix: 'claim-evidence',
    });
  });
  afterAll(() => rig.close());

  it('a userinfo e-mail without its flag is unverified, whatever the older ID token said: no link to the member', async () => {
    const member = rig.sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          firstName: 'Marge',
          lastName: 'Member',
          identifiers: [{ type: 'email', value: 'member@example.com' }],
        },
      ],
    });
    // Logged in while her own address was verified: the ID token says email_verified for eve@example.com.
    const { accessToken, idToken } = await rig.login('eve');
    // Then, at the CIAM, she changes her e-mail to the member's, unverified (userinfo sends no flag).
    const { email_verified: _dropped, ...rest } = rig.ciam.accounts.eve ?? {};
    rig.ciam.accounts.eve = { ...rest, email: 'member@example.com' };

    const answer = await rig.call('session', accessToken, { idToken });

    expect(answer.body.customerId).not.toBe(member.id);
    const memberNow = rig.sim.customer(member.id);
    const linkedToMember = memberNow?.profiles.some((p) =>
      p.identifiers.some((i) => i.type === 'cuid' && i.value === 'eve'),
    );
    expect(linkedToMember).toBe(false);
    expect(await rig.links.get(rig.brand.brandId, 'eve').then((link) => link?.customerId)).not.toBe(member.id);
    if (answer.status === 201) expect(answer.body).toMatchObject({ mapped: { email: 'member@example.com' } });
  });
});
