// The environment's `tracing` setting: on, every function and the API stage trace with X-Ray and the functions
// that call peers record them (POWERTOOLS_TRACE_ENABLED=true, Powertools' URL-recording HTTP capture off); off,
// nothing traces and the functions never load the Tracer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvNames } from '../../shared/env.js';
import { deployableSettings, resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';

type Variables = Record<string, unknown>;

function tracingOf(synthesized: Synthesized) {
  const functions = Object.values(resourcesOfType(synthesized.template, 'AWS::Lambda::Function'));
  const stages = Object.values(resourcesOfType(synthesized.template, 'AWS::ApiGateway::Stage'));
  return {
    modes: functions.map((fn) => (fn.Properties?.TracingConfig as { Mode?: string } | undefined)?.Mode ?? 'none'),
    variables: functions.map(
      (fn) => (fn.Properties?.Environment as { Variables?: Variables } | undefined)?.Variables ?? {},
    ),
    stages: stages.map((stage) => stage.Properties?.TracingEnabled),
  };
}

describe('the tracing setting', () => {
  let on: Synthesized;
  let off: Synthesized;
  beforeAll(() => {
    on = synthGateway('prod');
    off = synthGateway('prod', { settings: { ...deployableSettings('prod'), tracing: false } });
    // Two synths: seconds alone, far longer on a loaded machine (the budget every synth suite here has).
  }, 180_000);
  afterAll(() => {
    on?.cleanup();
    off?.cleanup();
  });

  it('on (every environment today): X-Ray active, peer calls recorded, Powertools HTTP capture off', () => {
    const { modes, variables, stages } = tracingOf(on);
    expect(new Set(modes)).toEqual(new Set(['Active']));
    expect(stages).toEqual([true]);
    const peerCallers = variables.filter((vars) => EnvNames.BRANDS_TABLE in vars);
    expect(peerCallers.length).toBe(variables.length - 1); // all but health
    for (const vars of peerCallers) {
      expect(vars).toMatchObject({
        [EnvNames.POWERTOOLS_TRACE_ENABLED]: 'true',
        POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
      });
    }
  });

  it('off: no X-Ray on functions or stage, and the functions told not to load the Tracer', () => {
    const { modes, variables, stages } = tracingOf(off);
    expect(modes.every((mode) => mode !== 'Active')).toBe(true);
    expect(stages).toEqual([false]);
    for (const vars of variables.filter((entry) => EnvNames.BRANDS_TABLE in entry)) {
      expect(vars[EnvNames.POWERTOOLS_TRACE_ENABLED]).toBe('false');
      expect(vars).not.toHaveProperty('POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS');
    }
  });
});
