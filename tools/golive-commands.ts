// The go-live commands of `npm run brand` (tools/brand-cli.ts): doctor, diagnose and prelink. Each calls the admin
// API (the checks need the brand's secrets and the gateway's stores, which only the admin function reads) and prints
// the answer as text, or as JSON with --json. prelink sends the CIAM export in batches, paced under the brand's
// Capillary rate limit, keeping a state file so that an interrupted run resumes where it stopped.
import { hash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isRecord } from '../shared/lang/is-record.js';
import { sleep as realSleep } from '../shared/lang/sleep.js';
import type { DoctorReport } from '../shared/golive/doctor.js';
import { PRELINK_BATCH_LIMIT, type PrelinkResult } from '../shared/golive/prelink.js';
import type { TokenDiagnosis } from '../shared/golive/token-diagnosis.js';
import { safeJsonParse } from '../shared/http/json.js';
import { prelinkCounts, renderDiagnosis, renderDoctorReport, renderPrelink } from './golive-report.js';

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: unknown }>;

export interface GoLiveIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  writeFile: (path: string, text: string) => Promise<void>;
  removeFile?: (path: string) => Promise<void>;
  /** Waits between prelink batches (tests pass a clock that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Options of the go-live commands, as parseArgs read them. */
export type GoLiveValues = Record<string, string | boolean | undefined>;

export class GoLiveUsageError extends Error {}

/** Thrown for an answer of the API that is a refusal: the CLI prints it like any other. */
export class ApiRefusal extends Error {
  readonly status: number;
  readonly json: unknown;

  constructor(status: number, json: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.json = json;
  }
}

const text = (values: GoLiveValues, name: string) =>
  typeof values[name] === 'string' ? (values[name] as string) : undefined;
const brandPath = (brandId: string, suffix: string) => `/v1/admin/brands/${encodeURIComponent(brandId)}${suffix}`;

function positiveInteger(values: GoLiveValues, name: string, fallback?: number): number | undefined {
  const raw = text(values, name);
  if (raw === undefined) return fallback;
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new GoLiveUsageError(`--${name} must be a positive integer`);
  return Number(raw);
}

async function post(api: ApiCall, path: string, body: unknown): Promise<unknown> {
  const answer = await api('POST', path, body);
  if (answer.status >= 400) throw new ApiRefusal(answer.status, answer.json);
  return answer.json;
}

/** `doctor <brandId>`: exit 0 when no check fails, 1 otherwise. */
export async function runDoctor(io: GoLiveIo, api: ApiCall, brandId: string | undefined, values: GoLiveValues) {
  if (!brandId) throw new GoLiveUsageError('doctor needs a brand id');
  const identifier = text(values, 'probe-identifier');
  let probeIdentifier: { type: string; value: string } | undefined;
  if (identifier !== undefined) {
    const match = /^(email|mobile):(.+)$/.exec(identifier);
    if (!match?.[1] || !match[2])
      throw new GoLiveUsageError('--probe-identifier must be email:<address> or mobile:<digits>');
    probeIdentifier = { type: match[1], value: match[2] };
  }
  const body = {
    ...(text(values, 'token') ? { token: text(values, 'token') } : {}),
    ...(text(values, 'id-token') ? { idToken: text(values, 'id-token') } : {}),
    ...(values['probe-customer'] !== undefined ? { probeCustomer: positiveInteger(values, 'probe-customer') } : {}),
    ...(values['probe-merged'] !== undefined ? { probeMerged: positiveInteger(values, 'probe-merged') } : {}),
    ...(probeIdentifier ? { probeIdentifier } : {}),
  };
  const report = (await post(api, brandPath(brandId, '/doctor'), body)) as DoctorReport;
  io.stdout(values.json ? JSON.stringify(report, null, 2) : renderDoctorReport(report, values.verbose === true));
  if (report.diagnosis && !values.json) io.stdout(`\n${renderDiagnosis(report.diagnosis)}`);
  return report.counts.fail > 0 ? 1 : 0;
}

/** The token's `iss`, read without trusting anything (only to pick the brand to ask about). */
function issuerOf(token: string): string | undefined {
  try {
    const payload = safeJsonParse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return isRecord(payload) && typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

/** `diagnose --token <jwt> [--brand <id>]`: exit 0 when the authorizer allows the token, 1 otherwise. */
export async function runDiagnose(io: GoLiveIo, api: ApiCall, values: GoLiveValues) {
  const token = text(values, 'token');
  if (!token) throw new GoLiveUsageError('diagnose needs --token <jwt>');
  let brandId = text(values, 'brand');
  if (brandId === undefined) {
    // The brand of the token's issuer (the diagnosis says which brand the token really selects, and why).
    const listed = await api('GET', '/v1/admin/brands');
    if (listed.status >= 400) throw new ApiRefusal(listed.status, listed.json);
    const brands =
      isRecord(listed.json) && Array.isArray(listed.json.brands) ? listed.json.brands.filter(isRecord) : [];
    const iss = issuerOf(token);
    brandId = String((brands.find((brand) => brand.issuer === iss) ?? brands[0])?.brandId ?? '');
    if (brandId === '') throw new GoLiveUsageError('no brand is saved yet; pass --brand <id>');
  }
  const diagnosis = (await post(api, brandPath(brandId, '/diagnose'), { token })) as TokenDiagnosis;
  io.stdout(values.json ? JSON.stringify(diagnosis, null, 2) : renderDiagnosis(diagnosis));
  return diagnosis.verdict === 'allowed' ? 0 : 1;
}

interface PrelinkState {
  brandId: string;
  apply: boolean;
  usersSha256: string;
  /** The first line not done yet. */
  nextLine: number;
  results: PrelinkResult[];
}

/** Capillary's documented default limit, 100 calls per minute per API key (reference/rate-limits). */
const CAPILLARY_DEFAULT_CALLS_PER_MINUTE = 100;

/**
 * prelink's pace in Capillary calls per minute: the brand's tightest `capillary.rateLimits` entry (so that every API
 * prelink calls stays under its own limit whatever the mix), Capillary's documented default when the brand lists
 * none. --calls-per-minute may lower it, never raise it: the limit is the org's and members' sign-ins share it (the
 * gateway's own limiter would refuse the excess with 429 CAPILLARY_RATE_LIMITED and stop the run).
 */
async function prelinkPace(api: ApiCall, brandId: string, values: GoLiveValues): Promise<number> {
  const brand = await api('GET', brandPath(brandId, ''));
  if (brand.status >= 400) throw new ApiRefusal(brand.status, brand.json);
  const capillary = isRecord(brand.json) && isRecord(brand.json.capillary) ? brand.json.capillary : {};
  const limits = isRecord(capillary.rateLimits) ? Object.values(capillary.rateLimits) : [];
  const brandLimit = Math.min(...limits.filter((n): n is number => typeof n === 'number' && n > 0));
  const ceiling = Number.isFinite(brandLimit) ? brandLimit : CAPILLARY_DEFAULT_CALLS_PER_MINUTE;
  const requested = positiveInteger(values, 'calls-per-minute');
  if (requested !== undefined && requested > ceiling) {
    throw new GoLiveUsageError(
      Number.isFinite(brandLimit)
        ? `--calls-per-minute ${requested} is above the brand's Capillary rate limit (${ceiling} per minute, the lowest of capillary.rateLimits): raise capillary.rateLimits if Capillary raised the org's limit`
        : `--calls-per-minute ${requested} is above Capillary's default limit (${ceiling} per minute): set capillary.rateLimits to the org's limits first`,
    );
  }
  return requested ?? ceiling;
}

/**
 * `prelink <brandId> --users <file.jsonl> [--apply]`: one JSON object of claims per line (`sub` plus what the brand's
 * fieldMappings read). Batches of --batch users (default 10), paced under the brand's Capillary rate limit (see
 * prelinkPace; --calls-per-minute lowers it); the state file (--state, default <users>.prelink-<mode>.json) lets
 * an interrupted run resume. Exit 0 when every line was decided, 1 when a batch failed (run it again to resume).
 */
export async function runPrelink(io: GoLiveIo, api: ApiCall, brandId: string | undefined, values: GoLiveValues) {
  if (!brandId) throw new GoLiveUsageError('prelink needs a brand id');
  const file = text(values, 'users');
  if (!file) throw new GoLiveUsageError('prelink needs --users <file.jsonl>');
  const apply = values.apply === true;
  const batchSize = positiveInteger(values, 'batch', 10) ?? 10;
  if (batchSize > PRELINK_BATCH_LIMIT) throw new GoLiveUsageError(`--batch must be at most ${PRELINK_BATCH_LIMIT}`);
  const perMinute = await prelinkPace(api, brandId, values);
  const stateFile = text(values, 'state') ?? `${file}.prelink-${apply ? 'apply' : 'dry-run'}.json`;
  const content = await io.readFile(file).catch(() => {
    throw new Error(`cannot read ${file}`);
  });
  const usersSha256 = hash('sha256', content, 'hex');
  const state = await loadState(io, stateFile, { brandId, apply, usersSha256 });
  if (state.nextLine > 1) io.stderr(`resuming at line ${state.nextLine} (state in ${stateFile})`);
  const pending = parseLines(content).filter((line) => line.line >= state.nextLine);
  const sleep = io.sleep ?? realSleep;
  const now = io.now ?? Date.now;
  const started = now();
  let calls = 0;
  for (let at = 0; at < pending.length; at += batchSize) {
    const batch = pending.slice(at, at + batchSize);
    const local = batch.filter((line) => 'invalid' in line).map((line) => invalidResult(line.line, line.invalid ?? ''));
    const users = batch.flatMap((line) => ('claims' in line ? [{ line: line.line, claims: line.claims }] : []));
    let results: PrelinkResult[] = [];
    if (users.length > 0) {
      const answer = (await post(api, brandPath(brandId, '/prelink'), { users, apply })) as {
        results: PrelinkResult[];
        capillaryCalls: number;
      };
      results = answer.results;
      calls += answer.capillaryCalls;
    }
    const failed = results.find((result) => result.outcome === 'error');
    const done = [...local, ...results].filter((result) => failed === undefined || result.line < failed.line);
    state.results.push(...done.sort((a, b) => a.line - b.line));
    state.nextLine = failed?.line ?? (batch.at(-1)?.line ?? state.nextLine) + 1;
    await io.writeFile(stateFile, JSON.stringify(state));
    if (failed) {
      io.stderr(
        `stopped at line ${failed.line}: ${failed.code ?? 'error'} ${failed.why}\nrun the same command again to resume (state in ${stateFile})`,
      );
      return 1;
    }
    // Under the rate limit: calls so far may not outrun the minutes elapsed.
    const ahead = (calls * 60_000) / perMinute - (now() - started);
    if (ahead > 0 && at + batchSize < pending.length) await sleep(ahead);
  }
  await (io.removeFile ?? ((path) => rm(path, { force: true })))(stateFile);
  const results = state.results;
  io.stdout(
    values.json
      ? JSON.stringify({ brandId, apply, summary: prelinkCounts(results), results }, null, 2)
      : renderPrelink(brandId, results, apply),
  );
  return 0;
}

type Line = { line: number; claims: Record<string, unknown> } | { line: number; invalid: string };

function parseLines(content: string): Line[] {
  const lines: Line[] = [];
  content.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      const value = safeJsonParse(raw);
      lines.push(
        isRecord(value) ? { line: index + 1, claims: value } : { line: index + 1, invalid: 'not a JSON object' },
      );
    } catch {
      lines.push({ line: index + 1, invalid: 'not JSON' });
    }
  });
  return lines;
}

function invalidResult(line: number, why: string): PrelinkResult {
  return { line, outcome: 'invalid', why };
}

async function loadState(
  io: GoLiveIo,
  file: string,
  run: Pick<PrelinkState, 'brandId' | 'apply' | 'usersSha256'>,
): Promise<PrelinkState> {
  const fresh: PrelinkState = { ...run, nextLine: 1, results: [] };
  let saved: unknown;
  try {
    saved = safeJsonParse(await io.readFile(file));
  } catch {
    return fresh;
  }
  // Another brand, mode or users file: start over rather than mix two runs.
  if (
    !isRecord(saved) ||
    saved.brandId !== run.brandId ||
    saved.apply !== run.apply ||
    saved.usersSha256 !== run.usersSha256 ||
    !Number.isInteger(saved.nextLine) ||
    !Array.isArray(saved.results)
  ) {
    return fresh;
  }
  return { ...run, nextLine: saved.nextLine as number, results: saved.results as PrelinkResult[] };
}
