import { contentSecurityPolicy } from '../browserPage.js';

/** Where the bundle's files are served; exact routes, one per file. */
export const ASSET_PATH = '/graphiql/';

/**
 * No inline script and nothing from another origin. Styles need 'unsafe-inline': Monaco renders
 * lines with style attributes and injects <style> elements at run time. Fonts come as data: URLs
 * inside the CSS.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ connect: "'self'", style: "'self' 'unsafe-inline'", worker: "'self'", font: "'self' data:" });

export function renderPage(version: string): string {
  const asset = (name: string) => `${ASSET_PATH}${name}?v=${encodeURIComponent(version)}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>GraphiQL · ACS identity gateway</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${asset('graphiql.css')}">
    <link rel="stylesheet" href="${asset('page.css')}">
    <script defer src="${asset('graphiql.js')}"></script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
  </body>
</html>
`;
}

/** The page's own layout, as a file: the markup itself needs no inline style. */
export const PAGE_CSS = `html, body, #graphiql { height: 100%; margin: 0; }
body { font-family: system-ui, sans-serif; }
`;

export function renderUnavailablePage(reason: string): string {
  const escaped = reason.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>GraphiQL unavailable</title></head>
  <body><h1>GraphiQL is unavailable</h1><p>${escaped}</p><p>POST /graphql still works.</p></body>
</html>
`;
}
