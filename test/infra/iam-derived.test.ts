// Least privilege, checked: the DynamoDB and SSM actions each function's code can call are derived from the
// adapters its modules reach (test/infra/support/adapter-actions.ts), and compared with the prod template's grants,
// both ways: a granted action the code never calls fails, and so does a call the role does not allow.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionLogicalId } from '../../infra/constructs/gateway-function.js';
import { type GatewayFunctionName, FunctionAccessMatrix } from '../../infra/function-access.js';
import { functionEntryPath, GatewayFunctionNames, repositoryRoot } from '../../infra/gateway-stack.js';
import { adapterSymbols, deriveFunctionAccess } from './support/adapter-actions.js';
import { resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';

const ADAPTERS = join(repositoryRoot, 'shared/adapters');

/** Where each adapter class or function acts: a table of shared/storage/tables.ts, or SSM. */
const ADAPTER_TARGETS: Readonly<Record<string, string>> = {
  scanBrandItems: 'brands',
  queryBrandItemsByIssuer: 'brands',
  getBrandItem: 'brands',
  DynamoBrandStore: 'brands',
  DynamoLinkStore: 'links',
  DynamoRateWindowStore: 'links',
  DynamoMemberStateStore: 'links',
  DynamoRevocationStore: 'revocations',
  SsmSecretSource: 'ssm',
  SsmSecretWriter: 'ssm',
};

type Access = Record<string, string[]>;

function derived(name: GatewayFunctionName): Access {
  const result: Record<string, Set<string>> = {};
  for (const [symbol, actions] of deriveFunctionAccess(join(repositoryRoot, functionEntryPath(name)), ADAPTERS)
    .bySymbol) {
    const target = ADAPTER_TARGETS[symbol];
    if (target === undefined) throw new Error(`adapter ${symbol} calls AWS but has no entry in ADAPTER_TARGETS`);
    const set = result[target] ?? new Set<string>();
    for (const action of actions) set.add(action);
    result[target] = set;
  }
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, [...v].sort()]));
}

function granted(synth: Synthesized, name: GatewayFunctionName, stage: string): Access {
  const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function')[functionLogicalId(name)];
  const roleId = ((fn?.Properties ?? {}).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOfType(synth.template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap(
      (p) =>
        ((p.Properties ?? {}).PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
          .Statement,
    );
  const result: Record<string, Set<string>> = {};
  for (const statement of statements) {
    const actions = [statement.Action].flat();
    const resource = JSON.stringify(statement.Resource);
    for (const action of actions) {
      let target: string | undefined;
      if (action.startsWith('dynamodb:')) {
        target = ['brands', 'links', 'revocations'].find((key) =>
          resource.includes(`:table/ciam-gateway-${stage}-${key}"`),
        );
      } else if (action.startsWith('ssm:')) target = 'ssm';
      if (target === undefined) continue;
      const set = result[target] ?? new Set<string>();
      set.add(action);
      result[target] = set;
    }
  }
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, [...v].sort()]));
}

describe('IAM derived from the code', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthGateway('prod');
  }, 180_000);
  afterAll(() => synth?.cleanup());

  it('knows where every adapter that calls AWS acts', () => {
    for (const [name, symbol] of adapterSymbols(ADAPTERS)) {
      const commands = [...symbol.methods.values()].flatMap((set) => [...set]);
      if (commands.length > 0 && !symbol.abstract) expect(ADAPTER_TARGETS, name).toHaveProperty([name]);
    }
  });

  it.each(GatewayFunctionNames)('grants the %s function exactly the actions its code calls', (name) => {
    expect(granted(synth, name, 'prod')).toEqual(derived(name));
  });

  it('no longer grants Scan or BatchWriteItem where the code never calls them', () => {
    for (const name of GatewayFunctionNames) {
      const tables = FunctionAccessMatrix[name].tables;
      if (name !== 'admin') expect(tables.links ?? [], name).not.toContain('BatchWriteItem');
      expect(tables.revocations ?? [], name).not.toContain('Scan');
    }
  });

  it('would catch a grant the code never calls, and a call the role does not allow', () => {
    const session = derived('session');
    expect({ ...session, links: [...(session.links ?? []), 'dynamodb:BatchWriteItem'].sort() }).not.toEqual(
      granted(synth, 'session', 'prod'),
    );
    // The admin's writer is its alone: no other function's code reaches DynamoBrandStore's writes.
    expect(derived('me').brands).not.toContain('dynamodb:PutItem');
    expect(derived('admin').brands).toContain('dynamodb:PutItem');
  });
});
