package main

// net.go - the net workload's client and server (protocol in lib/net.h):
//
//	client -> server   "task <i>\n"
//	server             waits d ms
//	server -> client   "done <i> <d>\n", then closes the connection
//
// A request reads to end of file and accepts only exactly the answer it
// expects. Each has a deadline (--timeout-ms, default 10*d + 5000 ms) that
// covers connect, send and read alike: a server that never accepts, never
// answers or never closes costs a run at most that long. Without --connect
// the model starts a private build/slowserver on a free port (the binary
// beside this one): it dies with this process (PR_SET_PDEATHSIG, which Go
// sets, and checks, between fork and exec) and is killed and reaped at the
// end. The first failed call is printed once, as lib/net.c does.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const lineMax = 48

// errNoAnswer: the request's deadline passed.
var errNoAnswer = errors.New("no answer in time")

// errText is err as C's strerror words it ("Connection refused").
func errText(err error) string {
	var errno syscall.Errno
	text := err.Error()
	if errors.As(err, &errno) {
		text = errno.Error()
	}
	return strings.ToUpper(text[:1]) + text[1:]
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

var reportOnce sync.Once

// netReport prints the first failed call of the process; the rest are silent.
func netReport(c *cli, call string, task int64, err error) {
	reportOnce.Do(func() {
		who := ""
		if task >= 0 {
			who = fmt.Sprintf("task %d: ", task)
		}
		fmt.Fprintf(os.Stderr, "%s: net: %s%s %s: %s\n", c.model, who, call, c.addr, errText(err))
	})
}

// request makes task i's request; nil, errNoAnswer, or the failing call's error.
func request(c *cli, i int64) error {
	deadline := time.Now().Add(time.Duration(c.timeoutMs) * time.Millisecond)
	call := "connect"
	conn, err := net.DialTimeout("tcp4", c.addr, time.Until(deadline))
	if err == nil {
		defer conn.Close()
		conn.SetDeadline(deadline)
		call = "send"
		if _, err = fmt.Fprintf(conn, "task %d\n", i); err == nil {
			call = "read"
			err = checkAnswer(c, conn, i)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errNoAnswer
	case errors.Is(err, syscall.EPROTO):
		call = "answer (does the server's --ms match?)"
	}
	netReport(c, call, i, err)
	return err
}

// checkAnswer reads conn to end of file: is it exactly task i's answer?
func checkAnswer(c *cli, conn net.Conn, i int64) error {
	got, err := io.ReadAll(io.LimitReader(conn, lineMax))
	if err != nil {
		return err
	}
	if string(got) != fmt.Sprintf("done %d %d\n", i, c.ms) {
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
		if err != nil {
			netReport(c, "connect", -1, err)
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
