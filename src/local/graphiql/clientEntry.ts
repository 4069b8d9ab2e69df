/** The header value the page starts with; the fetcher leaves it out so the schema loads before a token is pasted. */
export const TOKEN_PLACEHOLDER = 'Bearer <paste token>';

export const INITIAL_HEADERS = JSON.stringify({ Authorization: TOKEN_PLACEHOLDER }, null, 2);

export const INITIAL_QUERY = `# Paste a bearer token into the Authorization header below
# (npm run dev-token -- --sub alice), then run:
query Me {
  me {
    id
    appUserId
    createdAt
  }
}
`;

/**
 * The browser entry bundled by esbuild. Plain JS in a string: it is not part of the server's
 * TypeScript program (no DOM types there), and esbuild needs no file on disk for it.
 * Monaco's workers are same-origin files next to this bundle, so the CSP needs no blob: or CDN.
 */
export const CLIENT_ENTRY_SOURCE = `
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

const bundleUrl = new URL(document.currentScript.src);
const assetUrl = (name) => {
  const url = new URL(name, bundleUrl);
  url.search = bundleUrl.search;
  return url.href;
};
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'graphql' || label === 'json' ? label : 'editor';
    return new Worker(assetUrl(name + '.worker.js'));
  },
};

// GraphiQL's tabs and query history keep each query's headers, bearer token included, in whatever storage it
// is given (localStorage by default, whatever shouldPersistHeaders says). It gets a store of its own that lives
// in this page only: nothing is written to localStorage, sessionStorage or IndexedDB, and a reload starts clean.
const pageMemory = new Map();
const storage = {
  getItem: (key) => (pageMemory.has(key) ? pageMemory.get(key) : null),
  setItem: (key, value) => void pageMemory.set(key, String(value)),
  removeItem: (key) => void pageMemory.delete(key),
  clear: () => pageMemory.clear(),
  get length() {
    return pageMemory.size;
  },
};

const placeholder = ${JSON.stringify(TOKEN_PLACEHOLDER)};
const endpoint = new URL('/graphql', location.href).href;

async function fetcher(params, options) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  for (const [name, value] of Object.entries(options?.headers ?? {})) {
    if (name.toLowerCase() === 'authorization' && String(value).trim() === placeholder) continue;
    headers[name] = String(value);
  }
  const response = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(params), credentials: 'omit' });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: 'HTTP ' + response.status + ': ' + text.slice(0, 500) }] };
  }
}

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    initialQuery: ${JSON.stringify(INITIAL_QUERY)},
    defaultQuery: ${JSON.stringify(INITIAL_QUERY)},
    initialHeaders: ${JSON.stringify(INITIAL_HEADERS)},
    defaultHeaders: ${JSON.stringify(INITIAL_HEADERS)},
    defaultEditorToolsVisibility: 'headers',
    storage,
    shouldPersistHeaders: false,
  }),
);
`;
