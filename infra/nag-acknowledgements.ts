// Every cdk-nag (AwsSolutions) acknowledgement of the project, each with its reason, in one place. Each is
// scoped to the construct it is about and names the exact finding (`[Resource::...]` suffix included), so a new
// finding of the same rule elsewhere still fails the synth.
import { type CfnElement, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Routes } from '../shared/routes.js';
import { FunctionAccessMatrix } from './function-access.js';
import { type GatewayStack, GatewayFunctionNames, ssmPrefix } from './gateway-stack.js';

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${id}`, reason });
}

/** The CloudFormation-ish rendering cdk-nag uses for an ARN in the stack's partition/region/account. */
function nagArn(service: string, resource: string): string {
  return `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;
}

export function acknowledgeNagFindings(stack: GatewayStack): void {
  const { settings } = stack;
  const api = stack.gatewayApi.api;

  for (const name of GatewayFunctionNames) {
    const releaseRole = stack.functions[name].node.tryFindChild('Release')?.node.tryFindChild('ServiceRole');
    if (releaseRole) {
      acknowledge(
        releaseRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
        "CodeDeploy's own role for Lambda releases: AWS documents this managed policy for it; it lets CodeDeploy move the alias, read the alarms and publish to SNS topics named CodeDeployTopic*, nothing else.",
      );
    }
    const role = stack.functions[name].role;
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    );
    const secrets = FunctionAccessMatrix[name].secrets;
    if (secrets === undefined) continue;
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${nagArn('ssm', `parameter${ssmPrefix(settings.stage)}/brands/*`)}]`,
      "Brand credential parameters are created at run time by the admin API, one per brand; the grant is confined to this stage's brands path.",
    );
  }

  // The brand administrators' policy: the admin routes take the brand id in the path, so the ARN ends in *.
  const apiId = stack.getLogicalId(api.node.defaultChild as CfnElement);
  for (const route of Routes.filter((r) => r.auth === 'iam' && r.path.includes('{'))) {
    const path = route.path.replace(/\{[^}]+\}/g, '*');
    acknowledge(
      stack.brandAdminPolicy,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${settings.stage}/${route.method}${path}]`,
      'The brand id is a path parameter: the wildcard stands for any brand on this one admin route and method of this stage, nothing else.',
    );
  }

  if (settings.api.manageCloudWatchRole) {
    const role = api.node.tryFindChild('CloudWatchRole');
    if (role) {
      acknowledge(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'The account-wide API Gateway logging role; AWS documents this managed policy for it and it grants logs access only to API Gateway.',
      );
    }
  }

  for (const route of Routes) {
    const method = api.root.resourceForPath(route.path).node.tryFindChild(route.method);
    if (method === undefined) continue;
    acknowledge(
      method,
      'AwsSolutions-COG4',
      "By design: users sign in at each brand's own OIDC CIAM, verified by the Lambda REQUEST authorizer; admin routes use IAM (SigV4). Cognito is not part of the product.",
    );
    if (route.auth === 'none') {
      acknowledge(
        method,
        'AwsSolutions-APIG4',
        route.functionName === 'health'
          ? 'Public liveness probe: returns only status, stage and version.'
          : "OIDC Back-Channel Logout receiver: the CIAM calls it without credentials; the function verifies the signed logout token against the brand's JWKS.",
      );
    }
  }

  // Only dev may run without WAF (stage and prod refuse to synth without it, see environment-settings.ts).
  if (settings.api.waf === null) {
    acknowledge(
      api.deploymentStage,
      'AwsSolutions-APIG3',
      "Development stage only: stage and prod must set api.waf; here stage throttling, the public routes' own method throttles and the authorizer cache bound abuse.",
    );
  }

  const topic = stack.monitoring.alarmTopic;
  if (settings.alarms.topicArn === null) {
    acknowledge(
      topic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry alarm names and states only, no data. CloudWatch alarms cannot publish to a topic under the AWS-managed aws/sns key, and a customer key would add cost and a way to silence every alarm (a disabled key). Publishing is TLS-only (enforceSSL).',
    );
  }
}
