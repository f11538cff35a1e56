// `BENCH_QUICK=1 npm run bench` (issue 24 item 7): the closing summary never prints `undefined` for a row a quick
// run does not measure, and gives no target to a figure docs/performance.md keeps for information only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BenchSummaryInput, summaryLines } from '../../bench/summary.js';

function results(cold: Partial<BenchSummaryInput['cold']> = {}): BenchSummaryInput {
  return {
    warm: {
      RS256: { ratioToFloor: 1.15, decisionRatioToFloor: 1.26 },
      ES256: { ratioToFloor: 1.07, decisionRatioToFloor: 1.13 },
    },
    repeated: { ratioToMapLookup: 4.1, clockReadRatioToMapLookup: 3.58 },
    cold: {
      deployedMs: 149.7,
      deployedRatioToHonestBaseline: 1.01,
      honestBaselineMs: 143.6,
      deployedRatioToHonestBaselineNodeHttp: 1.31,
      honestBaselineNodeHttpMs: 111,
      deployedRatioToAwsJwtVerify: 1.57,
      deployedRatioToEmpty: 18.8,
      deployedMsByBrandCount: { '1': 149.7, '1000': 180.4 },
      deployed1000To1BrandRatio: 1.04,
      deployedSdkBundledMs: 149.7,
      deployedBundleBytesSdkBundled: 454131,
      ...cold,
    },
    session: {
      newUser: { latencyMs: 50, sequentialRoundTrips: 2 },
      returningUser: { latencyMs: 50, sequentialRoundTrips: 1 },
    },
    functions: { session: { warmOverheadMs: 1.6 }, registration: { warmOverheadMs: 2.4 } },
    load: { ratioToBareServer: 0.01, garbageToAuthorizedRequestsRatio: 8.93 },
  };
}

describe('the bench summary', () => {
  it('leaves out what a quick run does not measure, instead of printing undefined', () => {
    const text = summaryLines(results()).join('\n');
    expect(text).not.toContain('undefined');
    expect(text).toContain('SDK modes: bundled 149.7 ms (454131 B) (the other modes are measured by full runs only)');
    expect(text).toContain('highest warm handler overhead: registration 2.4 ms (target <= 2)');
  });

  it('prints every mode a full run measures', () => {
    const full = summaryLines(
      results({ deployedEntryMs: 120, deployedBundleBytesSdkExternal: 99_000, deployedOtherSourceMapModeMs: 160 }),
    );
    expect(full).toContain(
      'SDK modes: bundled 149.7 ms (454131 B), external 120 ms (99000 B), other source-map mode 160 ms',
    );
  });

  it('gives the local-stack load no target, as docs/performance.md says it has none', () => {
    const doc = readFileSync(new URL('../../docs/performance.md', import.meta.url), 'utf8');
    expect(doc).toContain('local-stack load (information only, no target)');
    const load = summaryLines(results()).find((line) => line.startsWith('load'));
    expect(load).toContain('information only, no target');
    expect(load).not.toMatch(/target\s*[<>]/);
  });
});
