// What may go into an audit line: subjects hashed, e-mails and mobiles masked, and a safety net that
// redacts any value that still looks like a token, an e-mail address or a phone number.
import { createHmac } from 'node:crypto';

/** Placeholder written instead of a refused value. */
export const REDACTED = '[REDACTED]';

/**
 * Pseudonymous id of a user: HMAC-SHA256 under the stage's subject key of brand id + NUL + sub, first 16 hex
 * characters (64 bits). The same user always gets the same hash within a stage, so their events correlate
 * without the raw sub; without the key nobody holding a `sub` (the brand's CIAM, a log reader) can recompute it.
 */
export function hashSubject(key: string | Uint8Array, brandId: string, sub: string): string {
  return createHmac('sha256', key).update(`${brandId}\u0000${sub}`).digest('hex').slice(0, 16);
}

/** Masks an e-mail address: first character of the local part and the domain (`a***@example.com`). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return '***';
  return `${email.slice(0, 1)}***@${email.slice(at + 1)}`;
}

/** Masks a mobile number: `+` kept, every digit but the last 2 replaced (`+*********10`). */
export function maskMobile(mobile: string): string {
  const digits = mobile.replace(/\D/g, '');
  if (digits.length < 6) return '***';
  return `${mobile.trim().startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
}

// A compact JWS/JWE (its base64url JSON header starts `eyJ`), a long dotted base64url run, or an opaque
// token-sized run (43+ base64url characters = 256 bits).
const JWT_PATTERN =
  /eyJ[A-Za-z0-9_-]{4,}|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|[A-Za-z0-9_-]{43,}/;
// A real local part right before the @ (masked addresses have `*` there and pass).
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// Seven or more digits in a row, or a phone-shaped string (digits with spaces, dashes, dots, brackets, +).
const DIGITS_PATTERN = /\d{7,}/;
const PHONE_SHAPED = /^[\d\s().+-]+$/;
// Keys whose values are never written, whatever they look like.
const SECRET_KEY_PATTERN = /token|secret|password|authorization|cookie|credential|apikey|api_key|bearer/i;

/**
 * Documented detail fields whose names only look secret: each is written when its value has the declared
 * shape (a 16-hex token fingerprint or '' for no token, a flag, an IAM ARN), and redacted like any other secret-named key otherwise.
 */
const DOCUMENTED_FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  tokenHash: (value) => typeof value === 'string' && /^([0-9a-f]{16})?$/.test(value),
  secretsUpdated: (value) => typeof value === 'boolean',
  // An IAM principal ARN: its 12-digit account id is not a phone number; a session name with an e-mail still is refused.
  actor: (value) =>
    typeof value === 'string' &&
    /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]{1,200}$/.test(value) &&
    sensitiveKind(value.replace(/::\d{12}:/, '::account:')) === undefined,
};

/** Why a value was refused, or undefined when it may be written. */
export function sensitiveKind(value: string): 'jwt' | 'email' | 'digits' | undefined {
  if (JWT_PATTERN.test(value)) return 'jwt';
  if (EMAIL_PATTERN.test(value)) return 'email';
  if (DIGITS_PATTERN.test(value)) return 'digits';
  if (PHONE_SHAPED.test(value) && value.replace(/\D/g, '').length >= 7) return 'digits';
  return undefined;
}

type AuditDetailValue = string | number | boolean | string[];

export interface SanitizedDetails {
  details: Record<string, AuditDetailValue>;
  /** Keys whose value (or one of whose list items) was redacted. */
  redacted: string[];
}

const MAX_STRING = 256;
const MAX_LIST = 50;
const MAX_KEYS = 30;
const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

function cleanString(value: string): string | undefined {
  if (sensitiveKind(value) !== undefined) return undefined;
  return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
}

/**
 * Applies the safety net to event details: refuses suspicious values, keys named like secrets, odd keys,
 * non-finite numbers, and caps sizes. Numbers are kept (customer ids are numbers); strings are checked.
 */
export function sanitizeDetails(input: Record<string, unknown> | undefined): SanitizedDetails {
  const details: Record<string, AuditDetailValue> = {};
  const redacted: string[] = [];
  if (input === undefined) return { details, redacted };
  for (const [key, value] of Object.entries(input).slice(0, MAX_KEYS)) {
    if (!KEY_PATTERN.test(key)) {
      redacted.push('(key)');
      continue;
    }
    const documented = Object.hasOwn(DOCUMENTED_FIELDS, key) ? DOCUMENTED_FIELDS[key] : undefined;
    if (documented?.(value) === true) {
      details[key] = value as string | boolean;
    } else if (SECRET_KEY_PATTERN.test(key)) {
      details[key] = REDACTED;
      redacted.push(key);
    } else if (typeof value === 'boolean') {
      details[key] = value;
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) details[key] = value;
      else redacted.push(key);
    } else if (typeof value === 'string') {
      const clean = cleanString(value);
      details[key] = clean ?? REDACTED;
      if (clean === undefined) redacted.push(key);
    } else if (Array.isArray(value)) {
      let hit = false;
      details[key] = value.slice(0, MAX_LIST).map((item) => {
        const clean = typeof item === 'string' ? cleanString(item) : undefined;
        if (clean === undefined) hit = true;
        return clean ?? REDACTED;
      });
      if (hit) redacted.push(key);
    } else if (value !== undefined) {
      details[key] = REDACTED;
      redacted.push(key);
    }
  }
  return { details, redacted };
}

/** A reason code or brand id as written: short, code-shaped, never sensitive; anything else is redacted. */
export function sanitizeCode(value: string, pattern = /^[A-Za-z0-9_.:-]{1,64}$/): string {
  return pattern.test(value) && sensitiveKind(value) === undefined ? value : REDACTED;
}
