#pragma once
// Work shared by a few threads, with exceptions carried back to the caller's thread, so that
// an exception thrown on a worker reaches the tool's one error boundary instead of ending the
// process (std::terminate).

#include <cstddef>
#include <functional>

namespace envlock {

/// Calls `body(i)` for every i in [0, count), on up to `threads` threads (the caller's thread
/// is one of them; 0 means one per core). Indices are handed out in increasing order. When a
/// call throws, no further index is started, the threads are joined, and the first exception
/// is rethrown on the calling thread. When no extra thread can be started, the calling thread
/// does all the work.
void parallel_for(size_t count, unsigned threads, const std::function<void(size_t)>& body);

}  // namespace envlock
