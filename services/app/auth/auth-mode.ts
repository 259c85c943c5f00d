import type { Request, RequestHandler, Response } from 'express';

export type ModeName = 'memory' | 'redis' | 'jwt' | 'jwt-revocable';

/** Who the request is, and what the server keeps for them (shown by GET /{mode}/me). */
export interface Identity {
  user: string;
  /** The record the server stores for this user; null when it stores nothing (JWT). */
  stored: unknown;
  /** Decoded token claims, for token modes. */
  claims?: Record<string, unknown>;
  /** Session modes: the CSRF token a state-changing request must send back (X-CSRF-Token). */
  csrfToken?: string;
}

/**
 * One authentication mode behind the routes of the contract. The routes validate input,
 * check the password and throttle; a mode only establishes, reads and ends the login.
 */
export interface AuthMode {
  readonly name: ModeName;
  /** Runs before every route of the mode (e.g. loading the session). */
  readonly middleware: readonly RequestHandler[];
  /** After a successful password check: create the login; returns extra fields for the 200 body. */
  establish(req: Request, res: Response, user: string): Promise<Record<string, unknown>>;
  /** The logged-in identity, or undefined (the routes answer 401). */
  identify(req: Request): Promise<Identity | undefined>;
  /** Ends the login of an identified request; returns the body of a 200, or undefined for 204. */
  end(req: Request, res: Response, identity: Identity): Promise<Record<string, unknown> | undefined>;
}
