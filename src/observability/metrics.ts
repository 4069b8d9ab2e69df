import type { GraphQLSchema } from 'graphql';
import type { TokenCacheResult } from '../identity/tokens/cachedTokens.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AcsCallRecord, CustomIdState } from '../acs/acsIdentityClient.js';
import type { BearerTokenOutcome } from '../auth/callerVerifier.js';
import type { OperationShape } from '../graphql/operation/shape.js';

/**
 * The gateway's Prometheus metrics, on a registry of its own so several instances can share a process. Every label
 * value comes from a fixed set (operationLabel, errorCodeLabel): a client can never add a time series.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'gateway_graphql_requests_total',
    help: 'GraphQL operations by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'gateway_graphql_request_duration_seconds',
    help: 'GraphQL operation latency.',
    labelNames: ['operation'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'gateway_graphql_errors_total',
    help: 'GraphQL errors by extensions.code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly acsCalls = new Counter({
    name: 'gateway_acs_requests_total',
    help: 'Calls to ACS Identity by operation, outcome and HTTP status.',
    labelNames: ['operation', 'outcome', 'status'] as const,
    registers: [this.registry],
  });

  readonly acsDuration = new Histogram({
    name: 'gateway_acs_request_duration_seconds',
    help: 'Latency of calls to ACS Identity, retries included.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'gateway_rate_limit_rejections_total',
    help: 'Requests refused by the gateway rate limits, by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly bearerTokens = new Counter({
    name: 'gateway_bearer_tokens_total',
    help: 'Bearer tokens by how they were checked: verified (signature and claims), remembered (verified earlier) or rejected.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly documentsParsed = new Counter({
    name: 'gateway_graphql_documents_parsed_total',
    help: 'GraphQL documents parsed (and validated); trusted documents and cached ones are not.',
    registers: [this.registry],
  });

  readonly untrustedDocuments = new Counter({
    name: 'gateway_untrusted_documents_total',
    help: 'Requests refused with DOCUMENT_NOT_TRUSTED before parsing, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly mongoMonitorRestarts = new Counter({
    name: 'gateway_mongo_monitor_restarts_total',
    help: 'Reconnects of the MongoDB client after its server monitor stalled, by outcome (reconnected, or failed and retried).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly tokenCacheLookups = new Counter({
    name: 'gateway_token_cache_lookups_total',
    help: 'issueToken requests with TOKEN_CACHE on, by how they were served: local (this instance\'s entry, no mapping read), shared (an entry another instance stored, one read), mapping (an entry, after a mapping read), miss (ACS asked) or refresh (forceRefresh).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly customIdState = new Gauge({
    name: 'gateway_acs_custom_id',
    help: 'Whether identities are created with a customId: 1 for the state in force (unproven, inUse, notInUse), 0 for the others.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  constructor() {
    this.recordCustomIdState('unproven');
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
  }

  recordBearerToken = (outcome: BearerTokenOutcome): void => {
    this.bearerTokens.inc({ outcome });
  };

  recordMongoMonitorRestart = (outcome: 'reconnected' | 'failed'): void => {
    this.mongoMonitorRestarts.inc({ outcome });
  };

  recordTokenCacheLookup = (result: TokenCacheResult): void => {
    this.tokenCacheLookups.inc({ result });
  };

  recordCustomIdState = (state: CustomIdState): void => {
    for (const each of ['unproven', 'inUse', 'notInUse'] as const) this.customIdState.set({ state: each }, each === state ? 1 : 0);
  };

  recordAcsCall = (call: AcsCallRecord): void => {
    this.acsCalls.inc({ operation: call.operation, outcome: call.outcome, status: String(call.statusCode ?? (call.outcome === 'success' ? 'ok' : 'none')) });
    this.acsDuration.observe({ operation: call.operation }, call.durationMs / 1000);
  };
}

const META_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * An operation's metric label, from its shape: its root field when it has one (a field of the schema, so the set
 * is fixed), `multiple` for several, `invalid` when it did not parse or validate. Never the client's operation name.
 */
export function operationLabel(shape: Pick<OperationShape, 'kind' | 'rootFields'> | undefined, schema: GraphQLSchema): string {
  if (!shape) return 'invalid';
  const rootFields = schema.getRootType(shape.kind)?.getFields() ?? {};
  const names = new Set(shape.rootFields.map(({ node }) => node.name.value));
  const known = [...names].every((name) => name in rootFields || META_FIELDS.has(name));
  if (!known || names.size === 0) return 'other';
  return names.size === 1 ? [...names][0]! : 'multiple';
}

/** Error codes as labels: the gateway's and Apollo's own, anything else `other`. */
export function errorCodeLabel(code: unknown, known: ReadonlySet<string>): string {
  return typeof code === 'string' && known.has(code) ? code : 'other';
}
