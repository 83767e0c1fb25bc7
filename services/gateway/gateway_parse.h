/* gateway_parse: what the gateway reads from a request before it trusts
 * anything in it: path ids, the Authorization and Cookie headers, and the
 * e-mail addresses and passwords of the accounts' forms. Pure functions
 * over bytes (no I/O), fuzzed by tests/fuzz/fuzz_gateway.c. */
#ifndef GATEWAY_PARSE_H
#define GATEWAY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A ticket number as it appears in a path: the canonical decimal form only,
 * 1 to 18446744073709551615, digits only, no sign, no spaces, no leading
 * zero (so "01" is refused: one ticket has one URL). True and *number set,
 * or false. */
bool gateway_parse_ticket_number (const char *text, uint64_t *number);
/* An attachment id: exactly 64 lower-case hex digits (its SHA-256). */
bool gateway_parse_sha256 (const char *text);
/* The token of an "Authorization: Bearer <token>" header (RFC 6750: the
 * scheme in any case, one or more spaces, a token68 of at most
 * GATEWAY_TOKEN_MAX characters, nothing after it). True with *token and
 * *len pointing into header, or false. */
#define GATEWAY_TOKEN_MAX 512
bool gateway_parse_bearer (const char *header, const char **token, size_t *len);

/* Decodes the %HH escapes of a URL's path or argument in place, as
 * libmicrohttpd would, except %00, which is left as it is: a NUL would cut
 * the C string short, and "1%00" would then read as ticket 1. Returns the
 * new length. */
size_t gateway_parse_unescape (char *text);

/* The Cookie header (RFC 6265, section 4.2.1, as browsers send it): at
 * most GATEWAY_COOKIE_HEADER_MAX bytes of "name=value" pairs separated by
 * "; ", each name a token, each value cookie-octets (optionally in double
 * quotes). GATEWAY_COOKIE_BAD for anything else; otherwise FOUND with
 * *value and *len (quotes removed) pointing into header when a pair is
 * named `name` (the first one), or ABSENT. */
#define GATEWAY_COOKIE_HEADER_MAX 4096
typedef enum { GATEWAY_COOKIE_ABSENT, GATEWAY_COOKIE_FOUND, GATEWAY_COOKIE_BAD } gateway_cookie_t;
gateway_cookie_t gateway_parse_cookie (const char *header, const char *name, const char **value,
                                       size_t *len);

/* An e-mail address as the accounts keep it: surrounding spaces removed,
 * lower case, ASCII, one '@' between a local part (1 to 64 characters, no
 * spaces, quotes, brackets, commas or controls) and a domain of at least two
 * labels of letters, digits and hyphens; GATEWAY_ADDRESS_MAX characters at
 * most (RFC 5321 allows 254; 150 leave room for "customer:" in a principal
 * and are more than any address we have seen). True with the address in
 * out (size at least GATEWAY_ADDRESS_MAX + 1), or false. */
#define GATEWAY_ADDRESS_MAX 150
bool gateway_parse_address (const char *text, char *out, size_t size);

/* A password's length in characters (UTF-8 code points) is within
 * [GATEWAY_PASSWORD_MIN, GATEWAY_PASSWORD_MAX], and it is valid UTF-8
 * without NUL. */
#define GATEWAY_PASSWORD_MIN 10
#define GATEWAY_PASSWORD_MAX 128
bool gateway_parse_password (const char *text, size_t len);

/* A secret of ours as a browser or a form returns it: exactly
 * GATEWAY_SECRET_LEN characters of unpadded URL-safe base64 (32 random
 * bytes). */
#define GATEWAY_SECRET_LEN 43
bool gateway_parse_secret (const char *text, size_t len);

/* A TOTP code as a person types it: exactly GATEWAY_TOTP_DIGITS ASCII
 * digits, nothing else (no spaces, no sign). */
#define GATEWAY_TOTP_DIGITS 6
bool gateway_parse_totp_code (const char *text, size_t len);

#endif
