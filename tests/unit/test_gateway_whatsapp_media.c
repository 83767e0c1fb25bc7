/* gateway_whatsapp_media's pure parts: the name a downloaded file gets,
 * the Graph API's answer to GET /<media id> (the documented example and
 * what an odd answer must not become), the SHA-256 check against Meta's
 * hex or base64 digest, and how a refused file is described. The
 * downloads themselves are tested end to end (tests/e2e/test_whatsapp_media.py). */
#include "gateway_whatsapp_media.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static const char *
s_name (const char *type, const char *id, const char *mime, const char *filename)
{
    static char out[256];
    gateway_wa_media_name (type, id, mime, filename, out, sizeof out);
    return out;
}

static void
test_names (void **state)
{
    (void) state;
    assert_string_equal (s_name ("image", "65463453", "image/jpeg", ""), "imagem-65463453.jpg");
    assert_string_equal (s_name ("audio", "12", "audio/ogg; codecs=opus", ""), "audio-12.ogg");
    assert_string_equal (s_name ("video", "765756756", "video/mp4", NULL), "video-765756756.mp4");
    assert_string_equal (s_name ("sticker", "7", "image/webp", ""), "figurinha-7.webp");
    assert_string_equal (s_name ("document", "9", "APPLICATION/PDF", ""), "documento-9.pdf");
    assert_string_equal (
        s_name ("document", "9",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""),
        "documento-9.xlsx");
    assert_string_equal (s_name ("document", "9", "application/x-unknown", ""),
                         "documento-9.bin");
    assert_string_equal (s_name ("image", "", "", ""), "imagem.bin");
    /* Only letters and digits of the id reach the name. */
    assert_string_equal (s_name ("image", "../12 34", "image/png", ""), "imagem-___12_34.png");
    /* The document's own name: its last path part, printable. */
    assert_string_equal (s_name ("document", "9", "application/pdf", "relatório.pdf"),
                         "relatório.pdf");
    assert_string_equal (s_name ("document", "9", "application/pdf", "../../etc/passwd"),
                         "passwd");
    assert_string_equal (s_name ("document", "9", "application/pdf", "C:\\Docs\\nota.pdf"),
                         "nota.pdf");
    assert_string_equal (s_name ("document", "9", "application/pdf", "a\r\nb\t.pdf"), "ab.pdf");
    assert_string_equal (s_name ("document", "9", "application/pdf", "dir/"), "documento-9.pdf");
    assert_string_equal (s_name ("document", "9", "application/pdf", ".."), "documento-9.pdf");
    /* A name too long for the buffer is cut on a character's first byte. */
    char small[8];
    gateway_wa_media_name ("document", "9", "", "ação-ação.pdf", small, sizeof small);
    assert_string_equal (small, "ação-");
    gateway_wa_media_name ("document", "9", "", "aaaaaaçã", small, sizeof small);
    assert_string_equal (small, "aaaaaa");
}

static void
test_info (void **state)
{
    (void) state;
    gateway_wa_media_info_t info;
    /* Meta's documented answer (the size is a string). */
    const char *doc = "{\"messaging_product\":\"whatsapp\",\"url\":\"https://lookaside.fbsbx.com/"
                      "whatsapp_business/attachments/?mid=1\",\"mime_type\":\"image/jpeg\","
                      "\"sha256\":\"abc\",\"file_size\":\"303833\",\"id\":\"2621233374848975\"}";
    assert_int_equal (gateway_wa_media_info_read (doc, strlen (doc), &info), 0);
    assert_string_equal (info.url,
                         "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1");
    assert_string_equal (info.mime_type, "image/jpeg");
    assert_string_equal (info.sha256, "abc");
    assert_int_equal (info.file_size, 303833);
    /* A number is a size too; no size, no type: empty, -1. */
    const char *num = "{\"url\":\"http://127.0.0.1:1/x\",\"file_size\":42}";
    assert_int_equal (gateway_wa_media_info_read (num, strlen (num), &info), 0);
    assert_int_equal (info.file_size, 42);
    assert_string_equal (info.mime_type, "");
    const char *none = "{\"url\":\"https://a/b\",\"file_size\":\"12x\"}";
    assert_int_equal (gateway_wa_media_info_read (none, strlen (none), &info), 0);
    assert_int_equal (info.file_size, -1);
    const char *negative = "{\"url\":\"https://a/b\",\"file_size\":-5}";
    assert_int_equal (gateway_wa_media_info_read (negative, strlen (negative), &info), 0);
    assert_int_equal (info.file_size, -1);
    /* Not an answer we can follow. */
    const char *bad[] = {"", "not json", "[]", "{\"url\":7}", "{\"url\":\"ftp://a/b\"}",
                         "{\"url\":\"file:///etc/passwd\"}", "{\"id\":\"1\"}",
                         "{\"error\":{\"code\":100}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal (gateway_wa_media_info_read (bad[i], strlen (bad[i]), &info), -1);
}

static void
test_sha256 (void **state)
{
    (void) state;
    const uint8_t data[] = "the bytes of a photo";
    size_t len = sizeof data - 1;
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, data, len);
    char hex[65], b64[64];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    sodium_bin2base64 (b64, sizeof b64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
    bool is_checked;
    assert_true (gateway_wa_media_sha256_ok (data, len, hex, "", &is_checked));
    assert_true (is_checked);
    assert_false (gateway_wa_media_sha256_ok (data, len - 1, hex, "", &is_checked));
    assert_true (is_checked);
    /* The hex one wins over the webhook's base64 when both are there. */
    assert_true (gateway_wa_media_sha256_ok (data, len, hex, "4654+8g=", &is_checked));
    /* Only the webhook's base64. */
    assert_true (gateway_wa_media_sha256_ok (data, len, "", b64, &is_checked));
    assert_true (is_checked);
    assert_false (gateway_wa_media_sha256_ok (data, len - 1, NULL, b64, &is_checked));
    /* Upper-case hex is the same digest. */
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char) (*p - 'a' + 'A');
    assert_true (gateway_wa_media_sha256_ok (data, len, hex, "", &is_checked));
    /* Neither a SHA-256 (the shared samples' "4654+8g="): nothing to refuse. */
    assert_true (gateway_wa_media_sha256_ok (data, len, "<HASH>", "4654+8g=", &is_checked));
    assert_false (is_checked);
    assert_true (gateway_wa_media_sha256_ok (data, len, NULL, NULL, &is_checked));
    assert_false (is_checked);
}

static void
test_describe (void **state)
{
    (void) state;
    char out[64];
    gateway_wa_media_describe ("a.jpg", 700, out, sizeof out);
    assert_string_equal (out, "a.jpg (1 KB)");
    gateway_wa_media_describe ("a.jpg", 1024 * 1024 - 1, out, sizeof out);
    assert_string_equal (out, "a.jpg (1024 KB)");
    gateway_wa_media_describe ("vídeo.mp4", 30 * 1024 * 1024, out, sizeof out);
    assert_string_equal (out, "vídeo.mp4 (30 MB)");
    /* pt-BR, as intake takes a WhatsApp message: a decimal comma, and the
     * file name's dots untouched. */
    gateway_wa_media_describe ("v.1.mp4", 40 * 1024 * 1024 + 100 * 1024, out, sizeof out);
    assert_string_equal (out, "v.1.mp4 (40,1 MB)");
}

int
main (void)
{
    if (sodium_init () < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_names),
        cmocka_unit_test (test_info),
        cmocka_unit_test (test_sha256),
        cmocka_unit_test (test_describe),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
