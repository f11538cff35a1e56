// The closing lines of `npm run bench`: each figure beside its target, from bench-results.json's shape. Rows a quick
// run does not measure (BENCH_QUICK=1: the other SDK mode, the other source-map mode) are left out, never printed as
// `undefined`; figures docs/performance.md keeps for information (the local-stack load) carry no target.

/** The parts of the results the summary reads (bench/run.ts writes the whole object to bench-results.json). */
export interface BenchSummaryInput {
  warm: Partial<Record<string, { ratioToFloor: number; decisionRatioToFloor: number }>>;
  repeated: { ratioToMapLookup: number | undefined; clockReadRatioToMapLookup: number | undefined };
  cold: {
    deployedMs?: number | undefined;
    deployedRatioToHonestBaseline?: number | undefined;
    honestBaselineMs?: number | undefined;
    deployedRatioToHonestBaselineNodeHttp?: number | undefined;
    honestBaselineNodeHttpMs?: number | undefined;
    deployedRatioToAwsJwtVerify?: number | undefined;
    deployedRatioToEmpty?: number | undefined;
    deployedMsByBrandCount: Record<'1' | '1000', number | undefined>;
    deployed1000To1BrandRatio?: number | undefined;
    deployedSdkBundledMs?: number | undefined;
    deployedBundleBytesSdkBundled?: number | undefined;
    deployedEntryMs?: number | undefined;
    deployedBundleBytesSdkExternal?: number | undefined;
    deployedOtherSourceMapModeMs?: number | undefined;
  };
  session: Record<'newUser' | 'returningUser', { latencyMs: number; sequentialRoundTrips: number }>;
  functions: Record<string, { warmOverheadMs: number }>;
  memberApi?: Record<string, { sequentialRoundTrips: number; p50RatioToLatency: number; linkReadsPerRequest: number }>;
  load: { ratioToBareServer: number; garbageToAuthorizedRequestsRatio: number };
}

const known = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

export function summaryLines(results: BenchSummaryInput): string[] {
  const { warm, repeated, cold, session, functions, load } = results;
  const lines = [
    `warm ratio to floor: RS256 ${warm.RS256?.ratioToFloor}x, ES256 ${warm.ES256?.ratioToFloor}x (target <= 1.3)`,
    `repeated token: ${repeated.ratioToMapLookup}x a Map lookup (target <= 5; a Map lookup plus the clock read any exp check needs: ${repeated.clockReadRatioToMapLookup}x)`,
    `decision ratio to floor: RS256 ${warm.RS256?.decisionRatioToFloor}x, ES256 ${warm.ES256?.decisionRatioToFloor}x (target <= 1.3)`,
    `deployed entry (as the stack bundles it): ${cold.deployedMs} ms = ${cold.deployedRatioToHonestBaseline}x the honest baseline (${cold.honestBaselineMs} ms; target <= 1.3), ${cold.deployedRatioToHonestBaselineNodeHttp}x it with a node:http JWKS fetch (${cold.honestBaselineNodeHttpMs} ms), ${cold.deployedRatioToAwsJwtVerify}x aws-jwt-verify, ${cold.deployedRatioToEmpty}x empty; 1000 brands ${cold.deployedMsByBrandCount['1000']} ms = ${cold.deployed1000To1BrandRatio}x 1 brand (target <= 1.1)`,
  ];
  const modes = [
    known(cold.deployedSdkBundledMs)
      ? `bundled ${cold.deployedSdkBundledMs} ms (${cold.deployedBundleBytesSdkBundled} B)`
      : '',
    known(cold.deployedEntryMs) ? `external ${cold.deployedEntryMs} ms (${cold.deployedBundleBytesSdkExternal} B)` : '',
    known(cold.deployedOtherSourceMapModeMs) ? `other source-map mode ${cold.deployedOtherSourceMapModeMs} ms` : '',
  ].filter(Boolean);
  const quickOnly = modes.length < 3 ? ' (the other modes are measured by full runs only)' : '';
  lines.push(`SDK modes: ${modes.join(', ') || 'not measured'}${quickOnly}`);
  lines.push(
    `session link with ${session.newUser.latencyMs} ms per Capillary call: new user ${session.newUser.sequentialRoundTrips} sequential round trips (target <= 3), returning ${session.returningUser.sequentialRoundTrips} (target <= 1)`,
  );
  const member = results.memberApi;
  if (member?.rewardIssue) {
    const reads = Object.entries(member).filter(([name]) => name !== 'rewardIssue');
    const linkReads = Math.max(...Object.values(member).map((route) => route.linkReadsPerRequest));
    lines.push(
      `member API: reads ${reads.map(([name, route]) => `${name} ${route.sequentialRoundTrips} trip(s) ${route.p50RatioToLatency}x`).join(', ')} (target <= 1 trip, <= 1.25x); reward exchange ${member.rewardIssue.sequentialRoundTrips} trips (target <= 2); link reads per request <= ${linkReads} (target <= 1)`,
    );
  }
  const worst = Object.entries(functions).sort((x, y) => y[1].warmOverheadMs - x[1].warmOverheadMs)[0];
  if (worst) lines.push(`highest warm handler overhead: ${worst[0]} ${worst[1].warmOverheadMs} ms (target <= 2)`);
  lines.push(
    `load (information only, no target): authorized GET /v1/me at ${load.ratioToBareServer}x the bare server's req/s; garbage tokens ${load.garbageToAuthorizedRequestsRatio}x the authorized req/s`,
  );
  return lines;
}
