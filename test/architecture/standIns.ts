/**
 * The stand-ins: the code and the packages that exist for development and tests only. Production code may not
 * import them, and neither a production install nor the image may hold them.
 */
export const STAND_IN_SOURCE_DIR = 'src/local';

export const STAND_IN_PACKAGES = [
  '@acs-identity-gateway/emulator',
  'mongodb-memory-server',
  'mongodb-memory-server-core',
  'graphiql',
  '@graphiql/react',
  'monaco-editor',
  'monaco-graphql',
  'react',
  'react-dom',
  'esbuild',
  'selfsigned',
] as const;

/** A bare specifier's package name: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
