/* split_pool.hh -- the engine's pool of half runners (split_pool.cc):
 * threads (online cores - 1) that run the upper half of a split match
 * (split.cc), taken by reservation so that a half is only ever handed to
 * a thread that is free for it at once, and the count of searches and
 * halves running that tells whether a core is idle.  Declarations only;
 * nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_SPLIT_POOL_HH
#define LEDE_ENGINE_SPLIT_POOL_HH

#include <condition_variable>
#include <mutex>

/* A piece of work for a pool thread.  Whoever posts it keeps it alive
 * until pool_finish returns. */
struct PoolJob {
    enum State { QUEUED, RUNNING };
    virtual ~PoolJob() = default;
    virtual void run() noexcept = 0;
    /* Whether it counts among the work that keeps a core busy: a split's
     * half does, a test's hold (which waits, using no CPU) does not. */
    bool keeps_core_busy = true;
    State state = QUEUED;  /* under the pool's lock */
    bool done = false;     /* under m */
    std::mutex m;
    std::condition_variable cv;
};

/* A pool thread promised to one job: taken (take) when a thread is free
 * and a core idle, so that the job posted with it starts at once; given
 * back when it goes out of scope unposted (an error or exception while
 * the halves are built leaks no thread).  Not copyable. */
class PoolSeat {
  public:
    PoolSeat() = default;
    ~PoolSeat();
    PoolSeat(const PoolSeat &) = delete;
    PoolSeat &operator=(const PoolSeat &) = delete;
    /* Takes a free thread: false when none is (all running or promised,
     * one online core, as many searches and halves running as there are
     * cores, or its thread could not be started); ignore_cores: whether
     * the cores' count is not asked (a test's hold). */
    bool take(bool ignore_cores = false);
    bool taken() const { return held; }
    /* Hands job to the promised thread (take() said true); the seat is
     * the job's then.  Throws nothing. */
    void post(PoolJob *job) noexcept;

  private:
    bool held = false;
};

/* The posted job finished: taken back and run on the caller (run_it) when
 * its thread has not started it yet, else waited for.  Throws nothing. */
void pool_finish(PoolJob &job, bool run_it) noexcept;

/* Split halves running on pool threads now (engine_split_halves). */
int pool_halves_running();

/* Tests: pool threads not running or promised a job now. */
int pool_free_threads();

/* One engine search running while it lives (engine_search): with the
 * halves running, whether a core is idle for a second half. */
struct SearchRunning {
    SearchRunning();
    ~SearchRunning();
    SearchRunning(const SearchRunning &) = delete;
    SearchRunning &operator=(const SearchRunning &) = delete;
};

#endif
