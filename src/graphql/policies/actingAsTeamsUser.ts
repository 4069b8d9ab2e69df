import { createParameterDecorator } from 'type-graphql';
import { teamsUserOf, teamsUserRawId } from '../../teams/teamsUser.js';
import type { GatewayContext } from '../context.js';
import { recordSubject } from './subject.js';

/**
 * The Teams user an operation acts as: the caller's own, by the Entra object id in their verified token
 * (AUTH_OBJECT_ID_CLAIM), never one from the input. The audit records the caller as the app user and that Teams
 * user (`8:orgid:<object id>`) as the identity acted on, whatever becomes of the call.
 */
export function ActingAsTeamsUser(): ReturnType<typeof createParameterDecorator> {
  return createParameterDecorator<GatewayContext>(({ context, info }) => {
    const user = teamsUserOf(context.caller);
    recordSubject(info, { appUserId: user.appUserId, ...(user.objectId && { identityId: teamsUserRawId(user.objectId) }) });
    return user;
  });
}
