import { InputType } from 'type-graphql';
import { AppUserTargetInput } from './AppUserTargetInput.js';

@InputType()
export class RevokeTokensInput extends AppUserTargetInput {}
