// The brand doctor: live, read-only checks of a saved brand before its first member signs in. The CIAM (discovery,
// JWKS, and with a member's token: the authorizer's traced decision, the claims each mapping reads, what the first
// session would do) and the Capillary org (one probe per open question, with the brand's own credentials). Nothing
// is written: not to Capillary, not to the link store, not to the revocation list.
import { hashToken } from '../auth/authorize-request.js';
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { RemoteCheckOptions } from '../config/brand-checks.js';
import { type Claims, mapClaims, maskIdentifier, readClaimPath } from '../customer/claim-mapping.js';
import { type ClaimSource, claimsSourceOf, decodeVerifiedPayload } from '../customer/claim-source.js';
import type { LinkStore } from '../customer/link-store.js';
import { ErrorCodes, GatewayError, NotFoundError } from '../errors.js';
import { CapillaryProbes, type CapillaryProbeOptions, PROBE_OPTION_FLAGS } from './capillary-probes.js';
import { discoveryChecks, jwksCheck } from './ciam-checks.js';
import { check, type CheckStatus, countChecks, type DoctorCheck, type NotRun } from './doctor-report.js';
import { dryRunFirstSession } from './first-session.js';
import { diagnoseToken, type TokenDiagnosis, type TokenDiagnosisDeps } from './token-diagnosis.js';

export interface DoctorOptions extends CapillaryProbeOptions {
  /** A member's access token: the authorizer's decision, the mapped claims and the first session, traced. */
  token?: string;
  /** That member's ID token (a claims source for brands without userinfo). */
  idToken?: string;
}

export interface DoctorDeps {
  /** The saved brand, active or not. */
  brand(brandId: string): Promise<BrandConfig | undefined>;
  diagnosis: TokenDiagnosisDeps;
  links: Pick<LinkStore, 'get'>;
  claims: ClaimSource;
  capillary: { forBrand(brand: BrandConfig): CapillaryClient };
  /** Discovery and JWKS fetches. */
  remote: RemoteCheckOptions;
  /** Epoch milliseconds. */
  now: () => number;
}

export interface DoctorReport {
  brandId: string;
  brandName: string;
  checkedAt: string;
  counts: Record<CheckStatus, number>;
  ciam: DoctorCheck[];
  capillary: DoctorCheck[];
  notRun: NotRun[];
  /** The token's diagnosis, when a token was given. */
  diagnosis?: TokenDiagnosis;
}

/** Runs every check of `brandId` that its options allow. */
export async function runDoctor(brandId: string, options: DoctorOptions, deps: DoctorDeps): Promise<DoctorReport> {
  const brand = await deps.brand(brandId);
  if (!brand) throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, `Brand ${brandId} does not exist`);
  const notRun: NotRun[] = [];
  const ciam = [...(await discoveryChecks(brand, deps.remote)), await jwksCheck(brand, deps.remote)];
  let diagnosis: TokenDiagnosis | undefined;
  if (options.token === undefined) {
    const why = 'needs a member access token: --token <jwt> (optionally --id-token)';
    notRun.push(
      { id: 'token', title: 'Authorizer decision', why },
      { id: 'claims', title: 'Mapped claims', why },
      { id: 'first-session', title: 'First session', why },
    );
  } else {
    const traced = await tokenChecks(brand, options, deps);
    ciam.push(...traced.checks);
    diagnosis = traced.diagnosis;
    notRun.push(...traced.notRun);
  }
  const capillary = await capillaryChecks(brand, options, deps, notRun);
  return {
    brandId: brand.brandId,
    brandName: brand.brandName,
    checkedAt: new Date(deps.now()).toISOString(),
    counts: countChecks([...ciam, ...capillary]),
    ciam,
    capillary,
    notRun,
    ...(diagnosis ? { diagnosis } : {}),
  };
}

/** The probes in order; after a failed token none runs (they would all fail alike). */
async function capillaryChecks(
  brand: BrandConfig,
  options: DoctorOptions,
  deps: DoctorDeps,
  notRun: NotRun[],
): Promise<DoctorCheck[]> {
  const client = deps.capillary.forBrand(brand);
  const checks: DoctorCheck[] = [];
  for (const probe of CapillaryProbes) {
    const tokenFailed = checks.some((done) => done.id === 'token' && done.status === 'fail');
    if (probe.needs !== undefined && options[probe.needs] === undefined) {
      const flag = PROBE_OPTION_FLAGS[probe.needs];
      if (probe.askWithout !== undefined && !tokenFailed) {
        // A reading only the option can tell: a warn with the question, not a silent gap in the report.
        checks.push(
          check(probe.id, probe.title, 'warn', `not probed: needs ${flag}`, {
            reading: `unknown without ${flag}`,
            action: `run the doctor with ${flag}, or ask Capillary: ${probe.askWithout}`,
          }),
        );
      } else notRun.push({ id: probe.id, title: probe.title, why: `needs ${flag}` });
      continue;
    }
    if (tokenFailed) {
      notRun.push({ id: probe.id, title: probe.title, why: 'no Capillary token with the brand credentials' });
      continue;
    }
    try {
      checks.push(await probe.run({ brand, client, options }));
    } catch (error) {
      checks.push(
        check(
          probe.id,
          probe.title,
          'fail',
          `the probe failed: ${error instanceof Error ? error.message : String(error)}`,
          {
            action: 'check capillary.baseUrl and that Capillary answers; run the doctor again',
          },
        ),
      );
    }
  }
  return checks;
}

/** The authorizer's traced decision; when it allows, the mapped claims and the first session. */
async function tokenChecks(
  brand: BrandConfig,
  options: DoctorOptions,
  deps: DoctorDeps,
): Promise<{ checks: DoctorCheck[]; diagnosis: TokenDiagnosis; notRun: NotRun[] }> {
  const token = options.token ?? '';
  const diagnosis = await diagnoseToken(token, { expectedBrandId: brand.brandId }, deps.diagnosis);
  const ofThisBrand = diagnosis.brand.selected === brand.brandId;
  const decision = check(
    'token',
    'Authorizer decision',
    diagnosis.verdict === 'allowed' && ofThisBrand ? 'pass' : 'fail',
    diagnosis.verdict === 'allowed'
      ? `allowed (${diagnosis.answer})${ofThisBrand ? '' : `, but for brand ${diagnosis.brand.selected}`}`
      : `${diagnosis.reason}: ${diagnosis.meaning ?? diagnosis.answer}`,
    {
      ...(diagnosis.action ? { action: diagnosis.action } : {}),
      evidence: diagnosis.steps.map((step) => `${step.outcome} ${step.check}: ${step.detail}`),
    },
  );
  if (diagnosis.verdict !== 'allowed' || !ofThisBrand) {
    const why = 'needs a token the authorizer allows for this brand';
    return {
      checks: [decision],
      diagnosis,
      notRun: [
        { id: 'claims', title: 'Mapped claims', why },
        { id: 'first-session', title: 'First session', why },
      ],
    };
  }
  // The decision allowed the token, so its payload parses and carries a string sub.
  const sub = String(decodeVerifiedPayload(token).sub);
  const auth = authContext(brand, sub, token);
  let claims: Claims;
  try {
    claims = await deps.claims.load({
      brand,
      auth,
      accessToken: token,
      ...(options.idToken ? { idToken: options.idToken } : {}),
    });
  } catch (error) {
    const failed = check('claims', 'Mapped claims', 'fail', `the claims could not be read: ${messageOf(error)}`, {
      action: 'check userInfoEndpoint, or send the ID token (--id-token)',
    });
    return {
      checks: [decision, failed],
      diagnosis,
      notRun: [{ id: 'first-session', title: 'First session', why: 'needs the claims' }],
    };
  }
  const mapped = mapClaims(claims, brand.fieldMappings, brand);
  const checks = [decision, claimsCheck(brand, claims)];
  try {
    const client = deps.capillary.forBrand(brand);
    const outcome = await dryRunFirstSession(
      { links: deps.links, capillary: client },
      { brand, auth: { sub } },
      mapped,
    );
    const status: CheckStatus = outcome.outcome === 'refuse' ? 'warn' : 'pass';
    const head =
      outcome.outcome === 'refuse'
        ? `refused with ${outcome.code}`
        : 'customerId' in outcome
          ? `${outcome.outcome} customer ${outcome.customerId}`
          : outcome.outcome;
    checks.push(
      check('first-session', 'First session (dry run)', status, `${head}: ${outcome.why}`, {
        ...(outcome.outcome === 'refuse'
          ? { action: 'the member sees this refusal at sign-in: see docs/post-auth.md' }
          : {}),
      }),
    );
  } catch (error) {
    checks.push(check('first-session', 'First session (dry run)', 'fail', `Capillary failed: ${messageOf(error)}`));
  }
  return { checks, diagnosis, notRun: [] };
}

/** The authorizer context the handlers would get for this token (the claim source checks the token's fingerprint). */
function authContext(brand: BrandConfig, sub: string, token: string): AuthorizerContext {
  return {
    brandId: brand.brandId,
    orgId: brand.orgId,
    iss: brand.issuer,
    sub,
    principalType: 'user',
    sid: '',
    jti: '',
    iat: 0,
    exp: 0,
    // The doctor writes no audit line: nothing reads the subject hash.
    subjectHash: '',
    clockSkew: brand.clockSkewSeconds,
    tokenHash: hashToken(token),
  };
}

/** Which claim each mapping reads, whether the token's claims source carries it, and the verified flags. */
function claimsCheck(brand: BrandConfig, claims: Claims): DoctorCheck {
  const source = claimsSourceOf(claims) ?? 'access_token';
  const mappings = brand.fieldMappings;
  const lines: string[] = [];
  const missing: string[] = [];
  for (const field of ['firstName', 'lastName', 'email', 'mobile'] as const) {
    const value = readClaimPath(claims, mappings[field]);
    if (value === undefined || value === null || value === '') missing.push(`${field} (${mappings[field]})`);
    const shown =
      typeof value === 'string'
        ? field === 'email' || field === 'mobile'
          ? maskIdentifier(value)
          : `${value.slice(0, 1)}…`
        : 'absent';
    lines.push(`${field} <- ${mappings[field]}: ${shown}`);
  }
  const flags: string[] = [];
  for (const [field, identifier] of [
    ['emailVerified', 'email'],
    ['mobileVerified', 'mobile'],
  ] as const) {
    const value = readClaimPath(claims, mappings[field]);
    lines.push(`${field} <- ${mappings[field]}: ${value === undefined ? 'absent' : String(value)}`);
    if (value === undefined && readClaimPath(claims, mappings[identifier]) !== undefined) flags.push(mappings[field]);
  }
  const problems = [
    ...(missing.length > 0 ? [`no value for ${missing.join(', ')}`] : []),
    ...(flags.length > 0 ? [`no verified flag ${flags.join(', ')}: those identifiers count as unverified`] : []),
  ];
  return check(
    'claims',
    'Mapped claims',
    problems.length === 0 ? 'pass' : 'warn',
    `read from ${source}${problems.length === 0 ? '; every mapping has a value and each identifier its verified flag' : `; ${problems.join('; ')}`}`,
    {
      ...(problems.length > 0
        ? {
            action:
              'check fieldMappings against the claims the CIAM sends (dotted paths allowed), and its verified flags',
          }
        : {}),
      evidence: lines,
    },
  );
}

function messageOf(error: unknown): string {
  if (error instanceof GatewayError) return `${error.code} ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
