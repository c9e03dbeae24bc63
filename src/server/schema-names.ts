/**
 * Names of the schemas the HTTP routes use, as they appear under the OpenAPI document's
 * components.schemas. A module names its own (`named('RunView', z.object(...))`); a route schema without a
 * name gets one made from its route when the document is generated.
 */
import type { z } from 'zod';

const byName = new Map<string, z.ZodType>();
const byValue = new Map<z.ZodType, string>();

/** Registers `schema` under `name` (unique) and returns it. */
export function named<T extends z.ZodType>(name: string, schema: T): T {
  const taken = byName.get(name);
  if (taken && taken !== schema) throw new Error(`schema name "${name}" is used twice`);
  byName.set(name, schema);
  byValue.set(schema, name);
  return schema;
}

export const nameOf = (schema: z.ZodType): string | undefined => byValue.get(schema);

/** Every named schema, by name. */
export const namedSchemas = (): ReadonlyMap<string, z.ZodType> => byName;
