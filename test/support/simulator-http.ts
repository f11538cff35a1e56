// Raw HTTP to the Capillary simulator, for the suites that check what it answers with no client in between.
import type { CapillarySimulator } from '../../local/capillary-simulator.js';

/** An OAuth token of the simulator for `key`/`secret`, as `POST /v3/oauth/token/generate` issues it. */
export async function simulatorToken(sim: CapillarySimulator, key: string, secret: string): Promise<string> {
  const issued = await fetch(`${sim.baseUrl}/v3/oauth/token/generate`, {
    method: 'POST',
    body: JSON.stringify({ key, secret }),
  });
  return ((await issued.json()) as { data: { accessToken: string } }).data.accessToken;
}
