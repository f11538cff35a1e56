// Fault injection for the simulator: failures, hangs, latency and held calls, applied to the calls that match
// (`METHOD path` text), after a number of calls, for the next `count` calls or at a `rate`.

/** A fault applies to matching calls, for the next `count` calls or at `rate` (0-1). */
export type SimFault = {
  /** Only calls whose `METHOD path` contains this text (e.g. `POST /v2/customers`). */
  match?: string;
  /** Let this many matching calls through before the fault starts. */
  after?: number;
  count?: number;
  rate?: number;
} & (
  | { kind: 'status'; status: 500 | 502 | 503 | 504 | 429; retryAfterSeconds?: number }
  /** Capillary's "multiple actions running for the same customer, retry later". */
  | { kind: 'concurrent' }
  /** Never answers (the client must time out). */
  | { kind: 'hang' }
  /** Answers normally after a delay. */
  | { kind: 'latency'; ms: number }
  /**
   * Holds each matching call until `count` of them have arrived, then answers them all normally: calls sent
   * together overlap at the simulator whatever the machine's load (a latency only makes that likely).
   */
  | { kind: 'together' }
  /** Performs the call, then answers 500 anyway (a crash after the write). */
  | { kind: 'fail-after-write' }
  /** Answers this instead, without performing the call (e.g. a warning the simulator does not produce itself). */
  | { kind: 'answer'; status: number; body: unknown }
);

type ArmedFault = SimFault & { used: number; seen: number };

export class SimFaults {
  private faults: ArmedFault[] = [];
  /** The calls a `together` fault holds, released all at once when its `count` have arrived. */
  private readonly gathering = new Map<SimFault, (() => void)[]>();

  /** `random` draws the `rate` faults. */
  private readonly random: () => number;

  constructor(random: () => number) {
    this.random = random;
  }

  /** Arms a fault; answers how many are armed. */
  inject(fault: SimFault): number {
    return this.faults.push({ ...fault, used: 0, seen: 0 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that applies to this call (`METHOD path`), counting it against every matching fault on the way. */
  take(signature: string): SimFault | undefined {
    for (const fault of this.faults) {
      if (fault.match && !signature.includes(fault.match)) continue;
      fault.seen++;
      if (fault.after !== undefined && fault.seen <= fault.after) continue;
      if (fault.count !== undefined) {
        if (fault.used >= fault.count) continue;
        fault.used++;
        return fault;
      }
      if (fault.rate !== undefined && this.random() < fault.rate) return fault;
    }
    return undefined;
  }

  /** Resolves when `count` calls of a `together` fault have arrived (each call waits here). */
  gathered(fault: SimFault): Promise<void> {
    const waiting = this.gathering.get(fault) ?? [];
    this.gathering.set(fault, waiting);
    return new Promise((release) => {
      waiting.push(release);
      if (waiting.length >= (fault.count ?? 1)) for (const go of waiting.splice(0)) go();
    });
  }
}
