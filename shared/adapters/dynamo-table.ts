// The base of the stores that are one DynamoDB table: its document client and name, and the conditional writes
// whose refused condition is an answer (another write won), not a failure.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';

export interface DynamoTableOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
}

/** A write its condition refused: the SDK's exception, or one rebuilt by a wrapper (store-errors) under its name. */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/** Input of a write on the store's own table. */
type OnTable<T> = Omit<T, 'TableName'>;

export abstract class DynamoTableStore {
  protected readonly ddb: DynamoDBDocumentClient;
  protected readonly tableName: string;

  constructor(options: DynamoTableOptions) {
    this.ddb = options.documentClient;
    this.tableName = options.tableName;
  }

  /** A conditional UpdateItem: false when the condition refused it; any other failure is thrown. */
  protected updateIf(input: OnTable<UpdateCommandInput>): Promise<boolean> {
    return this.writeIf(() => this.ddb.send(new UpdateCommand({ TableName: this.tableName, ...input })));
  }

  /** A conditional PutItem: false when the condition refused it; any other failure is thrown. */
  protected putIf(input: OnTable<PutCommandInput>): Promise<boolean> {
    return this.writeIf(() => this.ddb.send(new PutCommand({ TableName: this.tableName, ...input })));
  }

  /** A conditional DeleteItem: false when the condition refused it; any other failure is thrown. */
  protected deleteIf(input: OnTable<DeleteCommandInput>): Promise<boolean> {
    return this.writeIf(() => this.ddb.send(new DeleteCommand({ TableName: this.tableName, ...input })));
  }

  private async writeIf(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
