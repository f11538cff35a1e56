// Alarms and one dashboard: authorizer errors and p99 latency, API 5xx, Capillary errors (the functions' EMF
// metric, see shared/observability/metrics.ts) and Lambda throttles. Thresholds come from the settings.
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricNames } from '../../shared/observability/metrics.js';
import type { EnvironmentSettings } from '../environment-settings.js';
import type { GatewayFunctionName } from '../function-access.js';

/**
 * Metrics Insights query over the functions' EMF metric (namespace `CiamGateway`, metric `CapillaryError`,
 * dimensions Operation/Outcome/service/stage): the sum over every operation of one stage.
 */
export function capillaryErrorsQuery(stage: string): string {
  return `SELECT SUM(${MetricNames.CAPILLARY_ERROR}) FROM "${METRICS_NAMESPACE}" WHERE stage = '${stage}'`;
}

export interface GatewayMonitoringProps {
  settings: EnvironmentSettings;
  api: RestApi;
  functions: Readonly<Record<GatewayFunctionName, IFunction>>;
}

export class GatewayMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: GatewayMonitoringProps) {
    super(scope, id);
    const { settings } = props;
    const thresholds = settings.alarms;
    const period = Duration.seconds(thresholds.periodSeconds);
    const authorizer = props.functions.authorizer;
    const stage = props.api.deploymentStage;
    const prefix = `ciam-gateway-${settings.stage}`;

    const authorizerErrors = authorizer.metricErrors({ period, statistic: 'Sum' });
    const authorizerP99 = authorizer.metricDuration({ period, statistic: 'p99' });
    const api5xx = stage.metricServerError({ period, statistic: 'Sum' });
    const capillaryErrors = new MathExpression({
      expression: capillaryErrorsQuery(settings.stage),
      period,
      label: 'Capillary errors',
    });
    const functionEntries = Object.entries(props.functions);
    const throttleMetrics: Record<string, IMetric> = {};
    functionEntries.forEach(([, fn], index) => {
      throttleMetrics[`t${index}`] = fn.metricThrottles({ period, statistic: 'Sum' });
    });
    const throttles = new MathExpression({
      expression: `SUM([${Object.keys(throttleMetrics).join(',')}])`,
      usingMetrics: throttleMetrics,
      period,
      label: 'Lambda throttles (all functions)',
    });

    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string): Alarm =>
      new Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: thresholds.evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.alarms = [
      alarm('AuthorizerErrors', authorizerErrors, thresholds.authorizerErrors, 'Authorizer invocations that threw'),
      alarm(
        'AuthorizerLatencyP99',
        authorizerP99,
        thresholds.authorizerP99LatencyMs,
        'Authorizer p99 duration (ms): every uncached request waits for it',
      ),
      alarm('Api5xx', api5xx, thresholds.api5xxErrors, 'API responses with a 5xx status'),
      alarm('CapillaryErrors', capillaryErrors, thresholds.capillaryErrors, 'Failed Capillary calls (EMF)'),
      alarm('Throttles', throttles, thresholds.throttles, 'Throttled Lambda invocations across the gateway'),
    ];
    if (thresholds.topicArn) {
      const action = new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', thresholds.topicArn));
      for (const each of this.alarms) {
        each.addAlarmAction(action);
        each.addOkAction(action);
      }
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: prefix });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24 }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [stage.metricCount({ period }), stage.metricClientError({ period }), api5xx],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency p99 (ms)',
        left: [
          stage.metricLatency({ period, statistic: 'p99' }),
          stage.metricIntegrationLatency({ period, statistic: 'p99' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorizer',
        left: [authorizer.metricInvocations({ period }), authorizerErrors, authorizer.metricThrottles({ period })],
        right: [authorizerP99],
        width: 12,
      }),
      new GraphWidget({ title: 'Capillary errors and throttles', left: [capillaryErrors, throttles], width: 12 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: functionEntries.map(([name, fn]) => fn.metricErrors({ period, statistic: 'Sum', label: name })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: functionEntries.map(([name, fn]) => fn.metricDuration({ period, statistic: 'p99', label: name })),
        width: 12,
      }),
    );
  }
}
