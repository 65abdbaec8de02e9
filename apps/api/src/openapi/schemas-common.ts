import { z } from 'zod';

/** The error body of every failing request. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable code, e.g. VALIDATION_FAILED, NOT_FOUND, RATE_LIMITED'),
    message: z.string(),
    details: z.unknown().describe('Structured detail; for validation errors `{issues: [{field, message}]}`'),
    request_id: z.string().describe('Same as the X-Request-Id response header'),
  }),
});
