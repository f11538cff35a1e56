// The small shared helpers: the JSON-object guard and the default sleep (driven by fake timers, never waited on).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRecord } from '../../shared/lang/is-record.js';
import { sleep } from '../../shared/lang/sleep.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('isRecord', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [Object.create(null), true],
    [JSON.parse('{"__proto__":{}}'), true],
    [[], false],
    [[{ a: 1 }], false],
    [null, false],
    [undefined, false],
    ['{}', false],
    [42, false],
  ])('isRecord(%j) is %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});

describe('sleep', () => {
  it('resolves only once the time has passed', async () => {
    vi.useFakeTimers();
    let done = false;
    const pending = sleep(250).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(249);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(done).toBe(true);
  });
});
