// The one schema-issue -> field-issue mapping, shared by the full zod schema and the zod/mini read path.
import { z } from 'zod';
import * as zm from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { toFieldIssues } from '../../../shared/config/brand-rules.js';

describe('toFieldIssues', () => {
  it('maps zod classic and zod/mini issues alike: dotted paths, unknown keys, the root, a prefix', () => {
    const input = { a: { b: 1 }, extra: true };
    const classic = z.strictObject({ a: z.strictObject({ b: z.string() }) }).safeParse(input);
    const mini = zm.strictObject({ a: zm.strictObject({ b: zm.string() }) }).safeParse(input);
    if (classic.success || mini.success) throw new Error('both must fail');
    const fields = (issues: { field: string }[]) => issues.map((issue) => issue.field).sort();
    expect(fields(toFieldIssues(classic.error))).toEqual(['a.b', 'extra']);
    expect(fields(toFieldIssues(mini.error))).toEqual(['a.b', 'extra']);
    expect(
      toFieldIssues(classic.error, 'secrets')
        .map((issue) => issue.field)
        .sort(),
    ).toEqual(['secrets.a.b', 'secrets.extra']);
    expect(toFieldIssues(classic.error).find((issue) => issue.field === 'extra')?.message).toBe('unknown field');
    const twoUnknown = z.strictObject({}).safeParse({ x: 1, y: 2 });
    expect(twoUnknown.success ? [] : toFieldIssues(twoUnknown.error)).toEqual([
      { field: 'x', message: 'unknown field' },
      { field: 'y', message: 'unknown field' },
    ]);
    const root = z.string().safeParse(1);
    expect(root.success ? [] : toFieldIssues(root.error).map((issue) => issue.field)).toEqual(['(root)']);
    expect(toFieldIssues({ issues: [{ code: 'unrecognized_keys', path: [], message: 'm' }] })).toEqual([
      { field: '(root)', message: 'm' },
    ]);
  });
});
