import { Extensions } from 'type-graphql';
import type { RateBudget } from '../../config/rateLimits.js';

/**
 * The budget each use of this field spends (RATE_LIMIT_*): one point per appearance in the operation, aliases and
 * repeats included, at any depth. Every field whose resolver reads storage declares one ('reads' for queries);
 * mutations without one spend the general mutation budget. Read by rateLimitPlugin, which charges the whole
 * operation before any of it runs.
 */
export function RateLimited(budget: RateBudget): MethodDecorator {
  return Extensions({ rateLimit: budget });
}

export const rateBudgetOf = (extensions: Record<string, unknown> | undefined | null): RateBudget | undefined =>
  extensions?.rateLimit as RateBudget | undefined;
