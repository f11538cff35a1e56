// The brand's `memberApi` setting on the functions' read path (zod/mini), rule for rule as MemberApiSchema in
// member-api-config.ts; test/unit/config/member-api-config.test.ts pins the two together.
import * as z from 'zod/mini';
import * as rules from './member-api-rules.js';

const intIn = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

const stepUp = z
  .strictObject({
    acrValues: z.optional(
      z
        .array(z.string().check(z.regex(rules.ACR_VALUE_PATTERN, rules.ACR_VALUE_MESSAGE)))
        .check(z.minLength(1), z.maxLength(10)),
    ),
    maxAgeSeconds: z.optional(intIn(0, 2_678_400)),
  })
  .check(
    z.refine(
      (value) => value.acrValues !== undefined || value.maxAgeSeconds !== undefined,
      rules.STEP_UP_EMPTY_MESSAGE,
    ),
  );

const routeSettings = z.strictObject({
  enabled: z.optional(z.boolean()),
  requiredScopes: z.optional(
    z.array(z.string().check(z.regex(rules.SCOPE_TOKEN_PATTERN, rules.SCOPE_TOKEN_MESSAGE))).check(z.maxLength(20)),
  ),
  stepUp: z.optional(stepUp),
});

const routes = z.strictObject(
  Object.fromEntries(rules.MemberRouteNames.map((name) => [name, z.optional(routeSettings)])) as Record<
    (typeof rules.MemberRouteNames)[number],
    z.ZodMiniOptional<typeof routeSettings>
  >,
);

const neoEntry = z.strictObject({
  name: z.string().check(z.regex(rules.NEO_NAME_PATTERN, rules.NEO_NAME_MESSAGE)),
  method: z.enum(rules.NeoMethods),
  path: z.string().check(z.maxLength(300), z.refine(rules.isNeoPath, rules.NEO_PATH_MESSAGE)),
  customerId: z.string().check(z.refine(rules.isNeoCustomerIdPlace, rules.NEO_CUSTOMER_ID_MESSAGE)),
});

export const MemberApiItemSchema = z
  .strictObject({
    routes: z.optional(routes),
    neo: z.optional(z.array(neoEntry).check(z.maxLength(50))),
    rewards: z.optional(
      z.strictObject({
        brand: text(200),
        till: text(200),
        programId: z.optional(z.int().check(z.positive())),
      }),
    ),
    writeLimit: z.optional(z.strictObject({ maxWrites: intIn(1, 1000), windowSeconds: intIn(1, 3600) })),
  })
  .check(
    z.superRefine((value, ctx) => {
      for (const issue of rules.neoEntryIssues(value.neo ?? [])) ctx.addIssue({ code: 'custom', ...issue });
    }),
  );
