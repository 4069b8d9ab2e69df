// request() against a stand-in gateway over real HTTP: typed errors, and what it does with hostile or broken answers.
import { createServer } from 'node:net';
import { parse } from 'graphql';
import { IssueTokenDocument as IssueTokenNode } from '../src/generated/graphql.js';
import {
  AbortError,
  GatewayError,
  GatewayNetworkError,
  GatewayResponseError,
  IssueTokenDocument,
  isGatewayError,
  MeDocument,
  request,
  type GatewayDocument,
} from '../src/index.js';
import { documentOf, gqlError, json, startStandIn, tokenPayload, type StandIn } from './standIn.js';

let gw: StandIn;
beforeEach(async () => {
  gw = await startStandIn();
});
afterEach(async () => {
  await gw.close();
});

const issue = (options: Partial<Parameters<typeof request>[2]> = {}) =>
  request(IssueTokenDocument, { input: { scopes: ['VOIP'] } }, { endpoint: gw.url, authToken: 'sign-in-token-123', ...options });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('request()', () => {
  it('posts the document by its trusted id with the bearer token and returns the typed data', async () => {
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 1)));
    const data = await issue();
    expect(data.issueToken.accessToken.scopes).toEqual(['VOIP']);
    const [sent] = gw.received;
    expect(sent!.method).toBe('POST');
    expect(sent!.headers['authorization']).toBe('Bearer sign-in-token-123');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.headers['accept']).toContain('application/graphql-response+json');
    expect(sent!.headers['cookie']).toBeUndefined();
    expect(sent!.body.query).toBeUndefined();
    expect(sent!.body.documentId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(documentOf(sent!)).toContain('fragment CommunicationAccessTokenFields');
    expect(sent!.body.variables).toEqual({ input: { scopes: ['VOIP'] } });
  });

  it("posts the document's text with send: 'text'", async () => {
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 1)));
    await request(IssueTokenDocument, { input: { scopes: ['VOIP'] } }, { endpoint: gw.url, authToken: 'sign-in-token-123', send: 'text' });
    expect(gw.received[0]!.body).toEqual({ query: IssueTokenDocument.toString(), variables: { input: { scopes: ['VOIP'] } } });
  });

  it('sends no authorization header without a token', async () => {
    gw.handle((_request, res) => json(res, 200, { data: { me: null } }));
    expect(await request(MeDocument, {}, { endpoint: gw.url })).toEqual({ me: null });
    expect(gw.received[0]!.headers['authorization']).toBeUndefined();
  });

  it('turns extensions.code into a GatewayError with the status, field, retry time and request id', async () => {
    gw.handle((_request, res) =>
      json(res, 429, gqlError('RATE_LIMITED', 'Too many issueToken requests; retry in 7 s.', { retryAfterSeconds: 7 }), { 'x-request-id': 'req-42', 'retry-after': '9' }),
    );
    const error = await failure(issue());
    expect(error).toBeInstanceOf(GatewayError);
    expect(isGatewayError(error, 'RATE_LIMITED')).toBe(true);
    expect(isGatewayError(error, 'UNAUTHENTICATED')).toBe(false);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 7, requestId: 'req-42', operation: 'IssueToken' });
    expect(error.message).toBe('IssueToken failed: RATE_LIMITED: Too many issueToken requests; retry in 7 s.');

    gw.handle((_request, res) => json(res, 429, gqlError('RATE_LIMITED'), { 'retry-after': '9' }));
    expect(await failure(issue())).toMatchObject({ retryAfterSeconds: 9 });

    gw.handle((_request, res) => json(res, 200, gqlError('BAD_USER_INPUT', 'expiresInMinutes must be 60 to 1440', { field: 'expiresInMinutes' })));
    expect(await failure(issue())).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresInMinutes', status: 200 });

    gw.handle((_request, res) => json(res, 400, gqlError('GRAPHQL_VALIDATION_FAILED', 'Cannot query field "nope"')));
    expect(await failure(issue())).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', status: 400 });
  });

  it('keeps every error, and calls a missing or odd code UNKNOWN', async () => {
    gw.handle((_request, res) =>
      json(res, 200, { errors: [{ message: 'first' }, { message: 'second', extensions: { code: 'FORBIDDEN' } }, { message: 3, extensions: { code: 'x"; drop' } }, 'junk'] }),
    );
    const error = (await failure(issue())) as GatewayError;
    expect(error.code).toBe('UNKNOWN');
    expect(error.errors.map((e) => e.code)).toEqual(['UNKNOWN', 'FORBIDDEN', 'UNKNOWN', 'UNKNOWN']);
    expect(error.errors[2]!.message).toBe('The gateway gave no message.');
  });

  it('never puts a token into an error message, and bounds the message', async () => {
    const leaked = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    gw.handle((_request, res) =>
      json(res, 401, gqlError('UNAUTHENTICATED', `Bad token ${leaked}; you sent sign-in-token-123 ${'x'.repeat(5000)}`, { field: leaked })),
    );
    const error = (await failure(issue())) as GatewayError;
    expect(error.message).not.toContain(leaked);
    expect(error.message).not.toContain('sign-in-token-123');
    expect(error.message).toContain('[redacted]');
    expect(error.errors[0]!.message.length).toBeLessThanOrEqual(501);
    expect(error.field).toBe('[redacted]');
    expect(JSON.stringify(error.errors)).not.toContain(leaked);
  });

  it('refuses an answer larger than maxResponseBytes, declared or streamed, without reading it all', async () => {
    gw.handle((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
      res.write('{"data":');
      // Never finishes: the client must not wait for 50 MiB.
    });
    const started = Date.now();
    const declared = await failure(issue());
    expect(declared).toBeInstanceOf(GatewayResponseError);
    expect(declared).toMatchObject({ problem: 'too-large' });
    expect(Date.now() - started).toBeLessThan(2_000);

    let written = 0;
    gw.handle((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      const chunk = `"${'a'.repeat(64 * 1024)}",`;
      res.write('{"data":{"x":[');
      const pump = () => {
        while (written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (written < 64 * 1024 * 1024 && !res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const streamed = await failure(issue({ maxResponseBytes: 256 * 1024 }));
    expect(streamed).toMatchObject({ problem: 'too-large' });
    expect(written).toBeLessThan(16 * 1024 * 1024); // the client hung up long before 64 MiB
  });

  it.each([
    ['an HTML error page', 502, 'text/html', '<html>Bad gateway</html>', 'content-type'],
    ['no content type', 200, undefined, '{"data":{}}', 'content-type'],
    ['malformed JSON', 200, 'application/json', '{"data": {"issueToken": ', 'malformed'],
    ['a JSON array', 200, 'application/json', '[{"data":{}}]', 'unexpected-shape'],
    ['a JSON string', 200, 'application/json', '"hello"', 'unexpected-shape'],
    ['errors that is not a list', 200, 'application/json', '{"errors":{"message":"x"}}', 'unexpected-shape'],
    ['neither data nor errors', 200, 'application/json', '{"data":null}', 'unexpected-shape'],
    ['a 500 without GraphQL errors', 500, 'application/json', '{"message":"oops"}', 'status'],
  ])('refuses %s with a GatewayResponseError', async (_what, status, contentType, body, problem) => {
    gw.handle((_request, res) => {
      res.writeHead(status, contentType ? { 'content-type': contentType } : {});
      res.end(body);
    });
    const error = await failure(issue());
    expect(error).toBeInstanceOf(GatewayResponseError);
    expect(error).toMatchObject({ problem, status });
    expect(error.message).not.toContain(body);
  });

  it('gives up on a gateway that does not answer within timeoutMs, and hangs up', async () => {
    gw.handle(() => {}); // never answers
    const started = Date.now();
    const error = await failure(issue({ timeoutMs: 300 }));
    expect(error).toBeInstanceOf(GatewayNetworkError);
    expect(error).toMatchObject({ timedOut: true });
    expect(Date.now() - started).toBeLessThan(1_500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gw.abandoned).toBe(1);
  });

  it('counts the time to read the answer in timeoutMs (a gateway that trickles)', async () => {
    gw.handle((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const error = await failure(issue({ timeoutMs: 400 }));
    expect(error).toMatchObject({ name: 'GatewayNetworkError', timedOut: true });
  });

  it('stops at once when aborted, before sending or while waiting', async () => {
    const before = new AbortController();
    before.abort();
    expect(await failure(issue({ signal: before.signal }))).toBeInstanceOf(AbortError);
    expect(gw.received).toHaveLength(0);

    gw.handle(() => {});
    const during = new AbortController();
    setTimeout(() => during.abort(), 100);
    const started = Date.now();
    const error = await failure(issue({ signal: during.signal }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not follow a redirect with the token', async () => {
    const elsewhere = await startStandIn();
    try {
      gw.handle((_request, res) => {
        res.writeHead(307, { location: elsewhere.url });
        res.end();
      });
      expect(await failure(issue())).toBeInstanceOf(GatewayNetworkError);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('says the gateway could not be reached when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const error = await failure(issue({ endpoint: `http://127.0.0.1:${port}/graphql` }));
    expect(error).toMatchObject({ name: 'GatewayNetworkError', timedOut: false });
    expect(error.message).toMatch(/could not be reached.*CORS_ORIGINS/);
  });

  it('refuses to send tokens over plain http except to loopback, and other schemes', async () => {
    await expect(issue({ endpoint: 'http://identity.example.com/graphql' })).rejects.toThrow(/in clear/);
    await expect(issue({ endpoint: 'ftp://identity.example.com/graphql' })).rejects.toThrow(TypeError);
    await expect(issue({ endpoint: 'not a url' })).rejects.toThrow(/not a URL/);
  });

  it('keeps its own authorization, content-type and accept headers whatever extra headers say', async () => {
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 1)));
    await issue({ headers: { Authorization: 'Bearer someone-else', ACCEPT: 'text/html', 'x-client': 'demo' } });
    const sent = gw.received[0]!.headers;
    expect(sent['authorization']).toBe('Bearer sign-in-token-123');
    expect(sent['accept']).toContain('application/graphql-response+json');
    expect(sent['x-client']).toBe('demo');
  });

  it('reports its caller\'s mistakes as TypeErrors, before sending anything', async () => {
    const unserialisable = request(IssueTokenDocument, { input: { scopes: ['VOIP'], expiresInMinutes: 60n as unknown as number } }, { endpoint: gw.url });
    await expect(unserialisable).rejects.toThrow(TypeError);
    await expect(issue({ timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
    expect(gw.received).toHaveLength(0);
  });

  it('takes a DocumentNode that kept its source or has an id, and explains one that has neither', async () => {
    gw.handle((_request, res) => json(res, 200, { data: { me: null } }));
    const parsed = parse('query Me { me { id } }') as unknown as GatewayDocument<{ me: null }, Record<string, never>>;
    expect(await request(parsed, {}, { endpoint: gw.url })).toEqual({ me: null });
    expect(gw.received[0]!.body.query).toBe('query Me { me { id } }');
    const generated = IssueTokenNode as unknown as GatewayDocument<unknown, Record<string, never>>;
    gw.handle((_request, res) => json(res, 200, tokenPayload('issueToken', 1)));
    await request(generated, {}, { endpoint: gw.url });
    expect(gw.received[1]!.body.documentId).toBe((IssueTokenNode as unknown as { __meta__: { hash: string } }).__meta__.hash);
    await expect(request(generated, {}, { endpoint: gw.url, send: 'text' })).rejects.toThrow(/no source text/);
  });
});
