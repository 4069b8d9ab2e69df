// @acs-identity-gateway/client/document-nodes: the same operations as TypedDocumentNode objects (parsed ASTs), for
// clients that want a DocumentNode, such as Apollo Client. The main entry's request() takes the string documents.
export * from './generated/graphql.js';
