/** The authenticated app user behind a request. */
export interface Caller {
  /** The identity provider's issuer; with userId it keys the mapping, so two providers cannot collide. */
  issuer: string;
  userId: string;
  isAdmin: boolean;
  /** The caller's roles that SCOPE_POLICY names (only those: nothing else of the claim is kept). */
  roles?: readonly string[];
  /** The caller's Microsoft Entra object id (AUTH_OBJECT_ID_CLAIM), when their token has one: whom they may act as in Teams. */
  objectId?: string;
}
