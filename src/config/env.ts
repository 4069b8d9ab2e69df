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
