import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks signature (standardwebhooks.com): HMAC-SHA256 with the webhook's secret
 * over `<webhook-id>.<webhook-timestamp>.<body>`, base64, as `v1,<signature>`. A receiver
 * recomputes it and compares in constant time, and rejects old timestamps (replays).
 */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
