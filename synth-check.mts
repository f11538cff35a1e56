import { buildGatewayApp } from './infra/gateway-app.ts';
import { App } from 'aws-cdk-lib';
import { deployableSettings, cdkJsonContext } from './test/infra/support/synth.ts';
const env = (process.argv[2] ?? 'prod') as 'prod';
const app = new App({ outdir: '.test-out/check', context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
buildGatewayApp(app, { env, settings: deployableSettings(env) });
try { app.synth(); console.log('ok'); } catch (e) { console.log(String((e as Error).message).slice(0, 6000)); }
