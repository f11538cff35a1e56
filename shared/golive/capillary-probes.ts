// The brand doctor's Capillary probes: one independent, read-only probe per open question of CAPILLARY.md 8-10 that
// the org's API lets one ask with the brand's own credentials (lookups of made-up identifiers, gets of customers
// the operator names, the org's extended fields). Each says which reading the org follows and what the brand should
// set. A new reading (a new simulator switch) gets its own probe in this list, with its test.
// The probes are deliberately alike in shape (the duplicate check pairs them): each is one question with its own
// readings and actions, kept whole so a reader sees a probe's verdicts in one place.
import { randomUUID } from 'node:crypto';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { errorCodes, parseEnvelope, type RawAnswer } from '../capillary/capillary-envelope.js';
import { CapillaryRejectedError, CapillaryUnavailableError } from '../capillary/capillary-errors.js';
import { CapillarySources, CustomerSchema } from '../capillary/capillary-types.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { CapillaryFieldType } from '../config/brand-rules.js';
import { maskIdentifier } from '../customer/claim-mapping.js';
import { isRecord } from '../lang/is-record.js';
import { check, type DoctorCheck } from './doctor-report.js';

export interface CapillaryProbeOptions {
  /** A real customer id to read (never write): primary identifier, OAUTH_EXTERNAL profile, custom fields. */
  probeCustomer?: number;
  /** A customer id known to be merged into another: how the org answers a get of it. */
  probeMerged?: number;
  /** An identifier known to be held by several customers: how a lookup answers it. */
  probeIdentifier?: { type: 'email' | 'mobile'; value: string };
}

export interface ProbeContext {
  brand: BrandConfig;
  client: Pick<CapillaryClient, 'authenticate' | 'readRaw'>;
  options: CapillaryProbeOptions;
}

export interface CapillaryProbe {
  id: string;
  title: string;
  /** The open question it answers (CAPILLARY.md section). */
  question: string;
  /** The option it needs; without it the probe does not run. */
  needs?: keyof CapillaryProbeOptions;
  run(context: ProbeContext): Promise<DoctorCheck>;
}

interface Read {
  status: number;
  codes: number[];
  entity: number | undefined;
  json: unknown;
  requestId: string | undefined;
  evidence: string;
}

/** One read-only GET and a line of evidence (identifier values masked). */
async function read(context: ProbeContext, path: string, params: Record<string, string> = {}): Promise<Read> {
  const answer: RawAnswer = await context.client.readRaw(path, params);
  const codes = errorCodes(answer.json);
  const entity = parseEnvelope(answer.json)?.entity ?? undefined;
  const shown = Object.entries(params)
    .map(
      ([key, value]) => `${key}=${key === 'identifierValue' ? value.split(',').map(maskIdentifier).join(',') : value}`,
    )
    .join('&');
  const outcome = codes.length > 0 ? codes.join(', ') : entity !== undefined ? `entity ${entity}` : 'no code';
  return {
    status: answer.status,
    codes,
    entity,
    json: answer.json,
    requestId: answer.requestId,
    evidence: `GET ${path}${shown ? `?${shown}` : ''} -> HTTP ${answer.status}, ${outcome}`,
  };
}

/** How a lookup answered: found, not found (8015), refused with a code, or something else. */
type LookupAnswer = 'found' | 'not-found' | { refused: number } | 'other';
const REFUSALS = new Set([8001, 8003, 8011, 8013, 8014, 8045, 1006]);

function lookupAnswer(answer: Read): LookupAnswer {
  if (answer.codes.includes(8015)) return 'not-found';
  const refused = answer.codes.find((code) => REFUSALS.has(code));
  if (refused !== undefined) return { refused };
  if (answer.codes.length === 0 && answer.entity !== undefined) return 'found';
  return 'other';
}

const answered = (answer: LookupAnswer) => answer === 'found' || answer === 'not-found';
const describeAnswer = (answer: LookupAnswer, read: Read) =>
  answer === 'found'
    ? `answered (customer ${read.entity})`
    : answer === 'not-found'
      ? 'answered (8015, not found)'
      : typeof answer === 'object'
        ? `refused (${answer.refused})`
        : `answered HTTP ${read.status} ${read.codes.join(', ') || 'without a code'}`;

const lookup = (context: ProbeContext, params: Record<string, string>) => read(context, '/v2/customers/lookup', params);
/** A lookup on source=ALL, the one the gateway makes for a member's identifiers. */
const lookupOnAll = (context: ProbeContext, identifierName: string, identifierValue: string) =>
  lookup(context, { source: CapillarySources.ALL, identifierName, identifierValue });
const probeId = () => randomUUID().slice(0, 8);
const probeEmail = () => `doctor-${probeId()}@ciam-gateway.invalid`;
/** A UK number of Ofcom's drama range (never assigned), with and without its country code. */
const probeMobile = () => {
  const digits = String(Math.floor(Math.random() * 1000)).padStart(3, '0');
  return { international: `447700900${digits}`, national: `07700900${digits}` };
};

const tokenProbe: CapillaryProbe = {
  id: 'token',
  title: 'Token with the brand credentials',
  question: 'CAPILLARY.md 5: OAuth client credentials and the token lifetime',
  async run(context) {
    const { brand } = context;
    try {
      const { ttlSeconds } = await context.client.authenticate();
      if (ttlSeconds === undefined) {
        return check('token', this.title, 'pass', 'basic auth (till): no token call; the lookups below use the till', {
          reading: 'authMode basic',
        });
      }
      const early = Math.min(60, ttlSeconds / 5);
      return check(
        'token',
        this.title,
        ttlSeconds < 300 ? 'warn' : 'pass',
        `POST /v3/oauth/token/generate issued a token with ttlSeconds ${ttlSeconds}`,
        {
          reading: `tokens live ${ttlSeconds} s; the gateway renews each ${early} s before it expires`,
          ...(ttlSeconds < 300 ? { action: 'ask Capillary for a longer token expiry duration' } : {}),
        },
      );
    } catch (error) {
      const refused = error instanceof CapillaryRejectedError && [401, 403].includes(error.capillary.httpStatus ?? 0);
      const down = error instanceof CapillaryUnavailableError;
      return check(
        'token',
        this.title,
        'fail',
        refused
          ? `Capillary at ${brand.capillary.baseUrl} refused the brand's credentials`
          : down
            ? `Capillary at ${brand.capillary.baseUrl} did not answer`
            : `the token call failed: ${error instanceof Error ? error.message : String(error)}`,
        { action: refused ? 'PUT the brand with the right secrets.capillary' : 'check capillary.baseUrl' },
      );
    }
  },
};

const cuidLookupProbe: CapillaryProbe = {
  id: 'cuid-lookup',
  title: 'cuid lookup on OAUTH_EXTERNAL',
  question: 'CAPILLARY.md 3, 8.1, 9.8: does the org answer identifierName=cuid, and does it know the account id?',
  async run(context) {
    const { brand } = context;
    const account = brand.capillary.sourceAccountId;
    const cuid = `doctor-${randomUUID()}`;
    const query = (accountId?: string) => ({
      source: CapillarySources.OAUTH_EXTERNAL,
      ...(accountId === undefined ? {} : { accountId }),
      identifierName: 'cuid',
      identifierValue: cuid,
    });
    const ours = await lookup(context, query(account));
    const none = await lookup(context, query());
    const wrong = await lookup(context, query(`doctor-wrong-${probeId()}`));
    const [withOurs, without, withWrong] = [ours, none, wrong].map(lookupAnswer);
    const evidence = [ours.evidence, none.evidence, wrong.evidence];
    const refusedWith = (answer: LookupAnswer | undefined, code: number) =>
      typeof answer === 'object' && answer.refused === code;
    const accountReading = refusedWith(withWrong, 8011)
      ? `the org checks account ids (a wrong one answers 8011) and knows ${account}`
      : 'the org does not check account ids on lookups: this cannot confirm the account id';
    const withoutReading = refusedWith(without, 8045)
      ? 'without an account id: 8045, as documented'
      : `without an account id: ${describeAnswer(without ?? 'other', none)}`;
    if (refusedWith(withOurs, 8011)) {
      return check(this.id, this.title, 'fail', `the org does not know account ${account} on OAUTH_EXTERNAL (8011)`, {
        reading: 'account id unknown to the org',
        action: 'set capillary.sourceAccountId to the OAUTH_EXTERNAL account of Intouch (Channel Configurations)',
        evidence,
      });
    }
    if (withOurs !== undefined && answered(withOurs)) {
      const setting = brand.capillary.cuidLookup;
      return check(
        this.id,
        this.title,
        setting === 'profiles' || !refusedWith(withWrong, 8011) ? 'warn' : 'pass',
        `the org answers the cuid lookup on OAUTH_EXTERNAL: ${describeAnswer(withOurs, ours)}; ${withoutReading}`,
        {
          reading: `cuid lookup answered (permissive); ${accountReading}`,
          action:
            setting === 'profiles'
              ? 'set capillary.cuidLookup to lookup (one call instead of a lookup per identifier and a get)'
              : refusedWith(withWrong, 8011)
                ? `capillary.cuidLookup ${setting} fits`
                : `check in Intouch that ${account} is the OAUTH_EXTERNAL account; cuidLookup ${setting} fits`,
          evidence,
        },
      );
    }
    const code = typeof withOurs === 'object' ? withOurs.refused : undefined;
    const setting = brand.capillary.cuidLookup;
    return check(
      this.id,
      this.title,
      setting === 'lookup' ? 'fail' : 'pass',
      `the org refuses the cuid lookup (${code ?? describeAnswer(withOurs ?? 'other', ours)}); ${withoutReading}`,
      {
        reading: `cuid lookup refused (documented: the lookup enum has no cuid${code === 8003 ? ', nor OAUTH_EXTERNAL' : ''}); ${accountReading}`,
        action:
          setting === 'lookup'
            ? 'set capillary.cuidLookup to profiles (or auto): with lookup every first session answers 502 CUID_LOOKUP_REFUSED'
            : setting === 'auto'
              ? 'capillary.cuidLookup auto fits (it learns this per container); profiles spares the first refused call'
              : 'capillary.cuidLookup profiles fits',
        evidence,
      },
    );
  },
};

const notFoundStatusProbe: CapillaryProbe = {
  id: 'not-found-status',
  title: 'HTTP status of business errors',
  question: 'CAPILLARY.md 9.3: which HTTP status does the org pair with 8015?',
  async run(context) {
    const answer = await lookupOnAll(context, 'email', probeEmail());
    if (!answer.codes.includes(8015)) {
      return check(this.id, this.title, 'warn', `a lookup of an unknown e-mail did not answer 8015`, {
        reading: `unknown e-mail: ${describeAnswer(lookupAnswer(answer), answer)}`,
        action: 'tell the gateway team: lookups of unknown identifiers must answer 8015',
        evidence: [answer.evidence],
      });
    }
    return check(this.id, this.title, 'pass', `8015 (not found) comes with HTTP ${answer.status}`, {
      reading: `business errors answered with HTTP ${answer.status}; the gateway decides by the code, whatever the status`,
      evidence: [answer.evidence],
    });
  },
};

const dualEligibilityProbe: CapillaryProbe = {
  id: 'dual-eligibility',
  title: 'Dual eligibility (several identifiers per lookup)',
  question: 'CAPILLARY.md 3, 10.1a: does the org accept comma-separated identifier pairs (primary one wins)?',
  async run(context) {
    const mobile = probeMobile().international;
    const answer = await lookup(context, {
      source: CapillarySources.ALL,
      identifierName: 'mobile,email',
      identifierValue: `${mobile},${probeEmail()}`,
    });
    const result = lookupAnswer(answer);
    if (answered(result)) {
      return check(
        this.id,
        this.title,
        'warn',
        'the org takes several identifiers per lookup: dual eligibility is on',
        {
          reading: 'dual eligibility on: a lookup by a single non-primary identifier answers 8015',
          action: 'run the doctor with --probe-customer <id> to see the primary identifier',
          evidence: [answer.evidence],
        },
      );
    }
    return check(this.id, this.title, 'pass', `one identifier per lookup: ${describeAnswer(result, answer)}`, {
      reading: 'dual eligibility off: every identifier looks a customer up on its own',
      evidence: [answer.evidence],
    });
  },
};

const primaryIdentifierProbe: CapillaryProbe = {
  id: 'primary-identifier',
  title: 'Primary identifier',
  question:
    "CAPILLARY.md 2, 10.1a: does a lookup by each of a customer's identifiers find it (CONF_REGISTRATION_PRIMARY_KEY)?",
  needs: 'probeCustomer',
  async run(context) {
    const id = context.options.probeCustomer ?? 0;
    const got = await read(context, `/v2/customers/${id}`, { source: CapillarySources.ALL });
    const customer = CustomerSchema.safeParse(got.json);
    if (!customer.success) {
      return check(this.id, this.title, 'warn', `customer ${id} could not be read`, { evidence: [got.evidence] });
    }
    const identifiers = new Map<string, { type: string; value: string }>();
    for (const profile of customer.data.profiles) {
      for (const identifier of profile.identifiers) {
        if (identifier.type === 'email' || identifier.type === 'mobile') {
          identifiers.set(`${identifier.type}:${identifier.value}`, { type: identifier.type, value: identifier.value });
        }
      }
    }
    if (identifiers.size === 0) {
      return check(this.id, this.title, 'warn', `customer ${id} has no mobile or e-mail to look up`, {
        evidence: [got.evidence],
      });
    }
    const evidence = [got.evidence];
    const finds: string[] = [];
    const misses: string[] = [];
    for (const { type, value } of identifiers.values()) {
      const answer = await lookupOnAll(context, type, value);
      evidence.push(answer.evidence);
      (answer.entity === id ? finds : misses).push(type);
    }
    if (misses.length === 0) {
      return check(this.id, this.title, 'pass', `every identifier of customer ${id} finds it (${finds.join(', ')})`, {
        reading: 'no primary-only lookups: each identifier finds its customer',
        evidence,
      });
    }
    return check(
      this.id,
      this.title,
      'warn',
      `lookups by ${misses.join(', ')} do not find customer ${id}; ${finds.join(', ') || 'nothing'} does`,
      {
        reading: `primary identifier: ${finds.join(', ') || 'unknown'}; a lookup by ${misses.join(', ')} answers 8015`,
        action: `members whose only shared identifier is their ${misses.join(' or ')} are not found: they would get a second customer (see brand prelink)`,
        evidence,
      },
    );
  },
};

const mobileFormatProbe: CapillaryProbe = {
  id: 'mobile-format',
  title: 'Mobile number format',
  question: 'CAPILLARY.md 2, 9.9: does the org take mobiles with the country code, and without?',
  async run(context) {
    const mobile = probeMobile();
    const international = await lookupOnAll(context, 'mobile', mobile.international);
    const national = await lookupOnAll(context, 'mobile', mobile.national);
    const [withCode, withoutCode] = [lookupAnswer(international), lookupAnswer(national)];
    const evidence = [international.evidence, national.evidence];
    const reading = `with the country code: ${answered(withCode) ? 'accepted' : describeAnswer(withCode, international)}; without: ${answered(withoutCode) ? 'accepted' : describeAnswer(withoutCode, national)}`;
    if (!answered(withCode)) {
      return check(
        this.id,
        this.title,
        'fail',
        'the org refuses mobiles with the country code, the form the gateway sends',
        {
          reading,
          action: "check the org's mobile settings (base country, length rules: 8014/1006)",
          evidence,
        },
      );
    }
    return check(
      this.id,
      this.title,
      'pass',
      'mobiles with the country code (digits only, as the gateway sends them) are taken',
      {
        reading,
        evidence,
      },
    );
  },
};

const CAPILLARY_TYPES: Record<string, CapillaryFieldType> = {
  STRING: 'string',
  STANDARD_STRING: 'string',
  STANDARD_ENUM: 'string',
  ENUM: 'string',
  INTEGER: 'number',
  DOUBLE: 'number',
  LONG: 'number',
  BOOLEAN: 'boolean',
  DATE: 'date',
  DATETIME: 'date',
};

const extendedFieldsProbe: CapillaryProbe = {
  id: 'extended-fields',
  title: "The org's extended fields",
  question: 'CAPILLARY.md 9.7: which extended fields does the org enable, with which types?',
  async run(context) {
    const { brand } = context;
    const answer = await read(context, '/v2/extendedFields');
    const entity = isRecord(answer.json) && isRecord(answer.json.entity) ? answer.json.entity : undefined;
    const list = Array.isArray(entity?.CUSTOMER) ? entity.CUSTOMER.filter(isRecord) : undefined;
    if (answer.status !== 200 || list === undefined) {
      return check(
        this.id,
        this.title,
        'warn',
        "the org's extended fields could not be read (GET /v2/extendedFields)",
        {
          action: 'compare capillary.extendedFields with Intouch by hand',
          evidence: [answer.evidence],
        },
      );
    }
    const org = new Map(list.map((field) => [String(field.name), CAPILLARY_TYPES[String(field.dataType)]]));
    const missing = brand.capillary.extendedFields.filter((field) => !org.has(field.name)).map((field) => field.name);
    const mistyped = brand.capillary.extendedFields
      .filter((field) => org.has(field.name) && org.get(field.name) !== undefined && org.get(field.name) !== field.type)
      .map((field) => `${field.name} (${field.type} here, ${org.get(field.name)} at the org)`);
    const unused = [...org.keys()].filter(
      (name) => !brand.capillary.extendedFields.some((field) => field.name === name),
    );
    const reading = `the org enables ${org.size} customer extended fields${unused.length > 0 ? `; the brand does not list ${unused.join(', ')}` : ''}`;
    if (missing.length > 0) {
      return check(this.id, this.title, 'fail', `the org has no extended field ${missing.join(', ')}`, {
        reading,
        action: 'remove them from capillary.extendedFields (Capillary refuses them, 91015)',
        evidence: [answer.evidence],
      });
    }
    if (mistyped.length > 0) {
      return check(this.id, this.title, 'warn', `types differ: ${mistyped.join(', ')}`, {
        reading,
        action: "align capillary.extendedFields with the org's types",
        evidence: [answer.evidence],
      });
    }
    return check(
      this.id,
      this.title,
      'pass',
      'every extended field of the brand is enabled at the org, with its type',
      {
        reading,
        evidence: [answer.evidence],
      },
    );
  },
};

/** A customer the operator named, read with source=ALL (never written). */
async function probeCustomer(context: ProbeContext) {
  const id = context.options.probeCustomer ?? 0;
  const answer = await read(context, `/v2/customers/${id}`, { source: CapillarySources.ALL });
  const parsed = CustomerSchema.safeParse(answer.json);
  return { id, answer, customer: parsed.success ? parsed.data : undefined };
}

const oauthProfileProbe: CapillaryProbe = {
  id: 'oauth-profile',
  title: "A member's OAUTH_EXTERNAL profile",
  question:
    "CAPILLARY.md 8.2, 9.10: has Capillary's own gateway written an OAUTH_EXTERNAL profile, under which account?",
  needs: 'probeCustomer',
  async run(context) {
    const { brand } = context;
    const { id, answer, customer } = await probeCustomer(context);
    if (!customer) {
      return check(this.id, this.title, 'warn', `customer ${id} could not be read`, { evidence: [answer.evidence] });
    }
    const withoutAccount = customer.profiles.filter((p) => p.source !== 'INSTORE' && !p.accountId).map((p) => p.source);
    const oauth = customer.profiles.filter((p) => p.source === CapillarySources.OAUTH_EXTERNAL);
    const accountNote =
      withoutAccount.length > 0 ? `; source=ALL answers ${withoutAccount.join(', ')} without an accountId` : '';
    if (oauth.length === 0) {
      return check(
        this.id,
        this.title,
        withoutAccount.length > 0 ? 'warn' : 'pass',
        `customer ${id} has no OAUTH_EXTERNAL profile${accountNote}`,
        {
          reading:
            "Capillary's gateway has not written an OAUTH_EXTERNAL profile for this member: the first session adds it",
          evidence: [answer.evidence],
        },
      );
    }
    const accounts = [...new Set(oauth.map((p) => p.accountId ?? ''))];
    const cuid = oauth.some((p) => p.identifiers.some((identifier) => identifier.type === 'cuid'));
    const ours = accounts.includes(brand.capillary.sourceAccountId);
    return check(
      this.id,
      this.title,
      ours && withoutAccount.length === 0 ? 'pass' : 'warn',
      `customer ${id} has an OAUTH_EXTERNAL profile under account ${accounts.join(', ')}${cuid ? ' with a cuid' : ' without a cuid'}${accountNote}`,
      {
        reading: ours
          ? `the OAUTH_EXTERNAL account is the brand's (${brand.capillary.sourceAccountId})`
          : `the OAUTH_EXTERNAL account is ${accounts.join(', ')}, not the brand's ${brand.capillary.sourceAccountId}`,
        ...(ours
          ? {}
          : { action: `if ${accounts.join(' or ')} is the org's account, set capillary.sourceAccountId to it` }),
        evidence: [answer.evidence],
      },
    );
  },
};

const customFieldsProbe: CapillaryProbe = {
  id: 'custom-fields',
  title: "A member's custom fields",
  question:
    "CAPILLARY.md 9.7: which custom fields does the org have? (Its list is an Intouch admin API, so a member's are read.)",
  needs: 'probeCustomer',
  async run(context) {
    const { brand } = context;
    const { id, answer, customer } = await probeCustomer(context);
    if (!customer) {
      return check(this.id, this.title, 'warn', `customer ${id} could not be read`, { evidence: [answer.evidence] });
    }
    const names = [...new Set(customer.profiles.flatMap((profile) => Object.keys(profile.fields ?? {})))];
    const unknown = names.filter((name) => !brand.capillary.customFields.some((field) => field.name === name));
    if (unknown.length > 0) {
      return check(
        this.id,
        this.title,
        'warn',
        `customer ${id} has custom fields the brand does not list: ${unknown.join(', ')}`,
        {
          reading: `the org has at least the custom fields ${names.join(', ')}`,
          action: 'add them to capillary.customFields if the INSTORE registration should take them',
          evidence: [answer.evidence],
        },
      );
    }
    return check(
      this.id,
      this.title,
      'pass',
      names.length === 0
        ? `customer ${id} has no custom fields to compare`
        : `the brand lists each of ${names.join(', ')}`,
      { evidence: [answer.evidence] },
    );
  },
};

const mergedCustomerProbe: CapillaryProbe = {
  id: 'merged-customer',
  title: 'A merged-away customer',
  question: 'CAPILLARY.md 9.2: does a get of a merged-away id answer 8069, or the survivor?',
  needs: 'probeMerged',
  async run(context) {
    const id = context.options.probeMerged ?? 0;
    const answer = await read(context, `/v2/customers/${id}`, { source: CapillarySources.ALL });
    if (answer.codes.includes(8069)) {
      return check(this.id, this.title, 'pass', `customer ${id} answers 8069 (merged into another account)`, {
        reading: 'merged ids answer error 8069 (documented): the next session follows the link to the survivor',
        evidence: [answer.evidence],
      });
    }
    const answeredId = isRecord(answer.json) && typeof answer.json.id === 'number' ? answer.json.id : undefined;
    if (answeredId !== undefined && answeredId !== id) {
      return check(this.id, this.title, 'warn', `customer ${id} answers 200 with customer ${answeredId}`, {
        reading: 'merged ids answer 200 with the survivor',
        action: 'links keep the merged-away id: check it against the survivor (the gateway follows 8069 only)',
        evidence: [answer.evidence],
      });
    }
    return check(
      this.id,
      this.title,
      'warn',
      `customer ${id} does not look merged: ${describeAnswer(lookupAnswer(answer), answer)}`,
      {
        action: 'pass the id of a customer merged in Member Care',
        evidence: [answer.evidence],
      },
    );
  },
};

const severalHoldersProbe: CapillaryProbe = {
  id: 'several-holders',
  title: 'An identifier held by several customers',
  question: 'CAPILLARY.md 3: what does a lookup on source=ALL answer for an identifier several customers hold?',
  needs: 'probeIdentifier',
  async run(context) {
    const { type, value } = context.options.probeIdentifier ?? { type: 'email', value: '' };
    const answer = await lookupOnAll(context, type, value);
    const result = lookupAnswer(answer);
    if (result === 'found') {
      return check(
        this.id,
        this.title,
        'warn',
        `the lookup answers one customer (${answer.entity}) and no sign of the others`,
        {
          reading: 'several holders: the lookup answers one of them',
          action: 'a first session links that one: review such members with brand prelink before the launch',
          evidence: [answer.evidence],
        },
      );
    }
    return check(this.id, this.title, 'warn', `the lookup ${describeAnswer(result, answer)}`, {
      reading: `several holders: the lookup answers ${answer.codes.join(', ') || `HTTP ${answer.status}`}`,
      action: 'first sessions of such members fail; merge the duplicates in Member Care',
      evidence: [answer.evidence],
    });
  },
};

const requestIdProbe: CapillaryProbe = {
  id: 'request-id',
  title: 'X-Cap-Requestid on answers',
  question: 'CAPILLARY.md 5, 9.10: does every answer carry X-Cap-Requestid (logged for Capillary support)?',
  async run(context) {
    const answer = await lookupOnAll(context, 'email', probeEmail());
    return answer.requestId
      ? check(this.id, this.title, 'pass', 'answers carry X-Cap-Requestid; the gateway logs it with every call', {
          reading: 'request id header present',
        })
      : check(this.id, this.title, 'warn', 'answers carry no X-Cap-Requestid', {
          reading: 'no request id header',
          action: 'Capillary support cannot be given request ids from the gateway logs',
        });
  },
};

/** Every probe, in the order the report shows them; the token probe comes first (the others need a token). */
export const CapillaryProbes: readonly CapillaryProbe[] = [
  tokenProbe,
  cuidLookupProbe,
  notFoundStatusProbe,
  dualEligibilityProbe,
  primaryIdentifierProbe,
  mobileFormatProbe,
  extendedFieldsProbe,
  oauthProfileProbe,
  customFieldsProbe,
  mergedCustomerProbe,
  severalHoldersProbe,
  requestIdProbe,
];

/** The option each probe needs, as the CLI spells it. */
export const PROBE_OPTION_FLAGS: Record<keyof CapillaryProbeOptions, string> = {
  probeCustomer: '--probe-customer <id>',
  probeMerged: '--probe-merged <id>',
  probeIdentifier: '--probe-identifier <email|mobile>:<value>',
};
