import { Field, InputType } from 'type-graphql';

@InputType()
export class ExchangeTeamsUserTokenInput {
  @Field(() => String, {
    description:
      "The Teams user's Microsoft Entra ID access token for Azure Communication Services (scopes Teams.ManageCalls and Teams.ManageChats), as MSAL returns it. It must be the caller's own. Never stored or logged.",
  })
  teamsUserAadToken!: string;
}
