// CDK entry point: `cdk synth|deploy -c env=dev|stage|prod` (cdk.json runs it with tsx).
import { App } from 'aws-cdk-lib';
import { buildGatewayApp } from './gateway-app.js';

// Asset metadata (aws:asset:path) lets `sam local invoke -t cdk.out/<stack>.template.json` find the bundles;
// the CLI turns it on by default, this keeps it on for in-process synths too.
const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
try {
  buildGatewayApp(app);
} catch (error) {
  // A settings problem is the operator's to fix: print the message (it names the file and every field), not a
  // stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
app.synth();
