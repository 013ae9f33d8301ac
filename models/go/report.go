package main

// report.go - timing, verification, the report and the exit status
// (lib/run.c): the same JSON keys in the same order, the same summary line.
//
// Exit status: 0 verified, 1 the run failed (a wrong total, a task that did
// not complete, a report not written), 3 a request ran out of a resource
// (descriptors, memory, local ports). A goroutine that cannot get memory
// stops the whole program: the Go runtime does not report it to the caller.

import (
	"fmt"
	"math/big"
	"os"
	"runtime"
	"syscall"
	"time"
)

type run struct {
	cli     *cli
	workers int64 // the workers used (0: one per task)
	start   time.Time
	total   u128
	done    int64
	net     *record // net: the requests' failures
	// A timeline was asked for and not written: the run fails.
	timelineFailed bool
	fdsStart       int
	extras         []string // `"key":value` pairs
}

// openFds counts /proc/self/fd, less the descriptor reading it holds.
func openFds() int {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	return len(names) - 1
}

// beginRun starts the clock. The runtime opens its poller's descriptors
// with the first timer: a stopped one opens them now, so that they count
// as present at the start rather than leaked at the end.
func beginRun(c *cli, workers int64) *run {
	time.AfterFunc(time.Hour, func() {}).Stop()
	return &run{cli: c, workers: workers, fdsStart: openFds(), start: time.Now()}
}

func (r *run) taskDone(v u128) {
	r.total = r.total.add(v)
	r.done++
}

func (r *run) extra(key string, value interface{}) {
	r.extras = append(r.extras, fmt.Sprintf("%q:%v", key, value))
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

func (r *run) json(wall float64, result string, ok bool) string {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	rss := self.Maxrss
	if kids.Maxrss > rss {
		rss = kids.Maxrss
	}
	c := r.cli
	s := fmt.Sprintf(`{"model":%q,"workload":%q,"tasks":%d,"workers":%d,"n":%d,"ms":%d,`+
		`"cpus":%d,"wall_s":%.6f,"user_s":%.6f,"sys_s":%.6f,"max_rss_kb":%d,`+
		`"ctx_voluntary":%d,"ctx_involuntary":%d,"completed":%d,"result":"%s","ok":%t,`+
		`"leaked_fds":%d`,
		c.model, c.kind, c.tasks, r.workers, c.n, c.ms, runtime.NumCPU(), wall,
		tvSeconds(self.Utime)+tvSeconds(kids.Utime), tvSeconds(self.Stime)+tvSeconds(kids.Stime),
		rss, self.Nvcsw+kids.Nvcsw, self.Nivcsw+kids.Nivcsw, r.done, result, ok,
		openFds()-r.fdsStart)
	for _, e := range r.extras {
		s += "," + e
	}
	return s + "}"
}

// finish verifies the total, prints the report and returns the exit status.
func (r *run) finish() int {
	wall := time.Since(r.start).Seconds()
	c := r.cli
	want := expectedTotal(c)
	got := r.total.big()
	ok := r.done == c.tasks && got.Cmp(want) == 0
	status := 0
	// One line on stderr says why a run failed: the first failed request
	// (with the count), or the totals.
	if r.net != nil {
		status = r.net.finish(c)
	}
	if !ok && status == 0 {
		fmt.Fprintf(os.Stderr, "%s: result %s from %d of %d tasks, expected %s\n",
			c.model, got, r.done, c.tasks, want)
		status = 1
	}
	ok = ok && status == 0
	if r.timelineFailed && status == 0 {
		status = 1
	}
	var out string
	if c.json {
		out = r.json(wall, got.String(), ok) + "\n"
	} else {
		out = summary(r, wall, got, ok)
	}
	if _, err := os.Stdout.WriteString(out); err != nil {
		fmt.Fprintf(os.Stderr, "%s: writing the report: %s\n", c.model, errText(err))
		if status == 0 {
			status = 1
		}
	}
	return status
}

func summary(r *run, wall float64, got *big.Int, ok bool) string {
	pool, verdict := "", "ok"
	if r.workers > 0 {
		pool = fmt.Sprintf(" on %d workers", r.workers)
	}
	if !ok {
		verdict = "NOT OK"
	}
	return fmt.Sprintf("%s %s: %d tasks%s, %.3f s, result %s, %s\n", r.cli.model,
		r.cli.kind, r.cli.tasks, pool, wall, got, verdict)
}
