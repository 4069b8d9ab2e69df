/** The demo page: markup only; its script and styles are files of the same origin (no inline code, strict CSP). */
import { contentSecurityPolicy } from '../browserPage.js';

/**
 * Scripts and styles from this origin only, requests to the gateway's origin only (so the page exercises the
 * gateway's CORS), nothing else.
 */
export function demoContentSecurityPolicy(gatewayOrigin: string): string {
  return contentSecurityPolicy({ connect: gatewayOrigin, style: "'self'" });
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDemoPage(gatewayEndpoint: string, version: string): string {
  const asset = (name: string) => `/${name}?v=${encodeURIComponent(version)}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <meta name="gateway-endpoint" content="${escape(gatewayEndpoint)}">
    <title>Token refresher demo · ACS identity gateway</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${asset('demo.css')}">
    <script defer src="${asset('demo.js')}"></script>
  </head>
  <body data-state="loading">
    <main>
      <h1>Token refresher demo</h1>
      <p>The client kit's <code>createTokenRefresher</code> inside the ACS SDK's
        <code>AzureCommunicationTokenCredential({ tokenRefresher, refreshProactively: true })</code>, calling
        <code id="endpoint"></code>. Development only; tokens stay in this page's memory.</p>
      <form id="sign-in-form" autocomplete="off">
        <label>Sign-in token (<code>npm run --silent dev-token -- --sub alice | tail -1</code>)
          <textarea id="auth-token" rows="3" spellcheck="false" autocomplete="off"></textarea></label>
        <fieldset>
          <label><input type="checkbox" name="scope" value="VOIP" checked> VOIP</label>
          <label><input type="checkbox" name="scope" value="CHAT" checked> CHAT</label>
        </fieldset>
        <label>Token lifetime asked for, in minutes (60–1440)
          <input id="expires-in" type="number" min="60" max="1440" value="60"></label>
        <p id="prompt" hidden>The gateway refused the sign-in token (expired?). Paste a fresh one above: the refresher is waiting for it.</p>
        <button type="submit" id="sign-in-button">Sign in</button>
        <button type="button" id="sign-out" disabled>Sign out</button>
      </form>
      <p id="problem" hidden></p>
      <h2>Current token</h2>
      <dl>
        <dt>ACS identity</dt><dd id="identity">–</dd>
        <dt>App user</dt><dd id="app-user">–</dd>
        <dt>Expires</dt><dd id="expires-on">–</dd>
        <dt>Tokens obtained</dt><dd id="refresh-count">0</dd>
      </dl>
      <h2>Refreshes</h2>
      <table id="refreshes">
        <thead><tr><th>#</th><th>At</th><th>Operation</th><th>Expires</th><th>Token (SHA-256, first 6 bytes)</th></tr></thead>
        <tbody></tbody>
      </table>
      <h2>Log</h2>
      <ol id="log"></ol>
    </main>
  </body>
</html>
`;
}
