import { InputType } from 'type-graphql';
import { TokenRequestInput } from './TokenRequestInput.js';

@InputType()
export class CreateUserAndTokenInput extends TokenRequestInput {}
