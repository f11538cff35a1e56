// What the authorizer's own decision path passed, step by step, for the token diagnosis (docs/errors.md, "Why is
// my token refused?"). The verifier and the authorizer call an optional sink at each step they pass; the hot path
// gives none, so tracing costs one undefined check per step. A refusal is the real verifier's TokenError after the
// last traced step: nothing here re-checks anything.

export type TraceStep =
  /** The header rules passed (alg present and not none, no crit, b64, a sane kid, a known typ spelling). */
  | { step: 'header'; alg: string; kid: string; typ: string }
  /** The brands whose issuer equals the token's `iss` exactly. */
  | { step: 'issuer'; iss: string; brandIds: string[] }
  /** The brand the token selects: its audience values (as the brands read them) and its client (azp, else client_id). */
  | { step: 'brand'; brandId: string; candidates: string[]; audience: readonly string[]; client: string | undefined }
  /** The token kind the brand accepts: an access token, or an ID token the brand opted in to. */
  | { step: 'token-kind'; kind: 'access' | 'id'; typ: string }
  /** The brand's JWKS key under the kid that fits the alg and verified the signature. */
  | { step: 'signature'; alg: string; kid: string; kty: string; crv: string | undefined; keyAlg: string | undefined }
  /** The time claims, within the brand's skew and maximum lifetime. */
  | {
      step: 'time';
      now: number;
      iat: number;
      exp: number;
      nbf: number | undefined;
      skewSeconds: number;
      maxLifetimeSeconds: number;
    }
  /** The subject is present: a user, or a client-credentials principal. */
  | { step: 'subject'; principalType: 'user' | 'client' }
  /** The revocation list (session, token, user before iat): `revoked` names the entry that matched. */
  | { step: 'revocation'; revoked: string | undefined };

/** Told about every step the decision passed, in order. */
export type DecisionTrace = (step: TraceStep) => void;
