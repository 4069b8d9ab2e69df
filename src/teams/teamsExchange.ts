import type { AcsIdentityClient } from '../acs/acsIdentityClient.js';
import type { ExchangeTeamsUserTokenPayload } from '../graphql/teams/types.js';
import type { ScopePolicy } from '../config/config.js';
import { badInput, ErrorCode, GatewayError } from '../errors.js';
import { tokenGrant } from '../identity/accessPolicy.js';
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
    /** SCOPE_POLICY: its lifetime cap is the one rule that applies here (a Teams user's token has no scopes to choose). */
    private readonly scopePolicy: ScopePolicy | null = null,
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
    this.checkLifetime(user, teamsToken.expiresAt);
    const accessToken = await this.acs.getTokenForTeamsUser(teamsToken.token, teamsToken.clientId, teamsToken.claimedObjectId);
    const id = teamsUserRawId(teamsToken.objectId);
    return { identity: { id }, accessToken, teamsUserId: id };
  }

  /**
   * ACS gives no lifetime choice here: the token lives as long as the Entra token it comes from. So a caller whose
   * roles cap token lifetimes may exchange only an Entra token with no more than that cap left to run.
   */
  private checkLifetime(user: TeamsUserRef, expiresAt: Date): void {
    const self = { issuer: user.issuer, userId: user.appUserId, isAdmin: false, roles: user.roles };
    const cap = tokenGrant(self, user, this.scopePolicy)?.maxExpiresInMinutes;
    const minutesLeft = Math.ceil((expiresAt.getTime() - Date.now()) / 60_000);
    if (cap !== undefined && minutesLeft > cap) {
      throw badInput(
        'teamsUserAadToken',
        `The Teams token runs ${minutesLeft} more minutes and its ACS token would too, over the ${cap} minutes your roles may hold a token (SCOPE_POLICY maxExpiresInMinutes); exchange it when it has at most ${cap} minutes left.`,
      );
    }
  }
}
