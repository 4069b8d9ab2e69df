import {
  getNamedType,
  getNullableType,
  isListType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** One root field as the operation asks for it: an alias, or the same field twice, is one occurrence each. */
export interface RootField {
  responseKey: string;
  node: FieldNode;
}

/**
 * What the gateway needs to know about an operation before it runs, worked out once per request (see
 * operationShapeOf) and read by the metrics, the budgets, the policies, the entity limits and the introspection
 * bounds. Fragments are expanded; each one is summed once and reused, so a fragment spread many times costs one walk.
 */
export interface OperationShape {
  kind: OperationDefinitionNode['operation'];
  /** The root fields, through fragments, in document order. */
  rootFields: RootField[];
  /** How many times each field (`Type.field`) occurs anywhere in the operation, fragments expanded. */
  fieldCounts: ReadonlyMap<string, number>;
  /** Representations across the `_entities` root fields, and what they cost: each its selection, at least 1. */
  entities: { representations: number; cost: number };
  /** Under `__schema` and `__type`: the deepest nesting (the field itself is level 1) and the most nested lists. */
  introspection: { depth: number; lists: number } | null;
}

/** Counts beyond this stop mattering (every limit is far below) and stay exact integers. */
const SATURATED = 1e12;

interface Summary {
  counts: Map<string, number>;
  /** Levels of fields with a selection below this selection set, and list-typed ones among them (introspection bounds). */
  depth: number;
  lists: number;
  /** One per field selected, as graphql-armor counts a plain query (the entity cost). */
  cost: number;
}

export function analyseOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): OperationShape {
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const summarise = summariser(schema, fragments);
  const root = schema.getRootType(operation.operation) ?? undefined;
  const rootFields = collectRootFields(operation.selectionSet, fragments);
  const whole = summarise(operation.selectionSet, root, new Set());
  let representations = 0;
  let cost = 0;
  const introspection = { depth: 0, lists: 0, asked: false };
  for (const { node } of rootFields) {
    if (node.name.value === '_entities') {
      const count = representationsOf(node, variables);
      representations += count;
      cost += count * Math.max(1, summarise(node.selectionSet, undefined, new Set()).cost);
    } else if ((node.name.value === '__schema' || node.name.value === '__type') && node.selectionSet) {
      const below = summarise(node.selectionSet, schema.getType(node.name.value === '__schema' ? '__Schema' : '__Type') ?? undefined, new Set());
      introspection.asked = true;
      introspection.depth = Math.max(introspection.depth, below.depth + 1);
      introspection.lists = Math.max(introspection.lists, below.lists);
    }
  }
  return {
    kind: operation.operation,
    rootFields,
    fieldCounts: whole.counts,
    entities: { representations, cost },
    introspection: introspection.asked ? { depth: introspection.depth, lists: introspection.lists } : null,
  };
}

/** Sums a selection set: its field counts, depth, nested lists and cost. Each fragment is summed once and reused. */
function summariser(schema: GraphQLSchema, fragments: Map<string, FragmentDefinitionNode>) {
  const memo = new Map<string, Summary>();

  // Fragment cycles fail validation before this runs; `visiting` only keeps a walk finite if one got here anyway.
  const summarise = (selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined, visiting: ReadonlySet<string>): Summary => {
    const summary: Summary = { counts: new Map(), depth: 0, lists: 0, cost: 0 };
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        add(summary.counts, `${parent?.name ?? '?'}.${selection.name.value}`, 1);
        summary.cost += 1;
        if (!selection.selectionSet) continue;
        const below = summarise(selection.selectionSet, field && getNamedType(field.type), visiting);
        merge(summary, below);
        summary.depth = Math.max(summary.depth, below.depth + 1);
        summary.lists = Math.max(summary.lists, below.lists + (field && isListType(getNullableType(field.type)) ? 1 : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        mergeLevel(summary, summarise(selection.selectionSet, on ?? undefined, visiting));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        let below = memo.get(name);
        if (!below) {
          below = summarise(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, new Set([...visiting, name]));
          memo.set(name, below);
        }
        mergeLevel(summary, below);
      }
    }
    return summary;
  };
  return summarise;
}

/** The root fields, through fragments too, so that a fragment cannot hide a mutation from its budget. */
function collectRootFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, visiting = new Set<string>()): RootField[] {
  return selectionSet.selections.flatMap((selection): RootField[] => {
    if (selection.kind === Kind.FIELD) return [{ responseKey: selection.alias?.value ?? selection.name.value, node: selection }];
    if (selection.kind === Kind.INLINE_FRAGMENT) return collectRootFields(selection.selectionSet, fragments, visiting);
    const fragment = fragments.get(selection.name.value);
    if (!fragment || visiting.has(fragment.name.value)) return [];
    return collectRootFields(fragment.selectionSet, fragments, new Set([...visiting, fragment.name.value]));
  });
}

function representationsOf(field: FieldNode, variables: Record<string, unknown> | undefined): number {
  const value = field.arguments?.find((argument) => argument.name.value === 'representations')?.value;
  if (value?.kind === Kind.LIST) return value.values.length;
  if (value?.kind === Kind.VARIABLE) {
    const given = variables?.[value.name.value];
    return Array.isArray(given) ? given.length : 1;
  }
  return 1;
}

function fieldOf(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!parent || !('getFields' in parent)) return undefined;
  return (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[name];
}

const add = (counts: Map<string, number>, key: string, count: number) => counts.set(key, Math.min(SATURATED, (counts.get(key) ?? 0) + count));

function merge(into: Summary, from: Summary): void {
  for (const [key, count] of from.counts) add(into.counts, key, count);
  into.cost = Math.min(SATURATED, into.cost + from.cost);
}

/** A fragment's fields sit at the level of its spread. */
function mergeLevel(into: Summary, from: Summary): void {
  merge(into, from);
  into.depth = Math.max(into.depth, from.depth);
  into.lists = Math.max(into.lists, from.lists);
}

/** The shape on the context, worked out by whichever reader comes first; Apollo gives each operation its own context. */
export function operationShapeOf(request: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  request: { variables?: Record<string, unknown> };
  contextValue: { operation?: OperationShape };
}): OperationShape {
  request.contextValue.operation ??= analyseOperation(request.schema, request.document, request.operation, request.request.variables);
  return request.contextValue.operation;
}

