// The human output of the go-live commands of `npm run brand`: the doctor's report, a token diagnosis, a prelink
// summary. Plain text, one line per check, what to do under each warn and fail (`--json` prints the API's answer).
import type { DoctorCheck } from '../shared/golive/doctor-report.js';
import type { DoctorReport } from '../shared/golive/doctor.js';
import type { PrelinkResult } from '../shared/golive/prelink.js';
import type { TokenDiagnosis } from '../shared/golive/token-diagnosis.js';

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

function checkLines(item: DoctorCheck, verbose: boolean): string[] {
  const lines = [`  ${LABEL[item.status]}  ${item.title}: ${item.summary}`];
  if (item.reading) lines.push(`        reading: ${item.reading}`);
  if (item.action && item.status !== 'pass') lines.push(`        to do: ${item.action}`);
  if (verbose || item.status !== 'pass') for (const line of item.evidence ?? []) lines.push(`        · ${line}`);
  return lines;
}

/** The doctor's report as text; `verbose` shows the evidence of passing checks too. */
export function renderDoctorReport(report: DoctorReport, verbose = false): string {
  const { counts } = report;
  const lines = [`Brand doctor: ${report.brandId} (${report.brandName}), ${report.checkedAt}`, '', 'CIAM'];
  for (const item of report.ciam) lines.push(...checkLines(item, verbose));
  lines.push('', 'Capillary org');
  for (const item of report.capillary) lines.push(...checkLines(item, verbose));
  if (report.notRun.length > 0) {
    lines.push('', 'Not run');
    for (const item of report.notRun) lines.push(`  -     ${item.title}: ${item.why}`);
  }
  lines.push('', `Summary: ${counts.pass} pass, ${counts.warn} warn, ${counts.fail} fail`);
  return lines.join('\n');
}

function tokenLine(token: TokenDiagnosis['token']): string {
  const parts: string[] = [];
  for (const name of ['alg', 'kid', 'typ', 'iss', 'aud', 'azp', 'client_id', 'token_use'] as const) {
    const value = token[name];
    if (value !== undefined) parts.push(`${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = token[name];
    if (typeof value === 'number') parts.push(`${name} ${new Date(value * 1000).toISOString()}`);
  }
  if (token.carries.length > 0) parts.push(`carries ${token.carries.join(', ')}`);
  return parts.join(', ') || '(not a JWS: nothing could be read)';
}

/** A token diagnosis as text. */
export function renderDiagnosis(diagnosis: TokenDiagnosis): string {
  const brand = diagnosis.brand.selected ?? '(none)';
  const lines = [
    `Token diagnosis${diagnosis.brand.expected ? ` (asked for brand ${diagnosis.brand.expected})` : ''}`,
    `  verdict  ${diagnosis.verdict}: ${diagnosis.reason}`,
    `  answer   ${diagnosis.answer}`,
  ];
  if (diagnosis.meaning) lines.push(`  meaning  ${diagnosis.meaning}`);
  if (diagnosis.action) lines.push(`  to do    ${diagnosis.action}`);
  lines.push(`  brand    ${brand}`, `  token    ${tokenLine(diagnosis.token)}`);
  if (diagnosis.jwks) {
    const { uri, kids, fetchedSecondsAgo } = diagnosis.jwks;
    lines.push(`  JWKS     ${uri}: kids ${kids.join(', ') || '(none)'} (fetched ${fetchedSecondsAgo} s ago)`);
  }
  lines.push('  steps');
  for (const step of diagnosis.steps) lines.push(`    ${step.outcome.padEnd(4)}  ${step.check}: ${step.detail}`);
  for (const note of diagnosis.brand.notes) lines.push(`  note     ${note}`);
  return lines.join('\n');
}

const OUTCOMES = ['linked', 'link', 'merge', 'create', 'refuse', 'invalid', 'error'] as const;

/** Counts of prelink results by outcome. */
export function prelinkCounts(results: readonly PrelinkResult[]): Record<(typeof OUTCOMES)[number], number> {
  const counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    (typeof OUTCOMES)[number],
    number
  >;
  for (const result of results) counts[result.outcome]++;
  return counts;
}

/** A prelink run as text: the users to review (merges, refusals, invalid lines, errors), then the counts. */
export function renderPrelink(brandId: string, results: readonly PrelinkResult[], apply: boolean): string {
  const lines = [`Prelink ${brandId}: ${results.length} users (${apply ? 'applied' : 'dry run, nothing written'})`];
  const review = results.filter((result) => ['merge', 'refuse', 'invalid', 'error'].includes(result.outcome));
  if (review.length > 0) {
    lines.push('', 'To review before the launch:');
    for (const result of review) {
      const target = result.customerId === undefined ? '' : ` customer ${result.customerId}`;
      const code = result.code === undefined ? '' : ` ${result.code}`;
      lines.push(
        `  line ${result.line}  ${result.outcome.padEnd(6)} ${result.sub ?? '-'}${target}${code}: ${result.why}`,
      );
    }
  }
  const counts = prelinkCounts(results);
  lines.push('', `Summary: ${OUTCOMES.map((outcome) => `${outcome} ${counts[outcome]}`).join(', ')}`);
  if (apply) lines.push(`Applied: ${results.filter((result) => result.applied === 'linked').length} linked now`);
  return lines.join('\n');
}
