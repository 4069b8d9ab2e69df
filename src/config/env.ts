import { z } from 'zod';

/** Thrown when the environment cannot start the gateway; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const commaList = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean));

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

/** The variables an area reads, as zod schemas: each area module exports one, and config.ts joins them. */
export type EnvShape = z.ZodRawShape;

/** What an area's variables parse to. */
export type EnvOf<Shape extends EnvShape> = z.output<z.ZodObject<Shape>>;

/** Every area is told whether it runs in production: several defaults and requirements depend on it. */
export interface AreaContext {
  production: boolean;
}

/** One clause per problem, naming the variable and what it takes: `PORT must be a whole number from 0 to 65535, not "abc"`. */
export function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv, shape: EnvShape): string {
  const name = issue.path.join('.');
  const range = numberRange(shape[name]);
  if (range !== undefined) return `${name} must be a whole number ${range}, not "${String(env[name]).slice(0, 40)}"`;
  return `${name}: ${issue.message}`;
}

/** "from 0 to 65535 (unset: 4000)" for a numeric variable; undefined for the others. */
function numberRange(declared: z.core.SomeType | undefined): string | undefined {
  let schema = declared as z.ZodType | undefined;
  let fallback: unknown;
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) {
    if (schema instanceof z.ZodDefault) fallback = schema.def.defaultValue;
    schema = schema.unwrap() as z.ZodType;
  }
  if (!(schema instanceof z.ZodNumber)) return undefined;
  const { minValue: min, maxValue: max } = schema;
  const bounds =
    max !== null && max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : min !== null && min > Number.MIN_SAFE_INTEGER ? `of at least ${min}` : '';
  return `${bounds}${fallback === undefined ? '' : ` (unset: ${String(fallback)})`}`;
}
