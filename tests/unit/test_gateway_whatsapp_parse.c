/* gateway_whatsapp_parse: the webhook's signature check (VECTORS.txt of the
 * shared data) and what each of Meta's samples becomes: every file under
 * whatsapp/webhook, meta_docs and each sample of pywa is read without error,
 * and the types an agent must read come out as text. */
#include "gateway_whatsapp_parse.h"

#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SECRET "test_app_secret_0123456789abcdef"

static char *
s_read (const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *data = malloc (1 << 20);
    *len = fread (data, 1, (1 << 20) - 1, f);
    data[*len] = 0;
    fclose (f);
    return data;
}

static bool
s_have_data (void)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/signature/VECTORS.txt", WHATSAPP_SAMPLES);
    FILE *f = fopen (path, "r");
    if (f)
        fclose (f);
    return f != NULL;
}

static gateway_wa_batch_t *
s_parse (const char *text)
{
    gateway_wa_batch_t *batch;
    char err[200];
    assert_int_equal (gateway_wa_parse (text, strlen (text), &batch, err, sizeof err), 0);
    return batch;
}

static void
test_signature_vectors (void **state)
{
    (void) state;
    if (!s_have_data ())
        skip ();
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/signature", WHATSAPP_SAMPLES);
    size_t len;
    char *body = s_read (dir, "body_ptbr_escaped.json", &len);
    assert_non_null (body);
    const unsigned char *key = (const unsigned char *) SECRET;
    size_t klen = strlen (SECRET);
    const char *good = "sha256=96664aa09f42af6d2892b5be890ccf7427e17ecfc710422e3ea7cd2dac4ee1f8";
    assert_true (gateway_wa_signature_ok (key, klen, body, len, good));
    assert_true (gateway_wa_signature_ok (
        key, klen, body, len,
        "sha256=96664AA09F42AF6D2892B5BE890CCF7427E17ECFC710422E3EA7CD2DAC4EE1F8"));
    /* The re-serialized JSON's digest, a missing or malformed header, a
     * tampered body, another key: refused. */
    assert_false (gateway_wa_signature_ok (
        key, klen, body, len,
        "sha256=2ce2e68b95da1e1394f8c6b80dd7e50c72851e968c428fbbea326ef892f85fa2"));
    assert_false (gateway_wa_signature_ok (key, klen, body, len, NULL));
    assert_false (gateway_wa_signature_ok (key, klen, body, len, good + 7));
    assert_false (gateway_wa_signature_ok (key, klen, body, len - 1, good));
    assert_false (gateway_wa_signature_ok (key, klen - 1, body, len, good));
    char shorter[80];
    snprintf (shorter, sizeof shorter, "%.*s", (int) strlen (good) - 2, good);
    assert_false (gateway_wa_signature_ok (key, klen, body, len, shorter));
    free (body);
    body = s_read (dir, "body_pywa_text.json", &len);
    assert_true (gateway_wa_signature_ok (
        key, klen, body, len,
        "sha256=791663ef570e8df81148190d330335689c34e85ecbadf3add72813ee195ddbc9"));
    free (body);
}

/* The pt-BR vector comes from a São Paulo mobile without its ninth digit
 * (551187654321): the customer is the number with it, the number Meta
 * sent is kept to reply to. */
static void
test_brazilian_number_identity (void **state)
{
    (void) state;
    if (!s_have_data ())
        skip ();
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/signature", WHATSAPP_SAMPLES);
    size_t len;
    char *body = s_read (dir, "body_ptbr_escaped.json", &len);
    assert_non_null (body);
    gateway_wa_batch_t *b = NULL;
    char err[200];
    assert_int_equal (gateway_wa_parse (body, len, &b, err, sizeof err), 0);
    assert_int_equal (b->n_messages, 1);
    assert_string_equal (b->messages[0].wa_id, "551187654321");
    assert_string_equal (b->messages[0].address, "whatsapp:+5511987654321");
    assert_string_equal (b->messages[0].name, "João Conceição");
    gateway_wa_batch_destroy (&b);
    free (body);
}

/* Every file of a folder (each sample, for pywa's maps of samples) reads. */
static size_t
s_parse_folder (const char *sub, bool is_map)
{
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/%s", WHATSAPP_SAMPLES, sub);
    DIR *d = opendir (dir);
    assert_non_null (d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (!strstr (e->d_name, ".json"))
            continue;
        size_t len;
        char *text = s_read (dir, e->d_name, &len);
        json_t *root = json_loadb (text, len, 0, NULL);
        assert_non_null (root);
        const char *key;
        json_t *sample;
        json_t *one = json_object ();
        json_object_set (one, "only", root);
        json_object_foreach (is_map ? root : one, key, sample) {
            char *body = json_dumps (sample, JSON_COMPACT);
            gateway_wa_batch_t *batch = s_parse (body);
            /* Each sample says something: a message, a status or a note. */
            if (batch->n_messages + batch->n_statuses + batch->n_notes == 0)
                fail_msg ("%s/%s:%s gave nothing", sub, e->d_name, key);
            for (size_t i = 0; i < batch->n_messages; i++) {
                assert_true (strlen (batch->messages[i].text) > 0);
                assert_true (strncmp (batch->messages[i].address, "whatsapp:", 9) == 0);
            }
            gateway_wa_batch_destroy (&batch);
            free (body);
            n++;
        }
        json_decref (one);
        json_decref (root);
        free (text);
    }
    closedir (d);
    return n;
}

static void
test_every_sample (void **state)
{
    (void) state;
    if (!s_have_data ())
        skip ();
    assert_true (s_parse_folder ("webhook", false) >= 35);
    assert_true (s_parse_folder ("meta_docs", false) >= 5);
    assert_true (s_parse_folder ("pywa", true) >= 40);
}

/* The message of webhook/<name> (one message expected). */
static gateway_wa_batch_t *
s_sample (const char *name)
{
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/webhook", WHATSAPP_SAMPLES);
    size_t len;
    char *text = s_read (dir, name, &len);
    assert_non_null (text);
    gateway_wa_batch_t *batch = s_parse (text);
    free (text);
    return batch;
}

static void
test_types_as_text (void **state)
{
    (void) state;
    if (!s_have_data ())
        skip ();
    gateway_wa_batch_t *b = s_sample ("message__text.json");
    assert_int_equal (b->n_messages, 1);
    assert_string_equal (b->messages[0].text, "Body Text");
    assert_string_equal (b->messages[0].name, "Test Name");
    assert_string_equal (b->messages[0].address, "whatsapp:+972987654321");
    assert_string_equal (b->messages[0].wamid, "wamid.xyzxyz");
    gateway_wa_batch_destroy (&b);

    b = s_sample ("message__chosen_location.json");
    assert_string_equal (b->messages[0].text,
                         "[Encaminhada] Localização: 37.4611978, -122.2164385 — Facebook HQ, 1 "
                         "Hacker Way, Menlo Park, CA 94025");
    gateway_wa_batch_destroy (&b);

    b = s_sample ("message__contacts.json");
    assert_non_null (strstr (b->messages[0].text, "Contato: Chandler Bing (+1 555-555-5555)"));
    assert_non_null (strstr (b->messages[0].text, "\nContato: Monica (+1 666-666-6666)"));
    gateway_wa_batch_destroy (&b);

    b = s_sample ("callback_button__quick_reply.json");
    assert_string_equal (b->messages[0].text, "title");
    assert_string_equal (b->messages[0].reply_id, "callback_data");
    assert_string_equal (b->messages[0].context_id, "wamid.xyzxyz==");
    gateway_wa_batch_destroy (&b);

    b = s_sample ("callback_button__button.json");
    assert_int_equal (b->n_messages, 1);
    assert_true (*b->messages[0].reply_id);
    gateway_wa_batch_destroy (&b);

    b = s_sample ("message__document.json");
    assert_true (*b->messages[0].media_id);
    assert_true (*b->messages[0].mime_type);
    assert_non_null (strstr (b->messages[0].text, "[Documento"));
    gateway_wa_batch_destroy (&b);

    b = s_sample ("message__voice.json");
    assert_non_null (strstr (b->messages[0].text, "[Mensagem de voz"));
    gateway_wa_batch_destroy (&b);

    /* A reaction is not a message: a note. */
    b = s_sample ("message__reaction.json");
    assert_int_equal (b->n_messages, 0);
    assert_int_equal (b->n_notes, 1);
    gateway_wa_batch_destroy (&b);

    b = s_sample ("message__unsupported.json");
    assert_non_null (strstr (b->messages[0].text, "131051"));
    gateway_wa_batch_destroy (&b);

    b = s_sample ("message_status__failed.json");
    assert_int_equal (b->n_messages, 0);
    assert_int_equal (b->n_statuses, 1);
    assert_string_equal (b->statuses[0].status, "failed");
    assert_true (b->statuses[0].error_code > 0);
    gateway_wa_batch_destroy (&b);
}

static void
test_not_an_update (void **state)
{
    (void) state;
    const char *bad[] = {"", "[]", "{", "{\"object\":\"page\",\"entry\":[]}",
                         "{\"object\":\"whatsapp_business_account\"}", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gateway_wa_batch_t *batch = (gateway_wa_batch_t *) 1;
        char err[200];
        assert_int_equal (gateway_wa_parse (bad[i], strlen (bad[i]), &batch, err, sizeof err), -1);
        assert_null (batch);
        assert_true (*err);
    }
    /* Odd shapes inside a real update: no crash, nothing invented. */
    gateway_wa_batch_t *b = s_parse (
        "{\"object\":\"whatsapp_business_account\",\"entry\":[1,{\"changes\":[null,{\"field\":"
        "\"messages\",\"value\":{\"messages\":[{\"id\":\"w1\"},{\"from\":\"1\"},{\"id\":\"w2\","
        "\"from\":\"55\",\"type\":\"text\",\"text\":{\"body\":7}}],\"statuses\":[{}]}}]}]}");
    assert_int_equal (b->n_messages, 1);
    assert_string_equal (b->messages[0].wamid, "w2");
    assert_non_null (strstr (b->messages[0].text, "vazia"));
    assert_int_equal (b->n_statuses, 0);
    gateway_wa_batch_destroy (&b);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_signature_vectors),
        cmocka_unit_test (test_brazilian_number_identity),
        cmocka_unit_test (test_every_sample),
        cmocka_unit_test (test_types_as_text),
        cmocka_unit_test (test_not_an_update),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
