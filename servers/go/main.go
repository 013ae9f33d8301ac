// servers/go - Go's net/http as a server model: a goroutine per connection,
// multiplexed by the runtime onto GOMAXPROCS threads and one netpoller
// (epoll), so a /sleep parks a goroutine, not a thread, and a /cpu runs on
// one of the Ps while the others go on serving.
//
//	build/servers/go [--port P] [--host A] [--ms D] [--idle-ms L]
//
// The HTTP subset of lib/http.h, parsed by net/http: a malformed request
// or a head past 2048 bytes gets net/http's own 400 (or 431); a bad /sleep
// or /cpu query gets a 400 and the connection closed. Prints
// "go: listening on A:P"; at SIGTERM or SIGINT, the counters as one JSON
// line (held_peak, served, refused), exit 0.
package main

import (
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

var digits = regexp.MustCompile(`^[0-9]{1,20}$`)

var held, peak, served, refused atomic.Int64

func bad(option, value, accepted string, missing bool) {
	what := fmt.Sprintf("invalid value '%s'", value)
	if missing {
		what = "missing value"
	}
	fmt.Fprintf(os.Stderr, "go: --%s: %s (accepted: %s)\n", option, what, accepted)
	os.Exit(2)
}

// number: ASCII digits only, within [lo, hi].
func number(option string, args []string, i int, lo, hi uint64) uint64 {
	if i >= len(args) {
		bad(option, "", fmt.Sprintf("%d..%d", lo, hi), true)
	}
	v, err := strconv.ParseUint(args[i], 10, 64)
	if !digits.MatchString(args[i]) || err != nil || v < lo || v > hi {
		bad(option, args[i], fmt.Sprintf("%d..%d", lo, hi), false)
	}
	return v
}

// sumSquares: the sum of k*k for k < n, a real loop (in 64-bit limbs: the
// sum passes 2^64), exact.
func sumSquares(n uint64) *big.Int {
	var lo, hi uint64
	for k := uint64(0); k < n; k++ {
		sq := k * k
		next := lo + sq
		if next < lo {
			hi++
		}
		lo = next
	}
	total := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
	return total.Add(total, new(big.Int).SetUint64(lo))
}

// params: the query's numbers by key, within their limits; nil for a 400.
func params(r *http.Request, keys map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for key, values := range r.URL.Query() {
		limit, known := keys[key]
		if !known || len(values) != 1 || !digits.MatchString(values[0]) {
			return nil
		}
		v, err := strconv.ParseUint(values[0], 10, 64)
		if err != nil || v > limit {
			return nil
		}
		out[key] = v
	}
	return out
}

func refuse(w http.ResponseWriter) {
	refused.Add(1)
	w.Header().Set("Connection", "close")
	http.Error(w, "bad request", http.StatusBadRequest)
}

func main() {
	host, port, ms, idle := "127.0.0.1", uint64(7000), uint64(100), uint64(10000)
	args := os.Args[1:]
	for i := 0; i < len(args); i += 2 {
		switch args[i] {
		case "--port":
			port = number("port", args, i+1, 0, 65535)
		case "--ms":
			ms = number("ms", args, i+1, 0, 600000)
		case "--idle-ms":
			idle = number("idle-ms", args, i+1, 1, 86400000)
		case "--host":
			if i+1 >= len(args) || net.ParseIP(args[i+1]).To4() == nil {
				bad("host", "", "an IPv4 address", i+1 >= len(args))
			}
			host = args[i+1]
		default:
			fmt.Fprintf(os.Stderr, "go: %s: unknown option (accepted: --port, --host, --ms, --idle-ms)\n", args[i])
			os.Exit(2)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		p := params(r, map[string]uint64{"ms": 600000, "task": 10000000})
		if p == nil || r.Method != http.MethodGet {
			refuse(w)
			return
		}
		d, ok := p["ms"]
		if !ok {
			d = ms
		}
		time.Sleep(time.Duration(d) * time.Millisecond)
		served.Add(1)
		fmt.Fprintf(w, "done %d %d\n", p["task"], d)
	})
	mux.HandleFunc("/cpu", func(w http.ResponseWriter, r *http.Request) {
		p := params(r, map[string]uint64{"n": 1 << 32, "task": 10000000})
		if p == nil || r.Method != http.MethodGet {
			refuse(w)
			return
		}
		served.Add(1)
		fmt.Fprintf(w, "%s\n", sumSquares(p["n"]))
	})
	ln, err := net.Listen("tcp4", net.JoinHostPort(host, strconv.FormatUint(port, 10)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "go: listen on %s:%d: %v\n", host, port, err)
		os.Exit(3)
	}
	srv := &http.Server{
		Handler:        mux,
		IdleTimeout:    time.Duration(idle) * time.Millisecond,
		MaxHeaderBytes: 2048,
		ConnState: func(c net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				if n := held.Add(1); n > peak.Load() {
					peak.Store(n)
				}
			case http.StateClosed, http.StateHijacked:
				held.Add(-1)
			}
		},
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		fmt.Printf("{\"server\":\"go\",\"held_peak\":%d,\"served\":%d,\"refused\":%d}\n",
			peak.Load(), served.Load(), refused.Load())
		os.Exit(0)
	}()
	fmt.Printf("go: listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(os.Stderr, "go: serve: %v\n", err)
		os.Exit(3)
	}
}
