// The simulated org's rate limits: calls per minute per API and per API key, as Capillary sets them
// (https://docs.capillarytech.com/reference/rate-limits: "the number of API calls that can be made in a minute",
// per API and region; the demo clusters' "100 requests per minute per API key"). The throttled answer is not
// documented: HTTP 429, with Retry-After (seconds to the next minute) or without it (the `throttleAnswer` reading).

/** `METHOD /path` with numeric segments as `{id}` (the same form the gateway's `capillary.rateLimits` uses). */
export function simApiOf(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}

export class SimRateLimits {
  private readonly counts = new Map<string, number>();

  /**
   * Counts a call of `api` by `caller` (the API key or till); undefined when allowed, else the seconds until
   * the minute ends.
   */
  take(limits: Readonly<Record<string, number>>, caller: string, api: string, now: number): number | undefined {
    const limit = limits[api] ?? limits['*'];
    if (limit === undefined) return undefined;
    const minute = Math.floor(now / 60_000);
    const key = `${caller}|${api}|${minute}`;
    const used = this.counts.get(key) ?? 0;
    if (used >= limit) return Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
    for (const k of this.counts.keys()) if (!k.endsWith(`|${minute}`)) this.counts.delete(k);
    this.counts.set(key, used + 1);
    return undefined;
  }

  clear(): void {
    this.counts.clear();
  }
}
