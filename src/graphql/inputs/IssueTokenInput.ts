import { Field, InputType } from 'type-graphql';
import { TokenRequestInput } from './TokenRequestInput.js';

@InputType()
export class IssueTokenInput extends TokenRequestInput {
  @Field(() => Boolean, { nullable: true, description: 'Bypass the token cache and ask ACS for a new token.' })
  forceRefresh?: boolean | null;
}
