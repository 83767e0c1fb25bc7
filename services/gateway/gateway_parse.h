/* gateway_parse: what the gateway reads from a request before it trusts
 * anything in it: path ids and the Authorization header. Pure functions
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

#endif
