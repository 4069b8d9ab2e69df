import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import type { AuditLog } from '../audit/auditLog.js';
import type { IdentityService } from '../identity/identityService.js';
import type { Logger } from '../observability/logger.js';
import type { TeamsExchange } from '../teams/teamsExchange.js';
import { referenceResolvers } from './federation/referenceResolvers.js';
import { toSubgraphSchema } from './federation/subgraph.js';
import { AuditMiddleware } from './policy/auditMiddleware.js';
import { AuditResolver } from './audit/AuditResolver.js';
import { IdentityResolver } from './identity/IdentityResolver.js';
import { TeamsResolver } from './teams/TeamsResolver.js';
import { UserResolver } from './federation/UserResolver.js';
import { User } from './federation/User.js';

/** What the resolvers, the audit policy and the reference resolvers delegate to. */
export interface SchemaServices {
  identities: IdentityService;
  teams: TeamsExchange;
  audit: AuditLog;
  logger: Logger;
}

/**
 * Builds the executable schema: an Apollo Federation 2 subgraph, served as is to direct clients and to routers.
 * This module owns the resolver list; each resolver (and policy middleware) is built here with its service, and
 * TypeGraphQL finds them through a container that hands out exactly these instances.
 */
export async function buildGatewaySchema(services: SchemaServices): Promise<GraphQLSchema> {
  const instances = new Map<Function, object>([
    [IdentityResolver, new IdentityResolver(services.identities)],
    [TeamsResolver, new TeamsResolver(services.teams)],
    [UserResolver, new UserResolver(services.identities)],
    [AuditResolver, new AuditResolver(services.audit)],
    [AuditMiddleware, new AuditMiddleware(services.audit, services.logger)],
  ]);
  const schema = await buildSchema({
    resolvers: [IdentityResolver, TeamsResolver, UserResolver, AuditResolver],
    container: { get: (someClass: Function) => instances.get(someClass) },
    // No field returns User: it enters the schema as an entity, reached through `_entities` only.
    orphanedTypes: [User],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
  });
  return toSubgraphSchema(schema, referenceResolvers(services.identities));
}
