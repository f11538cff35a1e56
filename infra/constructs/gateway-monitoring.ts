// Alarms on real failures only, one SNS topic per environment that receives every alarm, and one dashboard.
// The authorizer's 401s are normal traffic (Lambda counts each `throw new Error('Unauthorized')` as an Error),
// so the authorizer alarm counts AUTHORIZER_FAILURE answers from the access log instead: a thrown
// non-Unauthorized error or a timeout, i.e. the 503 AUTHORIZER_UNAVAILABLE. Thresholds come from the settings;
// the functions' metrics are the EMF ones of shared/observability/metrics.ts.
import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricNames } from '../../shared/observability/metrics.js';
import type { EnvironmentSettings } from '../environment-settings.js';
import type { GatewayFunctionName } from '../function-access.js';
import { WAF_RULES } from './gateway-api.js';

/** The metric the access-log filter writes for every AUTHORIZER_FAILURE answer (dimension `stage`). */
export const AUTHORIZER_FAILURE_METRIC = 'AuthorizerFailure';

/** Gateway response types that mean "the authorizer could not decide" (503 / 500), never a token verdict. */
export const AUTHORIZER_FAILURE_RESPONSE_TYPES = ['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR'] as const;

/** A Metrics Insights query over one of the functions' EMF metrics, for one stage. */
function insights(stat: 'SUM' | 'AVG' | 'MAX', metric: string, stage: string, groupBy?: string): string {
  const query = `SELECT ${stat}(${metric}) FROM "${METRICS_NAMESPACE}" WHERE stage = '${stage}'`;
  return groupBy ? `${query} GROUP BY ${groupBy}` : query;
}

/**
 * Metrics Insights query over the functions' EMF metric (namespace `CiamGateway`, metric `CapillaryError`,
 * dimensions Operation/Outcome/service/stage): the sum over every operation of one stage.
 */
export function capillaryErrorsQuery(stage: string): string {
  return insights('SUM', MetricNames.CAPILLARY_ERROR, stage);
}

/** Authorizer (and handler revocation) decisions of one stage by outcome and reason code. */
export function authzDecisionsQuery(stage: string): string {
  return insights('SUM', MetricNames.AUTHZ_DECISION, stage, 'Outcome, Reason');
}

/** Capillary call latency of one stage by operation (Metrics Insights has no percentiles: MAX and AVG). */
export function capillaryLatencyQuery(stage: string, stat: 'AVG' | 'MAX'): string {
  return insights(stat, MetricNames.CAPILLARY_LATENCY, stage, 'Operation');
}

export interface GatewayMonitoringProps {
  settings: EnvironmentSettings;
  api: RestApi;
  /** The stage's JSON access log group (ACCESS_LOG_FIELDS). */
  accessLogGroup: ILogGroup;
  /**
   * The functions whose throttles, errors and durations it watches (the authorizer always). An alarm's math may
   * hold 10 metrics at most: the member API's functions are watched by member-api-monitoring.ts.
   */
  functions: Readonly<Partial<Record<GatewayFunctionName, IFunction>> & { authorizer: IFunction }>;
  /** The web ACL the stack created, if any (its blocked requests go on the dashboard). */
  webAcl?: CfnWebACL | undefined;
}

export class GatewayMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];
  /** Receives every alarm and OK transition. */
  readonly alarmTopic: ITopic;

  constructor(scope: Construct, id: string, props: GatewayMonitoringProps) {
    super(scope, id);
    const { settings } = props;
    const thresholds = settings.alarms;
    const period = Duration.seconds(thresholds.periodSeconds);
    const authorizer = props.functions.authorizer;
    const stage = props.api.deploymentStage;
    const prefix = `ciam-gateway-${settings.stage}`;

    this.alarmTopic = thresholds.topicArn
      ? Topic.fromTopicArn(this, 'AlarmTopic', thresholds.topicArn)
      : this.createTopic(prefix, thresholds.emailSubscriptions);

    new MetricFilter(this, 'AuthorizerFailureFilter', {
      logGroup: props.accessLogGroup,
      filterPattern: FilterPattern.any(
        ...AUTHORIZER_FAILURE_RESPONSE_TYPES.map((type) => FilterPattern.stringValue('$.errorType', '=', type)),
      ),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AUTHORIZER_FAILURE_METRIC,
      metricValue: '1',
      dimensions: { stage: '$.stage' },
    });
    const authorizerFailures = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: AUTHORIZER_FAILURE_METRIC,
      dimensionsMap: { stage: settings.stage },
      statistic: 'Sum',
      period,
    });
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
      alarm(
        'AuthorizerFailures',
        authorizerFailures,
        thresholds.authorizerFailures,
        'AUTHORIZER_FAILURE answers (503 AUTHORIZER_UNAVAILABLE): the authorizer threw a non-Unauthorized error or timed out; its 401s are not counted',
      ),
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
    const action = new SnsAction(this.alarmTopic);
    for (const each of this.alarms) {
      each.addAlarmAction(action);
      each.addOkAction(action);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: prefix });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24 }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorizer decisions by outcome and reason',
        left: [
          new MathExpression({
            expression: authzDecisionsQuery(settings.stage),
            period,
            label: 'decisions',
          }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'API requests, 4xx and 5xx',
        left: [stage.metricCount({ period }), stage.metricClientError({ period }), api5xx],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorizer',
        left: [
          authorizer.metricInvocations({ period }),
          authorizerFailures.with({ label: 'Authorizer failures (503)' }),
          authorizer.metricThrottles({ period }),
        ],
        right: [authorizerP99],
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
        title: 'Capillary latency by operation (ms)',
        left: [new MathExpression({ expression: capillaryLatencyQuery(settings.stage, 'MAX'), period, label: 'max' })],
        right: [new MathExpression({ expression: capillaryLatencyQuery(settings.stage, 'AVG'), period, label: 'avg' })],
        width: 12,
      }),
      new GraphWidget({
        title: 'Capillary errors by operation and outcome',
        left: [
          new MathExpression({
            expression: insights('SUM', MetricNames.CAPILLARY_ERROR, settings.stage, 'Operation, Outcome'),
            period,
            label: 'errors',
          }),
        ],
        width: 12,
      }),
    );
    const wafBlocked = props.webAcl
      ? [
          new Metric({
            namespace: 'AWS/WAFV2',
            metricName: 'BlockedRequests',
            dimensionsMap: { WebACL: `${prefix}`, Region: Stack.of(this).region, Rule: 'ALL' },
            statistic: 'Sum',
            period,
            label: 'WAF blocked requests',
          }),
          new Metric({
            namespace: 'AWS/WAFV2',
            metricName: 'BlockedRequests',
            dimensionsMap: { WebACL: `${prefix}`, Region: Stack.of(this).region, Rule: WAF_RULES.ipRate },
            statistic: 'Sum',
            period,
            label: 'WAF per-IP rate limit',
          }),
        ]
      : [];
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Throttles',
        left: [throttles, ...functionEntries.map(([name, fn]) => fn.metricThrottles({ period, label: name }))],
        right: wafBlocked,
        width: 12,
      }),
      new GraphWidget({
        title: 'Function errors',
        // The authorizer's Errors include every 401 (`throw new Error('Unauthorized')`): labelled so, not alarmed on.
        left: functionEntries.map(([name, fn]) =>
          fn.metricErrors({
            period,
            statistic: 'Sum',
            label: name === 'authorizer' ? 'authorizer (incl. 401s)' : name,
          }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: functionEntries.map(([name, fn]) => fn.metricDuration({ period, statistic: 'p99', label: name })),
        width: 24,
      }),
    );
  }

  /** The environment's own alarm topic (TLS-only publishing) with the configured e-mail subscriptions. */
  private createTopic(prefix: string, emails: readonly string[]): Topic {
    const topic = new Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      displayName: `${prefix} alarms`,
      enforceSSL: true,
    });
    for (const email of emails) topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}
