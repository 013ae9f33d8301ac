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
// JSON extra: gomaxprocs. CM_TIMELINE=FILE records each task (timeline.go).
package main

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// fanOut runs every task, one goroutine each or on a pool of workers, and
// returns each task's value and whether it completed.
func fanOut(c *cli, workers int64, tl *timeline, task func(i int64) (u128, bool)) ([]u128, []bool) {
	value, done := make([]u128, c.tasks), make([]bool, c.tasks)
	var wg sync.WaitGroup
	one := func(i int64) {
		tl.start(i)
		if value[i], done[i] = task(i); done[i] {
			tl.end(i)
		}
	}
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

// init opens /dev/null onto any of descriptors 0, 1 and 2 that is closed,
// as the C models (lib/cli.c) and Node do at start-up, so that no socket,
// pipe or poller this process makes can land there and take the report.
// open takes the lowest free descriptor, so going up from 0 fills the holes.
func init() {
	for fd := 0; fd <= 2; fd++ {
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); e == syscall.EBADF {
			if _, err := syscall.Open("/dev/null", syscall.O_RDWR, 0); err != nil {
				return
			}
		}
	}
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
	if c.kind == "net" {
		r.net = &record{}
		task = func(i int64) (u128, bool) { return u128{0, 1}, request(&c, r.net, i) }
	}
	tl := newTimeline(c.tasks)
	value, done := fanOut(&c, workers, tl, task)
	for i := range value {
		if done[i] {
			r.taskDone(value[i])
		}
	}
	r.timelineFailed = !tl.write(c.model)
	status = r.finish()
	srv.close()
	os.Exit(status)
}
