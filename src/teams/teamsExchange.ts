import type { AcsIdentityClient } from '../acs/acsIdentityClient.js';
import type { ExchangeTeamsUserTokenPayload } from '../graphql/teams/types.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { TeamsTokenVerifier } from './teamsTokenVerifier.js';
import { teamsUserRawId, type TeamsUserRef } from './teamsUser.js';

/** What callers see is declared once, as the GraphQL payload. */
export type TeamsExchangeResult = ExchangeTeamsUserTokenPayload;

/**
 * The rules of exchangeTeamsUserToken. The Teams token must pass every check and belong to the Teams user the
 * policy resolved (the caller's own object id) before ACS is called; it is passed on to ACS and nowhere else.
 */
export class TeamsExchange {
  constructor(
    /** null: the exchange is turned off (TEAMS_ENABLED). */
    private readonly verify: TeamsTokenVerifier | null,
    private readonly acs: AcsIdentityClient,
    /** Named in the refusal of a caller whose token has no object id. */
    private readonly objectIdClaim: string,
  ) {}

  async exchange(user: TeamsUserRef, teamsUserAadToken: unknown): Promise<TeamsExchangeResult> {
    if (!this.verify) throw new GatewayError(ErrorCode.TEAMS_EXCHANGE_DISABLED, 'Exchanging Teams user tokens is turned off on this gateway.');
    if (!user.objectId) {
      throw new GatewayError(
        ErrorCode.FORBIDDEN,
        `Your sign-in carries no Microsoft Entra object id (the "${this.objectIdClaim}" claim), so it cannot act as a Teams user.`,
      );
    }
    const teamsToken = await this.verify(teamsUserAadToken);
    if (teamsToken.objectId !== user.objectId) {
      throw new GatewayError(ErrorCode.FORBIDDEN, "The Teams token is another user's: exchange only your own.");
    }
    const accessToken = await this.acs.getTokenForTeamsUser(teamsToken.token, teamsToken.clientId, teamsToken.claimedObjectId);
    return { teamsUserId: teamsUserRawId(teamsToken.objectId), accessToken };
  }
}
