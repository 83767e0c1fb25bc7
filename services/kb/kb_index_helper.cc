// kb_index_helper: the second reader of an index (helper_t, declared in
// kb_index_internal.h), a thread of its own with its own Database, with
// which a search shares the reads of its candidates' term lists and its
// page's data (kb_index_t.each in kb_index_search.cc).
#include "kb_index_internal.h"

#include <chrono>

namespace {

// Yields until is_done () or for at most us microseconds.
template <typename F>
void
s_spin_until (F is_done, long us)
{
    auto until = std::chrono::steady_clock::now () + std::chrono::microseconds (us);
    while (!is_done () && std::chrono::steady_clock::now () < until)
        std::this_thread::yield ();
}

} // namespace

void
helper_t::loop ()
{
    std::unique_lock<std::mutex> lock (m);
    for (;;) {
        cv.wait (lock, [this] { return quit || job || is_woken; });
        is_woken = false;
        if (quit)
            return;
        if (!job) {
            // Woken ahead (wake): the job follows within a search.
            lock.unlock ();
            s_spin_until ([this] { return has_job.load (); }, 2000);
            lock.lock ();
            if (!job)
                continue;
        }
        has_job = false;
        std::function<void (Xapian::Database &)> work = std::move (job);
        uint64_t run = job_run, posted = 4 * run;
        job = nullptr;
        lock.unlock ();
        if (state.compare_exchange_strong (posted, 4 * run + 1)) {
            try {
                if (!db)
                    db.reset (new Xapian::Database (path));
                work (*db);
            }
            catch (...) {
                db.reset (); // opened again next time; the caller redoes what failed
            }
            state = 4 * run + 2;
        }
        // A search reads twice (term lists, then data): wait for the
        // second job a while rather than fall asleep.
        s_spin_until ([this] { return has_job.load (); }, 300);
        lock.lock ();
    }
}

void
helper_t::wake ()
{
    {
        std::lock_guard<std::mutex> lock (m);
        is_woken = true;
    }
    cv.notify_one ();
}

helper_t::helper_t (const std::string &p) : path (p)
{
    thread = std::thread ([this] { loop (); });
}

helper_t::~helper_t ()
{
    {
        std::lock_guard<std::mutex> lock (m);
        quit = true;
    }
    cv.notify_all ();
    thread.join ();
}

void
helper_t::run (Xapian::Database &own, Xapian::rev rev, const std::function<void (Xapian::Database &)> &work)
{
    uint64_t run;
    {
        std::lock_guard<std::mutex> lock (m);
        run = ++job_run;
        state = 4 * run;
        job = [rev, &work] (Xapian::Database &mine) {
            if (mine.get_revision () != rev)
                mine.reopen ();
            if (mine.get_revision () == rev)
                work (mine);
        };
        has_job = true;
    }
    cv.notify_one ();
    struct wait_t { // even when work throws
        helper_t *self;
        uint64_t run;
        ~wait_t ()
        {
            uint64_t posted = 4 * run;
            if (!self->state.compare_exchange_strong (posted, 4 * run + 2))
                while (self->state.load () != 4 * run + 2)
                    std::this_thread::yield ();
        }
    } wait{this, run};
    work (own);
}
