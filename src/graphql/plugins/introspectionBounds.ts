import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Introspection is left out of graphql-armor's depth and cost limits, and graphql-js's own MaxIntrospectionDepthRule
 * counts only nested fields, interfaces, possibleTypes and inputFields: an `ofType { ofType { … } }` chain of any
 * depth passed. So it is bounded here on its own: a depth (the standard introspection query of GraphiQL and
 * codegen is 14 fields deep), and at most three list fields of any kind along a path (it needs types → fields →
 * args). Written by hand because graphql-armor has neither rule.
 */
export const MAX_INTROSPECTION_LISTS = 3;

export function introspectionBoundsRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    const schema = context.getSchema();

    const walk = (selectionSet: SelectionSetNode, parent: GraphQLOutputType, depth: number, lists: number, visiting: Set<string>): void => {
      if (depth > maxDepth) throw refusal(`Introspection deeper than ${maxDepth} levels is refused.`);
      if (lists > MAX_INTROSPECTION_LISTS) throw refusal(`Introspection with more than ${MAX_INTROSPECTION_LISTS} nested lists is refused.`);
      const named = getNamedType(parent);
      const fields = 'getFields' in named ? (named.getFields() as Record<string, GraphQLField<unknown, unknown>>) : {};
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const field = fields[selection.name.value];
          if (field && selection.selectionSet) {
            walk(selection.selectionSet, field.type, depth + 1, lists + (isListType(getNullableType(field.type)) ? 1 : 0), visiting);
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          walk(selection.selectionSet, parent, depth, lists, visiting);
        } else {
          const fragment = fragments.get(selection.name.value);
          // A fragment cycle is graphql-js's own validation error; it is not followed here.
          if (fragment && !visiting.has(fragment.name.value)) {
            walk(fragment.selectionSet, parent, depth, lists, new Set([...visiting, fragment.name.value]));
          }
        }
      }
    };

    return {
      Field(node) {
        if ((node.name.value !== '__schema' && node.name.value !== '__type') || !node.selectionSet) return undefined;
        const root = node.name.value === '__schema' ? schema.getType('__Schema') : schema.getType('__Type');
        try {
          walk(node.selectionSet, root as GraphQLOutputType, 1, 0, new Set());
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          context.reportError(error);
        }
        return false;
      },
    };
  };
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
}
