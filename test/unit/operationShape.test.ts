// The operation's shape, worked out once per request and read by metrics, budgets, policies, entity limits and the
// introspection bounds: counted through aliases, repeats and fragments, and in time linear in the document.
import 'reflect-metadata';
import { Kind, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { analyseOperation } from '../../src/graphql/operation/shape.js';
import { budgetCharges } from '../../src/graphql/policy/enforcePolicies.js';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { operationLabel } from '../../src/observability/metrics.js';

let schema: GraphQLSchema;
beforeAll(async () => {
  const unused = new Proxy({}, { get: () => { throw new Error('no service runs here'); } }) as never;
  schema = await buildGatewaySchema({ identities: unused, teams: unused, audit: unused, logger: unused });
});

const shapeOf = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  return analyseOperation(schema, document, operation, variables);
};

describe('the operation shape', () => {
  it('counts each alias and each repeat of a field, through fragments, and charges each to the budget its policy names', () => {
    const shape = shapeOf(`mutation {
      a: issueToken(input: { scopes: [CHAT] }) { accessToken { token } }
      b: issueToken(input: { scopes: [VOIP] }) { accessToken { token } }
      ...more
      createUser { created }
    }
    fragment more on Mutation { c: issueToken(input: { scopes: [CHAT] }) { identity { id } } revokeTokens { revokedAt } }`);
    expect(shape.rootFields.map(({ responseKey }) => responseKey)).toEqual(['a', 'b', 'c', 'revokeTokens', 'createUser']);
    expect(shape.fieldCounts.get('Mutation.issueToken')).toBe(3);
    expect(Object.fromEntries(budgetCharges(shape, schema, 100))).toEqual({ issueToken: 3, mutation: 2 });
    expect(operationLabel(shape, schema)).toBe('multiple');
  });

  it('counts nested fields by their type and field, so that a budget can be declared on any field', () => {
    const shape = shapeOf(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { x: communicationIdentity { id } y: communicationIdentity { id } } } }`, {
      r: [{ __typename: 'User', id: 'a' }, { __typename: 'User', id: 'b' }],
    });
    expect(shape.fieldCounts.get('User.communicationIdentity')).toBe(2);
    expect(shape.entities).toEqual({ representations: 2, cost: 2 * 4 });
    // User.communicationIdentity declares the reads budget: each occurrence is a point, however many representations.
    expect(Object.fromEntries(budgetCharges(shape, schema, 100))).toEqual({ entities: 2, reads: 2 });
    expect(Object.fromEntries(budgetCharges(shape, schema, 1))).toEqual({ entities: 1, reads: 2 });
  });

  it('walks a fragment once however often it is spread: forty doublings are one walk each and the counts saturate, not overflow', () => {
    const fragments = Array.from({ length: 40 }, (_, level) => `fragment f${level} on CommunicationIdentity { ...f${level + 1} ...f${level + 1} }`);
    const query = `query { me { ...f0 } } ${fragments.join(' ')} fragment f40 on CommunicationIdentity { id }`;
    // Walked once per spread, this would be 2^40 walks: the test would never end.
    const shape = shapeOf(query);
    expect(shape.fieldCounts.get('CommunicationIdentity.id')).toBe(1e12);
  });

  it('measures introspection depth and nested lists as the bounds read them', () => {
    expect(shapeOf('{ __schema { types { fields { args { name } } } } }').introspection).toEqual({ depth: 4, lists: 3 });
    expect(shapeOf('{ __type(name: "Query") { ofType { ofType { ofType { name } } } } }').introspection).toEqual({ depth: 4, lists: 0 });
    expect(shapeOf('{ me { id } }').introspection).toBeNull();
  });
});
