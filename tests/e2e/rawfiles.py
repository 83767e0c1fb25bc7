"""What the raw files on disk hold, for the LGPD tests: every file under a
directory read as bytes (LMDB stores, Xapian indexes, .eml files,
attachments, a backup), whatever its format."""

import os


def files(root):
    for base, _, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            try:
                with open(path, "rb") as fh:
                    yield path, fh.read()
            except OSError:
                continue


def holds(root, text):
    """Whether any file under root holds text (UTF-8)."""
    needle = text.encode()
    return any(needle in data for _, data in files(root))


def grep_tree(root, needles):
    """{file relative to root: [the needles (bytes) it holds]}."""
    found = {}
    for path, data in files(root):
        hits = sorted({n.decode(errors="replace") for n in needles if n in data})
        if hits:
            found[os.path.relpath(path, root)] = hits
    return found
