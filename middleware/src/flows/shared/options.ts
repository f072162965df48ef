/** A flow's `flows.<name>.options`, validated with its zod schema; bad options stop start-up with path and reason. */
import type { z } from 'zod';

export function parseFlowOptions<S extends z.ZodType>(flow: string, schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const why = r.error.issues.map((i) => `${[`flows.${flow}.options`, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid ${flow} options: ${why}`);
  }
  return r.data;
}
