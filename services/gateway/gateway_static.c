/* gateway_static: see gateway_static.h.
 *
 * Files are read per request (open + fstat, sent by libmicrohttpd from the
 * descriptor, sendfile where it can), not loaded at start: web/dist is small
 * either way, and reading it per request means `scripts/web.sh` can rebuild
 * the app under a running gateway (new hashed names, a new index.html)
 * without a restart, and a page never meets an index.html that names
 * assets no longer on disk. The cost is a realpath and an open per file:
 * microseconds, against a browser that caches the hashed assets a year.
 *
 * Safety: the URL (already unescaped, %00 left as is) must clean into a
 * relative path of plain segments (gateway_webpath_clean: no "..", no
 * dotfiles, no NUL, no backslash); the file's realpath must then lie inside
 * the web root's realpath, so a symlink out of the root is refused too. */
#include "gateway_static.h"

#include "bc_log.h"
#include "gateway_http.h"
#include "gateway_webpath.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BALCAO_WEB_ROOT
#define BALCAO_WEB_ROOT "web/dist"
#endif

struct gateway_static_t {
    char root[PATH_MAX]; /* realpath of gateway/web_root, "" when missing */
    char configured[PATH_MAX];
    /* The web chat's page (/chat, chat.html) may be framed by these:
     * "'self'" and gateway/chat/embed_origins. */
    char chat_ancestors[1024];
};

/* gateway/chat/embed_origins: origins ("https://shop.example", spaces or
 * commas between them; ":*" for any port) whose pages may embed the chat;
 * anything else in the list is left out with a warning (a CSP source list
 * must not be widened by a typo: no other "*", no quotes, no paths). */
static void
s_chat_ancestors (bc_config_t *config, char *out, size_t size)
{
    const char *list = bc_config_str (config, "gateway/chat/embed_origins", "");
    snprintf (out, size, "'self'");
    char copy[1024];
    snprintf (copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *o = strtok_r (copy, " ,\t", &save); o; o = strtok_r (NULL, " ,\t", &save)) {
        size_t n = strlen (o);
        const char *host = strncmp (o, "https://", 8) == 0  ? o + 8
                           : strncmp (o, "http://", 7) == 0 ? o + 7
                                                            : NULL;
        /* Any port of a host: "http://localhost:*" (CSP's own wildcard). */
        size_t host_len = host ? strlen (host) : 0;
        if (host_len > 2 && strcmp (host + host_len - 2, ":*") == 0)
            host_len -= 2;
        if (!host || !host_len || n > 200
            || strspn (host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
                   < host_len
            || strchr (host, '*') != (host_len < strlen (host) ? host + host_len + 1 : NULL)
            || strlen (out) + n + 2 > size) {
            bc_warn ("event=bad_embed_origin origin=\"%.200s\" hint=\"give origins as "
                     "https://host[:port], spaces between them\"",
                     o);
            continue;
        }
        strcat (out, " ");
        strcat (out, o);
    }
}

gateway_static_t *
gateway_static_new (bc_config_t *config)
{
    gateway_static_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->configured, sizeof self->configured, "%s",
              bc_config_str (config, "gateway/web_root", BALCAO_WEB_ROOT));
    s_chat_ancestors (config, self->chat_ancestors, sizeof self->chat_ancestors);
    char real[PATH_MAX];
    if (realpath (self->configured, real))
        snprintf (self->root, sizeof self->root, "%s", real);
    char index[PATH_MAX + 16];
    snprintf (index, sizeof index, "%s/index.html", self->root);
    if (!*self->root || access (index, R_OK) != 0)
        bc_warn ("event=web_root_missing web_root=%s hint=\"run scripts/web.sh to build the "
                 "portal's pages; the API works without them\"",
                 self->configured);
    else
        bc_info ("event=web_root web_root=%s", self->root);
    return self;
}

void
gateway_static_destroy (gateway_static_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

static const char *
s_type_of (const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".avif", "image/avif"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
    };
    const char *dot = strrchr (path, '.');
    const char *slash = strrchr (path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp (dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* True when Accept-Encoding names gzip without q=0. */
static bool
s_accepts_gzip (struct MHD_Connection *conn)
{
    const char *accept =
        MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    for (const char *p = accept; p && *p;) {
        p += strspn (p, " \t,");
        size_t len = strcspn (p, ",");
        size_t name = strcspn (p, " \t;,");
        if ((name == 4 && strncasecmp (p, "gzip", 4) == 0)
            || (name == 1 && p[0] == '*')) {
            const char *q = memchr (p, ';', len);
            if (!q)
                return true;
            q += strspn (q + 1, " \t") + 1;
            if (strncasecmp (q, "q=", 2) != 0)
                return true;
            return strtod (q + 2, NULL) > 0;
        }
        p += len;
    }
    return false;
}

/* Opens root/rel when it is a regular file inside the root (after
 * symlinks). Returns the descriptor (and *size) or -1. */
static int
s_open_inside (gateway_static_t *self, const char *rel, uint64_t *size)
{
    char full[PATH_MAX * 2], real[PATH_MAX];
    snprintf (full, sizeof full, "%s/%s", self->root, rel);
    if (!realpath (full, real))
        return -1;
    size_t n = strlen (self->root);
    if (strncmp (real, self->root, n) != 0 || real[n] != '/')
        return -1;
    int fd = open (real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
        close (fd);
        return -1;
    }
    *size = (uint64_t) st.st_size;
    return fd;
}

static enum MHD_Result
s_not_built (gateway_static_t *self, struct MHD_Connection *conn)
{
    (void) self;
    static const char page[] =
        "<!doctype html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\">"
        "<title>Balcão</title></head><body>"
        "<h1>O portal ainda não foi construído</h1>"
        "<p>As páginas do Portal do Cliente não estão neste servidor. Quem administra o "
        "Balcão deve rodar <code>scripts/web.sh</code> (ou apontar "
        "<code>gateway/web_root</code> para a pasta <code>web/dist</code>) e reiniciar o "
        "gateway. A API em <code>/api/v1/</code> funciona normalmente.</p>"
        "<hr><p lang=\"en\"><b>The portal has not been built.</b> The Customer Portal's pages "
        "are not on this server. The operator should run <code>scripts/web.sh</code> (or point "
        "<code>gateway/web_root</code> at the <code>web/dist</code> folder) and restart the "
        "gateway. The API under <code>/api/v1/</code> works as usual.</p></body></html>\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (sizeof page - 1, (void *) page, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header (resp, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header (resp, "Cache-Control", "no-store");
    gateway_http_page_headers (resp);
    enum MHD_Result out = MHD_queue_response (conn, MHD_HTTP_NOT_FOUND, resp);
    MHD_destroy_response (resp);
    return out;
}

/* Sends rel (or rel.gz when the browser takes gzip and it is there).
 * MHD_NO from *found = false: no such file. */
static enum MHD_Result
s_send (gateway_static_t *self, struct MHD_Connection *conn, const char *rel, bool *found)
{
    uint64_t size;
    int fd = s_open_inside (self, rel, &size);
    *found = fd >= 0;
    if (fd < 0)
        return MHD_NO;
    char gz[PATH_MAX];
    bool has_gz = false, is_gz = false;
    if (snprintf (gz, sizeof gz, "%s.gz", rel) < (int) sizeof gz) {
        uint64_t gz_size;
        int gz_fd = s_open_inside (self, gz, &gz_size);
        has_gz = gz_fd >= 0;
        if (has_gz && s_accepts_gzip (conn)) {
            close (fd);
            fd = gz_fd;
            size = gz_size;
            is_gz = true;
        }
        else if (has_gz)
            close (gz_fd);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd (size, fd);
    if (!resp) {
        close (fd);
        return MHD_NO;
    }
    const char *type = s_type_of (rel);
    MHD_add_response_header (resp, "Content-Type", type);
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    if (is_gz)
        MHD_add_response_header (resp, "Content-Encoding", "gzip");
    if (has_gz)
        MHD_add_response_header (resp, "Vary", "Accept-Encoding");
    /* Vite names every asset by its content's hash: it never changes. */
    if (strncmp (rel, "assets/", 7) == 0)
        MHD_add_response_header (resp, "Cache-Control", "public, max-age=31536000, immutable");
    else
        MHD_add_response_header (resp, "Cache-Control", "no-cache");
    if (strcmp (rel, "chat.html") == 0)
        gateway_http_page_headers_framed (resp, self->chat_ancestors);
    else if (strncmp (type, "text/html", 9) == 0)
        gateway_http_page_headers (resp);
    enum MHD_Result out = MHD_queue_response (conn, MHD_HTTP_OK, resp);
    MHD_destroy_response (resp);
    return out;
}

enum MHD_Result
gateway_static_serve (gateway_static_t *self, struct MHD_Connection *conn, const char *url)
{
    if (!*self->root)
        return s_not_built (self, conn);
    char rel[PATH_MAX];
    bool found = false;
    enum MHD_Result out = MHD_NO;
    bool is_clean = gateway_webpath_clean (url, rel, sizeof rel);
    /* The web chat's own page, which other sites may frame. */
    if (is_clean && strcmp (rel, "chat") == 0)
        snprintf (rel, sizeof rel, "chat.html");
    if (is_clean && *rel)
        out = s_send (self, conn, rel, &found);
    if (found)
        return out;
    /* A hashed asset that is not there (an old page after a rebuild): 404,
     * never index.html, which the browser would cache a year as script. */
    if (is_clean && strncmp (rel, "assets/", 7) == 0)
        return gateway_http_no_such_page (conn);
    /* Any other path is one of the app's pages (history routes). */
    out = s_send (self, conn, "index.html", &found);
    return found ? out : s_not_built (self, conn);
}
