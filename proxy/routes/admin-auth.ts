import type { IncomingMessage } from 'node:http';
import { BearerToken } from '../../common/bearer-token';

/** The proxy's admin routes answer only `Authorization: Bearer <ADMIN_TOKEN>` (constant-time check). */
export class AdminAuth {
  private readonly bearer: BearerToken;

  constructor(readonly token: string) {
    this.bearer = new BearerToken(token);
  }

  allows(req: IncomingMessage): boolean {
    return this.bearer.matches(req.headers.authorization);
  }
}
