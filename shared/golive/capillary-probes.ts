// The brand doctor's Capillary probes: one independent, read-only probe per open question of CAPILLARY.md 8-10 that
// the org's API lets one ask with the brand's own credentials (lookups of made-up identifiers, gets of customers
// the operator names, the org's extended fields). Each says which reading the org follows and what the brand should
// set. A new reading (a new simulator switch) gets its own probe in this list, with its test.
// The probes are deliberately alike in shape (the duplicate check pairs them): each is one question with its own
// readings and actions, kept whole so a reader sees a probe's verdicts in one place.
import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
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
  client: Pick<CapillaryClient, 'authenticate' | 'readRaw' | 'readRawWithUnknownToken'>;
  options: CapillaryProbeOptions;
}

export interface CapillaryProbe {
  id: string;
  title: string;
  /** The open question it answers (CAPILLARY.md section). */
  question: string;
  /** The option it needs; without it the probe does not run. */
  needs?: keyof CapillaryProbeOptions;
  /**
   * For a probe whose reading only its option can tell: the question to ask Capillary without it (the doctor then
   * reports a warn naming the question and the option instead of leaving the probe out).
   */
  askWithout?: string;
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

/** How a lookup answered: found, not found (8015, or 8065 / 816), refused with a code, or something else. */
type LookupAnswer = 'found' | 'not-found' | { refused: number } | 'other';
const REFUSALS = new Set([8001, 8003, 8011, 8013, 8014, 8045, 1006]);
/** 8015 everywhere, or 8065 (one source) and 816 (unknown id) in the per-source reading (status-codes-customer). */
const NOT_FOUND = [8015, 8065, 816];

function lookupAnswer(answer: Read): LookupAnswer {
  if (answer.codes.some((code) => NOT_FOUND.includes(code))) return 'not-found';
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
      ? `answered (${read.codes.join(', ')}, not found)`
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

/** Whether the org takes comma-separated identifier pairs (dual eligibility); 8013 without it. */
async function dualEligibility(context: ProbeContext): Promise<{ on: boolean; answer: Read; result: LookupAnswer }> {
  const answer = await lookup(context, {
    source: CapillarySources.ALL,
    identifierName: 'mobile,email',
    identifierValue: `${probeMobile().international},${probeEmail()}`,
  });
  const result = lookupAnswer(answer);
  return { on: answered(result), answer, result };
}

const dualEligibilityProbe: CapillaryProbe = {
  id: 'dual-eligibility',
  title: 'Dual eligibility (several identifiers per lookup)',
  question: 'CAPILLARY.md 3, 10.1a: does the org accept comma-separated identifier pairs (primary one wins)?',
  async run(context) {
    const { on, answer, result } = await dualEligibility(context);
    const setting = context.brand.capillary.dualEligibility;
    const evidence = [answer.evidence];
    if (on) {
      return check(
        this.id,
        this.title,
        setting ? 'pass' : 'fail',
        'the org takes several identifiers per lookup: dual eligibility is on',
        {
          reading: 'dual eligibility on: a lookup by a single non-primary identifier answers 8015',
          action: setting
            ? 'capillary.dualEligibility true fits; check capillary.primaryIdentifier (primary-identifier probe)'
            : 'set capillary.dualEligibility to true and capillary.primaryIdentifier to the org primary key: members found by a secondary identifier alone would otherwise get a second customer',
          evidence,
        },
      );
    }
    return check(
      this.id,
      this.title,
      setting ? 'warn' : 'pass',
      `one identifier per lookup: ${describeAnswer(result, answer)}`,
      {
        reading: 'dual eligibility off: every identifier looks a customer up on its own',
        ...(setting
          ? {
              action:
                'the org refuses identifier pairs: set capillary.dualEligibility to false unless Capillary confirms dual eligibility (then members without a verified primary identifier are refused for nothing)',
            }
          : {}),
        evidence,
      },
    );
  },
};

const LOOKUP_TYPES = new Set(['email', 'mobile', 'externalId']);

const primaryIdentifierProbe: CapillaryProbe = {
  id: 'primary-identifier',
  title: 'Primary identifier',
  question:
    "CAPILLARY.md 2, 10.1a: does a lookup by each of a customer's identifiers find it (CONF_REGISTRATION_PRIMARY_KEY)?",
  async run(context) {
    const setting = context.brand.capillary.primaryIdentifier;
    const dual = await dualEligibility(context);
    const evidence = [dual.answer.evidence];
    if (context.options.probeCustomer === undefined) {
      return dual.on
        ? check(
            this.id,
            this.title,
            'warn',
            'dual eligibility is on: which identifier is primary needs a known customer',
            {
              reading: 'primary identifier: unknown (dual eligibility on; no customer to look up)',
              action: `run the doctor with ${PROBE_OPTION_FLAGS.probeCustomer}, or ask Capillary: which identifier is the org's CONF_REGISTRATION_PRIMARY_KEY? (capillary.primaryIdentifier is ${setting})`,
              evidence,
            },
          )
        : check(this.id, this.title, 'pass', 'dual eligibility is off: every identifier finds its customer', {
            reading: 'primary identifier: not observable with dual eligibility off, and it changes no lookup',
            evidence,
          });
    }
    const { id, answer, customer } = await probeCustomer(context);
    evidence.push(answer.evidence);
    if (!customer) {
      return check(this.id, this.title, 'warn', `customer ${id} could not be read`, { evidence });
    }
    const identifiers = new Map<string, { type: string; value: string }>();
    for (const profile of customer.profiles) {
      for (const identifier of profile.identifiers) {
        if (LOOKUP_TYPES.has(identifier.type)) {
          identifiers.set(`${identifier.type}:${identifier.value}`, { type: identifier.type, value: identifier.value });
        }
      }
    }
    if (identifiers.size === 0) {
      return check(this.id, this.title, 'warn', `customer ${id} has no mobile, e-mail or external id to look up`, {
        evidence,
      });
    }
    const finds = new Set<string>();
    const misses = new Set<string>();
    for (const { type, value } of identifiers.values()) {
      const found = await lookupOnAll(context, type, value);
      evidence.push(found.evidence);
      (found.entity === id ? finds : misses).add(type);
    }
    const found = [...finds].join(', ');
    const missed = [...misses].join(', ');
    if (misses.size === 0) {
      return check(
        this.id,
        this.title,
        dual.on ? 'warn' : 'pass',
        `every identifier of customer ${id} finds it (${found})`,
        {
          reading: dual.on
            ? `primary identifier: unknown (customer ${id} is found by each of ${found}; try a customer with several)`
            : 'no primary-only lookups: each identifier finds its customer',
          ...(dual.on ? { action: `ask Capillary which identifier is CONF_REGISTRATION_PRIMARY_KEY` } : {}),
          evidence,
        },
      );
    }
    const primary = finds.size === 1 ? [...finds][0] : undefined;
    const fits = primary === setting;
    return check(
      this.id,
      this.title,
      primary === undefined ? 'warn' : fits ? 'pass' : 'fail',
      `lookups by ${missed} do not find customer ${id}; ${found || 'nothing'} does`,
      {
        reading: `primary identifier: ${primary ?? (found || 'none of the customer identifiers')}; a lookup by ${missed} alone answers 8015`,
        action:
          primary === undefined
            ? `ask Capillary which identifier is CONF_REGISTRATION_PRIMARY_KEY (capillary.primaryIdentifier is ${setting})`
            : fits
              ? `capillary.primaryIdentifier ${setting} fits; members whose only shared identifier is their ${missed} get a second customer unless refused (see brand prelink)`
              : `set capillary.primaryIdentifier to ${primary} (it is ${setting})`,
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

/** The digits of a mobile without its country code (the national significant number), when it parses. */
function nationalForm(international: string): string | undefined {
  const parsed = parsePhoneNumberFromString(`+${international}`);
  // Possible, not necessarily assigned: test and drama ranges are fine for comparing the two spellings.
  return parsed?.isPossible() ? parsed.nationalNumber : undefined;
}

const mobileMatchProbe: CapillaryProbe = {
  id: 'mobile-match',
  title: 'Mobiles stored without the country code',
  question:
    'CAPILLARY.md 2, 9.9 (reference/v2-add-customer): does the org complete a national mobile with its base country, or compare mobiles as sent?',
  needs: 'probeCustomer',
  askWithout:
    'is a mobile without its country code completed with the org base country, or kept as sent (so that 9800000077 and 919800000077 are two customers)?',
  async run(context) {
    const { id, answer, customer } = await probeCustomer(context);
    const evidence = [answer.evidence];
    const mobile = customer?.profiles.flatMap((p) => p.identifiers).find((i) => i.type === 'mobile')?.value;
    const national = mobile === undefined ? undefined : nationalForm(mobile);
    if (!customer || mobile === undefined || national === undefined) {
      return check(this.id, this.title, 'warn', `customer ${id} has no mobile with a country code to compare`, {
        reading: 'mobile matching: unknown',
        action: `pass ${PROBE_OPTION_FLAGS.probeCustomer} of a customer with a mobile, or ask Capillary: ${this.askWithout}`,
        evidence,
      });
    }
    const full = await lookupOnAll(context, 'mobile', mobile);
    const short = await lookupOnAll(context, 'mobile', national);
    evidence.push(full.evidence, short.evidence);
    if (full.entity !== id) {
      return check(this.id, this.title, 'warn', `customer ${id} is not found by its own mobile`, {
        reading: 'mobile matching: unknown (the mobile is not a lookup identifier here: dual eligibility?)',
        action: `ask Capillary: ${this.askWithout}`,
        evidence,
      });
    }
    return short.entity === id
      ? check(this.id, this.title, 'pass', `the national form of customer ${id}'s mobile finds it too`, {
          reading: "national mobiles are completed with the org's base country (one customer per number)",
          evidence,
        })
      : check(this.id, this.title, 'pass', `the national form of customer ${id}'s mobile does not find it`, {
          reading:
            'mobiles are compared as sent: a number stored without its country code (a store, an import) is another customer',
          action: 'the gateway sends the country code (phoneDefaultCountry); review members stored without it',
          evidence,
        });
  },
};

const notFoundCodesProbe: CapillaryProbe = {
  id: 'not-found-codes',
  title: 'Codes that say "not found"',
  question:
    'CAPILLARY.md 9.3 (status-codes-customer): 8015 everywhere, or 8065 for a one-source lookup and 816 for an unknown id?',
  async run(context) {
    const inSource = await lookup(context, {
      source: CapillarySources.INSTORE,
      identifierName: 'email',
      identifierValue: probeEmail(),
    });
    // An id far above any org's customer count: nobody's data is read.
    const byId = await read(context, '/v2/customers/987654321012', { source: CapillarySources.ALL });
    const evidence = [inSource.evidence, byId.evidence];
    const sourceCode = inSource.codes.find((code) => NOT_FOUND.includes(code));
    const idCode = byId.codes.find((code) => NOT_FOUND.includes(code));
    if (sourceCode === undefined || idCode === undefined) {
      return check(this.id, this.title, 'warn', 'an unknown identifier or id did not answer a known "not found" code', {
        reading: `one-source lookup: ${inSource.codes.join(', ') || `HTTP ${inSource.status}`}; unknown id: ${byId.codes.join(', ') || `HTTP ${byId.status}`}`,
        action: 'tell the gateway team: it reads only 8015, 8065 and 816 as "not found"',
        evidence,
      });
    }
    const reading =
      sourceCode === 8015 && idCode === 8015
        ? 'uniform: 8015 for every "not found"'
        : sourceCode === 8065 && idCode === 816
          ? 'per-source: 8065 for a one-source lookup, 816 for an unknown id'
          : `mixed: ${sourceCode} for a one-source lookup, ${idCode} for an unknown id`;
    return check(this.id, this.title, 'pass', `"not found" is ${sourceCode} on one source and ${idCode} for an id`, {
      reading: `${reading}; the gateway reads each as nobody`,
      evidence,
    });
  },
};

const unknownAccountWritesProbe: CapillaryProbe = {
  id: 'unknown-account-writes',
  title: 'Writes with an unknown account id',
  question:
    'CAPILLARY.md 9.8 (status-codes-customer 8011, 8127): is a write under an account the org does not have refused (8127), or does it create a profile under it?',
  async run(context) {
    const account = context.brand.capillary.sourceAccountId;
    const query = (accountId: string) => ({
      source: CapillarySources.OAUTH_EXTERNAL,
      accountId,
      identifierName: 'email',
      identifierValue: probeEmail(),
    });
    const wrong = await lookup(context, query(`doctor-wrong-${probeId()}`));
    const ours = await lookup(context, query(account));
    const evidence = [wrong.evidence, ours.evidence];
    const question =
      'does a write under an OAUTH_EXTERNAL account the org does not have answer 8127, or create a profile under it?';
    if (ours.codes.includes(8011)) {
      return check(this.id, this.title, 'fail', `the org does not know account ${account} (8011)`, {
        reading: 'writes with an unknown account: not probed (only a write tells); the brand account is unknown',
        action: `set capillary.sourceAccountId to the org's OAUTH_EXTERNAL account; ask Capillary: ${question}`,
        evidence,
      });
    }
    if (wrong.codes.includes(8011)) {
      return check(this.id, this.title, 'pass', `lookups refuse an unknown account (8011) and know ${account}`, {
        reading:
          "writes with an unknown account: not probed (only a write tells), and moot: the brand's account is known",
        evidence,
      });
    }
    return check(
      this.id,
      this.title,
      'warn',
      'lookups take any account id: nothing tells whether the brand account is the org’s',
      {
        reading: 'writes with an unknown account: not probed (only a write tells)',
        action: `ask Capillary: ${question} (a wrong capillary.sourceAccountId would then write profiles no one reads)`,
        evidence,
      },
    );
  },
};

const expiredTokenProbe: CapillaryProbe = {
  id: 'expired-token',
  title: 'How an expired token is refused',
  question:
    'CAPILLARY.md 5 (reference/oauth): is an expired or unknown token refused with HTTP 401, or with code 401 in an HTTP 500?',
  async run(context) {
    if (context.brand.capillary.authMode === 'basic') {
      return check(this.id, this.title, 'pass', 'basic auth (till): no tokens to expire', {
        reading: 'not applicable (authMode basic)',
      });
    }
    const answer = await context.client.readRawWithUnknownToken(
      '/v2/customers/lookup',
      { source: CapillarySources.ALL, identifierName: 'email', identifierValue: probeEmail() },
      `doctor-expired-${randomUUID()}`,
    );
    const codes = errorCodes(answer.json);
    const evidence = [
      `GET /v2/customers/lookup with a token Capillary never issued -> HTTP ${answer.status}, ${codes.join(', ') || 'no code'}`,
    ];
    if (answer.status === 401) {
      return check(this.id, this.title, 'pass', 'an unknown token is refused with HTTP 401', {
        reading: 'expired tokens answer HTTP 401; the gateway renews the token once and repeats the call',
        evidence,
      });
    }
    if (codes.includes(401)) {
      return check(
        this.id,
        this.title,
        'pass',
        `an unknown token is refused with code 401 in an HTTP ${answer.status}`,
        {
          reading: `expired tokens answer code 401 inside HTTP ${answer.status}; the gateway renews the token once and repeats the call`,
          evidence,
        },
      );
    }
    return check(this.id, this.title, 'fail', `an unknown token was not refused as expected (HTTP ${answer.status})`, {
      reading: 'expired tokens: neither HTTP 401 nor code 401',
      action: 'tell the gateway team: it renews tokens on HTTP 401 or code 401 only',
      evidence,
    });
  },
};

const throttleAnswerProbe: CapillaryProbe = {
  id: 'throttle-answer',
  title: 'The throttled answer',
  question: 'CAPILLARY.md 9 (reference/rate-limits): HTTP 429 with Retry-After or without it, and the per-API limits?',
  async run(context) {
    const limits = Object.entries(context.brand.capillary.rateLimits);
    return check(
      this.id,
      this.title,
      'warn',
      'not probed: only a throttled call tells, and the doctor does not load the org',
      {
        reading: 'throttled answer: unknown (the gateway honours Retry-After, else backs off with jitter)',
        action: `ask Capillary: what does a throttled call get (HTTP 429 with or without Retry-After), and what are the org's limits per API and API key? capillary.rateLimits ${limits.length > 0 ? limits.map(([api, n]) => `${api} ${n}/min`).join(', ') : 'is empty (no limit kept)'}`,
      },
    );
  },
};

const piiDeletedProbe: CapillaryProbe = {
  id: 'pii-deleted',
  title: 'A customer erased on a PII deletion request',
  question:
    'CAPILLARY.md 9 (reference/get-customer-details-v2): is a read of an erased customer a bare message, or an 8015 item?',
  async run() {
    return check(this.id, this.title, 'warn', 'not probed: only the id of an erased customer tells', {
      reading: 'PII-deleted answer: unknown (the gateway reads both as "not found", and 8026 on an add as 410)',
      action:
        'ask Capillary: does a get of a customer erased on a PII deletion request answer a bare "message", or an errors[] item with 8015?',
    });
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
      {
        reading:
          names.length === 0 ? 'custom fields: none on this customer' : `the org has at least ${names.join(', ')}`,
        evidence: [answer.evidence],
      },
    );
  },
};

const mergedCustomerProbe: CapillaryProbe = {
  id: 'merged-customer',
  title: 'A merged-away customer',
  question: 'CAPILLARY.md 9.2: does a get of a merged-away id answer 8069, or the survivor?',
  needs: 'probeMerged',
  askWithout:
    'does a get of a merged-away customer id answer error 8069, or HTTP 200 with the survivor (with the 8069 warning, or without any code)?',
  async run(context) {
    const id = context.options.probeMerged ?? 0;
    const answer = await read(context, `/v2/customers/${id}`, { source: CapillarySources.ALL });
    const evidence = [answer.evidence];
    if (answer.codes.includes(8069)) {
      return check(this.id, this.title, 'pass', `customer ${id} answers 8069 (merged into another account)`, {
        reading:
          'merged ids answer error 8069 (documented): the next session finds the member again and repairs the link',
        evidence,
      });
    }
    const answeredId = isRecord(answer.json) && typeof answer.json.id === 'number' ? answer.json.id : undefined;
    if (answer.status === 200 && answeredId !== undefined && answeredId !== id) {
      const warned = (parseEnvelope(answer.json)?.warnings ?? []).some((item) => item.code === 8069);
      return check(
        this.id,
        this.title,
        'pass',
        `customer ${id} answers 200 with customer ${answeredId}${warned ? ' and warning 8069' : ', without a code'}`,
        {
          reading: warned
            ? 'merged ids answer the survivor with warning 8069: the gateway follows it and repairs the link'
            : 'merged ids answer the survivor silently: the gateway follows the id it is given and repairs the link',
          evidence,
        },
      );
    }
    return check(
      this.id,
      this.title,
      'warn',
      `customer ${id} does not look merged: ${describeAnswer(lookupAnswer(answer), answer)}`,
      {
        reading: 'merged customers: unknown',
        action: `pass the id of a customer merged in Member Care, or ask Capillary: ${this.askWithout}`,
        evidence,
      },
    );
  },
};

const severalHoldersProbe: CapillaryProbe = {
  id: 'several-holders',
  title: 'An identifier held by several customers',
  question:
    'CAPILLARY.md 3: which customer does a lookup on source=ALL answer when several hold an identifier (the oldest or the newest)?',
  needs: 'probeIdentifier',
  askWithout:
    'when several customers hold an identifier (on different sources or accounts), which one does a lookup on source=ALL answer: the oldest or the newest?',
  async run(context) {
    const { type, value } = context.options.probeIdentifier ?? { type: 'email', value: '' };
    const all = await lookupOnAll(context, type, value);
    const result = lookupAnswer(all);
    if (result !== 'found' || all.entity === undefined) {
      return check(this.id, this.title, 'warn', `the lookup ${describeAnswer(result, all)}`, {
        reading: `several holders: the lookup answers ${all.codes.join(', ') || `HTTP ${all.status}`}`,
        action: 'first sessions of such members fail; merge the duplicates in Member Care',
        evidence: [all.evidence],
      });
    }
    // The holders the brand's credentials can name: INSTORE (one account) and the brand's OAUTH_EXTERNAL account.
    const inStore = await lookup(context, {
      source: CapillarySources.INSTORE,
      identifierName: type,
      identifierValue: value,
    });
    const inOauth = await lookup(context, {
      source: CapillarySources.OAUTH_EXTERNAL,
      accountId: context.brand.capillary.sourceAccountId,
      identifierName: type,
      identifierValue: value,
    });
    const evidence = [all.evidence, inStore.evidence, inOauth.evidence];
    const others = [inStore.entity, inOauth.entity].filter(
      (entity): entity is number => entity !== undefined && entity !== all.entity,
    );
    const action =
      'a first session of such a member is refused (409 IDENTIFIER_IN_MULTIPLE_CUSTOMERS): merge the duplicates in Member Care, review them with brand prelink';
    if (others.length === 0) {
      return check(
        this.id,
        this.title,
        'warn',
        `the lookup answers customer ${all.entity}; no other holder is visible`,
        {
          reading:
            'several holders: which one source=ALL answers is unknown (no other holder on INSTORE or the brand account)',
          action: `ask Capillary: ${this.askWithout}`,
          evidence,
        },
      );
    }
    // Customer ids grow with creation: the answered id against the others tells the oldest from the newest.
    const oldest = others.every((other) => all.entity !== undefined && all.entity < other);
    const newest = others.every((other) => all.entity !== undefined && all.entity > other);
    return check(
      this.id,
      this.title,
      'warn',
      `source=ALL answers customer ${all.entity}; ${others.join(', ')} also hold it`,
      {
        reading: oldest
          ? 'several holders: source=ALL answers the oldest'
          : newest
            ? 'several holders: source=ALL answers the newest'
            : 'several holders: source=ALL answers neither the oldest nor the newest',
        action,
        evidence,
      },
    );
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
  mobileMatchProbe,
  notFoundCodesProbe,
  unknownAccountWritesProbe,
  expiredTokenProbe,
  throttleAnswerProbe,
  piiDeletedProbe,
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
