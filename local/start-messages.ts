// What `npm start` says when it cannot start: which port is taken and which variable moves it.
import type { LocalStackOptions } from './stack.js';

/** The variable that sets each port of `npm start`, and what listens there. */
const PORT_VARIABLES = [
  ['PORT', 'port', 'the gateway'],
  ['CIAM_PORT', 'ciamPort', 'the development CIAM'],
  ['CAPILLARY_PORT', 'capillaryPort', 'the Capillary simulator'],
  ['DYNAMODB_PORT', 'dynamoPort', 'DynamoDB (dynalite)'],
  ['SSM_PORT', 'ssmPort', 'the SSM server'],
] as const;

/** Says which port is taken, which variable moves it, and what else to do. */
export function portInUseMessage(options: LocalStackOptions, port: unknown): string {
  const found = PORT_VARIABLES.find(([, key]) => options[key] === port);
  if (!found)
    return `A port is already in use (${String(port)}); set PORT, CIAM_PORT, CAPILLARY_PORT, DYNAMODB_PORT or SSM_PORT to free ones (0 picks any).`;
  const [variable, , what] = found;
  return `Port ${String(port)} (${what}) is already in use, perhaps by another npm start: stop it, or start with ${variable}=<a free port> (0 picks any).`;
}
