// Baseline: the cheapest possible authorizer (always Allow), to show what a Node Lambda costs at all.
export async function handler(event: { methodArn: string }) {
  return {
    principalId: 'anyone',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
  };
}
