/** The authenticated app user behind a request. */
export interface Caller {
  /** The identity provider's issuer; with userId it keys the mapping, so two providers cannot collide. */
  issuer: string;
  userId: string;
  isAdmin: boolean;
}
