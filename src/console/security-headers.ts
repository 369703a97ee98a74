/**
 * Headers for every console response, set per route so they hold whether or not a global helmet
 * runs first (reply headers win over ones set earlier on the raw response). The CSP allows only
 * Coach's own scripts, styles and API, plus the one inline import map by its hash.
 */
export function securityHeaders(importMapHash: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${importMapHash}`,
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}
