import { describe, expect, it } from 'vitest';
import { decideLink, type LinkEvidence } from '../../../shared/customer/link-decision.js';
import { ErrorCodes } from '../../../shared/errors.js';

const settings = { dualEligibility: false, primaryIdentifier: 'mobile', createWithInstoreProfile: false } as const;
const email = { type: 'email' as const, value: 'ada@example.com' };
const mobile = { type: 'mobile' as const, value: '447700900001' };

function evidence(change: Partial<LinkEvidence>): LinkEvidence {
  return { byCuid: { kind: 'absent' }, ownByProfile: undefined, verified: [], searched: [], ...change };
}

describe('decideLink', () => {
  it("links the user's own customer first, by the cuid lookup or the profile carrying the cuid", () => {
    const held = [{ ...email, holders: [7, 8] }];
    expect(decideLink(settings, evidence({ byCuid: { kind: 'found', customerId: 5 }, searched: held }))).toEqual({
      kind: 'link',
      customerId: 5,
      reason: 'CUID',
    });
    expect(decideLink(settings, evidence({ byCuid: { kind: 'refused' }, ownByProfile: 6, searched: held }))).toEqual({
      kind: 'link',
      customerId: 6,
      reason: 'CUID_PROFILE',
    });
  });

  it('joins the one member the verified identifiers name, and creates when they name nobody', () => {
    const one = [
      { ...email, holders: [7] },
      { ...mobile, holders: [7] },
    ];
    expect(decideLink(settings, evidence({ verified: [email, mobile], searched: one }))).toMatchObject({
      kind: 'join',
      memberId: 7,
    });
    expect(decideLink(settings, evidence({ verified: [email], searched: [{ ...email, holders: [] }] }))).toEqual({
      kind: 'create',
      reason: 'CREATED',
    });
  });

  it('refuses rather than guesses: one identifier of several customers, or e-mail and mobile of two', () => {
    expect(
      decideLink(settings, evidence({ verified: [email], searched: [{ ...email, holders: [7, 8] }] })),
    ).toMatchObject({
      kind: 'refuse',
      status: 409,
      code: ErrorCodes.IDENTIFIER_IN_MULTIPLE_CUSTOMERS,
    });
    const split = [
      { ...email, holders: [7] },
      { ...mobile, holders: [8] },
    ];
    expect(decideLink(settings, evidence({ verified: [email, mobile], searched: split }))).toMatchObject({
      kind: 'refuse',
      code: ErrorCodes.IDENTIFIER_TAKEN,
    });
  });

  it('on a dual-eligibility org, refuses a user whose only verified identifiers are secondary', () => {
    const dual = { ...settings, dualEligibility: true };
    expect(decideLink(dual, evidence({ verified: [email], searched: [] }))).toMatchObject({
      kind: 'refuse',
      status: 409,
      code: ErrorCodes.PRIMARY_IDENTIFIER_REQUIRED,
    });
    // With the verified primary identifier, the primary decides (as the org does); no identifiers: a new customer.
    expect(
      decideLink(dual, evidence({ verified: [email, mobile], searched: [{ ...mobile, holders: [9] }] })),
    ).toMatchObject({
      kind: 'join',
      memberId: 9,
    });
    expect(decideLink(dual, evidence({}))).toEqual({ kind: 'create', reason: 'CREATED' });
  });

  it('refuses an INSTORE-first creation without any verified identifier', () => {
    expect(decideLink({ ...settings, createWithInstoreProfile: true }, evidence({}))).toMatchObject({
      kind: 'refuse',
      status: 403,
      code: ErrorCodes.UNVERIFIED_IDENTIFIER,
    });
  });
});
