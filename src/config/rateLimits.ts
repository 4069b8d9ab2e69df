import { z } from 'zod';
import type { AreaContext, EnvOf } from './env.js';

interface BudgetRow {
  /** The variable that sets it; its default. */
  variable: string;
  perMinute: number;
  /** Whose budget it is: the caller's, or the client IP's (traffic without a verified caller). */
  per: 'caller' | 'clientIp';
  /** What one point is, as the README's configuration table says it. */
  meaning: string;
}

/**
 * Every rate-limit budget, once: the variables, their defaults, the README's rows and the chart's values are
 * derived from this table or checked against it (test/unit/budgets.test.ts). An operation names the budget it
 * spends in its policy (graphql/policy/), by the key here.
 */
export const BUDGETS = {
  issueToken: { variable: 'RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE', perMinute: 30, per: 'caller', meaning: '`issueToken` root fields per caller per minute.' },
  createUserAndToken: {
    variable: 'RATE_LIMIT_CREATE_USER_AND_TOKEN_PER_MINUTE',
    perMinute: 10,
    per: 'caller',
    meaning: '`createUserAndToken` root fields per caller per minute.',
  },
  mutation: { variable: 'RATE_LIMIT_MUTATIONS_PER_MINUTE', perMinute: 30, per: 'caller', meaning: 'Other mutations per caller per minute.' },
  anonymous: {
    variable: 'RATE_LIMIT_ANONYMOUS_PER_MINUTE',
    perMinute: 60,
    per: 'clientIp',
    meaning:
      'Requests without a bearer token, and requests whose bearer token is refused, per client IP (IPv6: per /64) per minute. Once an IP has spent it, its new bearer tokens are refused before their signature is checked.',
  },
  entities: { variable: 'RATE_LIMIT_ENTITIES_PER_MINUTE', perMinute: 600, per: 'caller', meaning: '`_entities` representations per caller per minute.' },
  reads: {
    variable: 'RATE_LIMIT_READS_PER_MINUTE',
    perMinute: 120,
    per: 'caller',
    meaning:
      'Reads of stored data per caller per minute: each appearance of `me`, `communicationIdentity`, `User.communicationIdentity` or `auditEvents` in an operation (aliases, repeats and fragments included) is one, charged before anything runs. The client kit reads nothing (its refreshers only call mutations); an app that asks for `me` on each page view stays far below. Anonymous requests spend the same points from `RATE_LIMIT_ANONYMOUS_PER_MINUTE`.',
  },
  teamsExchange: {
    variable: 'RATE_LIMIT_TEAMS_EXCHANGE_PER_MINUTE',
    perMinute: 10,
    per: 'caller',
    meaning: '`exchangeTeamsUserToken` root fields per caller per minute.',
  },
} as const satisfies Record<string, BudgetRow>;

/** A budget per caller (or per client IP) per minute. */
export type RateBudget = keyof typeof BUDGETS;
export const RATE_BUDGETS = Object.keys(BUDGETS) as RateBudget[];

type BudgetVariable = (typeof BUDGETS)[RateBudget]['variable'];

const budgetVariables = Object.fromEntries(
  RATE_BUDGETS.map((budget) => [BUDGETS[budget].variable, z.coerce.number().int().min(1).default(BUDGETS[budget].perMinute)]),
) as unknown as Record<BudgetVariable, z.ZodDefault<z.ZodCoercedNumber>>;

export const rateLimitsEnv = {
  /** Default: `mongo` with MONGODB_URI; `memory` with the embedded database, which only this process uses. */
  RATE_LIMIT_STORE: z.enum(['mongo', 'memory', 'off']).optional(),
  ...budgetVariables,
};

/** RateLimits' options (rateLimit/rateLimits.ts). */
export interface RateLimitConfig {
  store: 'mongo' | 'memory' | 'off';
  /** Points per minute of each budget, per caller or per client IP as the table says. */
  perMinute: Record<RateBudget, number>;
}

export function rateLimitsConfig(e: EnvOf<typeof rateLimitsEnv>, _context: AreaContext, mongoUri: string | undefined): RateLimitConfig {
  const perMinute = Object.fromEntries(RATE_BUDGETS.map((budget) => [budget, e[BUDGETS[budget].variable]])) as Record<RateBudget, number>;
  return { store: e.RATE_LIMIT_STORE ?? (mongoUri ? 'mongo' : 'memory'), perMinute };
}
