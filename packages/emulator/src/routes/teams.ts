// POST /teamsUser/:exchangeAccessToken: an Entra ID token of a Teams user for an ACS token.
import { teamsExchangeTakesTokenOnly } from '../apiVersions.js';
import type { DataPlaneRequest, EmulatorContext } from '../context.js';
import { expiryWithin } from '../dateTime.js';
import { validation } from '../errors.js';
import type { Reply } from '../http.js';
import type { TeamsExchangeRequest } from '../teams.js';

export async function exchangeTeamsToken(ctx: EmulatorContext, req: DataPlaneRequest): Promise<Reply> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw validation('The request body is invalid.');
  }
  const user = await ctx.teams.verify(req.body as TeamsExchangeRequest, teamsExchangeTakesTokenOnly(req.apiVersion));
  const nowMs = Date.now();
  ctx.counters.tokensIssued += 1;
  // The ACS token expires with the Entra token ("a matching expiration time").
  const expiresAtMs = expiryWithin(user.expiresAtMs, nowMs);
  return { status: 200, body: await ctx.issuer.issue(`8:orgid:${user.oid}`, ['voip'], nowMs, expiresAtMs) };
}
