import { Extensions } from 'type-graphql';
import type { RateBudget } from '../../config/rateLimits.js';

/**
 * The budget each use of this mutation spends (RATE_LIMIT_*); mutations without it spend the general one.
 * Read by rateLimitPlugin, which charges every root field of an operation before any of them runs.
 */
export function RateLimited(budget: RateBudget): MethodDecorator {
  return Extensions({ rateLimit: budget });
}

export const rateBudgetOf = (extensions: Record<string, unknown> | undefined | null): RateBudget | undefined =>
  extensions?.rateLimit as RateBudget | undefined;
