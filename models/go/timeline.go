package main

// timeline.go - CM_TIMELINE=FILE, as lib/timeline.c does it: each task's
// start and end (seconds since the run began), the kernel thread that
// started it and the CPU it started on, written as
//
//	task,start_s,end_s,worker,cpu
//
// one row per task that finished, in task order. Each task writes only its
// own slot, so goroutines need no lock. A goroutine may move between
// threads while it waits: the row names the thread it started on.

import (
	"bufio"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

type tlSlot struct {
	start, end  time.Duration // end == 0: the task never finished
	worker, cpu int32
}

type timeline struct {
	path  string
	t0    time.Time
	slots []tlSlot
}

// newTimeline is nil unless CM_TIMELINE names a file; its methods then do nothing.
func newTimeline(tasks int64) *timeline {
	path := os.Getenv("CM_TIMELINE")
	if path == "" {
		return nil
	}
	return &timeline{path: path, t0: time.Now(), slots: make([]tlSlot, tasks)}
}

func (t *timeline) start(i int64) {
	if t == nil {
		return
	}
	var cpu uint32
	syscall.RawSyscall(sysGetcpu, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	t.slots[i] = tlSlot{start: time.Since(t.t0), worker: int32(syscall.Gettid()), cpu: int32(cpu)}
}

func (t *timeline) end(i int64) {
	if t != nil {
		t.slots[i].end = time.Since(t.t0)
	}
}

// write writes the CSV; false (after saying why) if it could not.
func (t *timeline) write(model string) bool {
	if t == nil {
		return true
	}
	f, err := os.Create(t.path)
	if err == nil {
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, "task,start_s,end_s,worker,cpu")
		for i, s := range t.slots {
			if s.end != 0 {
				fmt.Fprintf(w, "%d,%.6f,%.6f,%d,%d\n", i, s.start.Seconds(), s.end.Seconds(),
					s.worker, s.cpu)
			}
		}
		err = w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: timeline: writing %s: %s\n", model, t.path, errText(err))
		return false
	}
	return true
}
