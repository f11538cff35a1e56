// The simulator's code tables and the gateway's are keyed by endpoint family, and agree: every code the
// simulator sends with a meaning is read with that meaning by the gateway's table of the same family.
import { describe, expect, it } from 'vitest';
import { CustomerV2 } from '../../../local/capillary-sim/codes.js';
import { simReadingsFromEnv, SimReadings } from '../../../local/capillary-sim/readings.js';
import { CustomerV2Codes } from '../../../shared/capillary/capillary-codes.js';

describe('the simulator code tables', () => {
  it('give every code of the v2 customer family the meaning the gateway table gives it', () => {
    for (const [name, entry] of Object.entries(CustomerV2)) {
      const meaning = 'meaning' in entry ? entry.meaning : undefined;
      if (!meaning) continue;
      const read = CustomerV2Codes.errors.get(entry.code) ?? CustomerV2Codes.warnings.get(entry.code);
      expect(read, `${name} (${entry.code})`).toBe(meaning);
    }
  });

  it('name the reference of every reading and read each from its CAPILLARY_SIM_* variable', () => {
    for (const reading of SimReadings) {
      expect(reading.reference).toMatch(/^https:\/\//);
      expect(reading.values.length).toBeGreaterThanOrEqual(2);
      const value = String(reading.values[1]);
      expect(simReadingsFromEnv({ [reading.env]: value })).toEqual({ [reading.key]: reading.values[1] });
    }
    expect(() => simReadingsFromEnv({ CAPILLARY_SIM_MERGED_CUSTOMER: 'sometimes' })).toThrow(/error, warning, silent/);
    expect(
      simReadingsFromEnv({ CAPILLARY_SIM_RATE_LIMITS: '{"POST /v2/customers":100}', CAPILLARY_SIM_BASE_COUNTRY: 'GB' }),
    ).toEqual({
      rateLimits: { 'POST /v2/customers': 100 },
      baseCountry: 'GB',
    });
    expect(() => simReadingsFromEnv({ CAPILLARY_SIM_RATE_LIMITS: '[1]' })).toThrow(/CAPILLARY_SIM_RATE_LIMITS/);
  });
});
