// What each authorizer reason code means for the operator, and what to do about it: the text of the token diagnosis
// (docs/errors.md, "Why is my token refused?"). A reason this table does not know (one added to the verifier later)
// is still reported with its code, pointing at the rules of docs/authorizer.md.

export interface RefusalHint {
  /** The check of the decision path the reason belongs to. */
  check: string;
  meaning: string;
  action: string;
}

const hint = (check: string, meaning: string, action: string): RefusalHint => ({ check, meaning, action });
const FORMAT = 'token format and header';
const KIND = 'token kind';
const BRAND = 'brand selection';
const KEY = 'kid, JWKS and key';
const TIME = 'time checks';

const HINTS: Record<string, RefusalHint> = {
  AUTHORIZATION_MISSING: hint('Authorization header', 'no bearer token was sent', 'send Authorization: Bearer <token>'),
  AUTHORIZATION_MULTIPLE: hint('Authorization header', 'several Authorization values', 'send exactly one'),
  AUTHORIZATION_SCHEME: hint('Authorization header', 'the scheme is not Bearer', 'send Authorization: Bearer <token>'),
  TOKEN_MISSING: hint(FORMAT, 'the bearer value is empty', 'send the access token after "Bearer "'),
  TOKEN_TOO_LARGE: hint(FORMAT, 'the token is over 8,192 characters', 'ask the CIAM for a smaller token'),
  TOKEN_MALFORMED: hint(
    FORMAT,
    'not a compact JWS of three canonical base64url parts with JSON objects',
    'send the JWT exactly as the CIAM issued it (no quotes, padding or whitespace; an encrypted JWE is not accepted)',
  ),
  HEADER_INVALID: hint(FORMAT, 'the header has no alg string', 'check the CIAM signs its tokens (JWS)'),
  ALG_NONE: hint(FORMAT, 'an unsigned token (alg none)', 'the CIAM must sign its tokens'),
  CRIT_UNSUPPORTED: hint(FORMAT, 'the header names crit extensions', 'configure the CIAM not to add crit'),
  B64_UNSUPPORTED: hint(FORMAT, 'an unencoded payload (b64: false)', 'configure the CIAM to sign normally'),
  KID_INVALID: hint(FORMAT, 'the kid is not a short printable string', 'check the CIAM key ids'),
  TYP_INVALID: hint(
    KIND,
    'a typ other than JWT, at+jwt or an ID-token typ (or not at+jwt while the brand requires it)',
    'send an access token; check requireAccessTokenTyp',
  ),
  LOGOUT_TOKEN_REJECTED: hint(KIND, 'a back-channel logout token sent as a credential', 'send the access token'),
  ID_TOKEN_REJECTED: hint(
    KIND,
    'an ID token (nonce, at_hash, c_hash, token_use: id or an ID-token typ) while the brand accepts access tokens only',
    'send the access token; the ID token goes in the session body as idToken (or set acceptIdTokens, see docs/providers.md)',
  ),
  TOKEN_USE_INVALID: hint(KIND, 'token_use is not access', 'send the access token (Cognito)'),
  ISSUER_UNKNOWN: hint(
    BRAND,
    'no brand has exactly this iss (a trailing slash or a letter case is another issuer)',
    "set the brand's issuer to the token's iss exactly, or send a token of the configured issuer",
  ),
  AUDIENCE_INVALID: hint(
    BRAND,
    "the audience (aud, or client_id for audienceClaim client_id) names none of the issuer's brands' accepted audiences",
    "request the token for the brand's API (applicationId), or add the audience to acceptedAudiences",
  ),
  BRAND_AMBIGUOUS: hint(
    BRAND,
    "several brands of the issuer accept the audience and the token's client does not single one out",
    'give each brand its own audience, or set requireClientClaim on both with their client ids',
  ),
  AZP_INVALID: hint(
    'audience and client',
    "the token's client (azp, else client_id) is not the brand's clientId (several audiences, or requireClientClaim)",
    "request the token with the brand's client, or fix clientId",
  ),
  ALG_NOT_ALLOWED: hint(KEY, "the alg is not on the brand's allowedAlgorithms", 'add it to allowedAlgorithms'),
  KID_MISSING: hint(
    KEY,
    'the token has no kid (and the brand does not allow it, or the JWKS has several signing keys)',
    'configure the CIAM to send kid, or set allowTokensWithoutKid for a single-key JWKS',
  ),
  KID_UNKNOWN: hint(
    KEY,
    "the kid is not in the brand's JWKS (a new key is fetched at most once per 10 s)",
    'check jwksUri is the JWKS of the issuer that signed the token; after a rotation, retry shortly',
  ),
  KEY_ALG_MISMATCH: hint(KEY, 'no key under the kid fits the alg (type, curve or its own alg)', 'check the JWKS key'),
  KEY_USE_INVALID: hint(KEY, "the key's use or key_ops is not for signatures", 'check the JWKS key'),
  KEY_TOO_WEAK: hint(KEY, 'an RSA key under 2048 bits', 'rotate the CIAM key to 2048 bits or more'),
  JWKS_UNAVAILABLE: hint(
    KEY,
    "the brand's JWKS could not be fetched (503, never cached: the app keeps its session)",
    'check jwksUri answers a JWKS; the doctor shows what it answers',
  ),
  SIGNATURE_INVALID: hint(
    'signature',
    'the signature does not verify with any key of the kid',
    'the token was altered or signed by another key',
  ),
  CLAIM_INVALID: hint(
    TIME,
    'a claim has the wrong JSON type (exp, iat, nbf, aud, sub, sid, jti, azp, client_id)',
    'check the CIAM token format',
  ),
  EXP_MISSING: hint(TIME, 'no exp claim', 'the CIAM must set exp'),
  TOKEN_EXPIRED: hint(TIME, 'exp has passed (beyond the clock skew)', 'get a new token (refresh)'),
  IAT_MISSING: hint(TIME, 'no iat claim', 'the CIAM must set iat'),
  IAT_IN_FUTURE: hint(
    TIME,
    'iat is in the future beyond the skew',
    "check the CIAM's clock, or raise clockSkewSeconds",
  ),
  NOT_YET_VALID: hint(
    TIME,
    'nbf is in the future beyond the skew',
    "check the CIAM's clock, or raise clockSkewSeconds",
  ),
  LIFETIME_EXCEEDED: hint(
    TIME,
    "exp - iat is over the brand's maxTokenLifetimeSeconds",
    'shorten the token lifetime, or raise the maximum',
  ),
  SUB_MISSING: hint('subject', 'no sub claim', 'the CIAM must set sub'),
  SESSION_REVOKED: hint('revocation', 'the session (sid) was logged out', 'sign in again'),
  TOKEN_REVOKED: hint('revocation', 'the token (jti) was logged out', 'sign in again'),
  USER_REVOKED: hint('revocation', 'every session of the user issued before the logout was ended', 'sign in again'),
  REVOCATION_UNAVAILABLE: hint(
    'revocation',
    'the revocation list could not be read (503, never cached)',
    'retry; check DynamoDB',
  ),
  CONFIG_UNAVAILABLE: hint(
    BRAND,
    'the brand configuration could not be read (503, never cached)',
    'retry; check DynamoDB',
  ),
  VERIFIER_ERROR: hint(
    'verification',
    'an unexpected failure (503, never cached, logged at error level)',
    'read the authorizer log',
  ),
  METHOD_ARN_INVALID: hint('request', 'API Gateway sent no usable method ARN', 'check the API Gateway integration'),
};

/** The hint for a reason; a code the table does not know yet keeps its code and points at the rules. */
export function refusalHint(reason: string): RefusalHint {
  return (
    HINTS[reason] ??
    hint('verification', `refused with ${reason}`, 'see docs/authorizer.md, "Rules and reason codes", for this code')
  );
}
