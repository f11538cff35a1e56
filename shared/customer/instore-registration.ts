// POST /v1/me/registration: INSTORE registration (or update) with the app's extra loyalty fields. The
// identifiers come only from the verified claims, never from the body; the caller is linked first.
import { z } from 'zod';
import { CapillaryConflictError } from '../capillary/capillary-errors.js';
import {
  type CapillaryCommChannel,
  type CapillaryCustomer,
  type CapillaryIdentifier,
  CapillarySources,
  findProfile,
} from '../capillary/capillary-types.js';
import type { BrandConfig } from '../config/brand-config.js';
import { CAPILLARY_FIELD_NAME_PATTERN, type CapillaryFieldType } from '../config/brand-rules.js';
import { ConflictError, ErrorCodes, type FieldIssue, ForbiddenError, ValidationError } from '../errors.js';
import { mapClaims } from './claim-mapping.js';
import { lookupHolders, searchableIdentifiers, verifiedIdentifiers } from './customer-finder.js';
import { linkWithMapped } from './link-session.js';
import { audit } from './post-auth-audit.js';
import { capillaryFor, type PostAuthCaller } from './post-auth-caller.js';
import type { PostAuthServices } from './post-auth-ports.js';
import { parseBody } from './request-body.js';

const MAX_FIELDS = 50;
const fieldName = z.string().regex(CAPILLARY_FIELD_NAME_PATTERN, 'must be 1-64 letters, digits or underscores');
const fieldValue = z.string().max(255);

/** Body fields that would let a caller choose identifiers: refused by name. */
const IDENTIFIER_KEYS = ['mobile', 'email', 'identifiers', 'cuid', 'externalId', 'profiles', 'source', 'accountId'];

export const RegistrationBodySchema = z.strictObject({
  fields: z
    .record(fieldName, fieldValue)
    .refine((value) => Object.keys(value).length <= MAX_FIELDS, `at most ${MAX_FIELDS} fields`)
    .optional(),
  extendedFields: z
    .record(fieldName, z.union([fieldValue.min(1), z.number().finite(), z.boolean()]))
    .refine((value) => Object.keys(value).length <= MAX_FIELDS, `at most ${MAX_FIELDS} extended fields`)
    .optional(),
  /** Communication consent per channel; the channel's value comes from the verified claims. */
  consent: z.strictObject({ email: z.boolean().optional(), mobile: z.boolean().optional() }).optional(),
  loyaltyType: z.enum(['loyalty', 'non_loyalty']).optional(),
  idToken: z.string().min(1).max(16_384).optional(),
});
export type RegistrationBody = z.output<typeof RegistrationBodySchema>;

export interface RegistrationResult {
  customerId: number;
  status: 'registered' | 'updated';
  cuid: string;
  identifiers: CapillaryIdentifier[];
}

/** Parses the registration body: identifier fields are refused by name, everything else strictly. */
export function parseRegistrationBody(body: Record<string, unknown>): RegistrationBody {
  const refused = Object.keys(body).filter((key) => IDENTIFIER_KEYS.includes(key));
  if (refused.length > 0) {
    throw new ValidationError(
      'Identifiers are taken from the verified token only',
      refused.map((field) => ({ field, message: 'not allowed: identifiers come from the verified token' })),
    );
  }
  return parseBody(RegistrationBodySchema, body);
}

function fitsType(value: string | number | boolean, type: CapillaryFieldType): boolean {
  if (type === 'number') return typeof value === 'number' || /^-?\d+(\.\d+)?$/.test(String(value));
  if (type === 'boolean') return typeof value === 'boolean' || value === 'true' || value === 'false';
  if (type === 'date') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  return typeof value === 'string';
}

/**
 * The org accepts only its configured custom fields and enabled extended fields, with their types
 * (Capillary answers 1017 / 91015 otherwise): checked against the brand's lists before any call.
 */
export function checkOrgFields(brand: BrandConfig, body: RegistrationBody): void {
  const issues: FieldIssue[] = [];
  const check = (
    group: 'fields' | 'extendedFields',
    values: Record<string, string | number | boolean> | undefined,
    allowed: BrandConfig['capillary']['customFields'],
    setting: string,
  ) => {
    for (const [name, value] of Object.entries(values ?? {})) {
      const definition = allowed.find((field) => field.name === name);
      if (!definition) {
        issues.push({ field: `${group}.${name}`, message: `not a field of this brand's Capillary org (${setting})` });
      } else if (!fitsType(value, definition.type)) {
        issues.push({ field: `${group}.${name}`, message: `must be a ${definition.type}` });
      }
    }
  };
  check('fields', body.fields, brand.capillary.customFields, 'capillary.customFields');
  check('extendedFields', body.extendedFields, brand.capillary.extendedFields, 'capillary.extendedFields');
  if (issues.length > 0) throw new ValidationError('Request body is invalid', issues);
}

/** Registers or updates the caller's INSTORE profile, linking the caller first. */
export async function registerInstore(
  services: PostAuthServices,
  caller: PostAuthCaller,
  body: RegistrationBody,
): Promise<RegistrationResult> {
  checkOrgFields(caller.brand, body);
  const mapped = mapClaims(await services.claims.load(caller), caller.brand.fieldMappings, caller.brand);
  const identifiers: CapillaryIdentifier[] = verifiedIdentifiers(mapped);
  if (identifiers.length === 0) {
    throw new ForbiddenError(
      ErrorCodes.UNVERIFIED_IDENTIFIER,
      'INSTORE registration needs a mobile or e-mail verified by the CIAM',
    );
  }
  const linked = await linkWithMapped(services, caller, mapped);
  const client = capillaryFor(services, caller);
  const commChannels: CapillaryCommChannel[] = [];
  for (const identifier of identifiers) {
    const consent = body.consent?.[identifier.type === 'email' ? 'email' : 'mobile'];
    if (consent === undefined) continue;
    // Consent is `commChannels[].subscribed` (v2 add customer); `meta` holds other details of the identifier.
    commChannels.push({
      type: identifier.type,
      value: identifier.value,
      primary: true,
      verified: true,
      subscribed: consent,
    });
  }
  const profile = {
    source: CapillarySources.INSTORE,
    ...(mapped.firstName ? { firstName: mapped.firstName } : {}),
    ...(mapped.lastName ? { lastName: mapped.lastName } : {}),
    ...(body.fields ? { fields: body.fields } : {}),
    ...(commChannels.length > 0 ? { commChannels } : {}),
  };
  const extendedFields = body.extendedFields ? { extendedFields: body.extendedFields } : {};
  let status: RegistrationResult['status'];
  if (findProfile(linked.customer, CapillarySources.INSTORE)) {
    await client.updateCustomer(linked.customerId, CapillarySources.INSTORE, undefined, {
      profiles: [profile],
      ...extendedFields,
    });
    status = 'updated';
  } else {
    // Check first so the add merges into the linked customer and never creates a second one: no other customer
    // may hold an identifier (ALL, INSTORE and OAUTH_EXTERNAL lookups: several customers can hold one, and ALL names one;
    // a dual-eligibility org's lookups see its primary identifier only), and the linked customer must hold one.
    for (const identifier of await lookupHolders(
      client,
      caller.brand,
      searchableIdentifiers(caller.brand, identifiers),
    )) {
      if (identifier.holders.some((holder) => holder !== linked.customerId)) {
        throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, `The ${identifier.type} belongs to another customer`);
      }
    }
    if (!identifiers.some((identifier) => holds(linked.customer, identifier))) {
      throw new ConflictError(
        ErrorCodes.IDENTIFIER_CHANGE_PENDING,
        'The verified identifiers are not on the linked customer yet; call POST /v1/me/identifiers/sync first',
      );
    }
    let createdId: number;
    try {
      ({ customerId: createdId } = await client.addCustomer({
        loyaltyInfo: { loyaltyType: body.loyaltyType ?? 'loyalty' },
        profiles: [{ ...profile, identifiers }],
        ...extendedFields,
      }));
    } catch (error) {
      // A retried add whose first answer was lost is refused as a duplicate of what it created: read the
      // customer and report what is true.
      if (error instanceof CapillaryConflictError && error.capillary.afterLostAnswer) {
        const now = await client.getCustomer(linked.customerId);
        const instore = findProfile(now, CapillarySources.INSTORE);
        if (instore && identifiers.every((identifier) => holds({ ...now, profiles: [instore] }, identifier))) {
          return finish(services, caller, body, linked.customerId, 'registered', identifiers);
        }
      }
      if (error instanceof CapillaryConflictError) {
        throw new ConflictError(
          ErrorCodes.IDENTIFIER_TAKEN,
          'An identifier already belongs to another INSTORE customer',
          { cause: error },
        );
      }
      throw error;
    }
    // Capillary merges the INSTORE profile into the linked customer through the shared identifiers (8050).
    if (createdId !== linked.customerId) {
      throw new ConflictError(ErrorCodes.CONFLICT, 'Capillary registered the INSTORE profile on another customer');
    }
    status = 'registered';
  }
  return finish(services, caller, body, linked.customerId, status, identifiers);
}

/** Whether one of the customer's profiles carries the identifier. */
function holds(customer: CapillaryCustomer, identifier: CapillaryIdentifier): boolean {
  return customer.profiles.some((p) =>
    p.identifiers.some((i) => i.type === identifier.type && i.value === identifier.value),
  );
}

function finish(
  services: PostAuthServices,
  caller: PostAuthCaller,
  body: RegistrationBody,
  customerId: number,
  status: RegistrationResult['status'],
  identifiers: CapillaryIdentifier[],
): RegistrationResult {
  audit(services, caller, {
    type: 'instore.registration',
    outcome: 'success',
    reason: status.toUpperCase(),
    details: {
      customerId,
      fields: Object.keys(body.fields ?? {}),
      extendedFields: Object.keys(body.extendedFields ?? {}),
    },
  });
  return { customerId, status, cuid: caller.auth.sub, identifiers };
}
