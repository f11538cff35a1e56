// The brand's `memberApi` setting (zod, with descriptions: brand.schema.json is generated from it). The zod/mini
// twin the functions read stored brands with is in member-api-item.ts; the shared rules in member-api-rules.ts.
import { z } from 'zod';
import {
  ACR_VALUE_MESSAGE,
  ACR_VALUE_PATTERN,
  DEFAULT_WRITE_LIMIT,
  isNeoCustomerIdPlace,
  isNeoPath,
  MemberRouteNames,
  NEO_CUSTOMER_ID_MESSAGE,
  NEO_NAME_MESSAGE,
  NEO_NAME_PATTERN,
  NEO_PATH_MESSAGE,
  NeoMethods,
  neoEntryIssues,
  SCOPE_TOKEN_MESSAGE,
  SCOPE_TOKEN_PATTERN,
  STEP_UP_EMPTY_MESSAGE,
} from './member-api-rules.js';

const StepUpSchema = z
  .object({
    acrValues: z
      .array(z.string().regex(ACR_VALUE_PATTERN, ACR_VALUE_MESSAGE))
      .min(1)
      .max(10)
      .optional()
      .describe('Accepted `acr` values: a token whose `acr` is none of them gets 401 STEP_UP_REQUIRED (RFC 9470).'),
    maxAgeSeconds: z
      .number()
      .int()
      .min(0)
      .max(2_678_400)
      .optional()
      .describe('Longest time since the user authenticated (`auth_time`); older gets 401 STEP_UP_REQUIRED (RFC 9470).'),
  })
  .strict()
  .refine((value) => value.acrValues !== undefined || value.maxAgeSeconds !== undefined, STEP_UP_EMPTY_MESSAGE)
  .describe('Step-up: how strong and how recent the sign-in behind the token must be for this route.');

const RouteSettingsSchema = z
  .object({
    enabled: z.boolean().optional().describe('`false` switches the route off for this brand (404 ROUTE_DISABLED).'),
    requiredScopes: z
      .array(z.string().regex(SCOPE_TOKEN_PATTERN, SCOPE_TOKEN_MESSAGE))
      .max(20)
      .optional()
      .describe(
        'OAuth scopes the token must carry (`scope` or `scp`); a miss gets 403 INSUFFICIENT_SCOPE with `WWW-Authenticate` (RFC 6750).',
      ),
    stepUp: StepUpSchema.optional(),
  })
  .strict();

const routeEntries = Object.fromEntries(
  MemberRouteNames.map((name) => [
    name,
    RouteSettingsSchema.optional().describe(`Requirements of the \`${name}\` route.`),
  ]),
) as Record<(typeof MemberRouteNames)[number], z.ZodOptional<typeof RouteSettingsSchema>>;

const NeoEntrySchema = z
  .object({
    name: z.string().regex(NEO_NAME_PATTERN, NEO_NAME_MESSAGE).describe('The `{name}` of `/v1/me/neo/{name}`.'),
    method: z.enum(NeoMethods).describe("The dataflow trigger's method; the member calls the route with the same one."),
    path: z
      .string()
      .max(300)
      .refine(isNeoPath, NEO_PATH_MESSAGE)
      .describe('The Capillary Neo path, e.g. `/x/neo/{customerId}/tierUpgrade`.'),
    customerId: z
      .string()
      .refine(isNeoCustomerIdPlace, NEO_CUSTOMER_ID_MESSAGE)
      .describe(
        "Where the gateway puts the member's customer id: `path` (the `{customerId}` segment), `query:<parameter>` or `body:<JSON pointer>`. A request that sends that parameter or field itself is refused.",
      ),
  })
  .strict();

export const MemberApiSchema = z
  .object({
    routes: z
      .object(routeEntries)
      .strict()
      .optional()
      .describe(
        'Per route: switched off, required OAuth scopes, step-up. A route not listed is on, with no requirement.',
      ),
    neo: z
      .array(NeoEntrySchema)
      .max(50)
      .optional()
      .describe(
        "The brand's Neo APIs members may call through `/v1/me/neo/{name}` (the allow-list that replaces Capillary's per-API support ticket).",
      ),
    rewards: z
      .object({
        brand: z
          .string()
          .min(1)
          .max(200)
          .describe(
            "The brand name of the org's Rewards catalog (Marvel): the `{BrandName}` and `brand` of its calls.",
          ),
        till: z
          .string()
          .min(1)
          .max(200)
          .describe('The till username rewards are issued with (`username` of the issue call).'),
        programId: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("The loyalty program points are spent from (the issue call's `programId`); default: the org's."),
      })
      .strict()
      .optional()
      .describe('Rewards catalog settings; the catalog and the reward issue need them (404 ROUTE_DISABLED without).'),
    writeLimit: z
      .object({
        maxWrites: z.number().int().min(1).max(1000).describe('Writes one member may make per window.'),
        windowSeconds: z.number().int().min(1).max(3600).describe('The window, in seconds.'),
      })
      .strict()
      .optional()
      .describe(
        `Per-member limit on writes (reward issue, Neo POST/PUT): 429 RATE_LIMITED with Retry-After before Capillary is called. Default ${DEFAULT_WRITE_LIMIT.maxWrites} per ${DEFAULT_WRITE_LIMIT.windowSeconds} s.`,
      ),
  })
  .strict()
  .superRefine((value, ctx) => {
    for (const issue of neoEntryIssues(value.neo ?? [])) ctx.addIssue({ code: 'custom', ...issue });
  })
  .describe(
    'The member API (points, tier, history, coupons, rewards, Neo) for signed-in members. Absent: every route on, no scope, no step-up, no Neo API.',
  );
