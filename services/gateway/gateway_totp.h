/* gateway_totp: the staff's second factor, TOTP (RFC 6238: HMAC-SHA1, 30 s
 * steps, 6 digits) with liboath, and its enrolment: the otpauth:// URI an
 * authenticator app reads, and that URI as a QR code in SVG (libqrencode),
 * for the dashboard to show. A code is accepted one step before or after
 * the current one; that a code works once is the caller's (it stores the
 * step accepted). */
#ifndef GATEWAY_TOTP_H
#define GATEWAY_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Base32 of 20 random bytes: 32 characters. */
#define GATEWAY_TOTP_SECRET_LEN 32

/* Calls oath_init once; false when liboath cannot start. */
bool gateway_totp_init (void);
/* A new secret (base32, upper case, no padding): false when liboath
 * fails. */
bool gateway_totp_secret_new (char out[GATEWAY_TOTP_SECRET_LEN + 1]);
/* True when code (6 digits: gateway_parse_totp_code) is the code of secret
 * (base32) at the step of now, or one before or after; *step is the step
 * it matched (now / 30 + offset). */
bool gateway_totp_check (const char *secret, const char *code, time_t now, int64_t *step);
/* otpauth://totp/Balc%C3%A3o:<address>?secret=…&issuer=Balc%C3%A3o
 * (the address percent-encoded). False when it does not fit. */
bool gateway_totp_uri (const char *address, const char *secret, char *out, size_t size);
/* The URI as a QR code: a malloc'd SVG document (black modules on white, a
 * quiet zone of 4), or NULL. */
char *gateway_totp_qr_svg (const char *uri);

#endif
