// The playground's member API panel: the loyalty card, points history, transactions, coupons, the rewards
// catalog and issued rewards, and the reward exchange as an app does it: a new Idempotency-Key per exchange, and
// when the brand asks for a step-up (401 STEP_UP_REQUIRED, RFC 9470) a new sign-in with the challenge's
// `acr_values` and `max_age`, after which the same exchange is sent again with the same key.
import { isRecord } from '../../../shared/lang/is-record.js';
import type { CallRecord } from './call.js';
import { byId, h, json, keyValues } from './view.js';

/** What the panel needs from the page: calls with the user's token, a new sign-in, and the notice line. */
export interface LoyaltyDeps {
  callGateway(
    label: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<CallRecord>;
  /** Signs in again with extra authorization parameters (acr_values, max_age; scope is added); leaves the page. */
  signInAgain(extra: Record<string, string>): Promise<void>;
  showNotice(text: string | undefined): void;
  /** Runs a button's action with the error banner handled. */
  action(id: string, run: () => Promise<unknown>): void;
}

const PENDING_EXCHANGE = 'playground.pending-exchange';

interface PendingExchange {
  rewardId: number;
  key: string;
}

let deps: LoyaltyDeps | undefined;

function need(): LoyaltyDeps {
  if (!deps) throw new Error('the loyalty panel is not wired');
  return deps;
}

function list(items: unknown, render: (item: Record<string, unknown>) => HTMLElement, empty: string): HTMLElement {
  const rows = Array.isArray(items) ? items.filter(isRecord) : [];
  return rows.length === 0
    ? h('p', { class: 'muted' }, empty)
    : h('ul', { class: 'loyalty-list' }, ...rows.map(render));
}

function refused(target: HTMLElement, record: CallRecord): boolean {
  if (record.ok) return false;
  target.replaceChildren(
    h('p', { class: 'muted' }, `${record.failure?.code ?? 'ERROR'}: ${record.failure?.message ?? ''}`),
  );
  return true;
}

/** `Gold: 844.831 points to go`, or the gap in the tier's own criterion (e.g. purchases) when not points. */
function nextTierText(next: Record<string, unknown>): string {
  if (typeof next.pointsNeeded === 'number') return `${String(next.name)}: ${next.pointsNeeded} points to go`;
  const criterion = Array.isArray(next.criteria) ? next.criteria.find(isRecord) : undefined;
  return criterion && typeof criterion.gap === 'number'
    ? `${String(next.name)}: ${criterion.gap} to go (${String(criterion.basedOn)})`
    : String(next.name);
}

/** The loyalty card: per program the points, the tier and what the next tier needs. */
async function showCard(): Promise<void> {
  const target = byId('loyalty-card');
  const record = await need().callGateway('Loyalty card', 'GET', '/v1/me/loyalty');
  if (refused(target, record) || !isRecord(record.responseBody)) return;
  const programs = Array.isArray(record.responseBody.programs) ? record.responseBody.programs.filter(isRecord) : [];
  target.replaceChildren(
    ...programs.map((program) => {
      const points = isRecord(program.points) ? program.points : {};
      const tier = isRecord(program.tier) ? program.tier : {};
      const next = isRecord(program.nextTier) ? program.nextTier : undefined;
      const expiring = Array.isArray(program.expiringPoints) ? program.expiringPoints.filter(isRecord) : [];
      return h(
        'div',
        { class: 'program', 'data-program': String(program.programId) },
        h('strong', {}, `Program ${String(program.programId)}`),
        keyValues([
          ['points', points.current],
          ['lifetime', points.lifetime],
          ['redeemed', points.redeemed],
          ['expired', points.expired],
          ['tier', tier.name ? `${String(tier.name)} (until ${String(tier.expiresAt ?? '?')})` : undefined],
          ['next tier', next ? nextTierText(next) : 'top tier'],
          ['expiring', expiring.map((item) => `${String(item.points)} on ${String(item.expiresOn)}`).join('\n')],
        ]),
      );
    }),
  );
}

async function showHistory(): Promise<void> {
  const target = byId('loyalty-history');
  const record = await need().callGateway('Points history', 'GET', '/v1/me/points/history?limit=10');
  if (refused(target, record) || !isRecord(record.responseBody)) return;
  target.replaceChildren(
    list(
      record.responseBody.entries,
      (entry) =>
        h('li', {}, h('strong', {}, `${String(entry.netPoints)}`), ` ${String(entry.event)} · ${String(entry.at)}`),
      'No points activity in this range.',
    ),
  );
}

async function showTransactions(): Promise<void> {
  const target = byId('loyalty-transactions');
  const record = await need().callGateway('Transactions', 'GET', '/v1/me/transactions?limit=10');
  if (refused(target, record) || !isRecord(record.responseBody)) return;
  target.replaceChildren(
    h('p', { class: 'muted' }, `${String(record.responseBody.total)} in all`),
    list(
      record.responseBody.transactions,
      (item) =>
        h('li', {}, h('strong', {}, String(item.amount)), ` ${String(item.billNumber)} · ${String(item.billedAt)}`),
      'No transactions.',
    ),
  );
}

async function showCoupons(): Promise<void> {
  const target = byId('loyalty-coupons');
  const record = await need().callGateway('Coupons', 'GET', '/v1/me/coupons');
  if (refused(target, record) || !isRecord(record.responseBody)) return;
  target.replaceChildren(
    list(
      record.responseBody.coupons,
      (coupon) =>
        h(
          'li',
          { 'data-status': String(coupon.status) },
          h('span', { class: `badge ${coupon.status === 'active' ? 'ok' : 'warn'}` }, String(coupon.status)),
          ` ${String(coupon.code)} · ${String(coupon.description ?? '')}`,
        ),
      'No coupons.',
    ),
  );
}

async function showRewards(): Promise<void> {
  const target = byId('loyalty-rewards');
  const record = await need().callGateway('Rewards catalog', 'GET', '/v1/me/rewards');
  if (refused(target, record) || !isRecord(record.responseBody)) return;
  target.replaceChildren(
    list(
      record.responseBody.rewards,
      (reward) => {
        const button = h(
          'button',
          { type: 'button', class: 'exchange', 'data-reward': String(reward.rewardId) },
          'Exchange',
        );
        button.addEventListener('click', () => {
          void exchange(Number(reward.rewardId), crypto.randomUUID());
        });
        return h(
          'li',
          {},
          button,
          ` ${String(reward.name)} · `,
          h('strong', {}, `${String(reward.pointsPrice)} points`),
        );
      },
      'No rewards for this member.',
    ),
  );
}

async function showIssued(): Promise<void> {
  const target = byId('loyalty-issued');
  const record = await need().callGateway('Issued rewards', 'GET', '/v1/me/rewards/issued');
  if (refused(target, record) || !isRecord(record.responseBody)) return;
  target.replaceChildren(
    list(
      record.responseBody.rewards,
      (item) =>
        h('li', {}, `${String(item.name)} · ${String(item.pointsSpent)} points · ${String(item.couponCode ?? '')}`),
      'No rewards issued yet.',
    ),
  );
}

/** The `name="value"` and `name=value` parameters of a WWW-Authenticate challenge. */
function challengeParams(header: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/([a-z_]+)=(?:"([^"]*)"|([^,\s]+))/g)) {
    params[match[1] ?? ''] = match[2] ?? match[3] ?? '';
  }
  return params;
}

/** Exchanges points for a reward; a step-up challenge sends the user to sign in again, then resumes. */
async function exchange(rewardId: number, key: string): Promise<void> {
  const { callGateway, signInAgain, showNotice } = need();
  const target = byId('loyalty-exchange');
  const record = await callGateway(
    'Reward exchange',
    'POST',
    `/v1/me/rewards/${rewardId}/issue`,
    {},
    { 'Idempotency-Key': key },
  );
  const challenge = challengeParams(record.responseHeaders['www-authenticate']);
  if (record.status === 401 && record.failure?.code === 'STEP_UP_REQUIRED') {
    sessionStorage.setItem(PENDING_EXCHANGE, JSON.stringify({ rewardId, key } satisfies PendingExchange));
    showNotice(
      `The brand asks for a step-up (acr ${challenge.acr_values ?? '?'}, within ${challenge.max_age ?? '?'} s): sign in again with the one-time code, the exchange resumes with the same Idempotency-Key.`,
    );
    const extra: Record<string, string> = {};
    if (challenge.acr_values) extra.acr_values = challenge.acr_values;
    if (challenge.max_age) extra.max_age = challenge.max_age;
    await signInAgain(extra);
    return;
  }
  if (record.status === 403 && record.failure?.code === 'INSUFFICIENT_SCOPE' && challenge.scope) {
    sessionStorage.setItem(PENDING_EXCHANGE, JSON.stringify({ rewardId, key } satisfies PendingExchange));
    await signInAgain({ scope: challenge.scope });
    return;
  }
  target.replaceChildren(
    h(
      'p',
      { id: 'exchange-result', 'data-status': String(record.status) },
      record.ok
        ? `Issued (${record.responseHeaders['idempotent-replayed'] ? 'replayed' : 'new'})`
        : `Refused: ${record.failure?.code ?? ''}`,
    ),
    json(record.responseBody),
  );
  if (record.ok) {
    showNotice(undefined);
    await Promise.all([showCard(), showRewards(), showIssued()]);
  }
}

/** After a sign-in: sends the exchange that waited for the step-up again, with its key. */
export async function resumeLoyalty(): Promise<void> {
  const raw = sessionStorage.getItem(PENDING_EXCHANGE);
  sessionStorage.removeItem(PENDING_EXCHANGE);
  if (!raw) return;
  const pending: unknown = JSON.parse(raw);
  if (!isRecord(pending) || typeof pending.rewardId !== 'number' || typeof pending.key !== 'string') return;
  await exchange(pending.rewardId, pending.key);
}

/** Wires the panel's buttons (the page calls it once at start). */
export function wireLoyalty(wiring: LoyaltyDeps): void {
  deps = wiring;
  wiring.action('btn-loyalty', showCard);
  wiring.action('btn-history', showHistory);
  wiring.action('btn-transactions', showTransactions);
  wiring.action('btn-coupons', showCoupons);
  wiring.action('btn-rewards', showRewards);
  wiring.action('btn-issued', showIssued);
}
