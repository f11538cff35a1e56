// Alarms on real failures only, one SNS topic per environment that receives every alarm, and one dashboard.
// The authorizer's 401s are normal traffic (Lambda counts each `throw new Error('Unauthorized')` as an Error),
// so the authorizer alarm counts AUTHORIZER_FAILURE answers from the access log instead: a thrown
// non-Unauthorized error or a timeout, i.e. the 503 AUTHORIZER_UNAVAILABLE. Thresholds come from the settings;
// the functions' metrics are the EMF ones of shared/observability/metrics.ts.
import { Aws, Duration, Stack } from 'aws-cdk-lib';
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
import { Routes } from '../../shared/routes.js';
import type { TableKey } from '../../shared/storage/tables.js';
import { type GatewayFunction, LIVE_ALIAS } from './gateway-function.js';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricNames } from '../../shared/observability/metrics.js';
import type { EnvironmentSettings } from '../environment-settings.js';
import { FunctionAccessMatrix, type GatewayFunctionName, reservedConcurrencyOf } from '../function-access.js';
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

/** Per brand (GROUP BY brandId): the share of the brand's 0/1 points that are 1, worst brand first. */
export function perBrandRateQuery(metric: string, stage: string): string {
  return `${insights('AVG', metric, stage, 'brandId')} ORDER BY AVG() DESC`;
}

/** The metric the access-log filter writes for every 429 answer (dimension `stage`). */
const THROTTLED_METRIC = 'Http429';
/** The metric the function-log filter writes for every ERROR line (dimension `function`). */
const ERROR_LINES_METRIC = 'ErrorLogLines';

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
  functions: Readonly<Record<GatewayFunctionName, GatewayFunction>>;
  /** The fixed table names (the tables themselves are created after everything else). */
  tableNames: Readonly<Record<TableKey, string>>;
  /** The web ACL the stack created, if any (its blocked requests go on the dashboard and an alarm). */
  webAcl?: CfnWebACL | undefined;
}

/** `IF(d > 0, n / d, 0)`: a share that is 0, not missing, when nothing happened. */
function share(numerator: string, denominator: string): string {
  return `IF(${denominator} > 0, (${numerator}) / ${denominator}, 0)`;
}

export class GatewayMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  /** Receives every alarm and OK transition. */
  readonly alarmTopic: ITopic;
  private readonly releaseAlarms = new Map<GatewayFunctionName, Alarm[]>();

  constructor(scope: Construct, id: string, props: GatewayMonitoringProps) {
    super(scope, id);
    const { settings } = props;
    const thresholds = settings.alarms;
    const rates = thresholds.rates;
    const period = Duration.seconds(thresholds.periodSeconds);
    const authorizer = props.functions.authorizer;
    const prefix = `ciam-gateway-${settings.stage}`;

    this.alarmTopic = thresholds.topicArn
      ? Topic.fromTopicArn(this, 'AlarmTopic', thresholds.topicArn)
      : this.createTopic(prefix, thresholds.emailSubscriptions);
    const action = new SnsAction(this.alarmTopic);
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string): Alarm => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: thresholds.evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    // Access-log metric filters: authorizer failures and 429s, each per request of the stage.
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
    new MetricFilter(this, 'ThrottledFilter', {
      logGroup: props.accessLogGroup,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: THROTTLED_METRIC,
      metricValue: '1',
      dimensions: { stage: '$.stage' },
    });
    const stageMetric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { stage: settings.stage },
        statistic: 'Sum',
        period,
      });
    // Literal dimensions: the release alarms must not depend on the stage, which depends on the aliases.
    const apiMetric = (metricName: string, statistic: string, label?: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiName: prefix, Stage: settings.stage },
        statistic,
        period,
        ...(label ? { label } : {}),
      });
    const requests = apiMetric('Count', 'Sum');
    const authorizerFailures = stageMetric(AUTHORIZER_FAILURE_METRIC);
    const authorizerFailureRate = new MathExpression({
      expression: share('failures', 'requests'),
      usingMetrics: { failures: authorizerFailures, requests },
      period,
      label: 'Authorizer failures per request',
    });
    const api429Rate = new MathExpression({
      expression: share('throttled', 'requests'),
      usingMetrics: { throttled: stageMetric(THROTTLED_METRIC), requests },
      period,
      label: '429 per request',
    });
    const api4xxRate = apiMetric('4XXError', 'Average', '4xx per request');
    const api5xxRate = apiMetric('5XXError', 'Average', '5xx per request');
    // By literal names, not references: the alias waits for its deployment group, which waits for these alarms.
    const authorizerP99 = liveMetrics(`${prefix}-authorizer`, period)('Duration', 'p99');
    const stageRefusalRate = new MathExpression({
      expression: insights('AVG', MetricNames.AUTHZ_REFUSED, settings.stage),
      period,
      label: 'Authorizer refusals per decision',
    });

    const failure = alarm(
      'AuthorizerFailureRate',
      authorizerFailureRate,
      rates.authorizerFailure,
      'Share of requests answered 503 AUTHORIZER_UNAVAILABLE (the authorizer threw or timed out: brand store, revocation store or JWKS down); its 401s are not counted. On call: the gateway team.',
    );
    const refusalStage = alarm(
      'AuthorizerRefusalRate',
      stageRefusalRate,
      rates.authorizerRefusal,
      'Share of all tokens the authorizer refused (401): a bad authorizer build, or a CIAM incident across brands. On call: the gateway team (rolls back a release).',
    );
    alarm(
      'AuthorizerRefusalRateByBrand',
      new MathExpression({
        expression: perBrandRateQuery(MetricNames.AUTHZ_REFUSED, settings.stage),
        period,
        label: 'Refusals per decision, by brand',
      }),
      rates.authorizerRefusal,
      "Share of one brand's tokens refused (each brand a contributor; the dashboard splits it by reason): the likeliest cause is the brand rotating keys (KID_UNKNOWN) or changing issuer (ISSUER_UNKNOWN, under (unidentified)). On call: the brand's integration owner, with the gateway team.",
    );
    alarm(
      'AuthorizerLatencyP99',
      authorizerP99,
      thresholds.authorizerP99LatencyMs,
      'Authorizer p99 duration (ms): every uncached request waits for it. On call: the gateway team.',
    );
    alarm(
      'Api4xxRate',
      api4xxRate,
      rates.api4xx,
      "Share of the stage's answers that are 4xx: a client release sending bad requests, or refusals. On call: the gateway team, then the brand.",
    );
    alarm(
      'Api429Rate',
      api429Rate,
      rates.api429,
      'Share of answers that are 429 (stage, route or WAF throttling). On call: the gateway team (limits, or the brand whose app floods).',
    );
    const api5xx = alarm(
      'Api5xxRate',
      api5xxRate,
      rates.api5xx,
      'Share of answers that are 5xx (503s of a failing authorizer or Capillary included). On call: the gateway team.',
    );
    alarm(
      'CapillaryFailureRateByBrand',
      new MathExpression({
        expression: perBrandRateQuery(MetricNames.CAPILLARY_FAILURE, settings.stage),
        period,
        label: 'Capillary failures per call, by brand',
      }),
      rates.capillaryFailure,
      "Share of one brand's Capillary calls that failed (timeouts, 5xx, 429, or refused by its open circuit). On call: the gateway team, who raise it with Capillary for the brand's org.",
    );
    alarm(
      'CapillaryCircuitOpenByBrand',
      new MathExpression({
        expression: perBrandRateQuery(MetricNames.CAPILLARY_CIRCUIT_OPEN, settings.stage),
        period,
        label: 'Calls refused by the open circuit, by brand',
      }),
      rates.circuitOpen,
      "Share of one brand's Capillary calls refused at once by its open circuit breaker: its members get 503 + Retry-After. On call: the gateway team, with Capillary.",
    );

    // p99 latency per route (API Gateway's per-method metrics: the stage has detailed metrics on).
    for (const route of Routes) {
      alarm(
        `RouteLatencyP99${pascalCaseRoute(route.method, route.path)}`,
        new Metric({
          namespace: 'AWS/ApiGateway',
          metricName: 'Latency',
          dimensionsMap: {
            ApiName: `ciam-gateway-${settings.stage}`,
            Method: route.method,
            Resource: route.path,
            Stage: settings.stage,
          },
          statistic: 'p99',
          period,
        }),
        thresholds.routeP99LatencyMs,
        `p99 latency (ms) of ${route.method} ${route.path}. On call: the gateway team.`,
      );
    }

    // DynamoDB, per table: throttled requests per request, and system errors per request. Two alarms, because an
    // alarm's math may hold at most 10 metrics and DynamoDB reports SystemErrors per operation.
    for (const [key, tableName] of Object.entries(props.tableNames)) {
      const table = (metricName: string, statistic: string, extra: Record<string, string> = {}) =>
        new Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: { TableName: tableName, ...extra },
          statistic,
          period,
        });
      const requests = {
        reads: table('ConsumedReadCapacityUnits', 'SampleCount'),
        writes: table('ConsumedWriteCapacityUnits', 'SampleCount'),
      };
      const suffix = `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
      alarm(
        `DynamoThrottles${suffix}`,
        new MathExpression({
          expression: share('readThrottles + writeThrottles', 'reads + writes'),
          usingMetrics: {
            ...requests,
            readThrottles: table('ReadThrottleEvents', 'Sum'),
            writeThrottles: table('WriteThrottleEvents', 'Sum'),
          },
          period,
          label: `${tableName} throttled requests per request`,
        }),
        rates.dynamoErrors,
        `Throttled requests per request on ${tableName} (on-demand tables throttle above twice their previous peak, or at the account's table quota). On call: the gateway team.`,
      );
      const operations = [
        ...new Set(
          Object.values(FunctionAccessMatrix).flatMap((access) =>
            (access.tables[key as TableKey] ?? []).map(cloudWatchOperation),
          ),
        ),
      ];
      const errors: Record<string, IMetric> = {};
      operations.forEach((operation, index) => {
        errors[`e${index}`] = table('SystemErrors', 'Sum', { Operation: operation });
      });
      alarm(
        `DynamoErrors${suffix}`,
        new MathExpression({
          expression: share(Object.keys(errors).join(' + '), 'reads + writes'),
          usingMetrics: { ...requests, ...errors },
          period,
          label: `${tableName} system errors per request`,
        }),
        rates.dynamoErrors,
        `DynamoDB system errors per request on ${tableName}. On call: the gateway team (AWS Health, then a support case).`,
      );
    }

    // Per function: errors per invocation (also its release alarm), throttles, concurrency against its budget.
    for (const [name, fn] of Object.entries(props.functions) as [GatewayFunctionName, GatewayFunction][]) {
      const functionName = `${prefix}-${name}`;
      const live = liveMetrics(functionName, period);
      new MetricFilter(this, `${pascalCaseRoute('', name)}ErrorLines`, {
        logGroup: fn.logGroup,
        filterPattern: FilterPattern.stringValue('$.level', '=', 'ERROR'),
        metricNamespace: METRICS_NAMESPACE,
        metricName: ERROR_LINES_METRIC,
        metricValue: '1',
        dimensions: { function: '$.function_name' },
      });
      const errorLines = new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: ERROR_LINES_METRIC,
        dimensionsMap: { function: functionName },
        statistic: 'Sum',
        period,
      });
      const invocations = live('Invocations', 'Sum');
      // The authorizer's Lambda Errors are its 401s (`throw new Error('Unauthorized')`): only its ERROR lines count.
      const errorTerms = name === 'authorizer' ? 'lines' : 'lines + errors';
      const functionErrors = alarm(
        `FunctionErrorRate${pascalCaseRoute('', name)}`,
        new MathExpression({
          expression: share(errorTerms, 'invocations'),
          usingMetrics: {
            lines: errorLines,
            invocations,
            ...(name === 'authorizer' ? {} : { errors: live('Errors', 'Sum') }),
          },
          period,
          label: `${name} errors per invocation`,
        }),
        rates.functionErrors,
        `Crashes, timeouts and ERROR log lines of ${name} per invocation; a release of ${name} rolls back when it fires. On call: the gateway team.`,
      );
      alarm(
        `FunctionThrottleRate${pascalCaseRoute('', name)}`,
        new MathExpression({
          expression: share('throttles', 'invocations + throttles'),
          usingMetrics: {
            throttles: fn.function.metricThrottles({ period, statistic: 'Sum' }),
            invocations: fn.function.metricInvocations({ period, statistic: 'Sum' }),
          },
          period,
          label: `${name} throttles per invocation`,
        }),
        rates.functionThrottles,
        `Invocations of ${name} refused by Lambda (its concurrency budget or the account's pool is spent). On call: the gateway team.`,
      );
      const reserved = reservedConcurrencyOf(settings, name);
      if (reserved !== null) {
        alarm(
          `ConcurrencyNearBudget${pascalCaseRoute('', name)}`,
          new MathExpression({
            expression: `peak / ${reserved}`,
            usingMetrics: {
              peak: fn.function.metric('ConcurrentExecutions', { period, statistic: 'Maximum' }),
            },
            period,
            label: `${name} concurrency / budget ${reserved}`,
          }),
          rates.concurrencyUtilization,
          `${name} runs near its reserved concurrency (${reserved}); past it, calls are throttled. On call: the gateway team (a slow peer holds executions; raise the budget only with the account quota).`,
        );
      }
      this.releaseAlarms.set(
        name,
        name === 'authorizer' ? [functionErrors, failure, refusalStage] : [functionErrors, api5xx],
      );
    }

    const wafBlocked = props.webAcl
      ? (['ALL', WAF_RULES.ipRate, WAF_RULES.brandRate] as const).map(
          (rule) =>
            new Metric({
              namespace: 'AWS/WAFV2',
              metricName: 'BlockedRequests',
              dimensionsMap: { WebACL: prefix, Region: Stack.of(this).region, Rule: rule },
              statistic: 'Sum',
              period,
              label: rule === 'ALL' ? 'WAF blocked requests' : `WAF ${rule}`,
            }),
        )
      : [];
    if (props.webAcl) {
      const waf = (metricName: string) =>
        new Metric({
          namespace: 'AWS/WAFV2',
          metricName,
          dimensionsMap: { WebACL: prefix, Region: Stack.of(this).region, Rule: 'ALL' },
          statistic: 'Sum',
          period,
        });
      alarm(
        'WafBlockedRate',
        new MathExpression({
          expression: share('blocked', 'blocked + allowed'),
          usingMetrics: { blocked: waf('BlockedRequests'), allowed: waf('AllowedRequests') },
          period,
          label: 'WAF blocked per request',
        }),
        rates.wafBlocked,
        'Share of requests WAF blocked (common rule set, per-IP or per-brand rate): an attack, or a brand app over its limit. On call: the gateway team.',
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${prefix}-${Aws.REGION}` });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24 }));
    const perBrand = (title: string, expression: string, label: string) =>
      new GraphWidget({ title, left: [new MathExpression({ expression, period, label })], width: 12 });
    this.dashboard.addWidgets(
      perBrand(
        'Authorizer refusal rate by brand',
        perBrandRateQuery(MetricNames.AUTHZ_REFUSED, settings.stage),
        'refused',
      ),
      perBrand(
        'Authorizer refusals by brand and reason',
        insights('SUM', MetricNames.AUTHZ_REFUSED, settings.stage, 'brandId, Reason'),
        'refusals',
      ),
    );
    this.dashboard.addWidgets(
      perBrand(
        'Capillary failure rate by brand',
        perBrandRateQuery(MetricNames.CAPILLARY_FAILURE, settings.stage),
        'failed',
      ),
      perBrand(
        'Capillary circuit open by brand',
        perBrandRateQuery(MetricNames.CAPILLARY_CIRCUIT_OPEN, settings.stage),
        'refused fast',
      ),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorizer decisions by outcome and reason',
        left: [new MathExpression({ expression: authzDecisionsQuery(settings.stage), period, label: 'decisions' })],
        width: 12,
      }),
      new GraphWidget({
        title: 'API requests, 4xx and 5xx',
        left: [apiMetric('Count', 'Sum'), apiMetric('4XXError', 'Sum'), apiMetric('5XXError', 'Sum')],
        right: [api4xxRate, api5xxRate, api429Rate, authorizerFailureRate],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorizer',
        left: [
          authorizer.live.metricInvocations({ period }),
          authorizerFailures.with({ label: 'Authorizer failures (503)' }),
          authorizer.function.metricThrottles({ period }),
        ],
        right: [authorizerP99],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency p99 (ms)',
        left: [apiMetric('Latency', 'p99'), apiMetric('IntegrationLatency', 'p99')],
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
    const functionEntries = Object.entries(props.functions) as [GatewayFunctionName, GatewayFunction][];
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Throttles',
        left: functionEntries.map(([name, fn]) => fn.function.metricThrottles({ period, label: name })),
        right: wafBlocked,
        width: 12,
      }),
      new GraphWidget({
        title: 'Concurrency',
        left: functionEntries.map(([name, fn]) =>
          fn.function.metric('ConcurrentExecutions', { period, statistic: 'Maximum', label: name }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        // The authorizer's Errors include every 401 (`throw new Error('Unauthorized')`): labelled so.
        left: functionEntries.map(([name, fn]) =>
          fn.live.metricErrors({
            period,
            statistic: 'Sum',
            label: name === 'authorizer' ? 'authorizer (incl. 401s)' : name,
          }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: functionEntries.map(([name, fn]) => fn.live.metricDuration({ period, statistic: 'p99', label: name })),
        width: 12,
      }),
    );
  }

  /** The alarms a release of `name` rolls back on. */
  releaseAlarmsOf(name: GatewayFunctionName): Alarm[] {
    return this.releaseAlarms.get(name) ?? [];
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

/**
 * Metrics of a function's `live` alias by its literal names (FunctionName, Resource `<name>:live`): an alarm that
 * referenced the alias resource would close a cycle (alias -> deployment group -> alarm -> alias).
 */
function liveMetrics(functionName: string, period: Duration) {
  return (metricName: string, statistic: string) =>
    new Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: functionName, Resource: `${functionName}:${LIVE_ALIAS}` },
      statistic,
      period,
    });
}

/** `GET`, `/v1/me/{id}` -> `GetV1MeId` (alarm and construct ids). */
function pascalCaseRoute(method: string, path: string): string {
  return `${method.charAt(0)}${method.slice(1).toLowerCase()}${path
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * The CloudWatch `Operation` under which DynamoDB reports an IAM action's calls: a condition check exists only
 * inside TransactWriteItems (the writes of a transaction are reported under TransactWriteItems too).
 */
function cloudWatchOperation(action: string): string {
  return action === 'ConditionCheckItem' ? 'TransactWriteItems' : action;
}
