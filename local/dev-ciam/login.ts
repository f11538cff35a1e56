// The development CIAM's sign-in: the interaction pages, the step-up policy (RFC 9470) and the login results
// (acr `pwd`, or `mfa` with a one-time code).
import type { AccountClaims } from '../dev-ciam.js';
import type Provider from 'oidc-provider';
import { readFormBody } from '../http/read-body.js';
import { loginPage, MAX_FORM_BYTES } from './pages.js';

type OidcModule = typeof import('oidc-provider');
/** A Koa middleware of the provider (`provider.use`). */
export type CiamMiddleware = Parameters<Provider['use']>[0];

/**
 * Authentication context classes: `pwd` (password) and `mfa` (password and a one-time code). A request with
 * `acr_values=mfa` (a step-up, RFC 9470) makes a session without it sign in again, with the code.
 */
export const ACR_VALUES = ['pwd', 'mfa'] as const;
/** The development CIAM's one-time code: any six digits are accepted (local use only). */
const OTP_PATTERN = /^\d{6}$/;

/** The acr values an authorization request asks for (`acr_values`, space-separated), known ones only. */
function requestedAcrs(params: Record<string, unknown> | undefined): string[] {
  const raw = typeof params?.acr_values === 'string' ? params.acr_values : '';
  return raw.split(' ').filter((value) => (ACR_VALUES as readonly string[]).includes(value));
}

/** The login result for a sign-in: `mfa` when asked for (and the code was given), else `pwd`. */
function loginResult(accountId: string, withMfa: boolean) {
  return withMfa ? { accountId, acr: 'mfa', amr: ['pwd', 'otp'] } : { accountId, acr: 'pwd', amr: ['pwd'] };
}

/**
 * oidc-provider's interaction policy plus one login check: an authorization request whose `acr_values` the
 * session's `acr` does not meet needs a new sign-in (the step-up of RFC 9470; `max_age` and `prompt=login` are
 * built in).
 */
export function stepUpPolicy({ interactionPolicy }: OidcModule) {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'acr_values',
      'the requested authentication context was not obtained',
      'login_required',
      (ctx) => {
        const wanted = requestedAcrs(ctx.oidc.params as Record<string, unknown> | undefined);
        return wanted.length > 0 && !wanted.includes(String(ctx.oidc.acr ?? ''))
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  return policy;
}

// Login: `login_hint` naming a seeded user signs in at once (tests, the token tool); otherwise a form.
export function loginRoutes(provider: Provider, accounts: Record<string, AccountClaims>): CiamMiddleware {
  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const mfa = requestedAcrs(details.params).includes('mfa');
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    if (ctx.method === 'GET') {
      // A hinted seeded user signs in at once, with the second factor when the request asks for it (tools, tests),
      // unless the request says prompt=login: then the page asks, the hinted user chosen (a step-up in the playground).
      const prompted = String(details.params.prompt ?? '')
        .split(' ')
        .includes('login');
      if (hint && accounts[hint] && !prompted) {
        const to = await provider.interactionResult(ctx.req, ctx.res, { login: loginResult(hint, mfa) });
        ctx.status = 303;
        ctx.redirect(to);
        return undefined;
      }
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, accounts, undefined, mfa, hint);
      return undefined;
    }
    if (ctx.method === 'POST' && match[2]) {
      const form = await readFormBody(ctx.req, MAX_FORM_BYTES);
      const login = form.get('login') ?? '';
      const problem = !accounts[login]
        ? 'Unknown user'
        : mfa && !OTP_PATTERN.test(form.get('otp') ?? '')
          ? 'Enter the six-digit one-time code'
          : undefined;
      if (problem) {
        ctx.type = 'html';
        ctx.status = 400;
        ctx.body = loginPage(details.uid, accounts, problem, mfa, hint);
        return undefined;
      }
      const to = await provider.interactionResult(ctx.req, ctx.res, { login: loginResult(login, mfa) });
      ctx.status = 303;
      ctx.redirect(to);
      return undefined;
    }
    return next();
  };
}
