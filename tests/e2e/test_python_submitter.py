#!/usr/bin/python3
"""The Python example examples/python/submit_ticket.py works against a live system.

Proves that the example, run as another system would run it:
  - without the generated modules on PYTHONPATH (it generates them with protoc
    from proto/) submits a ticket that the router shows with the given subject,
    sender and origin_message_id = the example's --external-id;
  - run again with the same --external-id (this time importing the modules from
    $BALCAO_BUILD/python) reports duplicate=true and opens no second ticket;
  - exits 75 when intake does not answer.
"""

import os
import subprocess
import time

from harness import PYTHON_OUT, REPO, System, check, log, run_test, wait_until

EXAMPLE = os.path.join(REPO, "examples", "python", "submit_ticket.py")
SUBJECT = "Nota fiscal não emitida no pedido 4512"


def run_example(endpoint, external_id, with_pythonpath, timeout_s=2.0, tries=3):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if with_pythonpath:
        env["PYTHONPATH"] = PYTHON_OUT
    cmd = ["/usr/bin/python3", EXAMPLE, "--endpoint", endpoint,
           "--from", "financeiro@loja.example.com", "--name", "Loja Exemplo",
           "--subject", SUBJECT, "--body", "A nota do pedido 4512 não foi emitida.",
           "--external-id", external_id, "--timeout", str(timeout_s), "--tries", str(tries)]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = r.stdout.decode("utf-8", errors="replace")
    log("example (PYTHONPATH %s) exit %d: %s" % ("set" if with_pythonpath else "unset",
                                                   r.returncode, out.strip()))
    return r.returncode, out, r.stderr.decode("utf-8", errors="replace")


def main():
    with System("pysubmit") as s:
        s.start_all(("intake", "router"))
        external_id = "erp-pedido-4512-%d" % time.time_ns()

        rc, out, err = run_example(s.endpoints["intake"], external_id, with_pythonpath=False)
        check(rc == 0 and "message_ref=m" in out and "duplicate=false" in out,
              "example (protoc-generated modules) submits a new message", (rc, out, err))

        t = wait_until(lambda: s.ticket(1), 20, "ticket 1 in the router", system=s)
        check(t.subject == SUBJECT, "ticket subject is the example's subject", t.subject)
        check(t.origin_message_id == external_id, "origin_message_id is the example's external id",
              t.origin_message_id)
        check(t.customer_address == "financeiro@loja.example.com" and t.channel == "api",
              "customer address and channel api", (t.customer_address, t.channel))

        rc, out, err = run_example(s.endpoints["intake"], external_id, with_pythonpath=True)
        check(rc == 0 and "duplicate=true" in out,
              "the same external id again (modules from the build) is a duplicate", (rc, out, err))
        time.sleep(0.5)
        check(s.ticket_total() == 1, "still exactly one ticket")

        s.stop("intake")
        rc, out, err = run_example(s.endpoints["intake"], external_id + "-x", True, 0.3, 2)
        check(rc == 75, "example exits 75 when intake does not answer", (rc, out, err))
    log("test_python_submitter passed")


if __name__ == "__main__":
    run_test(main)
