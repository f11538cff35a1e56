// prelink's pace (issue 24 item 4): batches go out under the brand's Capillary rate limit (the tightest entry of
// `capillary.rateLimits`, Capillary's documented 100 per minute without one); --calls-per-minute lowers it and is
// refused above it. A fake admin API counts the Capillary calls of each batch; a fake clock records every wait.
import { describe, expect, it } from 'vitest';
import { type ApiCall, GoLiveUsageError, runPrelink } from '../../../tools/golive-commands.js';

const USERS = 6;
const CALLS_PER_USER = 2;

function harness(rateLimits: Record<string, number>) {
  let clock = 0;
  const waits: number[] = [];
  const posts: number[] = [];
  const api: ApiCall = async (method, _path, body) => {
    if (method === 'GET') return { status: 200, json: { brandId: 'b', capillary: { rateLimits } } };
    posts.push(clock);
    const users = (body as { users: { line: number; claims: { sub: string } }[] }).users;
    return {
      status: 200,
      json: {
        results: users.map((user) => ({ line: user.line, sub: user.claims.sub, outcome: 'create', why: 'new' })),
        capillaryCalls: users.length * CALLS_PER_USER,
      },
    };
  };
  const io = {
    stdout: () => {},
    stderr: () => {},
    readFile: async () =>
      `${Array.from({ length: USERS }, (_, i) => JSON.stringify({ sub: `u-${i}`, email: `u${i}@x.example` })).join('\n')}\n`,
    writeFile: async () => {},
    removeFile: async () => {},
    now: () => clock,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock += ms;
    },
  };
  const run = (...flags: string[]) => {
    const values: Record<string, string | boolean> = { users: 'users.jsonl', batch: '2', apply: true };
    for (let i = 0; i < flags.length; i += 2) values[String(flags[i]).replace(/^--/, '')] = String(flags[i + 1]);
    return runPrelink(io, api, 'b', values);
  };
  return { run, waits, posts };
}

/** Each batch of 2 users makes 4 calls: at `perMinute` the next batch may start 4 * 60 000 / perMinute ms later. */
const waitAt = (perMinute: number) => (2 * CALLS_PER_USER * 60_000) / perMinute;

describe('prelink paces its batches under the brand Capillary rate limit', () => {
  it("defaults to the brand's tightest capillary.rateLimits entry", async () => {
    const { run, waits, posts } = harness({ 'GET /v2/customers/lookup': 30, '*': 60 });
    expect(await run()).toBe(0);
    expect(waits).toEqual([waitAt(30), waitAt(30)]);
    // No window of a minute holds more calls than the limit: 3 batches of 4 calls, 8 s apart.
    expect(posts).toEqual([0, waitAt(30), 2 * waitAt(30)]);
  });

  it("uses Capillary's documented 100 per minute when the brand lists no limit", async () => {
    const { run, waits } = harness({});
    expect(await run()).toBe(0);
    expect(waits).toEqual([waitAt(100), waitAt(100)]);
  });

  it('--calls-per-minute lowers the pace, and is refused above the brand limit', async () => {
    const lowered = harness({ '*': 60 });
    expect(await lowered.run('--calls-per-minute', '20')).toBe(0);
    expect(lowered.waits).toEqual([waitAt(20), waitAt(20)]);

    const raised = harness({ '*': 60 });
    await expect(raised.run('--calls-per-minute', '61')).rejects.toThrow(GoLiveUsageError);
    await expect(raised.run('--calls-per-minute', '61')).rejects.toThrow(
      "above the brand's Capillary rate limit (60 per minute",
    );
    expect(raised.posts).toEqual([]);
    await expect(harness({}).run('--calls-per-minute', '101')).rejects.toThrow("Capillary's default limit");
  });
});
