/* gateway_totp: TOTP codes (liboath) and the enrolment's QR code
 * (libqrencode). The secret is the base32 text an app is given; liboath
 * works on its decoded bytes. */
#include "gateway_totp.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static bool s_ready;

static void
s_init (void)
{
    s_ready = oath_init () == OATH_OK;
}

bool
gateway_totp_init (void)
{
    pthread_once (&s_once, s_init);
    return s_ready;
}

bool
gateway_totp_secret_new (char out[GATEWAY_TOTP_SECRET_LEN + 1])
{
    /* 20 bytes (160 bits, RFC 4226's advice) are 32 base32 characters, no
     * padding. */
    unsigned char bytes[20];
    randombytes_buf (bytes, sizeof bytes);
    char *text = NULL;
    size_t len = 0;
    bool ok = gateway_totp_init () &&
              oath_base32_encode ((const char *) bytes, sizeof bytes, &text, &len) == OATH_OK &&
              len == GATEWAY_TOTP_SECRET_LEN;
    if (ok)
        memcpy (out, text, GATEWAY_TOTP_SECRET_LEN + 1);
    if (text) {
        sodium_memzero (text, len);
        free (text);
    }
    sodium_memzero (bytes, sizeof bytes);
    return ok;
}

bool
gateway_totp_check (const char *secret, const char *code, time_t now, int64_t *step)
{
    if (!gateway_totp_init ())
        return false;
    char *key = NULL;
    size_t key_len = 0;
    if (oath_base32_decode (secret, strlen (secret), &key, &key_len) != OATH_OK)
        return false;
    int pos = 0;
    uint64_t counter = 0;
    int rc = oath_totp_validate3 (key, key_len, now, OATH_TOTP_DEFAULT_TIME_STEP_SIZE,
                                  OATH_TOTP_DEFAULT_START_TIME, 1, &pos, &counter, code);
    sodium_memzero (key, key_len);
    free (key);
    if (rc < 0)
        return false;
    *step = (int64_t) counter;
    return true;
}

bool
gateway_totp_uri (const char *address, const char *secret, char *out, size_t size)
{
    char encoded[3 * 160 + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *) address; *p; p++) {
        if (n + 4 > sizeof encoded)
            return false;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr ("-._~@", *p))
            encoded[n++] = (char) *p;
        else
            n += (size_t) snprintf (encoded + n, 4, "%%%02X", *p);
    }
    encoded[n] = 0;
    int len = snprintf (out, size, "otpauth://totp/Balc%%C3%%A3o:%s?secret=%s&issuer=Balc%%C3%%A3o",
                        encoded, secret);
    return len > 0 && (size_t) len < size;
}

char *
gateway_totp_qr_svg (const char *uri)
{
    QRcode *qr = QRcode_encodeString (uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return NULL;
    int w = qr->width, side = w + 8;
    /* One path of 1x1 squares, one per dark module. */
    size_t cap = 256 + (size_t) w * (size_t) w * 24;
    char *svg = malloc (cap);
    if (!svg) {
        QRcode_free (qr);
        return NULL;
    }
    size_t n = (size_t) snprintf (svg, cap,
                                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                                  "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                                  "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                                  side, side, side, side);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (qr->data[y * w + x] & 1)
                n += (size_t) snprintf (svg + n, cap - n, "M%d %dh1v1h-1z", x + 4, y + 4);
    snprintf (svg + n, cap - n, "\"/></svg>");
    QRcode_free (qr);
    return svg;
}
