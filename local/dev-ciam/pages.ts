// The development CIAM's own pages (sign-in, accounts, errors) and JSON answers: plain HTML with inline style,
// instead of oidc-provider's defaults, which import web fonts from the internet.
import type { AccountClaims } from '../dev-ciam.js';

/** The sign-in and account forms and the account API take small bodies only. */
export const MAX_FORM_BYTES = 16_384;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One look for every CIAM page: system fonts only, nothing fetched from the internet. */
const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.4}' +
  'label,select,input[type=text],input[type=email],input[type=tel],input[type=password],button{display:block;width:100%;box-sizing:border-box;margin:.4rem 0;padding:.5rem;font-size:1rem}' +
  'label.check{display:flex;gap:.5rem;align-items:center}label.check input{width:auto;margin:0}' +
  'fieldset{margin:1rem 0;border:1px solid #ccc;border-radius:.4rem}.err{color:#b00}.ok{color:#060}';

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><style>${PAGE_STYLE}</style></head><body>${body}</body></html>`;
}

export function loginPage(
  uid: string,
  accounts: Record<string, AccountClaims>,
  error?: string,
  mfa = false,
  selected?: string,
): string {
  const options = Object.entries(accounts)
    .map(([sub, claims]) => {
      const label = `${String(claims.given_name ?? '')} ${String(claims.family_name ?? '')} (${sub})`.trim();
      const chosen = sub === selected ? ' selected' : '';
      return `<option value="${escapeHtml(sub)}"${chosen}>${escapeHtml(label)}</option>`;
    })
    .join('');
  return page(
    'Development CIAM - sign in',
    `<h1>Development CIAM</h1><p>Sign in as a seeded test user (local use only).</p>
${error ? `<p class="err">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">User</label><select id="login" name="login">${options}</select>
<label for="password">Password (any value)</label><input id="password" name="password" type="password" value="dev">
${mfa ? '<p>This sign-in asks for a second factor (acr mfa): enter any six digits.</p><label for="otp">One-time code</label><input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="\\d{6}" required>' : ''}
<button id="sign-in" type="submit">Sign in</button></form>
<p><a href="/account">Change a user's name, e-mail or mobile</a></p>`,
  );
}

export function accountPage(
  accounts: Record<string, AccountClaims>,
  csrf: string,
  notice?: string,
  error?: string,
): string {
  const value = (claims: AccountClaims, key: string) => escapeHtml(String(claims[key] ?? ''));
  const checked = (claims: AccountClaims, key: string) => (claims[key] === true ? ' checked' : '');
  const forms = Object.entries(accounts)
    .map(([sub, claims]) => {
      const id = escapeHtml(sub);
      return `<form method="post" action="/account/${id}" id="account-${id}"><fieldset><legend>${id}</legend>
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label>Given name<input type="text" name="given_name" value="${value(claims, 'given_name')}"></label>
<label>Family name<input type="text" name="family_name" value="${value(claims, 'family_name')}"></label>
<label>E-mail<input type="email" name="email" value="${value(claims, 'email')}"></label>
<label class="check"><input type="checkbox" name="email_verified" value="true"${checked(claims, 'email_verified')}>e-mail verified</label>
<label>Mobile (E.164)<input type="tel" name="phone_number" value="${value(claims, 'phone_number')}"></label>
<label class="check"><input type="checkbox" name="phone_number_verified" value="true"${checked(claims, 'phone_number_verified')}>mobile verified</label>
<button type="submit">Save ${id}</button></fieldset></form>`;
    })
    .join('');
  return page(
    'Development CIAM - accounts',
    `<h1>Development CIAM accounts</h1>
<p>Change a seeded user as the brand's CIAM would; tokens issued afterwards carry the new claims. Then sync
them in the playground (profile sync, identifier sync) or sign in again. Local use only.</p>
${notice ? `<p class="ok" role="status">${escapeHtml(notice)}</p>` : ''}${error ? `<p class="err" role="alert">${escapeHtml(error)}</p>` : ''}
${forms}`,
  );
}

/** The part of a Koa context the page helpers write. */
interface Answerable {
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

export function jsonAnswer(ctx: Answerable, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'json';
  ctx.set('cache-control', 'no-store');
  ctx.body = body;
}

export function pageError(ctx: Answerable, out: Record<string, unknown>): void {
  ctx.type = 'html';
  ctx.body = page(
    'Development CIAM - error',
    `<h1>Something went wrong</h1>${Object.entries(out)
      .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
      .join('')}`,
  );
}
