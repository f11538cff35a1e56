// The development CIAM's accounts: the account page and its JSON twin (`npm run ciam -- user set`) change a
// user's claims as the brand's CIAM would, and the changes are saved (they survive a restart).
import type { AccountClaims } from '../dev-ciam.js';
import type { DevCiamState } from '../dev-ciam-state.js';
import { readFormBody, readJsonBody } from '../http/read-body.js';
import { accountPage, jsonAnswer, MAX_FORM_BYTES } from './pages.js';
import type { CiamMiddleware } from './login.js';

/** The claims `npm run ciam -- user set` and the account page change (standard OIDC claim names). */
interface AccountChange {
  given_name?: string;
  family_name?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
}

const CHANGE_FIELDS: Record<keyof AccountChange, 'name' | 'email' | 'phone' | 'boolean'> = {
  given_name: 'name',
  family_name: 'name',
  email: 'email',
  email_verified: 'boolean',
  phone_number: 'phone',
  phone_number_verified: 'boolean',
};

/** Checks a change; returns the problems (field, message), none when it can be applied. */
function accountChangeIssues(change: Record<string, unknown>): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  for (const [field, value] of Object.entries(change)) {
    const kind = CHANGE_FIELDS[field as keyof AccountChange];
    if (!kind) issues.push({ field, message: `unknown field (use ${Object.keys(CHANGE_FIELDS).join(', ')})` });
    else if (kind === 'boolean' && typeof value !== 'boolean') issues.push({ field, message: 'must be true or false' });
    else if (kind !== 'boolean' && typeof value !== 'string') issues.push({ field, message: 'must be a string' });
    else if (kind === 'name' && !/^\S.{0,99}$/u.test(String(value))) {
      issues.push({ field, message: 'must be 1-100 characters, not starting with a space' });
    } else if (kind === 'email' && !/^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/.test(String(value))) {
      issues.push({ field, message: 'must be an e-mail address such as alice@example.com' });
    } else if (kind === 'phone' && !/^\+[1-9]\d{6,14}$/.test(String(value))) {
      issues.push({ field, message: 'must be an E.164 number such as +919800000009' });
    }
  }
  return issues;
}

/** The claims after a (checked) change; `name` follows the given and family names. */
function applyAccountChange(claims: AccountClaims, change: AccountChange): AccountClaims {
  const next: AccountClaims = { ...claims, ...change };
  if (change.given_name !== undefined || change.family_name !== undefined) {
    next.name = `${String(next.given_name ?? '')} ${String(next.family_name ?? '')}`.trim();
  }
  return next;
}

/** The account page's form as a change: every field is sent, unchecked boxes mean false. */
function formChange(form: URLSearchParams): AccountChange {
  const text = (name: string) => (form.get(name) ?? '').trim();
  return {
    given_name: text('given_name'),
    family_name: text('family_name'),
    email: text('email'),
    email_verified: form.get('email_verified') === 'true',
    phone_number: text('phone_number'),
    phone_number_verified: form.get('phone_number_verified') === 'true',
  };
}

// The account page and its JSON twin (`npm run ciam -- user set`): change a user's claims as the brand's
// CIAM would. The form carries a per-start token; the JSON API needs a JSON content type, which a
// cross-site page cannot send without a CORS preflight this server never answers.
export function accountRoutes(
  accounts: Record<string, AccountClaims>,
  csrf: string,
  state: Pick<DevCiamState, 'saveAccount'>,
): CiamMiddleware {
  return async (ctx, next) => {
    if (ctx.path === '/account' && ctx.method === 'GET') {
      const saved = typeof ctx.query.saved === 'string' ? ctx.query.saved : undefined;
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = accountPage(accounts, csrf, saved && accounts[saved] ? `Saved ${saved}.` : undefined);
      return undefined;
    }
    const formMatch = /^\/account\/([^/]+)$/.exec(ctx.path);
    if (formMatch && ctx.method === 'POST') {
      const sub = decodeURIComponent(formMatch[1] ?? '');
      const form = await readFormBody(ctx.req, MAX_FORM_BYTES).catch(() => new URLSearchParams());
      const current = accounts[sub];
      const change = formChange(form);
      const issues = current ? accountChangeIssues({ ...change }) : [];
      ctx.type = 'html';
      if (form.get('csrf') !== csrf || !current || issues.length > 0) {
        ctx.status = form.get('csrf') !== csrf ? 403 : current ? 400 : 404;
        const why =
          form.get('csrf') !== csrf
            ? 'The form expired (the CIAM restarted): reload the page.'
            : current
              ? issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')
              : `No user ${sub}`;
        ctx.body = accountPage(accounts, csrf, undefined, why);
        return undefined;
      }
      accounts[sub] = applyAccountChange(current, change);
      state.saveAccount(sub, accounts[sub]);
      ctx.status = 303;
      ctx.redirect(`/account?saved=${encodeURIComponent(sub)}`);
      return undefined;
    }
    const apiMatch = /^\/account\/users(?:\/([^/]+))?$/.exec(ctx.path);
    if (!apiMatch) return next();
    const sub = apiMatch[1] === undefined ? undefined : decodeURIComponent(apiMatch[1]);
    if (sub === undefined) {
      if (ctx.method !== 'GET')
        return jsonAnswer(ctx, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' } });
      return jsonAnswer(ctx, 200, { users: Object.entries(accounts).map(([id, claims]) => ({ sub: id, ...claims })) });
    }
    const current = accounts[sub];
    if (!current) {
      return jsonAnswer(ctx, 404, {
        error: { code: 'NOT_FOUND', message: `No user ${sub}; users: ${Object.keys(accounts).join(', ')}` },
      });
    }
    if (ctx.method === 'GET') return jsonAnswer(ctx, 200, { sub, ...current });
    if (ctx.method !== 'PATCH') {
      return jsonAnswer(ctx, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET or PATCH' } });
    }
    if (!/^application\/json\b/i.test(ctx.get('content-type'))) {
      return jsonAnswer(ctx, 415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send application/json' } });
    }
    let change: unknown;
    try {
      change = await readJsonBody(ctx.req, MAX_FORM_BYTES);
    } catch {
      return jsonAnswer(ctx, 400, { error: { code: 'INVALID_JSON', message: 'Body must be a JSON object' } });
    }
    if (change === null || typeof change !== 'object' || Array.isArray(change)) {
      return jsonAnswer(ctx, 400, { error: { code: 'INVALID_JSON', message: 'Body must be a JSON object' } });
    }
    const issues = accountChangeIssues(change as Record<string, unknown>);
    if (issues.length > 0) {
      return jsonAnswer(ctx, 400, {
        error: { code: 'VALIDATION_FAILED', message: 'The change is invalid', details: issues },
      });
    }
    accounts[sub] = applyAccountChange(current, change as AccountChange);
    state.saveAccount(sub, accounts[sub]);
    return jsonAnswer(ctx, 200, { sub, ...accounts[sub] });
  };
}
