package main

// net.go - the net workload's client and server (the HTTP subset of
// lib/http.h):
//
//	client -> server   GET /sleep?ms=<d>&task=<i>, Connection: close
//	server             waits d ms
//	server -> client   200, body "done <i> <d>\n", then closes the connection
//
// A request reads the answer with net/http's ReadResponse and accepts only
// a 200 whose body is exactly the one it expects. Each has a deadline (--timeout-ms, default 10*d + 5000 ms) that
// covers connect, send and read alike: a server that never accepts, never
// answers or never closes costs a run at most that long, and requests that
// start after a first expiry give up at once. Failures are not printed where
// they happen: the record keeps the first and counts them all, and the run
// prints one line at the end, as lib/net.c does. Without --connect
// the model starts a private build/slowserver on a free port (the binary
// beside this one): it dies with this process (PR_SET_PDEATHSIG, which Go
// sets, and checks, between fork and exec) and is killed and reaped at the
// end.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const answerMax = 1024 // an answer, head and body

// errText is err as C's strerror words it ("Connection refused").
func errText(err error) string {
	var errno syscall.Errno
	text := err.Error()
	if errors.As(err, &errno) {
		text = errno.Error()
	}
	return strings.ToUpper(text[:1]) + text[1:]
}

// timedOut: a deadline passed, in Dial (net's own timeout error) or in a
// read or write (os.ErrDeadlineExceeded).
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// exhausted: out of descriptors, buffers, memory or local ports (exit 3).
func exhausted(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS,
		syscall.ENOMEM, syscall.EADDRNOTAVAIL} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// record is the run's requests: the first failure, how many failed and
// completed, and whether one ran out of time.
type record struct {
	mu        sync.Mutex
	first     *failure
	failed    int64
	completed atomic.Int64
	givenUp   atomic.Bool
}

type failure struct {
	call string
	task int64
	err  error
}

func (r *record) fail(call string, task int64, err error) {
	if errors.Is(err, syscall.ETIMEDOUT) {
		r.givenUp.Store(true)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed++
	if r.first == nil {
		r.first = &failure{call, task, err}
	}
}

// finish prints the first failure, if any, with the count, and returns the
// exit status: 0 none failed, 3 out of a resource, else 1.
func (r *record) finish(c *cli) int {
	f := r.first
	switch {
	case f == nil:
		return 0
	case errors.Is(f.err, syscall.ETIMEDOUT):
		fmt.Fprintf(os.Stderr, "%s: request %d: no answer within %g s (%d of %d completed)\n",
			c.model, f.task, float64(c.timeoutMs)/1000, r.completed.Load(), c.tasks)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s: net: task %d: %s %s: %s (%d of %d requests failed)\n",
		c.model, f.task, f.call, c.addr, errText(f.err), r.failed, c.tasks)
	if exhausted(f.err) {
		return 3
	}
	return 1
}

// request makes task i's request; true if it was answered right.
func request(c *cli, rec *record, i int64) bool {
	if rec.givenUp.Load() {
		rec.fail("connect", i, syscall.ETIMEDOUT)
		return false
	}
	deadline := time.Now().Add(time.Duration(c.timeoutMs) * time.Millisecond)
	call := "connect"
	conn, err := net.DialTimeout("tcp4", c.addr, time.Until(deadline))
	if err == nil {
		defer conn.Close()
		conn.SetDeadline(deadline)
		call = "send"
		if _, err = fmt.Fprintf(conn, "GET /sleep?ms=%d&task=%d HTTP/1.1\r\n"+
			"Host: localhost\r\nConnection: close\r\n\r\n", c.ms, i); err == nil {
			call = "read"
			err = checkAnswer(c, conn, i)
		}
	}
	switch {
	case err == nil:
		rec.completed.Add(1)
		return true
	case timedOut(err):
		err = syscall.ETIMEDOUT
	case errors.Is(err, syscall.EPROTO):
		call = "answer"
	}
	var sc *os.SyscallError
	if errors.As(err, &sc) && sc.Syscall == "socket" {
		call = "socket" // Dial's own first step: no descriptor to connect with
	}
	rec.fail(call, i, err)
	return false
}

// checkAnswer reads conn to end of file (the request asked the server to
// close), then parses what came with net/http's ReadResponse: a 200 whose
// body is exactly task i's answer?
func checkAnswer(c *cli, conn net.Conn, i int64) error {
	got, err := io.ReadAll(io.LimitReader(conn, answerMax))
	if err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
	if err != nil {
		return syscall.EPROTO
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || len(got) == answerMax || resp.StatusCode != http.StatusOK ||
		string(body) != fmt.Sprintf("done %d %d\n", i, c.ms) {
		return syscall.EPROTO
	}
	return nil
}

// server is the run's private slowserver, or nil with --connect.
type server struct{ cmd *exec.Cmd }

// openServer probes the --connect server or starts a private one and sets
// c.addr; on failure it prints why and returns the exit status.
func openServer(c *cli) (*server, int) {
	if c.kind != "net" {
		return nil, 0
	}
	if c.connect != "" {
		conn, err := net.DialTimeout("tcp4", c.addr, time.Duration(c.timeoutMs)*time.Millisecond)
		if timedOut(err) {
			err = syscall.ETIMEDOUT
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: net: connect %s: %s\n", c.model, c.addr, errText(err))
			if exhausted(err) {
				return nil, 3
			}
			return nil, 1
		}
		conn.Close()
		return nil, 0
	}
	return startServer(c)
}

func startServer(c *cli) (*server, int) {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: finding build/slowserver: %s\n", c.model, errText(err))
		return nil, 3
	}
	path := filepath.Join(filepath.Dir(self), "slowserver")
	cmd := exec.Command(path, "--port", "0", "--ms", fmt.Sprint(c.ms))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: starting %s: %s\n", c.model, path, errText(err))
		return nil, 3
	}
	s := &server{cmd}
	// "slowserver: listening on 127.0.0.1:PORT ms D"
	line, _ := bufio.NewReader(out).ReadString('\n')
	out.Close()
	fields := strings.Fields(line)
	if len(fields) != 6 || fields[1] != "listening" {
		fmt.Fprintf(os.Stderr, "%s: %s did not start\n", c.model, path)
		s.close()
		return nil, 3
	}
	c.addr = fields[3]
	return s, 0
}

// close kills and reaps the private server.
func (s *server) close() {
	if s != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}
