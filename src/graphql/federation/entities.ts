import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** The `_entities` root fields of an operation, through fragments too, and how many representations each carries. */
export function entityFields(operation: OperationDefinitionNode, document: DocumentNode, variables: Record<string, unknown> | undefined) {
  if (operation.operation !== 'query') return [];
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const found: Array<{ field: FieldNode; representations: number }> = [];
  const visit = (selectionSet: SelectionSetNode, visiting: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '_entities') found.push({ field: selection, representations: representationsOf(selection, variables) });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, visiting);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !visiting.has(fragment.name.value)) visit(fragment.selectionSet, new Set([...visiting, fragment.name.value]));
      }
    }
  };
  visit(operation.selectionSet, new Set());
  return found;
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

/** What one representation costs: one per field selected under `_entities`, as graphql-armor counts a plain query. */
export function selectionCost(selectionSet: SelectionSetNode | undefined, document: DocumentNode, visiting = new Set<string>()): number {
  if (!selectionSet) return 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) cost += 1 + selectionCost(selection.selectionSet, document, visiting);
    else if (selection.kind === Kind.INLINE_FRAGMENT) cost += selectionCost(selection.selectionSet, document, visiting);
    else if (!visiting.has(selection.name.value)) {
      const fragment = document.definitions.find(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
      );
      cost += selectionCost(fragment?.selectionSet, document, new Set([...visiting, selection.name.value]));
    }
  }
  return cost;
}
