// The playground's wiring: load the stack's config, finish a login or logout redirect, then drive the
// gateway's API with the signed-in user's token and show every answer.
import { type CallInput, type CallRecord, continueAfter, performCall } from './call.js';
import { CONFIG_PATH, type PlaygroundConfig, parsePlaygroundConfig } from './config.js';
import type { Failure } from './failure.js';
import { loadHistory, remember } from './history.js';
import { readJwtClaims } from './jwt.js';
import { resumeLoyalty, wireLoyalty } from './loyalty.js';
import {
  type CiamEndpoints,
  completeCiamLogout,
  completeLogin,
  discover,
  startCiamLogout,
  startLogin,
  type Tokens,
} from './oidc.js';
import { configFor, loadTarget, type SignInTarget, saveTarget, targetOfBrand } from './target.js';
import {
  byId,
  h,
  reasonOf,
  renderAuthorizer,
  renderCall,
  renderClaims,
  renderCustomer,
  renderError,
  renderLastResult,
  renderMapped,
} from './view.js';

const TOKENS_KEY = 'playground.tokens';

interface State {
  config?: PlaygroundConfig;
  /** The brand signed in to, with the issuer, client and scopes chosen on the page. */
  target?: SignInTarget;
  endpoints?: CiamEndpoints;
  tokens?: Tokens | undefined;
}

const state: State = {};

/**
 * Shows a call in the list (newest first) and, unless it only follows up a button's own call (the customer read
 * after a sync), in the bar at the bottom of the screen.
 */
function show(record: CallRecord, bar = true): void {
  byId('calls').prepend(renderCall(record));
  if (bar) renderLastResult(byId('last-result'), record);
}

function send(input: CallInput, bar = true): Promise<CallRecord> {
  return performCall(input, (record) => {
    show(record, bar);
    remember(record);
  });
}

/** The calls made before the last redirect (sign-in, logout), shown again. */
function restoreHistory(): void {
  const history = loadHistory();
  for (const record of history) show(record);
  const last = history.at(-1);
  if (last) continueAfter(last.id);
}

/** The page's config for the chosen brand: its issuer, client and scopes. */
function active(): PlaygroundConfig {
  if (!state.config) throw new Error('The playground config is not loaded yet');
  return state.target ? configFor(state.config, state.target) : state.config;
}

function showError(failure: Failure | undefined, where?: string): void {
  renderError(byId('error'), failure, where);
}

function showNotice(text: string | undefined): void {
  const notice = byId('notice');
  notice.hidden = text === undefined;
  notice.textContent = text ?? '';
}

function loadTokens(): Tokens | undefined {
  const raw = sessionStorage.getItem(TOKENS_KEY);
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { idToken, accessToken, expiresAt } = parsed as Record<string, unknown>;
    return typeof idToken === 'string' && typeof accessToken === 'string' && typeof expiresAt === 'number'
      ? { idToken, accessToken, expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}

function setTokens(tokens: Tokens | undefined): void {
  state.tokens = tokens;
  if (tokens) sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  else sessionStorage.removeItem(TOKENS_KEY);
  const claims = tokens ? readJwtClaims(tokens.idToken) : undefined;
  renderClaims(byId('claims'), claims);
  const who = byId('who');
  if (claims) {
    const name = [claims.given_name, claims.family_name].filter((part) => typeof part === 'string').join(' ');
    who.replaceChildren('Signed in as ', h('strong', { id: 'who-sub' }, String(claims.sub)), name ? ` (${name})` : '');
  } else {
    who.textContent = 'Signed out';
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-needs-token]')) button.disabled = !tokens;
  byId<HTMLButtonElement>('forget-button').disabled = !tokens;
  byId('login-button').textContent = tokens ? 'Switch user' : 'Sign in';
}

/** Calls a gateway route with the user's access token and updates the authorizer panel. */
async function callGateway(
  label: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  bar = true,
  headers: Record<string, string> = {},
): Promise<CallRecord> {
  const { tokens, config } = state;
  if (!tokens || !config) throw new Error('Sign in first');
  const record = await send(
    {
      label,
      method,
      url: path,
      headers: {
        authorization: `Bearer ${tokens.accessToken}`,
        'x-brand-id': state.target?.brandId ?? config.brandId,
        ...headers,
      },
      ...(body === undefined ? {} : { json: body }),
    },
    bar,
  );
  renderAuthorizer(byId('authorizer'), record);
  const reason = reasonOf(record);
  const because = reason && reason !== record.failure?.code ? `, authorizer reason ${reason}` : '';
  if (record.failure) showError(record.failure, `HTTP ${record.status ?? 'no answer'} on ${method} ${path}${because}`);
  return record;
}

/** The optional ID token the post-auth routes accept as a claim source (userinfo still wins). */
function idTokenBody(): { idToken?: string } {
  return state.tokens ? { idToken: state.tokens.idToken } : {};
}

async function sessionLink(): Promise<boolean> {
  const record = await callGateway('Session link', 'POST', '/v1/auth/session', idTokenBody());
  if (record.ok) renderMapped(byId('mapped'), record.responseBody);
  return record.ok;
}

/** GET /v1/me; `followUp` when it reads the customer after another button's call (which keeps the bar). */
async function getCustomer(followUp = true): Promise<void> {
  const record = await callGateway('Linked customer', 'GET', '/v1/me', undefined, !followUp);
  if (record.ok) renderCustomer(byId('customer'), record.responseBody);
  else if (record.failure) {
    byId('customer').replaceChildren(h('p', { class: 'muted' }, `${record.failure.code}: ${record.failure.message}`));
  }
}

/** Parses `name=value` lines; values that read as numbers or booleans keep that type. */
function parseLines(text: string, typed: boolean): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (line.trim() === '') continue;
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    const raw = eq < 0 ? '' : line.slice(eq + 1).trim();
    if (!typed) result[key] = raw;
    else if (raw === 'true' || raw === 'false') result[key] = raw === 'true';
    else if (raw !== '' && /^-?\d+(\.\d+)?$/.test(raw)) result[key] = Number(raw);
    else result[key] = raw;
  }
  return result;
}

function registrationBody(): Record<string, unknown> {
  return {
    ...idTokenBody(),
    fields: parseLines(byId<HTMLTextAreaElement>('reg-fields').value, false),
    extendedFields: parseLines(byId<HTMLTextAreaElement>('reg-extended').value, true),
    consent: {
      email: byId<HTMLInputElement>('reg-consent-email').checked,
      mobile: byId<HTMLInputElement>('reg-consent-mobile').checked,
    },
  };
}

/** Runs a button's action with the error banner cleared first and any exception shown in it. */
function action(id: string, run: () => Promise<unknown>): void {
  const element = byId(id);
  const handler = async (event: Event) => {
    event.preventDefault();
    showError(undefined);
    showNotice(undefined);
    try {
      await run();
    } catch (error) {
      showError({
        code: 'PLAYGROUND_ERROR',
        message: error instanceof Error ? error.message : String(error),
        details: [],
      });
    }
  };
  if (element instanceof HTMLFormElement) element.addEventListener('submit', handler);
  else element.addEventListener('click', handler);
}

function wireActions(): void {
  action('login-button', async () => {
    if (!state.config || !state.endpoints) throw new Error('The CIAM is not reachable yet');
    await startLogin(active(), state.endpoints);
  });
  action('target-form', async () => {
    if (!state.config) throw new Error('The playground config is not loaded yet');
    saveTarget({
      brandId: byId<HTMLSelectElement>('target-brand').value,
      issuer: byId<HTMLInputElement>('target-issuer').value.trim().replace(/\/+$/, ''),
      clientId: byId<HTMLInputElement>('target-client').value.trim(),
      scope: byId<HTMLInputElement>('target-scope').value.trim(),
    });
    await useTarget();
    showNotice(`Signing in to brand ${state.target?.brandId} at ${state.target?.issuer}: press Sign in.`);
  });
  byId<HTMLSelectElement>('target-brand').addEventListener('change', (event) => {
    if (!state.config) return;
    fillTargetForm(targetOfBrand(state.config, (event.target as HTMLSelectElement).value));
  });
  action('forget-button', async () => {
    setTokens(undefined);
    for (const id of ['mapped', 'customer', 'authorizer']) byId(id).replaceChildren();
  });
  action('btn-session', async () => {
    if (await sessionLink()) await getCustomer();
  });
  action('btn-me', () => getCustomer(false));
  action('btn-profile-sync', async () => {
    const record = await callGateway('Profile sync', 'POST', '/v1/me/profile/sync', idTokenBody());
    if (record.ok) await getCustomer();
  });
  action('btn-identifiers-sync', async () => {
    const record = await callGateway('Identifier sync', 'POST', '/v1/me/identifiers/sync', idTokenBody());
    if (record.ok) await getCustomer();
  });
  action('registration-form', async () => {
    const record = await callGateway('INSTORE registration', 'POST', '/v1/me/registration', registrationBody());
    if (record.ok) await getCustomer();
  });
  action('btn-logout', async () => {
    const allSessions = byId<HTMLInputElement>('logout-all').checked;
    // The login's ID token names its session (sid): access tokens often carry none (docs/providers.md, Logout).
    const hint = state.tokens ? { id_token_hint: state.tokens.idToken } : {};
    const record = await callGateway('Logout (gateway)', 'POST', '/v1/auth/logout', { allSessions, ...hint });
    if (record.ok) {
      showNotice(
        'Logged out at the gateway: the session is revoked. The tokens are kept on purpose: press Session link to see them refused.',
      );
    }
  });
  action('btn-ciam-logout', async () => {
    if (!state.config || !state.endpoints || !state.tokens) throw new Error('Sign in first');
    startCiamLogout(active(), state.endpoints, state.tokens.idToken);
  });
  wireLoyalty({
    callGateway: (label, method, path, body, headers) => callGateway(label, method, path, body, true, headers),
    showNotice,
    action,
    // A step-up: the same user signs in again with what the challenge asked for.
    signInAgain: async (extra) => {
      const { endpoints, tokens } = state;
      if (!endpoints) throw new Error('The CIAM is not reachable yet');
      const config = active();
      const sub = tokens ? readJwtClaims(tokens.idToken)?.sub : undefined;
      const { scope, ...rest } = extra;
      await startLogin({ ...config, ...(scope ? { scope: `${config.scope} ${scope}` } : {}) }, endpoints, {
        ...rest,
        ...(typeof sub === 'string' ? { login_hint: sub } : {}),
      });
    },
  });
}

/** Fills the sign-in form with a target. */
function fillTargetForm(target: SignInTarget): void {
  byId<HTMLSelectElement>('target-brand').value = target.brandId;
  byId<HTMLInputElement>('target-issuer').value = target.issuer;
  byId<HTMLInputElement>('target-client').value = target.clientId;
  byId<HTMLInputElement>('target-scope').value = target.scope;
}

/** Takes the saved target: its CIAM's endpoints, and the account page link when it is the development CIAM. */
async function useTarget(): Promise<void> {
  const config = state.config;
  if (!config) return;
  state.target = loadTarget(config);
  fillTargetForm(state.target);
  const account = byId<HTMLAnchorElement>('ciam-account-link');
  // The development CIAM's account page: change the user's name, e-mail or mobile there, then sync.
  account.href = `${config.issuer}/account`;
  account.hidden = state.target.issuer !== config.issuer;
  byId<HTMLButtonElement>('login-button').disabled = true;
  state.endpoints = await discover(active(), send);
  byId<HTMLButtonElement>('login-button').disabled = false;
}

async function start(): Promise<void> {
  wireActions();
  restoreHistory();
  setTokens(loadTokens());
  const configRecord = await send({ label: 'Playground config', method: 'GET', url: CONFIG_PATH });
  if (!configRecord.ok) {
    throw new Error(`The local stack did not serve ${CONFIG_PATH} (HTTP ${configRecord.status ?? 'no answer'})`);
  }
  const config = parsePlaygroundConfig(configRecord.responseBody, window.location.origin);
  state.config = config;
  const brands = config.brands.some((brand) => brand.brandId === config.brandId)
    ? config.brands
    : [
        { brandId: config.brandId, brandName: config.brandId, issuer: config.issuer, clientId: config.clientId },
        ...config.brands,
      ];
  byId('target-brand').replaceChildren(
    ...brands.map((brand) => h('option', { value: brand.brandId }, `${brand.brandId} (${brand.brandName})`)),
  );
  await useTarget();

  const params = new URLSearchParams(window.location.search);
  const cleanUrl = () => window.history.replaceState(null, '', window.location.pathname);
  if (completeCiamLogout(params)) {
    cleanUrl();
    showNotice(
      'Signed out at the CIAM, which called the gateway back-channel logout. The old tokens are kept: press Session link to see them refused.',
    );
    return;
  }
  const endpoints = state.endpoints;
  if (!endpoints) return;
  const tokens = await completeLogin(active(), endpoints, params, send).finally(() => {
    if (params.has('code') || params.has('error')) cleanUrl();
  });
  if (tokens) {
    setTokens(tokens);
    // What an app does right after login: link the session, then read the customer.
    if (await sessionLink()) await getCustomer();
    // A reward exchange that waited for a step-up goes on, with its Idempotency-Key.
    await resumeLoyalty();
  }
}

start().catch((error: unknown) => {
  showError({ code: 'PLAYGROUND_ERROR', message: error instanceof Error ? error.message : String(error), details: [] });
});
