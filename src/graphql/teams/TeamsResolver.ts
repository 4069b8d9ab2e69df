import { Arg, Mutation, Resolver } from 'type-graphql';
import type { TeamsExchange } from '../../teams/teamsExchange.js';
import type { TeamsUserRef } from '../../teams/teamsUser.js';
import { ActingAsTeamsUser } from '../policies/actingAsTeamsUser.js';
import { Audited } from '../policies/audited.js';
import { RateLimited } from '../policies/rateLimited.js';
import { ExchangeTeamsUserTokenInput, ExchangeTeamsUserTokenPayload } from './types.js';

/** Only delegates: the rules live in TeamsExchange. The policies are declared here, as on IdentityResolver. */
@Resolver()
export class TeamsResolver {
  constructor(private readonly teams: TeamsExchange) {}

  @Mutation(() => ExchangeTeamsUserTokenPayload, {
    description:
      "Exchanges the caller's own Teams user token (Microsoft Entra ID) for an ACS access token of that Teams user. The token's oid must be the caller's.",
  })
  @Audited()
  @RateLimited('teamsExchange')
  exchangeTeamsUserToken(@Arg('input', () => ExchangeTeamsUserTokenInput) input: ExchangeTeamsUserTokenInput, @ActingAsTeamsUser() user: TeamsUserRef) {
    return this.teams.exchange(user, input.teamsUserAadToken);
  }
}
