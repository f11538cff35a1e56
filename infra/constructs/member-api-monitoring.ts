// Alarms and dashboard widgets of the member API's functions (loyalty reads, reward issue, Neo): answers with a 5xx
// status, counted from the functions' own EMF metric (MemberApiRequest, Outcome=server_error; Lambda's Errors
// would miss them, since the handlers answer their errors), and each function's p99 duration. Every alarm goes to
// the environment's alarm topic like the gateway's own.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  GraphWidget,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricNames } from '../../shared/observability/metrics.js';
import type { EnvironmentSettings } from '../environment-settings.js';

/** The functions that serve the member API (their names in FunctionNames). */
export const MemberApiFunctionNames = ['member', 'reward-issue', 'neo'] as const;
export type MemberApiFunctionName = (typeof MemberApiFunctionNames)[number];

/** Member API answers with a 5xx status in one stage (Metrics Insights over the EMF count). */
export function memberApiServerErrorsQuery(stage: string): string {
  return `SELECT SUM(${MetricNames.MEMBER_API_REQUEST}) FROM "${METRICS_NAMESPACE}" WHERE stage = '${stage}' AND Outcome = 'server_error'`;
}

/** Member API requests of one stage by route and outcome. */
export function memberApiRequestsQuery(stage: string): string {
  return `SELECT SUM(${MetricNames.MEMBER_API_REQUEST}) FROM "${METRICS_NAMESPACE}" WHERE stage = '${stage}' GROUP BY Route, Outcome`;
}

export interface MemberApiMonitoringProps {
  settings: EnvironmentSettings;
  functions: Readonly<Record<MemberApiFunctionName, IFunction>>;
  alarmTopic: ITopic;
  dashboard: Dashboard;
}

export class MemberApiMonitoring extends Construct {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MemberApiMonitoringProps) {
    super(scope, id);
    const { settings } = props;
    const thresholds = settings.alarms;
    const period = Duration.seconds(thresholds.periodSeconds);
    const prefix = `ciam-gateway-${settings.stage}`;
    const alarm = (
      alarmId: string,
      metric: MathExpression | ReturnType<IFunction['metricDuration']>,
      threshold: number,
      description: string,
    ) =>
      new Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: thresholds.evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const serverErrors = new MathExpression({
      expression: memberApiServerErrorsQuery(settings.stage),
      period,
      label: 'Member API 5xx answers',
    });
    const latency = Object.entries(props.functions).map(([name, fn]) => ({
      name,
      metric: fn.metricDuration({ period, statistic: 'p99', label: name }),
    }));
    const throttleMetrics = Object.fromEntries(
      Object.values(props.functions).map((fn, index) => [
        `t${index}`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
      ]),
    );
    const throttles = new MathExpression({
      expression: `SUM([${Object.keys(throttleMetrics).join(',')}])`,
      usingMetrics: throttleMetrics,
      period,
      label: 'Member API Lambda throttles',
    });
    this.alarms = [
      alarm('MemberApiThrottles', throttles, thresholds.throttles, 'Throttled invocations of the member API functions'),
      alarm(
        'MemberApiServerErrors',
        serverErrors,
        thresholds.memberApiServerErrors,
        "Member API answers with a 5xx status (Capillary outages answered 503, bugs 500), from the functions' EMF metric",
      ),
      ...latency.map(({ name, metric }) =>
        alarm(
          `MemberApiLatencyP99${name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`,
          metric,
          thresholds.memberApiP99LatencyMs,
          `p99 duration (ms) of the ${name} function of the member API`,
        ),
      ),
    ];
    const action = new SnsAction(props.alarmTopic);
    for (const each of this.alarms) {
      each.addAlarmAction(action);
      each.addOkAction(action);
    }
    props.dashboard.addWidgets(
      new GraphWidget({
        title: 'Member API requests by route and outcome',
        left: [new MathExpression({ expression: memberApiRequestsQuery(settings.stage), period, label: 'requests' })],
        width: 12,
      }),
      new GraphWidget({
        title: 'Member API functions p99 duration (ms)',
        left: latency.map(({ metric }) => metric),
        right: [serverErrors, throttles],
        width: 12,
      }),
    );
  }
}
