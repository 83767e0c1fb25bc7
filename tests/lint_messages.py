#!/usr/bin/python3
"""Every bc_reply_error call gives a pt-BR and an English sentence formatted
from the same arguments: the compiler checks the English format against the
arguments; this checks that the pt-BR one has the same conversions, in the
same order (a mismatch would print garbage or crash). "%.0s" takes a string
and prints nothing: it stands for "%s", so that a sentence can name a thing
in its own language (the pt-BR name in one, the English in the other)."""

import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALL = re.compile(r'bc_reply_error\s*\(\s*[^,]+,\s*"[a-z_]+"\s*,\s*')
LITERAL = re.compile(r'\s*"((?:[^"\\]|\\.)*)"')
SPEC = re.compile(r'%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp%]')


def conversions(fmt):
    return [s.group(0).replace("%.0s", "%s") for s in SPEC.finditer(fmt)]


def literals(src, pos):
    parts = []
    while True:
        m = LITERAL.match(src, pos)
        if not m:
            return "".join(parts), pos
        parts.append(m.group(1))
        pos = m.end()


def main():
    files = sorted(glob.glob(os.path.join(ROOT, "services/*/*.c"))
                   + glob.glob(os.path.join(ROOT, "lib/*.c")))
    bad = checked = 0
    for path in files:
        src = open(path, encoding="utf-8").read()
        for m in CALL.finditer(src):
            pt, pos = literals(src, m.end())
            if not pt:
                continue  # a format chosen at run time: not checkable here
            pos = src.index(",", pos) + 1
            en, _ = literals(src, pos)
            line = src.count("\n", 0, m.start()) + 1
            where = "%s:%d" % (os.path.relpath(path, ROOT), line)
            checked += 1
            if not en:
                print("%s: expected a pt-BR then an English sentence" % where)
                bad += 1
            elif conversions(pt) != conversions(en):
                print("%s: conversions differ:\n  pt: %s\n  en: %s" % (where, pt, en))
                bad += 1
            elif pt == en and "%" not in pt.replace("%s", ""):
                if pt != "%s":
                    print("%s: the pt-BR sentence is the English one" % where)
                    bad += 1
    print("%d bilingual error sentences checked, %d wrong" % (checked, bad))
    return 1 if bad or checked < 50 else 0


if __name__ == "__main__":
    sys.exit(main())
