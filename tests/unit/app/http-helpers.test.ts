import type { Request } from 'express';
import { trustProxySetting } from '../../../services/app/app';
import { bearerToken } from '../../../services/app/auth/jwt-mode';
import { toAppError } from '../../../services/app/error-handler';
import { AppError } from '../../../common/errors';

const withAuth = (authorization?: string) => ({ headers: { authorization } }) as unknown as Request;

test('when the Authorization scheme is Bearer in any case, then the token is read; otherwise nothing', () => {
  expect(bearerToken(withAuth('Bearer abc.def.ghi'))).toBe('abc.def.ghi');
  expect(bearerToken(withAuth('bEaReR   abc'))).toBe('abc');
  expect(bearerToken(withAuth('Basic abc'))).toBeUndefined();
  expect(bearerToken(withAuth('Bearer'))).toBeUndefined();
  expect(bearerToken(withAuth('Bearer a b'))).toBeUndefined();
  expect(bearerToken(withAuth(undefined))).toBeUndefined();
});

test('when TRUST_PROXY is a boolean, a hop count or a list, then express gets the matching setting', () => {
  expect(trustProxySetting('true')).toBe(true);
  expect(trustProxySetting('FALSE')).toBe(false);
  expect(trustProxySetting('1')).toBe(1);
  expect(trustProxySetting('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
});

test('when body-parser or unknown errors are thrown, then they map to catalogue codes', () => {
  expect(toAppError(Object.assign(new Error('x'), { type: 'entity.parse.failed' })).code).toBe('invalid_json');
  expect(toAppError(Object.assign(new Error('x'), { type: 'entity.too.large' })).code).toBe('payload_too_large');
  expect(toAppError(Object.assign(new Error('x'), { status: 400 })).code).toBe('bad_request');
  expect(toAppError(new Error('boom')).code).toBe('internal_error');
  const original = new AppError('too_many_attempts');
  expect(toAppError(original)).toBe(original);
});
