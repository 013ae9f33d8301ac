package main

// cli.go - the suite's command line (lib/cli.c), message for message:
//
//	go <cpu|io|net> [--tasks T] [--n N] [--ms D] [--workers W]
//	   [--connect HOST:PORT] [--timeout-ms T] [--json]
//
// Numbers are ASCII digits only (no sign, no space); anything else, or a
// value out of range, gets one line on stderr naming the option, the value
// and the accepted range, and exit status 2.

import (
	"fmt"
	"net"
	"os"
	"strings"
)

const (
	maxTasks     = 10000000
	maxN         = 1 << 32
	maxMs        = 600000
	maxWorkers   = 1000000
	maxTimeoutMs = 86400000 // a day
	addrRange    = "HOST:PORT, HOST an IPv4 address or localhost, PORT 1..65535"
)

var workloads = []string{"cpu", "io", "net"}

type cli struct {
	model     string
	kind      string // cpu, io or net
	tasks     int64
	n         uint64
	ms        int64
	workers   int64  // 0: one per task
	connect   string // net: --connect text, or ""
	addr      string // net: where the requests go, "a.b.c.d:port"
	timeoutMs int64  // net: each request's deadline
	json      bool
}

// usageError is bad usage: its text is the one line printed before exit 2.
type usageError string

func (e usageError) Error() string { return string(e) }

func usage(model string) {
	fmt.Printf("usage: %s <workload> [--tasks T] [--n N] [--ms D] [--workers W]"+
		" [--connect HOST:PORT] [--timeout-ms T] [--json]\n\n", model)
	fmt.Printf("  cpu          task i sums k*k for 0 <= k < N + i, exactly\n" +
		"  io           task i waits D ms\n" +
		"  net          task i asks a server over TCP, which answers after D ms\n")
	fmt.Printf("  --tasks T    number of tasks, 1..%d (default: cpu 20, io and net 100)\n", maxTasks)
	fmt.Printf("  --n N        cpu size, 1..%d (default 10000000)\n", uint64(maxN))
	fmt.Printf("  --ms D       io wait or net server delay in ms, 0..%d (default 100)\n", maxMs)
	fmt.Printf("  --workers W  a pool of W workers, 1..%d (default: one per task)\n", maxWorkers)
	fmt.Printf("  --connect HOST:PORT\n" +
		"               net: use the slowserver there (its --ms must equal D);\n" +
		"               default: start a private one on 127.0.0.1\n")
	fmt.Printf("  --timeout-ms T\n"+
		"               net: give up a request with no answer after T ms,\n"+
		"               1..%d (default 10 * D + 5000)\n", maxTimeoutMs)
	fmt.Printf("  --json       print one JSON object instead of a summary\n\n" +
		"Exit status: 0 verified; 1 the run failed (a wrong result, a request that\n" +
		"failed, was refused or got no answer in time, a report not written);\n" +
		"2 bad usage; 3 out of a resource (threads, processes, descriptors, memory).\n")
}

// shownMax matches lib/cli.h's CLI_SHOWN_MAX: a value shows at most
// shownMax - 8 bytes, then "...".
const shownMax = 128

// shown is text as a message can show it on one line, byte for byte as
// lib/cli.c's cli_shown: control bytes escaped (\t, \n, \xNN), at most
// shownMax - 8 bytes of it, then "...".
func shown(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if b.Len() >= shownMax-8 {
			b.WriteString("...")
			break
		}
		switch c := text[i]; {
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// number parses text as ASCII decimal digits in [lo, hi].
func number(text string, lo, hi uint64) (uint64, bool) {
	if text == "" {
		return 0, false
	}
	var v uint64
	for _, c := range []byte(text) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v > hi {
			return 0, false
		}
	}
	return v, v >= lo
}

// parseAddr accepts "HOST:PORT" as net_parse_addr does; "" if it is not one.
func parseAddr(text string) string {
	colon := strings.LastIndexByte(text, ':')
	if colon <= 0 {
		return ""
	}
	host, port := text[:colon], text[colon+1:]
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	p, ok := number(port, 1, 65535)
	if strings.ContainsRune(host, ':') || ip == nil || ip.To4() == nil || !ok {
		return ""
	}
	return fmt.Sprintf("%s:%d", ip.To4(), p)
}

type numOpt struct {
	lo, hi uint64
	value  *uint64
}

// parseArgs parses args into c; nil and help=true after --help.
func parseArgs(model string, args []string, c *cli) (help bool, err error) {
	var tasks, workers, timeout uint64
	n, ms := uint64(10000000), uint64(100)
	opts := map[string]numOpt{
		"tasks":      {1, maxTasks, &tasks},
		"n":          {1, maxN, &n},
		"ms":         {0, maxMs, &ms},
		"workers":    {1, maxWorkers, &workers},
		"timeout-ms": {1, maxTimeoutMs, &timeout},
	}
	names := strings.Join(workloads, "|")
	bad := func(format string, a ...interface{}) (bool, error) {
		return false, usageError(model + ": " + fmt.Sprintf(format, a...))
	}
	*c = cli{model: model}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--help" || arg == "-h":
			usage(model)
			return true, nil
		case arg == "--json":
			c.json = true
			continue
		case !strings.HasPrefix(arg, "--"):
			if c.kind != "" {
				return bad("workload: unexpected argument '%s' (accepted: one of %s)", shown(arg), names)
			}
			if !contains(workloads, arg) {
				return bad("workload: unknown workload '%s' (accepted: %s)", shown(arg), names)
			}
			c.kind = arg
			continue
		}
		name, value, hasEq := strings.Cut(arg[2:], "=")
		opt, isNum := opts[name]
		accepted := addrRange
		if isNum {
			accepted = fmt.Sprintf("%d..%d", opt.lo, opt.hi)
		} else if name != "connect" {
			return bad("%s: unknown option (try --help)", shown("--"+name))
		}
		if !hasEq {
			if i+1 == len(args) {
				return bad("--%s: missing value (accepted: %s)", name, accepted)
			}
			i++
			value = args[i]
		}
		if !isNum {
			if c.addr = parseAddr(value); c.addr == "" {
				return bad("--connect: invalid value '%s' (accepted: %s)", shown(value), accepted)
			}
			c.connect = value
			continue
		}
		v, ok := number(value, opt.lo, opt.hi)
		if !ok {
			return bad("--%s: invalid value '%s' (accepted: %s)", name, shown(value), accepted)
		}
		*opt.value = v
	}
	if c.kind == "" {
		return bad("workload: missing (accepted: %s)", names)
	}
	if c.connect != "" && c.kind != "net" {
		return bad("--connect: '%s' is for the net workload only (accepted: net)", c.connect)
	}
	if timeout != 0 && c.kind != "net" {
		return bad("--timeout-ms: '%d' is for the net workload only (accepted: net)", timeout)
	}
	c.tasks = int64(tasks)
	if tasks == 0 {
		c.tasks = 100
		if c.kind == "cpu" {
			c.tasks = 20
		}
	}
	c.n, c.ms, c.workers = n, int64(ms), int64(workers)
	c.timeoutMs = int64(timeout)
	if timeout == 0 {
		c.timeoutMs = 10*c.ms + 5000
	}
	return false, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseCommandLine parses os.Args; exits 0 after --help, 2 after bad usage.
func parseCommandLine(model string) cli {
	var c cli
	help, err := parseArgs(model, os.Args[1:], &c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if help {
		os.Exit(0)
	}
	return c
}
