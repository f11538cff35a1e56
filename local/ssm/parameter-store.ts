// The local SSM server's parameters: held in memory, optionally loaded from and rewritten to a JSON file after
// every change (kept across restarts; written to a temporary file then renamed, so a crash never leaves half a file).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export const ParameterTypes = ['String', 'StringList', 'SecureString'] as const;
type ParameterType = (typeof ParameterTypes)[number];

export interface StoredParameter {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  /** Epoch milliseconds. */
  lastModified: number;
  description?: string;
}

const StoreFileSchema = z.object({
  parameters: z.array(
    z.object({
      name: z.string(),
      type: z.enum(ParameterTypes),
      value: z.string(),
      version: z.number().int(),
      lastModified: z.number(),
      description: z.string().optional(),
    }),
  ),
});

/** The stored parameters by name; `path`, when given, is loaded now and rewritten by `persist`. */
export class ParameterStore {
  readonly parameters = new Map<string, StoredParameter>();
  private readonly path: string | undefined;

  constructor(path?: string) {
    this.path = path;
    if (!path) return;
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = undefined; // first start: no file yet
    }
    if (text !== undefined) {
      for (const parameter of StoreFileSchema.parse(JSON.parse(text)).parameters) {
        const { description, ...rest } = parameter;
        this.parameters.set(parameter.name, description === undefined ? rest : { ...rest, description });
      }
    }
  }

  /** Rewrites the file (if any) after a change. */
  persist(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify({ parameters: [...this.parameters.values()] }, null, 2), { mode: 0o600 });
    renameSync(temp, this.path);
  }
}
