// The gateway's DynamoDB tables, built from the key schemas in shared/storage/tables.ts: on-demand, point-in-time
// recovery, encrypted with the AWS managed key, TTL where items expire, removal policy from the settings.
import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  CfnGlobalTable,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { BrandsTable, LinksTable, RevocationsTable, type TableKey } from '../../shared/storage/tables.js';
import { pascalCase } from './gateway-function.js';

export interface GatewayTablesProps {
  stage: string;
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

export class GatewayTables extends Construct {
  readonly tables: Readonly<Record<TableKey, TableV2>>;

  constructor(scope: Construct, id: string, props: GatewayTablesProps) {
    super(scope, id);
    const table = (key: TableKey, partitionKey: string, ttlAttribute?: string): TableV2 => {
      const created = new TableV2(this, pascalCase(key), {
        tableName: `ciam-gateway-${props.stage}-${key}`,
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // AWS managed key (aws/dynamodb): every use is in CloudTrail and there is no key policy or key
        // deletion to get wrong. A customer key adds a failure mode (a disabled key makes the tables
        // unreadable) for no gain here: the data's readers are all in this stack.
        encryption: TableEncryptionV2.awsManagedKey(),
        deletionProtection: props.deletionProtection,
        removalPolicy: props.removalPolicy,
        ...(ttlAttribute ? { timeToLiveAttribute: ttlAttribute } : {}),
      });
      const cfn = created.node.defaultChild;
      if (!(cfn instanceof CfnGlobalTable)) throw new Error('TableV2 should synthesize an AWS::DynamoDB::GlobalTable');
      cfn.overrideLogicalId(`${pascalCase(key)}Table`);
      return created;
    };

    const brands = table('brands', BrandsTable.partitionKey);
    brands.addGlobalSecondaryIndex({
      indexName: BrandsTable.issuerIndex.name,
      partitionKey: { name: BrandsTable.issuerIndex.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    this.tables = {
      brands,
      links: table('links', LinksTable.partitionKey, LinksTable.ttlAttribute),
      revocations: table('revocations', RevocationsTable.partitionKey, RevocationsTable.ttlAttribute),
    };
  }
}
