/* split_pool.cc -- the engine's pool of half runners (issue 22): online
 * cores - 1 threads, started at the first seat taken, joined at exit,
 * which run the upper halves of split.cc's matches.  A thread is promised
 * (PoolSeat::take) before a half is built and handed its job after, so a
 * half never waits in a queue behind another: every job queued or running
 * holds a seat, and there are no more seats than threads.  Owns the seats'
 * count (under the pool's lock: taken, given back, freed by a thread done
 * with its job or by a job taken back), the queue, the threads, and the
 * count of searches and halves running against the online cores. */
#include "split_pool.hh"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace {

/* Searches running and halves running on pool threads, against the
 * online cores: a core is idle while there are fewer. */
std::atomic<int> busy{0};

/* Of those, the halves running on pool threads (engine_split_halves). */
std::atomic<int> halves{0};

int online_cores() {
    static const int n = [] {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        return c > 0 ? (int)c : 1;
    }();
    return n;
}

class Pool {
  public:
    ~Pool() {
        {
            std::lock_guard<std::mutex> g(lock);
            stopping = true;
        }
        wake.notify_all();
        for (std::thread &t : threads) t.join();
    }

    /* A seat when a thread is free (and, unless ignore_cores, a core). */
    bool take(bool ignore_cores) {
        if (online_cores() < 2 || (!ignore_cores && busy.load() >= online_cores())) return false;
        std::lock_guard<std::mutex> g(lock);
        if (threads.empty() && !start()) return false;
        if (seats == 0) return false;
        seats--;
        return true;
    }

    void give_back() {
        std::lock_guard<std::mutex> g(lock);
        seats++;
    }

    /* job onto the queue, for the thread its seat promised. */
    void post(PoolJob *job) noexcept {
        {
            std::lock_guard<std::mutex> g(lock);
            queue.push_back(job); /* never grows past the threads: seats bound it */
        }
        wake.notify_one();
    }

    /* job taken back from the queue (its seat with it) unless a thread
     * took it first. */
    bool take_back(PoolJob *job) noexcept {
        std::lock_guard<std::mutex> g(lock);
        if (job->state != PoolJob::QUEUED) return false;
        queue.erase(std::find(queue.begin(), queue.end(), job));
        job->state = PoolJob::RUNNING;
        seats++;
        return true;
    }

    int free_seats() {
        std::lock_guard<std::mutex> g(lock);
        return seats;
    }

  private:
    /* The threads, under lock; false when not one could be started. */
    bool start() {
        int n = online_cores() - 1;
        try {
            queue.reserve(n); /* so that post allocates nothing */
            threads.reserve(n);
            for (int i = 0; i < n; i++) {
                threads.emplace_back([this] { serve(); });
                seats++;
            }
        } catch (const std::exception &) {
            /* fewer threads, as many seats */
        }
        return !threads.empty();
    }

    void serve() {
        for (;;) {
            PoolJob *job;
            {
                std::unique_lock<std::mutex> g(lock);
                wake.wait(g, [this] { return stopping || !queue.empty(); });
                if (queue.empty()) return;
                job = queue.front();
                queue.erase(queue.begin());
                job->state = PoolJob::RUNNING;
            }
            bool counted = job->keeps_core_busy;
            if (counted) {
                busy++;
                halves++;
            }
            job->run();
            if (counted) {
                halves--;
                busy--;
            }
            give_back(); /* before done: once the caller sees done, the seat is free */
            std::lock_guard<std::mutex> g(job->m);
            job->done = true;
            job->cv.notify_one(); /* under m: the caller may free job once it sees done */
        }
    }

    std::mutex lock;
    std::condition_variable wake;
    std::vector<PoolJob *> queue; /* room for every thread's job, reserved at start */
    std::vector<std::thread> threads;
    int seats = 0; /* threads neither running nor promised a job */
    bool stopping = false;
};

Pool &pool() {
    static Pool p;
    return p;
}

}  // namespace

PoolSeat::~PoolSeat() {
    if (held) pool().give_back();
}

bool PoolSeat::take(bool ignore_cores) {
    if (!held) held = pool().take(ignore_cores);
    return held;
}

void PoolSeat::post(PoolJob *job) noexcept {
    held = false; /* the job's now: its thread gives it back */
    pool().post(job);
}

void pool_finish(PoolJob &job, bool run_it) noexcept {
    if (pool().take_back(&job)) {
        if (run_it) job.run();
        return;
    }
    std::unique_lock<std::mutex> g(job.m);
    job.cv.wait(g, [&] { return job.done; });
}

int pool_halves_running() {
    return halves.load();
}

int pool_free_threads() {
    return pool().free_seats();
}

SearchRunning::SearchRunning() {
    busy++;
}

SearchRunning::~SearchRunning() {
    busy--;
}
