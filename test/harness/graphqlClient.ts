export interface GraphqlResponse<Data = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

/** Posts one operation over real HTTP, as a browser or server client would. */
export async function graphql<Data = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  extraHeaders: Record<string, string> = {},
): Promise<GraphqlResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
      ...extraHeaders,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: GraphqlResponse['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

export const errorCode = (response: GraphqlResponse<unknown>): unknown => response.errors?.[0]?.extensions?.code;
