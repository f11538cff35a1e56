// Rendering: small DOM helpers (text only, never innerHTML, so nothing a server returns can inject markup)
// and one function per panel.
import { isRecord } from '../../../shared/lang/is-record.js';
import type { CallRecord } from './call.js';
import type { Failure } from './failure.js';
import { shortenToken } from './jwt.js';

type Child = Node | string | null | undefined | false;

function present(children: Child[]): (Node | string)[] {
  return children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false);
}

/** Creates an element with attributes and children (strings become text nodes). */
export function h(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** The element with `id`; a missing element is a bug in index.html, so it fails loudly. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

const TOKEN_KEYS = new Set(['id_token', 'access_token', 'refresh_token', 'idToken', 'accessToken', 'logout_token']);

/** A copy with every token shortened (screenshots of the page get shared). */
export function redactTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactTokens);
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && TOKEN_KEYS.has(key)) copy[key] = shortenToken(item);
    else if (typeof item === 'string' && key.toLowerCase() === 'authorization') {
      copy[key] = item.replace(
        /^(Bearer\s+)(.+)$/i,
        (_m, scheme: string, token: string) => scheme + shortenToken(token),
      );
    } else copy[key] = redactTokens(item);
  }
  return copy;
}

export function json(value: unknown): HTMLElement {
  return h('pre', {}, value === undefined ? '(empty)' : JSON.stringify(value, null, 2));
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // A small flat object reads better as `key: value` lines than as JSON.
  if (isRecord(value) && Object.values(value).every((item) => item === null || typeof item !== 'object')) {
    const entries = Object.entries(value).filter(([, item]) => hasValue(item));
    return entries.length === 0 ? '(none)' : entries.map(([key, item]) => `${key}: ${String(item)}`).join('\n');
  }
  return JSON.stringify(value);
}

/** True for values worth a row: not absent, not empty text, not an empty list or object. */
function hasValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

/** A two-column table of key/value pairs; rows without a value are left out. */
export function keyValues(entries: [string, unknown][]): HTMLElement {
  return h(
    'table',
    { class: 'kv' },
    h(
      'tbody',
      {},
      ...entries
        .filter(([, value]) => hasValue(value))
        .map(([key, value]) => h('tr', {}, h('th', {}, key), h('td', {}, scalar(value)))),
    ),
  );
}

function epochNote(key: string, value: unknown): unknown {
  if (['exp', 'iat', 'auth_time', 'nbf'].includes(key) && typeof value === 'number') {
    return `${value} (${new Date(value * 1000).toISOString()})`;
  }
  return value;
}

export function renderClaims(target: HTMLElement, claims: Record<string, unknown> | undefined): void {
  if (!claims) {
    target.replaceChildren(h('p', { class: 'muted' }, 'Sign in to see the ID token.'));
    return;
  }
  target.replaceChildren(keyValues(Object.entries(claims).map(([key, value]) => [key, epochNote(key, value)])));
}

function badge(text: string, tone: 'ok' | 'warn' | 'bad'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text);
}

/** The authorizer's decision on the latest authorized call, from the local emulator's debug headers. */
export function renderAuthorizer(target: HTMLElement, record: CallRecord): void {
  const cache = record.responseHeaders['x-local-authorizer-cache'];
  const rawContext = record.responseHeaders['x-local-authorizer-context'];
  let context: unknown;
  if (rawContext !== undefined) {
    try {
      context = JSON.parse(rawContext);
    } catch {
      context = rawContext;
    }
  }
  const status = record.status;
  let decision: HTMLElement;
  // API Gateway answers an explicit Deny with 403 FORBIDDEN; any other answer with a context passed the authorizer.
  const denied = status === 403 && record.failure?.code === 'FORBIDDEN';
  if (context !== undefined && denied) decision = badge('Deny (403)', 'bad');
  else if (context !== undefined) decision = badge('Allow', 'ok');
  else if (status === 401) decision = badge('Unauthorized (401)', 'bad');
  else if (status === 403) decision = badge('Deny (403)', 'bad');
  else if (status === undefined) decision = badge('no answer', 'bad');
  else decision = badge(`no authorizer context (HTTP ${status})`, 'warn');
  const rows: Child[] = [
    h(
      'p',
      { id: 'authorizer-decision' },
      decision,
      ' ',
      `${record.method} ${new URL(record.url, window.location.href).pathname}`,
    ),
    cache ? h('p', {}, 'Authorizer cache: ', h('strong', { id: 'authorizer-cache' }, cache)) : null,
    reasonOf(record) ? h('p', {}, 'Reason: ', h('strong', { id: 'authorizer-reason' }, reasonOf(record) ?? '')) : null,
  ];
  if (context !== undefined && record.failure && !denied) {
    rows.push(
      h('p', {}, 'Allowed at the gateway, then refused by the handler: ', h('strong', {}, record.failure.code)),
    );
  }
  if (isRecord(context))
    rows.push(keyValues(Object.entries(context).map(([key, value]) => [key, epochNote(key, value)])));
  else if (context !== undefined) rows.push(json(context));
  target.replaceChildren(...present(rows));
}

/** Why the gateway answered as it did: the local authorizer's reason (when it refused), else the error code. */
export function reasonOf(record: CallRecord): string | undefined {
  const reason = record.responseHeaders['x-local-authorizer-reason'];
  if (reason && reason !== 'ALLOWED') return reason;
  return record.failure?.code;
}

/**
 * The latest call's outcome in the bar fixed at the bottom of the screen: at a phone's width the result of a button
 * is visible without scrolling to the panels.
 */
export function renderLastResult(target: HTMLElement, record: CallRecord): void {
  const path = new URL(record.url, window.location.href).pathname;
  const status = record.status === undefined ? 'no answer' : String(record.status);
  const reason = reasonOf(record);
  target.hidden = false;
  target.className = `last-result ${record.ok ? 'ok' : 'bad'}`;
  target.replaceChildren(
    ...present([
      h('span', { class: 'status', id: 'last-status' }, status),
      ` ${record.label}: ${record.method} ${path}`,
      reason ? h('span', { class: 'code', id: 'last-reason' }, ` ${reason}`) : null,
    ]),
  );
}

/** The session link's outcome and the claims mapped to Capillary fields. */
export function renderMapped(target: HTMLElement, body: unknown): void {
  if (!isRecord(body)) {
    target.replaceChildren(json(body));
    return;
  }
  const status = typeof body.status === 'string' ? body.status : 'unknown';
  const tone = status === 'created' || status === 'linked' || status === 'unchanged' ? 'ok' : 'warn';
  const mapped = isRecord(body.mapped) ? body.mapped : {};
  const pending = body.identifierChangePending === true;
  target.replaceChildren(
    ...present([
      h('p', {}, 'Session: ', h('span', { id: 'session-status' }, badge(status, tone))),
      keyValues([
        ['customerId', body.customerId],
        ['cuid', body.cuid],
        [
          'changedFields',
          Array.isArray(body.changedFields) ? body.changedFields.join(', ') || '(none)' : body.changedFields,
        ],
        ['identifierChangePending', body.identifierChangePending],
      ]),
      pending ? h('p', {}, badge('identifier change pending', 'warn'), ' run Identifier sync') : null,
      h('h3', {}, 'Mapped fields'),
      keyValues(mappedRows(mapped)),
    ]),
  );
}

/**
 * The mapped fields; an e-mail or mobile the CIAM has not verified is marked, since the gateway never sends it to
 * Capillary (it joins through identifier sync once verified).
 */
function mappedRows(mapped: Record<string, unknown>): [string, unknown][] {
  const rows: [string, unknown][] = [];
  for (const [key, value] of Object.entries(mapped)) {
    if (key === 'emailVerified' || key === 'mobileVerified') continue;
    const verified = key === 'email' ? mapped.emailVerified : key === 'mobile' ? mapped.mobileVerified : undefined;
    rows.push([
      key,
      verified === false && typeof value === 'string' ? `${value} (unverified: not sent to Capillary)` : value,
    ]);
  }
  return rows;
}

/** Where an identifier or profile comes from: `OAUTH_EXTERNAL · demo-oauth-external`, `INSTORE`. */
function sourceLabel(item: Record<string, unknown>): string {
  const source = typeof item.source === 'string' && item.source ? item.source : 'unknown source';
  return typeof item.accountId === 'string' && item.accountId ? `${source} · ${item.accountId}` : source;
}

/** `type` → `value` rows, one per identifier (a profile holds at most one of each type). */
function identifierRows(value: unknown): [string, unknown][] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => [scalar(item.type), item.value]);
}

function sourceBlock(label: string, rows: [string, unknown][]): HTMLElement {
  return h('div', { class: 'profile', 'data-source': label }, h('strong', { class: 'source' }, label), keyValues(rows));
}

/**
 * The linked customer (GET /v1/me): the customer's own fields, then one block per source profile with its
 * names and identifiers under the source's label, so an e-mail held by two profiles shows once per source.
 */
export function renderCustomer(target: HTMLElement, body: unknown): void {
  if (!isRecord(body)) {
    target.replaceChildren(json(body));
    return;
  }
  const top = Object.entries(body).filter(([key]) => key !== 'profiles' && key !== 'identifiers');
  const profiles = Array.isArray(body.profiles) ? body.profiles.filter(isRecord) : [];
  const blocks = profiles.map((profile) =>
    sourceBlock(sourceLabel(profile), [
      ...Object.entries(profile).filter(([key]) => key !== 'source' && key !== 'accountId' && key !== 'identifiers'),
      ...identifierRows(profile.identifiers),
    ]),
  );
  if (profiles.length === 0 && Array.isArray(body.identifiers)) {
    // No profile list: group the flat identifier list by its source instead.
    const bySource = new Map<string, [string, unknown][]>();
    for (const item of body.identifiers.filter(isRecord)) {
      const label = sourceLabel(item);
      bySource.set(label, [...(bySource.get(label) ?? []), [scalar(item.type), item.value]]);
    }
    for (const [label, rows] of bySource) blocks.push(sourceBlock(label, rows));
  }
  target.replaceChildren(
    h('div', { id: 'customer-summary' }, keyValues(top)),
    ...(blocks.length > 0 ? [h('h3', {}, 'Identifiers by source profile'), ...blocks] : []),
  );
}

export function renderError(target: HTMLElement, failure: Failure | undefined, where?: string): void {
  if (!failure) {
    target.hidden = true;
    target.replaceChildren();
    return;
  }
  target.hidden = false;
  target.replaceChildren(
    ...present([
      h('span', { class: 'code', id: 'error-code' }, failure.code),
      h('span', { id: 'error-message' }, failure.message),
      where ? h('span', { class: 'muted' }, ` (${where})`) : null,
      failure.details.length > 0
        ? h(
            'ul',
            {},
            ...failure.details.map((detail) => h('li', {}, h('code', {}, detail.field), ` ${detail.message}`)),
          )
        : null,
    ]),
  );
}

/** One entry of the call log: request, status and response. */
export function renderCall(record: CallRecord): HTMLElement {
  const path = (() => {
    const url = new URL(record.url, window.location.href);
    return url.origin === window.location.origin ? url.pathname + url.search : url.href;
  })();
  const statusText = record.status === undefined ? 'ERR' : String(record.status);
  const request = {
    headers: redactTokens(record.requestHeaders),
    ...(record.requestBody === undefined ? {} : { body: redactTokens(record.requestBody) }),
  };
  const response = {
    headers: record.responseHeaders,
    ...(record.responseBody === undefined ? {} : { body: redactTokens(record.responseBody) }),
  };
  return h(
    'li',
    { class: 'call', 'data-label': record.label, 'data-status': statusText },
    h(
      'details',
      {},
      h(
        'summary',
        {},
        h('span', { class: 'seq' }, `#${record.id}`),
        h('span', { class: `status ${record.ok ? 'ok' : 'bad'}` }, statusText),
        `${record.method} ${path} `,
        h('span', { class: 'muted' }, `${record.label} · ${record.durationMs} ms`),
        record.failure ? h('span', { class: 'muted' }, ` · ${record.failure.code}`) : null,
      ),
      h(
        'div',
        { class: 'body' },
        h('div', {}, h('h3', {}, 'Request'), json(request)),
        h('div', {}, h('h3', {}, 'Response'), json(response)),
      ),
    ),
  );
}
