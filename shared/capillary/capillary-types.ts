// Shapes of the Capillary v2 customer API the gateway uses, parsed with zod (unknown keys kept, never cast).
import { z } from 'zod';

/** Profile sources the gateway reads or writes. */
export const CapillarySources = { OAUTH_EXTERNAL: 'OAUTH_EXTERNAL', INSTORE: 'INSTORE', ALL: 'ALL' } as const;

/** `source` values of "Get customer details (v2)"; ALL returns every profile with its source and accountId. */
export type GetSource = 'ALL' | 'INSTORE' | 'MARTJACK' | 'WECHAT' | 'LINE';

export type IdentifierType = 'mobile' | 'email' | 'cuid' | 'externalId' | (string & {});

const IdentifierSchema = z.object({ type: z.string(), value: z.string() }).loose();
export type CapillaryIdentifier = { type: IdentifierType; value: string };

const CommChannelSchema = z
  .object({
    type: z.string(),
    value: z.string(),
    primary: z.boolean().optional(),
    verified: z.boolean().optional(),
    /** Consent: "pass true if the identifier is subscribed for the org's newsletters". */
    subscribed: z.boolean().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type CapillaryCommChannel = z.infer<typeof CommChannelSchema>;

const ProfileSchema = z
  .object({
    source: z.string(),
    accountId: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    identifiers: z.array(IdentifierSchema).default([]),
    fields: z.record(z.string(), z.unknown()).nullish(),
    commChannels: z.array(CommChannelSchema).nullish(),
  })
  .loose();
export type CapillaryProfile = z.infer<typeof ProfileSchema>;

export const CustomerSchema = z
  .object({
    id: z.number().int(),
    profiles: z.array(ProfileSchema).default([]),
    extendedFields: z.record(z.string(), z.unknown()).nullish(),
    loyaltyInfo: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
export type CapillaryCustomer = z.infer<typeof CustomerSchema>;

const StatusItemSchema = z
  .object({ status: z.unknown().optional(), code: z.coerce.number(), message: z.string().default('') })
  .loose();

/** The v2 envelope: success carries `createdId` or `entity` (or the resource); failure carries `errors[]`. */
export const EnvelopeSchema = z
  .object({
    createdId: z.number().int().nullish(),
    entity: z.number().int().nullish(),
    warnings: z.array(StatusItemSchema).nullish(),
    errors: z.array(StatusItemSchema).nullish(),
  })
  .loose();
export type CapillaryEnvelope = z.infer<typeof EnvelopeSchema>;

/** Profile in an add/update body. */
export interface ProfileInput {
  source: string;
  accountId?: string;
  firstName?: string;
  lastName?: string;
  identifiers?: CapillaryIdentifier[];
  fields?: Record<string, string>;
  commChannels?: CapillaryCommChannel[];
}

export interface AddCustomerInput {
  profiles: ProfileInput[];
  loyaltyInfo?: { loyaltyType: 'loyalty' | 'non_loyalty' };
  extendedFields?: Record<string, string | number | boolean>;
}

export interface UpdateCustomerInput {
  profiles: Omit<ProfileInput, 'identifiers'>[];
  extendedFields?: Record<string, string | number | boolean>;
}

export interface LookupQuery {
  source: string;
  accountId?: string;
  identifierName: IdentifierType;
  identifierValue: string;
}

export interface WriteResult {
  customerId: number;
  warnings: { code: number; message: string }[];
  requestId: string | undefined;
  /** An earlier attempt's answer was lost: the write may have been applied by it (the answer then says little). */
  afterLostAnswer?: boolean;
}

/** Finds the profile of `source` (and `accountId` when given) in a customer. */
export function findProfile(
  customer: CapillaryCustomer,
  source: string,
  accountId?: string,
): CapillaryProfile | undefined {
  return customer.profiles.find(
    (p) => p.source === source && (accountId === undefined || (p.accountId ?? '') === accountId),
  );
}

/** The first identifier of `type` in a profile. */
export function identifierOf(profile: CapillaryProfile | undefined, type: IdentifierType): string | undefined {
  return profile?.identifiers.find((identifier) => identifier.type === type)?.value;
}
