// Command go - goroutines, Go's M:N threads: the runtime multiplexes them
// onto GOMAXPROCS threads (by default one per CPU), parking a goroutine
// that sleeps or waits on a socket and running another in its place.
//
//	one per task (default): goroutine i runs task i; a million sleeping
//	  goroutines are a million small stacks and timers, not threads.
//	--workers W: W goroutines take task indices from a shared counter
//	  (the Go idiom for a bounded pool).
//
// cpu tasks run in parallel on GOMAXPROCS threads, io tasks sleep
// (time.Sleep parks the goroutine), net tasks make blocking-looking calls
// that the runtime turns into epoll waits. Each task writes its value into
// its own slot; main adds the slots up after every goroutine has finished.
// JSON extra: gomaxprocs.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// fanOut runs every task, one goroutine each or on a pool of workers, and
// returns each task's value and whether it completed.
func fanOut(c *cli, workers int64, task func(i int64) (u128, bool)) ([]u128, []bool) {
	value, done := make([]u128, c.tasks), make([]bool, c.tasks)
	var wg sync.WaitGroup
	one := func(i int64) { value[i], done[i] = task(i) }
	if workers == 0 {
		wg.Add(int(c.tasks))
		for i := int64(0); i < c.tasks; i++ {
			go func(i int64) { defer wg.Done(); one(i) }(i)
		}
	} else {
		var next atomic.Int64
		wg.Add(int(workers))
		for w := int64(0); w < workers; w++ {
			go func() {
				defer wg.Done()
				for i := next.Add(1) - 1; i < c.tasks; i = next.Add(1) - 1 {
					one(i)
				}
			}()
		}
	}
	wg.Wait()
	return value, done
}

// netTask makes task i's request and sorts its failure: no answer in time
// (printed once, with how many had completed), out of a resource (counted
// for the shortfall), or a failed call (printed once by request).
type netTask struct {
	c         *cli
	completed atomic.Int64
	late      sync.Once
	failed    atomic.Bool
	mu        sync.Mutex
	exhausted int64 // requests that ran out of a resource
	firstErr  error // the first of them
}

func (t *netTask) run(i int64) (u128, bool) {
	err := request(t.c, i)
	switch {
	case err == nil:
		t.completed.Add(1)
		return u128{0, 1}, true
	case err == errNoAnswer:
		t.late.Do(func() {
			fmt.Fprintf(os.Stderr, "%s: request %d: no answer within %g s (%d of %d completed)\n",
				t.c.model, i, float64(t.c.timeoutMs)/1000, t.completed.Load(), t.c.tasks)
		})
	case exhausted(err):
		t.mu.Lock()
		if t.exhausted++; t.firstErr == nil {
			t.firstErr = err
		}
		t.mu.Unlock()
	}
	t.failed.Store(true)
	return u128{}, false
}

func main() {
	c := parseCommandLine("go")
	srv, status := openServer(&c)
	if status != 0 {
		os.Exit(status)
	}
	workers := c.workers
	if workers > c.tasks {
		workers = c.tasks
	}
	r := beginRun(&c, workers)
	r.extra("gomaxprocs", runtime.GOMAXPROCS(0))
	task := func(i int64) (u128, bool) { return runTask(&c, i), true }
	nt := &netTask{c: &c}
	if c.kind == "net" {
		task = nt.run
	}
	value, done := fanOut(&c, workers, task)
	for i := range value {
		if done[i] {
			r.taskDone(value[i])
		}
	}
	r.failed = nt.failed.Load()
	if nt.exhausted > 0 {
		r.short("tasks", c.tasks-nt.exhausted, c.tasks, nt.firstErr)
	}
	status = r.finish()
	srv.close()
	os.Exit(status)
}
