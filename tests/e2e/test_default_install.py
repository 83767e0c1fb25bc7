#!/usr/bin/python3
"""A default installation lets only the operator act, as anyone (admin too).

`balcaoctl up` with a config that names only the ports (no curve_dir, no
data_dir: the embedded defaults, data under ./var), run from a directory
every account may enter, as a new operator would. Proves:
  - the first `up` made the CURVE certificates: secrets 0600, the data the
    services write (databases, logs) for the operator alone;
  - the operator's `balcao` works, admin commands included;
  - another local account (nobody) cannot act as an admin, nor as anyone:
    its `balcao person-add` fails, saying it may not speak to the services,
    and nothing is stored; a plain (non-CURVE) socket gets no answer;
  - keys cannot be registered on an open bus (a test system with CURVE off):
    a key registered there would otherwise carry admin rights into CURVE.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import json
import urllib.error
import urllib.request

import zmq

from harness import (BUILD, BusError, System, bus_pb2, check, envelope, free_port, log,
                     router_pb2, run_test, wait_until)

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _get(req):
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.read().decode()
    except urllib.error.HTTPError:
        return None


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def main():
    root = tempfile.mkdtemp(prefix="balcao-e2e-default-")
    os.chmod(root, 0o755)  # like /srv/balcao: Balcão's own modes must protect it
    cfg = os.path.join(root, "ports.cfg")
    ports = {svc: (free_port(), free_port()) for svc in ("intake", "router", "kb", "notify")}
    with open(cfg, "w") as f:
        for svc, (c, e) in ports.items():
            f.write('%s\n    command = "tcp://127.0.0.1:%d"\n    events = "tcp://127.0.0.1:%d"\n'
                    % (svc, c, e))
        http_port = free_port()
        f.write('gateway\n    http_port = %d\n' % http_port)
    os.chmod(cfg, 0o644)
    ctl = os.path.join(BUILD, "balcaoctl")
    cli = os.path.join(BUILD, "balcao")
    env = dict(os.environ, BALCAO_LANG="pt_BR")
    env.pop("BALCAO_KEY", None)

    def run(cmd, as_nobody=False, extra=None):
        e = dict(env, **(extra or {}))
        return subprocess.run((NOBODY if as_nobody else []) + cmd, cwd=root, env=e,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    ok = False
    try:
        up = run([ctl, "-c", cfg, "up"])
        check(up.returncode == 0, "balcaoctl up with the embedded defaults", up.stderr.decode())
        keys = os.path.join(root, "var", "curve")
        check(os.path.isfile(os.path.join(keys, "router.cert_secret")),
              "the first up made the CURVE certificates in var/curve")
        secrets = [n for n in os.listdir(keys) if n.endswith(".cert_secret")]
        check(secrets and all(mode(os.path.join(keys, n)) == 0o600 for n in secrets),
              "every secret key is 0600 (%d of them)" % len(secrets))
        for svc in ("router", "intake"):
            d = os.path.join(root, "var", svc)
            check(mode(d) & 0o077 == 0 and mode(os.path.join(d, "data.mdb")) & 0o077 == 0,
                  "var/%s and its database are the operator's alone (%o)" % (svc, mode(d)))

        r = run([cli, "-c", cfg, "person-add", "agent:ana@empresa.com.br", "Ana Souza", "N1"],
                extra={"BALCAO_PRINCIPAL": "admin:root"})
        check(r.returncode == 0, "the operator acts as an admin", r.stderr.decode())

        r = run([cli, "-c", cfg, "person-add", "agent:eve@x", "Eve", "N3"], as_nobody=True,
                extra={"BALCAO_PRINCIPAL": "admin:root", "USER": "nobody", "HOME": "/nonexistent"})
        err = r.stderr.decode()
        check(r.returncode != 0, "nobody claiming admin:root is refused", (r.returncode, err))
        check("não pode ler as chaves do Balcão" in err and "só a conta que roda o Balcão" in err,
              "and told that only the operator's account may speak to the services", err)
        people = run([cli, "-c", cfg, "people"], extra={"BALCAO_PRINCIPAL": "admin:root"})
        out = people.stdout.decode()
        check("ana@empresa.com.br" in out and "eve@x" not in out,
              "nothing of nobody's was stored", out)

        # The README's flow: a mail through the gate, then the API with a token.
        mail = ("From: Ana <ana@example.com.br>\nSubject: Não consigo entrar\n"
                "Message-ID: <1@example.com.br>\n\nA senha não funciona.\n").encode()
        gate = subprocess.run([os.path.join(BUILD, "balcao-mailgate"), "-c", cfg], input=mail,
                              cwd=root, env=env, capture_output=True, timeout=60)
        check(gate.returncode == 0, "the mail gate hands in an e-mail", gate.stderr.decode())
        tok = run([ctl, "-c", cfg, "api-token", "painel", "--read"])
        check(tok.returncode == 0 and tok.stdout.decode().startswith("balcao_"),
              "balcaoctl api-token painel --read prints a token", tok.stderr.decode())
        url = "http://127.0.0.1:%d/api/tickets/1" % http_port
        req = urllib.request.Request(url, headers={
            "Authorization": "Bearer " + tok.stdout.decode().strip()})
        body = wait_until(lambda: _get(req), 20, "ticket 1 through the API")
        check(json.loads(body)["subject"] == "Não consigo entrar",
              "the token reads the ticket over HTTP, as the README shows", body)

        ctx = zmq.Context()
        sock = ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect("tcp://127.0.0.1:%d" % ports["router"][0])
        sock.send(envelope(router_pb2.UpsertPerson(person=router_pb2.Person(
            id="admin:eve", name="Eve")), principal="admin:root").SerializeToString())
        check(sock.poll(2000) == 0, "a plain socket (no CURVE) gets no answer at all")
        sock.close()
        ctx.destroy(linger=0)
        ok = True
    finally:
        down = run([ctl, "-c", cfg, "down"])
        if ok:
            check(down.returncode == 0, "balcaoctl down", down.stderr.decode())
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept %s" % root)

    with System("keys_need_curve") as s:
        s.start_all(("router",))
        s.call("router", router_pb2.UpsertPerson(person=router_pb2.Person(
            id="admin:eve@x", name="Eve")), principal="admin:root")
        pub, _ = zmq.curve_keypair()
        try:
            s.call("router", router_pb2.SetPersonKey(person="admin:eve@x",
                                                     curve_key=pub.decode()),
                   principal="admin:root")
            raise AssertionError("a key was registered on an open bus")
        except BusError as e:
            check(e.code == "forbidden" and "CURVE" in e.message,
                  "on an open bus, registering a key is refused (it would carry admin rights "
                  "into CURVE)", e)
    log("test_default_install passed")


if __name__ == "__main__":
    run_test(main)
