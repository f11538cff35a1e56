// GET /v1/me/points/history: the points earned, redeemed and expired between `from` and `to` (default: the last
// year), newest first, `limit` at a time behind an opaque cursor. Capillary's ledger takes at most 90 days per call
// and pages by page number (reference/get-ledger-information): the cursor walks the range backwards in 90-day
// windows and through each window's pages, one ledger call per request (one round trip). A page may hold fewer
// entries than `limit` (a window's last page, or a quiet window) while more follow: the end is `nextCursor: null`.
import { z } from 'zod';
import type { LedgerEntry } from '../capillary/loyalty-types.js';
import { ValidationError } from '../errors.js';
import { withMemberCustomer } from './member-customer.js';
import { loyaltyCallsFor, type MemberCaller, type MemberServices } from './member-ports.js';
import { CursorParam, decodeCursor, encodeCursor, limitParam, parseQuery } from './member-query.js';

const SECOND = 1000;
const DAY = 86_400 * SECOND;
/** The ledger's widest window: 90 days (its dates have whole seconds, both ends inclusive). */
const WINDOW_MS = 90 * DAY - SECOND;
/** The default range, and the widest one a request may ask for. */
const DEFAULT_RANGE_MS = 365 * DAY;
const MAX_RANGE_MS = 3 * 365 * DAY;

const ROUTE = 'pointsHistory';

/** `2026-01-31` (the day's start, UTC) or an ISO date-time with a zone. */
const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'must be a date (YYYY-MM-DD) or an ISO date-time with a zone',
  )
  .transform((value, ctx) => {
    const [year = 0, month = 0, day = 0] = value.slice(0, 10).split('-').map(Number);
    // Date.parse rolls impossible days over (2026-02-30 is March 2nd): check the calendar date itself.
    const real = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12;
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (!real || Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'is not a real date' });
    return ms;
  });

export const PointsHistoryQuerySchema = z.object({
  from: instant.optional(),
  to: instant.optional(),
  limit: limitParam(20, 100),
  cursor: CursorParam,
});

const CursorSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  windowEnd: z.number().int(),
  page: z.number().int().min(0).max(1_000_000),
  limit: z.number().int().min(1).max(100),
});

export interface PointsHistoryPage {
  customerId: number;
  from: string;
  to: string;
  entries: LedgerEntry[];
  nextCursor: string | null;
}

/** Where the read starts: the first window of the range, or the cursor's window and page. */
function position(query: z.output<typeof PointsHistoryQuerySchema>, nowMs: number) {
  if (query.cursor) {
    const cursor = decodeCursor(ROUTE, query.cursor, CursorSchema);
    return { from: cursor.from, to: cursor.to, windowEnd: cursor.windowEnd, page: cursor.page, limit: cursor.limit };
  }
  const to = Math.floor(Math.min(query.to ?? nowMs, nowMs) / SECOND) * SECOND;
  const from = query.from ?? to - DEFAULT_RANGE_MS;
  if (from > to)
    throw new ValidationError('Query parameters are invalid', [{ field: 'query.from', message: 'is after to' }]);
  if (to - from > MAX_RANGE_MS) {
    throw new ValidationError('Query parameters are invalid', [
      { field: 'query.from', message: 'is more than 3 years before to' },
    ]);
  }
  return { from, to, windowEnd: to, page: 0, limit: query.limit };
}

export async function viewPointsHistory(
  services: MemberServices,
  caller: MemberCaller,
  rawQuery: Record<string, string>,
): Promise<PointsHistoryPage> {
  const now = services.now ?? Date.now;
  const at = position(parseQuery(PointsHistoryQuerySchema, rawQuery), now());
  const windowStart = Math.max(at.from, at.windowEnd - WINDOW_MS);
  return withMemberCustomer(services, caller, async (customerId) => {
    const page = await loyaltyCallsFor(services, caller).ledger(customerId, {
      startMs: windowStart,
      endMs: at.windowEnd,
      page: at.page,
      limit: at.limit,
    });
    const next =
      (at.page + 1) * at.limit < page.totalEntries
        ? { from: at.from, to: at.to, windowEnd: at.windowEnd, page: at.page + 1, limit: at.limit }
        : windowStart > at.from
          ? { from: at.from, to: at.to, windowEnd: windowStart - SECOND, page: 0, limit: at.limit }
          : undefined;
    return {
      customerId,
      from: new Date(at.from).toISOString(),
      to: new Date(at.to).toISOString(),
      entries: page.entries,
      nextCursor: next ? encodeCursor(ROUTE, next) : null,
    };
  });
}
