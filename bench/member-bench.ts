// The member API part of `npm run bench` (issue 23): with a fixed latency on every Capillary call (the delaying,
// timing proxy of stack-bench.ts in front of the simulator), each read route and the reward exchange through the
// local stack: p50 against the injected latency, the sequential Capillary round trips (overlapping calls count
// once), Capillary calls and DynamoDB link reads per request. The Capillary token is cached before timing.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { longestChain } from '../local/capillary-simulator.js';
import type { LocalStack } from '../local/stack.js';

/** The routes timed, by their route names (keys of bench-results.json `memberApi`). */
export const MemberBenchRoutes = {
  loyalty: { method: 'GET', path: '/v1/me/loyalty' },
  pointsHistory: { method: 'GET', path: '/v1/me/points/history?limit=20' },
  transactions: { method: 'GET', path: '/v1/me/transactions?limit=20' },
  coupons: { method: 'GET', path: '/v1/me/coupons' },
  rewards: { method: 'GET', path: '/v1/me/rewards' },
  rewardIssue: { method: 'POST', path: '/v1/me/rewards/5001/issue' },
} as const;
export type MemberBenchRoute = keyof typeof MemberBenchRoutes;

export interface MemberRouteRow {
  runs: number;
  latencyMs: number;
  p50Ms: number;
  /** p50 of the route divided by the injected latency. */
  p50RatioToLatency: number;
  /** Median over requests of the sequential Capillary round trips (overlapping calls count once). */
  sequentialRoundTrips: number;
  maxSequentialRoundTrips: number;
  capillaryCallsPerRequest: number;
  /** DynamoDB reads of the member's link per request (the link store lookup). */
  linkReadsPerRequest: number;
  /** Every DynamoDB call of a request (revocation check, link, idempotency record, write window). */
  dynamoCallsPerRequest: number;
  statusCodes: Record<string, number>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Counts DynamoDB document-client commands (the functions' only DynamoDB path) while `sink` is set. */
function countDynamo() {
  const state: { sink: { name: string; key: string }[] | undefined } = { sink: undefined };
  const original = DynamoDBDocumentClient.prototype.send;
  DynamoDBDocumentClient.prototype.send = function (this: DynamoDBDocumentClient, ...args: unknown[]) {
    const command = args[0] as { constructor: { name: string }; input?: { Key?: Record<string, unknown> } };
    state.sink?.push({ name: command.constructor.name, key: String(command.input?.Key?.pk ?? '') });
    return (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
  } as typeof original;
  return {
    state,
    restore: () => {
      DynamoDBDocumentClient.prototype.send = original;
    },
  };
}

export interface MemberBenchPeers {
  stack: LocalStack;
  /** [start, end] of every Capillary call through the delaying proxy. */
  intervals: [number, number][];
  latencyMs: number;
  /** A signed-in member's access token (rewards:redeem scope, acr mfa), linked, with points to spend. */
  memberToken: string;
  quick: boolean;
}

/** Times each member route through the stack, the demo brand already pointed at the delaying proxy. */
export async function memberBench(peers: MemberBenchPeers): Promise<Record<MemberBenchRoute, MemberRouteRow>> {
  const { stack, intervals, latencyMs, memberToken, quick } = peers;
  const runs = quick ? 6 : 20;
  const dynamo = countDynamo();
  let keys = 0;
  const request = async (route: MemberBenchRoute) => {
    const { method, path } = MemberBenchRoutes[route];
    const headers: Record<string, string> = { authorization: `Bearer ${memberToken}` };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = `bench-${Date.now()}-${keys++}`;
    }
    const before = intervals.length;
    const sink: { name: string; key: string }[] = [];
    dynamo.state.sink = sink;
    const started = performance.now();
    const response = await fetch(`${stack.urls.gateway}${path}`, {
      method,
      headers,
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    dynamo.state.sink = undefined;
    return { ms, status: response.status, calls: intervals.slice(before), dynamo: sink };
  };
  const rows = {} as Record<MemberBenchRoute, MemberRouteRow>;
  try {
    // Warm every route once (modules, Capillary token, authorizer cache, config), then time each.
    for (const route of Object.keys(MemberBenchRoutes) as MemberBenchRoute[]) await request(route);
    for (const route of Object.keys(MemberBenchRoutes) as MemberBenchRoute[]) {
      const samples: Awaited<ReturnType<typeof request>>[] = [];
      for (let i = 0; i < runs; i++) samples.push(await request(route));
      const trips = samples.map((sample) => longestChain(sample.calls));
      const p50 = median(samples.map((sample) => sample.ms));
      const statusCodes: Record<string, number> = {};
      for (const sample of samples) statusCodes[sample.status] = (statusCodes[sample.status] ?? 0) + 1;
      const mean = (pick: (sample: Awaited<ReturnType<typeof request>>) => number) =>
        round2(samples.reduce((sum, sample) => sum + pick(sample), 0) / samples.length);
      rows[route] = {
        runs,
        latencyMs,
        p50Ms: round2(p50),
        p50RatioToLatency: round2(p50 / latencyMs),
        sequentialRoundTrips: median(trips),
        maxSequentialRoundTrips: Math.max(...trips),
        capillaryCallsPerRequest: mean((sample) => sample.calls.length),
        linkReadsPerRequest: mean(
          (sample) => sample.dynamo.filter((call) => call.name === 'GetCommand' && call.key.startsWith('link#')).length,
        ),
        dynamoCallsPerRequest: mean((sample) => sample.dynamo.length),
        statusCodes,
      };
    }
  } finally {
    dynamo.restore();
  }
  return rows;
}
