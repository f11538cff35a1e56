// cfn-lint (the CloudFormation linter, Python) over every synthesized template: each environment as the
// operator deploys it, plus one with every optional feature on. Errors fail; warnings fail unless listed
// below with the reason they are accepted. A machine without cfn-lint fails this test with the install
// command instead of passing silently (.ci/run installs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentNames } from '../../infra/environment-settings.js';
import { deployableSettings, type Synthesized, synthGateway } from './support/synth.js';

/** Warnings accepted, each with its reason. */
const ACCEPTED_WARNINGS: Readonly<Record<string, string>> = {
  W3005:
    "CDK adds an explicit DependsOn from each function to its role's default policy (so the policy exists before the first invoke) next to the GetAtt on the role; redundant for ordering, harmless.",
};

interface Finding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

function cfnLintVersion(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

describe('cfn-lint', () => {
  const synths: Synthesized[] = [];
  const templates: string[] = [];
  beforeAll(() => {
    for (const env of EnvironmentNames) synths.push(synthGateway(env));
    synths.push(
      synthGateway('stage', {
        settings: deployableSettings('stage', (raw) => {
          raw.api = {
            ...(raw.api as object),
            customDomain: {
              domainName: 'api.brand-one.com',
              certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
            },
          };
          raw.alarms = { ...(raw.alarms as object), topicArn: null, emailSubscriptions: ['oncall@brand-one.com'] };
          raw.secretsKmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
        }),
      }),
    );
    for (const synth of synths) {
      templates.push(join(synth.outdir, `${synth.stack.artifactId}.template.json`));
    }
  }, 180_000);
  afterAll(() => {
    for (const synth of synths) synth.cleanup();
  });

  it('is installed (pip install cfn-lint, or apt-get install cfn-lint)', () => {
    expect(cfnLintVersion(), 'cfn-lint is not installed: the templates are NOT linted').toMatch(/^cfn-lint \d+\./);
  });

  it('finds no error and no unaccepted warning in any synthesized template', () => {
    // Arrange
    expect(templates).toHaveLength(EnvironmentNames.length + 1);
    if (cfnLintVersion() === undefined) throw new Error('cfn-lint is not installed: the templates are NOT linted');

    // Act: exit status 0 = clean, bit 2 = errors, 4 = warnings, 8 = informational; the JSON lists each finding.
    let output: string;
    try {
      output = execFileSync('cfn-lint', ['--format', 'json', '--', ...templates], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? '');
      if (output.trim() === '') throw error;
    }
    const findings = JSON.parse(output) as Finding[];

    // Assert
    const blocking = findings
      .filter((f) => f.Level === 'Error' || (f.Level === 'Warning' && !(f.Rule.Id in ACCEPTED_WARNINGS)))
      .map((f) => `${f.Rule.Id} ${f.Message} (${f.Filename.split('/').pop()} ${f.Location.Path.join('/')})`);
    expect(blocking).toEqual([]);
  }, 240_000);
});
