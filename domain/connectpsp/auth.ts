import { z } from 'zod';
import { timestamp } from './common';

export const tokenRequestSchema = z.object({
  clientId: z.string().regex(/^\d+$/, 'must be numeric (sent as a string)'),
  clientSecret: z.string().min(1),
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

export const tokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().positive(),
  issuedAt: timestamp,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;
