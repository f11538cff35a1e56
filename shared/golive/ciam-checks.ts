// The brand doctor's CIAM checks, live and read-only: the discovery document against the brand (issuer, JWKS,
// userinfo, ID-token algorithms, back-channel logout, the claims it lists), and every JWKS key usable or why not.
import { describeKey } from '../auth/jwk.js';
import type { BrandConfig } from '../config/brand-config.js';
import {
  algorithmsForKey,
  discoveryDisagreements,
  discoveryUrl,
  fetchJson,
  type RemoteCheckOptions,
} from '../config/brand-checks.js';
import { isRecord } from '../lang/is-record.js';
import { check, type DoctorCheck } from './doctor-report.js';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** Discovery: agreement with the brand, the ID tokens' algorithms, back-channel logout, the mapped claims listed. */
export async function discoveryChecks(brand: BrandConfig, remote: RemoteCheckOptions): Promise<DoctorCheck[]> {
  const url = discoveryUrl(brand.issuer);
  const outcome = await fetchJson(url, remote);
  if (!outcome.ok || !isRecord(outcome.json)) {
    const why = outcome.ok ? 'is not a JSON object' : outcome.reason;
    return [
      check('discovery', 'Discovery document', 'warn', `${url} ${why}: nothing to compare the brand with`, {
        action: 'check issuer; a provider without discovery works, but init, the doctor and the playground use it',
      }),
    ];
  }
  const discovered = outcome.json;
  const disagreements = discoveryDisagreements(brand, discovered);
  const checks: DoctorCheck[] = [
    disagreements.length === 0
      ? check('discovery', 'Discovery document', 'pass', `${url} agrees with issuer, jwksUri and userInfoEndpoint`)
      : check(
          'discovery',
          'Discovery document',
          'fail',
          disagreements.map((issue) => `${issue.field} ${issue.message}`).join('; '),
          { action: 'put the discovered values in the brand (tokens carry the discovered issuer)' },
        ),
  ];
  const signing = strings(discovered.id_token_signing_alg_values_supported);
  const shared = brand.allowedAlgorithms.filter((alg) => signing.includes(alg));
  checks.push(
    signing.length === 0 || shared.length > 0
      ? check(
          'algorithms',
          'Signing algorithms',
          'pass',
          signing.length === 0
            ? `discovery lists no ID-token algorithms; the brand allows ${brand.allowedAlgorithms.join(', ')}`
            : `ID tokens are signed with ${shared.join(', ')}, which the brand allows`,
        )
      : check(
          'algorithms',
          'Signing algorithms',
          'warn',
          `ID tokens are signed with ${signing.join(', ')}, none of allowedAlgorithms (${brand.allowedAlgorithms.join(', ')})`,
          {
            action: 'add the algorithm to allowedAlgorithms, or the idToken of a session and id_token_hint are refused',
          },
        ),
  );
  const backchannel = discovered.backchannel_logout_supported === true;
  const receiver = `/v1/auth/backchannel-logout/${brand.brandId}`;
  checks.push(
    backchannel
      ? check(
          'backchannel-logout',
          'Back-channel logout',
          'pass',
          `supported (backchannel_logout_supported); register <gateway>${receiver} as the backchannel_logout_uri of client ${brand.clientId}`,
        )
      : check(
          'backchannel-logout',
          'Back-channel logout',
          'warn',
          'the CIAM does not advertise back-channel logout: a logout at the CIAM does not reach the gateway',
          { action: 'apps must call POST /v1/auth/logout (with id_token_hint) when the member signs out' },
        ),
  );
  const claims = new Set(strings(discovered.claims_supported));
  const mapped = Object.entries(brand.fieldMappings).map(([field, path]) => [field, path.split('.')[0] ?? path]);
  const unlisted = mapped.filter(([, claim]) => claims.size > 0 && !claims.has(claim ?? ''));
  checks.push(
    claims.size === 0
      ? check('claims-supported', 'Mapped claims', 'pass', 'discovery lists no claims_supported: nothing to compare')
      : unlisted.length === 0
        ? check(
            'claims-supported',
            'Mapped claims',
            'pass',
            'every claim the field mappings read is in claims_supported',
          )
        : check(
            'claims-supported',
            'Mapped claims',
            'warn',
            `claims_supported lacks ${unlisted.map(([field, claim]) => `${claim} (${field})`).join(', ')}`,
            { action: 'check fieldMappings against the claims the CIAM really sends (run the doctor with --token)' },
          ),
  );
  return checks;
}

/** The JWKS: reachable, JSON, every key usable for an allowed algorithm or why not. */
export async function jwksCheck(brand: BrandConfig, remote: RemoteCheckOptions): Promise<DoctorCheck> {
  const outcome = await fetchJson(brand.jwksUri, remote);
  const keys = outcome.ok && isRecord(outcome.json) ? outcome.json.keys : undefined;
  if (!outcome.ok || !Array.isArray(keys)) {
    const why = outcome.ok ? 'is not a JSON object with a "keys" array' : outcome.reason;
    return check('jwks', 'JWKS keys', 'fail', `${brand.jwksUri} ${why}: every token would be refused (503)`, {
      action: 'fix jwksUri or the CIAM',
    });
  }
  const reports = keys
    .filter(isRecord)
    .map((jwk, index) =>
      describeKey(jwk, index, brand.allowedAlgorithms, algorithmsForKey, brand.allowTokensWithoutKid),
    );
  const lines = reports.map((report) =>
    report.problem === undefined
      ? `${report.label}: usable for ${report.algorithms.join(', ')}`
      : `${report.label} ${report.problem}`,
  );
  const usable = reports.filter((report) => report.problem === undefined).length;
  if (usable === 0) {
    return check('jwks', 'JWKS keys', 'fail', `no key can verify a token of ${brand.allowedAlgorithms.join(', ')}`, {
      action: 'publish a signing key for an allowed algorithm, or allow the algorithm of the keys',
      evidence: lines,
    });
  }
  const unusable = reports.length - usable;
  return check(
    'jwks',
    'JWKS keys',
    unusable === 0 ? 'pass' : 'warn',
    `${usable} of ${reports.length} keys usable${unusable === 0 ? '' : `; tokens signed with the other ${unusable} are refused`}`,
    { evidence: lines },
  );
}
