#!/usr/bin/python3
"""The portal's static files (issue 13; docs/API.md "Static files").

Proves, against a web root made here (an index.html, a hashed asset with
its .gz, a file beside the root and a symlink pointing out of it):
- any page path (/, /chamados/12, /ajuda?q=x) answers the app's index.html,
  with the Content-Security-Policy of docs/API.md, nosniff, no referrer and
  Cache-Control: no-cache; HEAD answers the same headers without a body;
- a hashed asset is cached a year (immutable) with its type; a browser that
  takes gzip gets the .gz with Content-Encoding: gzip and Vary, which
  decompresses to the file; one that does not gets the plain file;
- a missing hashed asset is 404, not index.html (a year-cached page as script);
- no path leaves the root: /../../etc/passwd, %2e%2e, %2F, %00, a backslash,
  a dotfile and a symlink out of the root all answer index.html or 404,
  never the file behind it;
- the API's 404 stays JSON; a POST to a page is 405;
- with no web root at all the gateway still runs: pages answer 404 telling
  (pt-BR and English) to run scripts/web.sh, and /api/v1/ still answers.
"""

import gzip
import os

from harness import System, check, log, run_test

INDEX = b"<!doctype html><html><head><script type=module src=/assets/app-3f2a9c.js></script></head><body><div id=app></div></body></html>\n"
APP_JS = b"console.log('portal');\n" * 200
SECRET = b"segredo fora da raiz\n"


def raw(s, target, method="GET", headers=()):
    """A request written by hand (clients would clean the dots out)."""
    return s.http_raw_request(target, method=method, headers=headers)


def make_root(base):
    root = os.path.join(base, "dist")
    os.makedirs(os.path.join(root, "assets"))
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(INDEX)
    with open(os.path.join(root, "assets", "app-3f2a9c.js"), "wb") as f:
        f.write(APP_JS)
    with open(os.path.join(root, "assets", "app-3f2a9c.js.gz"), "wb") as f:
        f.write(gzip.compress(APP_JS))
    with open(os.path.join(root, ".env"), "wb") as f:
        f.write(SECRET)
    with open(os.path.join(base, "secret.txt"), "wb") as f:
        f.write(SECRET)
    os.symlink(os.path.join(base, "secret.txt"), os.path.join(root, "assets", "link.txt"))
    os.symlink("/etc/passwd", os.path.join(root, "passwd"))
    return root


def main():
    with System("portal_static") as s:
        root = make_root(s.dir)
        s.extra_config["gateway"] = '    web_root = "%s"\n' % root
        s.write_config()
        s.start_all()

        log("pages: index.html with the page headers")
        for path in ("/", "/chamados/12", "/ajuda?q=boleto", "/entrar/link"):
            status, h, body = raw(s, path)
            check(status == 200 and body == INDEX, "%s answers index.html" % path, (status, body[:80]))
            csp = h.get("content-security-policy", "")
            check("default-src 'self'" in csp and "script-src 'self'" in csp
                  and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp,
                  "%s has the CSP of docs/API.md" % path, csp)
            check(h.get("x-content-type-options") == "nosniff"
                  and h.get("referrer-policy") == "no-referrer", "%s: nosniff, no referrer" % path, h)
            check(h.get("cache-control") == "no-cache" and h.get("content-type", "").startswith("text/html"),
                  "%s: text/html, no-cache" % path, h)
        status, h, body = raw(s, "/chamados", method="HEAD")
        check(status == 200 and body == b"" and "content-security-policy" in h
              and h.get("content-length") == str(len(INDEX)), "HEAD: the headers, no body", (status, h, body))

        log("a hashed asset: cached a year, gzip when taken")
        status, h, body = raw(s, "/assets/app-3f2a9c.js", headers=["Accept-Encoding: gzip, deflate, br"])
        check(status == 200 and h.get("content-encoding") == "gzip"
              and gzip.decompress(body) == APP_JS, "a gzip-taking browser gets the .gz", (status, h))
        check(h.get("vary") == "Accept-Encoding" and h.get("cache-control")
              == "public, max-age=31536000, immutable"
              and h.get("content-type", "").startswith("text/javascript"),
              "the .gz: Vary, a year's cache, the JavaScript type", h)
        status, h, body = raw(s, "/assets/app-3f2a9c.js")
        check(status == 200 and body == APP_JS and "content-encoding" not in h
              and h.get("vary") == "Accept-Encoding", "no Accept-Encoding: the plain file", h)
        status, h, body = raw(s, "/assets/app-3f2a9c.js", headers=["Accept-Encoding: gzip;q=0"])
        check(status == 200 and body == APP_JS, "gzip;q=0: the plain file", h)
        status, h, body = raw(s, "/assets/app-000000.js")
        check(status == 404 and body != INDEX, "a missing asset is 404, not index.html", (status, body[:80]))

        log("nothing outside the root")
        for target in ("/../../etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
                       "/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
                       "/passwd", "/assets/link.txt", "/.env", "/assets%5c..%5c..%5csecret.txt",
                       "/index.html%00.js", "/assets/app-3f2a9c.js%00"):
            status, h, body = raw(s, target)
            check(b"root:" not in body and SECRET not in body and status in (200, 404),
                  "%s does not leave the root" % target, (status, body[:80]))
            if status == 200:
                check(body == INDEX, "%s answers index.html" % target, body[:80])

        log("the API is not a page; writes to pages are refused")
        status, h, body = raw(s, "/api/v1/nada")
        check(status == 404 and h.get("content-type", "").startswith("application/json"),
              "an unknown API path is a JSON 404", (status, h))
        status, h, body = raw(s, "/chamados", method="POST", headers=["Content-Length: 0"])
        check(status == 405, "POST to a page is 405", status)

    log("no web root: the API runs, pages say how to build them")
    with System("portal_static_missing") as s:
        s.extra_config["gateway"] = '    web_root = "%s"\n' % os.path.join(s.dir, "nowhere")
        s.write_config()
        s.start_all(services=("router", "kb", "gateway"))
        status, h, body = raw(s, "/chamados")
        text = body.decode()
        check(status == 404 and "scripts/web.sh" in text and "não foi construído" in text
              and "has not been built" in text and "content-security-policy" in h,
              "a missing web root: 404 in pt-BR and English naming scripts/web.sh", (status, text[:200]))
        status, h, body = raw(s, "/api/v1/kb/suggest?q=senha")
        check(status == 200, "the API answers without pages", (status, body[:200]))
        check("web_root_missing" in s.log_text("gateway"), "the gateway's log says the pages are missing")


if __name__ == "__main__":
    run_test(main)
