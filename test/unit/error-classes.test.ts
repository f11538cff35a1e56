// Each error class answers one status and accepts only the codes the catalog gives that status:
// at compile time (the @ts-expect-error lines fail `tsc -p .` if a wrong pair ever compiles) and at run time.
import { describe, expect, it } from 'vitest';
import {
  BadGatewayError,
  BadRequestError,
  type CodeWithStatus,
  ConflictError,
  ErrorCatalog,
  type ErrorCode,
  ErrorCodes,
  ForbiddenError,
  type GatewayError,
  GatewayError as GatewayErrorClass,
  GoneError,
  HeadersTooLargeError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from '../../shared/errors.js';

type Make = (code: ErrorCode) => GatewayError;

/** Every class with the one status it answers; the casts let the run-time check try every code. */
const CLASSES: [string, number, Make][] = [
  ['BadRequestError', 400, (c) => new BadRequestError(c as CodeWithStatus<400>, 'm')],
  ['UnauthorizedError', 401, (c) => new UnauthorizedError(c as CodeWithStatus<401>, 'm')],
  ['ForbiddenError', 403, (c) => new ForbiddenError(c as CodeWithStatus<403>, 'm')],
  ['NotFoundError', 404, (c) => new NotFoundError(c as CodeWithStatus<404>, 'm')],
  ['MethodNotAllowedError', 405, (c) => new MethodNotAllowedError(c as CodeWithStatus<405>, 'm')],
  ['ConflictError', 409, (c) => new ConflictError(c as CodeWithStatus<409>, 'm')],
  ['GoneError', 410, (c) => new GoneError(c as CodeWithStatus<410>, 'm')],
  ['PayloadTooLargeError', 413, (c) => new PayloadTooLargeError(c as CodeWithStatus<413>, 'm')],
  ['UnsupportedMediaTypeError', 415, (c) => new UnsupportedMediaTypeError(c as CodeWithStatus<415>, 'm')],
  ['UnprocessableEntityError', 422, (c) => new UnprocessableEntityError(c as CodeWithStatus<422>, 'm')],
  ['TooManyRequestsError', 429, (c) => new TooManyRequestsError(c as CodeWithStatus<429>, 'm', 1)],
  ['HeadersTooLargeError', 431, (c) => new HeadersTooLargeError(c as CodeWithStatus<431>, 'm')],
  ['BadGatewayError', 502, (c) => new BadGatewayError(c as CodeWithStatus<502>, 'm')],
  ['ServiceUnavailableError', 503, (c) => new ServiceUnavailableError(c as CodeWithStatus<503>, 'm')],
];

const CODES = Object.values(ErrorCodes);

describe('error classes', () => {
  it.each(CLASSES)('%s answers %i for every code the catalog gives that status', (_name, status, make) => {
    const codes = CODES.filter((code) => ErrorCatalog[code].status.includes(status));
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) {
      const error = make(code);
      expect(error).toBeInstanceOf(GatewayErrorClass);
      expect([error.status, error.code]).toEqual([status, code]);
    }
  });

  it('has a class for every status a function can answer (the rest are API Gateway answers)', () => {
    const statuses = new Set(CODES.flatMap((code) => ErrorCatalog[code].status));
    const covered = new Set(CLASSES.map(([, status]) => status));
    // 500 (a crash) and 504 (timeout) come from API Gateway or the error formatter, not a throw.
    expect([...statuses].filter((status) => !covered.has(status)).sort()).toEqual([500, 504]);
  });

  it('keeps the defaults and the upstream subclasses', () => {
    expect(new UnauthorizedError()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' });
    expect(new ServiceUnavailableError(ErrorCodes.CONFIG_UNAVAILABLE, 'm')).toBeInstanceOf(UpstreamError);
    expect(new BadGatewayError(ErrorCodes.CIAM_UNAVAILABLE, 'm').name).toBe('BadGatewayError');
  });
});

describe('wrong pairs', () => {
  it('do not compile, and are exactly the pairs the catalog refuses', () => {
    // Each @ts-expect-error fails `tsc -p .` if its line ever compiles.
    const wrong: GatewayError[] = [
      // @ts-expect-error TOKEN_EXPIRED is a 401
      new ConflictError(ErrorCodes.TOKEN_EXPIRED, 'm'),
      // @ts-expect-error BRAND_VALIDATION_FAILED is a 422
      new BadRequestError(ErrorCodes.BRAND_VALIDATION_FAILED, 'm'),
      // @ts-expect-error UPSTREAM_UNAVAILABLE is a 503
      new BadGatewayError(ErrorCodes.UPSTREAM_UNAVAILABLE, 'm'),
      // @ts-expect-error UPSTREAM_ERROR is a 502
      new UpstreamError(503, ErrorCodes.UPSTREAM_ERROR, 'm'),
      // @ts-expect-error NOT_FOUND is a 404
      new GatewayErrorClass(409, ErrorCodes.NOT_FOUND, 'm'),
      // @ts-expect-error FORBIDDEN is a 403
      new UnauthorizedError(ErrorCodes.FORBIDDEN),
    ];
    for (const error of wrong) expect(ErrorCatalog[error.code].status).not.toContain(error.status);
    // CIAM_UNAVAILABLE is both a 502 and a 503: both compile.
    const right = [
      new BadGatewayError(ErrorCodes.CIAM_UNAVAILABLE, 'm'),
      new ServiceUnavailableError(ErrorCodes.CIAM_UNAVAILABLE, 'm'),
    ];
    for (const error of right) expect(ErrorCatalog[error.code].status).toContain(error.status);
  });
});
