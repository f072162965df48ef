/** A flow's `flows.<name>.options`, validated with its zod schema; bad options stop start-up with path and reason. */
import { z } from 'zod';

export function parseFlowOptions<S extends z.ZodType>(flow: string, schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const why = r.error.issues.map((i) => `${[`flows.${flow}.options`, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid ${flow} options: ${why}`);
  }
  return r.data;
}

/** Option kinds several flows share. */
export const textOption = (fallback: string) => z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }).default(fallback);
export const listOption = (fallback: string[]) => z.array(z.string().min(1), { error: 'must be a list of strings' }).default(fallback);
export const fieldNameOption = () => z.string({ error: 'must be a field API name' }).regex(/^[A-Za-z][A-Za-z0-9_]*$/, { error: 'must be a field API name' });
