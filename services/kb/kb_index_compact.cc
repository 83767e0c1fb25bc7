// kb_index_compact: an index rewritten compacted and swapped in, so that a
// crash at any moment leaves a usable index (kb_index.h, "Compaction").
//
// Xapian's glass B-trees are copy-on-write and split their blocks as
// documents come and are replaced (a ticket is indexed again at each of
// its messages and status changes): after 20,000 tickets opened, resolved
// and closed, the tickets' index takes about 1.5 times what a compacted
// copy of the same documents takes (docs/ARCHITECTURE.md, kb). The copy is
// Xapian's own (Database::compact): same documents, same docids
// (DBCOMPACT_NO_RENUMBER), same statistics and metadata (the term scheme,
// the last batch and its ids), so every search answers the same.
//
// The swap, in the index's parent directory:
//   1. <index>.compacting: the compacted copy, with balcao.compacted_bytes
//      in its metadata, every file and the directory synced;
//   2. renamed to <index>.new (the copy is complete), parent synced;
//   3. the index closed, <index> renamed to <index>.old, <index>.new to
//      <index>, parent synced, the index reopened, <index>.old removed.
// A crash in 1 or 2 leaves <index> as it was; in 3, between the two
// renames, no <index> but a complete <index>.new. kb_index_open calls
// kb_index_finish_swap first: <index>.new takes the place of a missing
// <index> (or <index>.old does, should there be no .new), and what is left
// of the others is removed.
#include "kb_index_internal.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const char s_compacted_key[] = "balcao.compacted_bytes";

bool
s_exists (const std::string &path)
{
    struct stat st;
    return stat (path.c_str (), &st) == 0;
}

std::string
s_parent (const std::string &path)
{
    size_t slash = path.find_last_of ('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr (0, slash);
}

// fsync of one file or directory: 0, or -1 with errno.
int
s_sync (const std::string &path, int flags)
{
    int fd = open (path.c_str (), O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    int saved = errno;
    close (fd);
    errno = saved;
    return rc;
}

// Every file under dir, then dir itself, durable: 0, or -1 with errno (a
// directory that cannot be read throws fs::filesystem_error).
int
s_sync_tree (const std::string &dir)
{
    for (const fs::directory_entry &e : fs::directory_iterator (dir)) // throws on error
        if (e.is_regular_file () && s_sync (e.path ().string (), 0))
            return -1;
    return s_sync (dir, O_DIRECTORY);
}

// A step of the swap that failed: Xapian's kind of error, for the caller's
// one catch.
[[noreturn]] void
s_fail (const std::string &what)
{
    throw Xapian::DatabaseError (what + ": " + std::strerror (errno));
}

void
s_rename (const std::string &from, const std::string &to)
{
    if (rename (from.c_str (), to.c_str ()))
        s_fail ("rename " + from + " " + to);
}

// Tests (test_kb_compact.py): a kill -9 between the swap's two renames,
// the moment that leaves no index under its name.
void
s_failpoint ()
{
    const char *fp = std::getenv ("BALCAO_KB_FAILPOINT");
    if (fp && std::strcmp (fp, "compact_swap") == 0) {
        std::fprintf (stderr, "event=failpoint name=compact_swap\n");
        std::fflush (stderr);
        std::raise (SIGKILL);
    }
}

} // namespace

void
kb_index_finish_swap (const std::string &path)
{
    std::error_code ec;
    fs::remove_all (path + ".compacting", ec);
    if (!s_exists (path)) {
        // Killed between the renames: the complete copy takes the place
        // (or, should it be gone, the index it was made from).
        if (s_exists (path + ".new"))
            rename ((path + ".new").c_str (), path.c_str ());
        else if (s_exists (path + ".old"))
            rename ((path + ".old").c_str (), path.c_str ());
        s_sync (s_parent (path), O_DIRECTORY);
    }
    fs::remove_all (path + ".new", ec);
    fs::remove_all (path + ".old", ec);
}

extern "C" uint64_t
kb_index_bytes (kb_index_t *self)
{
    uint64_t total = 0;
    try {
        for (const fs::directory_entry &e : fs::directory_iterator (self->path)) {
            std::error_code ec;
            uintmax_t size = e.is_regular_file (ec) ? e.file_size (ec) : 0;
            if (!ec)
                total += size;
        }
    }
    catch (const fs::filesystem_error &e) {
        self->error = e.what (); // what was counted so far
    }
    return total;
}

extern "C" uint64_t
kb_index_compacted_bytes (kb_index_t *self)
{
    try {
        return std::strtoull (self->db.get_metadata (s_compacted_key).c_str (), nullptr, 10);
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return 0;
    }
}

extern "C" int
kb_index_compact (kb_index_t *self)
{
    if (self->dirty || self->in_transaction) {
        self->error = "an index is compacted between batches, with nothing uncommitted";
        return -1;
    }
    const std::string &path = self->path;
    std::string copy = path + ".compacting", ready = path + ".new", old = path + ".old";
    std::error_code ec;
    // 1-2: the compacted copy, complete and durable under <index>.new.
    try {
        fs::remove_all (copy, ec);
        fs::remove_all (ready, ec);
        {
            Xapian::Database committed (path);
            committed.compact (copy, Xapian::DBCOMPACT_NO_RENUMBER | Xapian::Compactor::FULL);
        }
        {
            Xapian::WritableDatabase out (copy, Xapian::DB_OPEN);
            uint64_t bytes = 0;
            for (const fs::directory_entry &e : fs::directory_iterator (copy))
                if (e.is_regular_file ())
                    bytes += e.file_size ();
            out.set_metadata (s_compacted_key, std::to_string (bytes));
            out.commit ();
            out.close ();
        }
        if (s_sync_tree (copy))
            s_fail ("sync " + copy);
        s_rename (copy, ready);
        if (s_sync (s_parent (path), O_DIRECTORY))
            s_fail ("sync " + s_parent (path));
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        fs::remove_all (copy, ec);
        fs::remove_all (ready, ec);
        return -1;
    }
    catch (const fs::filesystem_error &e) {
        self->error = e.what ();
        fs::remove_all (copy, ec);
        fs::remove_all (ready, ec);
        return -1;
    }
    // 3: the swap. The helper's database is of the files replaced.
    int rc = 0;
    try {
        self->helper.reset ();
        self->db.close ();
        s_rename (path, old);
        s_failpoint ();
        s_rename (ready, path);
        if (s_sync (s_parent (path), O_DIRECTORY))
            s_fail ("sync " + s_parent (path));
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        rc = -1;
    }
    // Whatever happened, the index under its name, as a start would find it.
    kb_index_finish_swap (path);
    try {
        self->db = Xapian::WritableDatabase (path, Xapian::DB_OPEN);
    }
    catch (const Xapian::Error &e) {
        // Closed: every later call fails, and kb stops (kb_index_failed).
        self->error = e.get_description ();
        rc = -1;
    }
    // Same docids, same documents: still, what is remembered of them is
    // read again from the files that now hold them.
    self->forget ();
    return rc;
}
