# concurrency-models
#
# Targets:
#   make              build every program into build/ (models, bench, tests)
#   make test         install missing test tools, then build and run the unit and
#                     command-line tests with gcc, clang, ASan+UBSan and TSan
#   make check        run the tests once against the current build (no installs)
#   make bench        install hyperfine and gnuplot when missing, build, measure
#                     every suite, draw the charts, write RESULTS.md
#                     (PROFILE=smoke|quick|full, RESULTS_DIR=dir; see scripts/bench.sh)
#   make plots        redraw the charts of a run without measuring (RUN=dir,
#                     default results/latest)
#   make results      rewrite RESULTS.md from a run (RUN=dir, default results/latest;
#                     RESULTS_MD=file writes that file instead)
#   make flags        print the compiler and flags the build uses
#   make demo         the classroom demos in order; DEMO=<name> runs one,
#                     LIST=1 lists them, RECORD=1 also writes CSV, SVG and PNG
#                     timelines under results/demos/, DEMO_FAST=1 shortens them
#   make clean        remove build/
#
# Variables:
#   CC=clang          build with clang (default: cc)
#   SAN=asan|tsan     sanitizer build; pair it with BUILD=build/asan etc.
#   BUILD=dir         where programs go (default: build)
#   PROFILE=smoke|quick|full  the bench sizes (default quick; scripts/profiles.sh)
#   RESULTS_DIR=dir   where bench stores its runs (default results); RESULTS.md
#                     goes to dir/RESULTS.md unless RESULTS_MD=file says otherwise
#   RUN=dir           the run plots and results read (default results/latest)
#
# Layout: every models/X.c and tools/X.c becomes $(BUILD)/X (tools: programs
# that are not concurrency models, e.g. slowserver), every servers/X.c
# $(BUILD)/servers/X (the server model X), every bench/X.c becomes
# $(BUILD)/bench/X, every tests/unit/X.c becomes $(BUILD)/tests/X (cmocka) and
# every tests/helpers/X.c $(BUILD)/tests/helpers/X, every demos/X.c
# $(BUILD)/demos/X; all but the helpers link against the shared code in lib/
# and the coroutine runtime in coro/ (libcm.a). Bench programs also link their
# own assembly, bench/*_<arch>.S (libbench.a: each takes what it uses), and
# bench/true_prog.c becomes $(BUILD)/bench/true_prog, a static do-nothing
# program for bench/cost_create to posix_spawn (built without sanitizers).
# When python3 is present, every models/python/py_X.py gets a two-line sh
# wrapper $(BUILD)/py_X, so the Python reference models run like the C ones.
# The other reference models are built only where their toolchain is found
# (`make` succeeds without them; the harness reports them not measured):
# $(BUILD)/go from models/go/ with the go command (standard library only,
# offline, caches in build/), $(BUILD)/node a wrapper running models/node/
# with node, and $(BUILD)/uv from models/uv.c where libuv links (-luv for it
# alone).

BUILD  ?= build
SAN    ?=
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -pthread -Ilib -Icoro -MMD -MP
LDLIBS += -pthread
# coro/loop_uring.c needs liburing (Debian: liburing-dev) for the target in
# use: when a program using it links (the header alone is not enough: a cross
# compiler finds the host's), CO_HAVE_URING is defined and -luring linked;
# otherwise the uring backend builds as one that reports itself unavailable.
URING  := $(shell printf '\043include <liburing.h>\nint main(void) { struct io_uring r; return io_uring_queue_init(1, &r, 0); }\n' | \
	    $(CC) -x c - -luring -o /dev/null 2>/dev/null && echo yes)
ifeq ($(URING),yes)
CFLAGS += -DCO_HAVE_URING
LDLIBS += -luring
endif

ifeq ($(SAN),asan)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SAN),tsan)
CFLAGS += -fsanitize=thread
LDFLAGS += -fsanitize=thread
else ifneq ($(SAN),)
$(error SAN must be asan or tsan, not '$(SAN)')
endif

# The target's architecture picks the assembly (x86_64, aarch64), so that
# CC=aarch64-linux-gnu-gcc cross-builds on an x86-64 host.
ARCH      := $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))
LIB_SRC   := $(wildcard lib/*.c coro/*.c)
LIB_ASM   := $(wildcard lib/*_$(ARCH).S coro/*_$(ARCH).S)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(LIB_ASM:%.S=$(BUILD)/obj/%.o)
MODELS    := $(patsubst models/%.c,$(BUILD)/%,$(wildcard models/*.c))
TOOLS     := $(patsubst tools/%.c,$(BUILD)/%,$(wildcard tools/*.c))
SERVERS   := $(patsubst servers/%.c,$(BUILD)/servers/%,$(wildcard servers/*.c))
BENCH_ASM := $(wildcard bench/*_$(ARCH).S)
BENCH_OBJ := $(BENCH_ASM:%.S=$(BUILD)/obj/%.o)
BENCH_AUX := $(BUILD)/bench/true_prog
BENCHES   := $(filter-out $(BENCH_AUX),$(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c)))
UNITTESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
HELPERS   := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))
DEMOS     := $(patsubst demos/%.c,$(BUILD)/demos/%,$(wildcard demos/*.c))
# The interpreter itself, not a shim in front of it (a pyenv shim costs 0.3 s of CPU).
PYTHON    ?= $(shell python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
PYMODELS  := $(if $(PYTHON),$(patsubst models/python/%.py,$(BUILD)/%,$(wildcard models/python/py_*.py)))
# Reference models: go and node need their tool and a native build (they
# run on this machine's CPU whatever CC targets); uv needs libuv to link.
NATIVE    := $(filter $(shell uname -m),$(ARCH))
GO        ?= $(shell command -v go 2>/dev/null)
NODE      ?= $(shell command -v node 2>/dev/null)
UV_OK     := $(shell printf '\043include <uv.h>\nint main(void) { return (int)uv_version(); }\n' | \
		$(CC) -x c - -luv -o /dev/null 2>/dev/null && echo yes)
MODELS    := $(filter-out $(if $(UV_OK),,$(BUILD)/uv),$(MODELS))
REFMODELS := $(if $(NATIVE),$(if $(GO),$(BUILD)/go $(BUILD)/servers/go) $(if $(NODE),$(BUILD)/node $(BUILD)/servers/node))

# Boost.Context's fcontext (libboost-context-dev) for this compiler's target:
# bench/lat_switch's outside reference row, left out without it. The static
# archive, so that jump_fcontext is called directly, as co_switch is, not
# through the PLT of a shared library.
BOOST_CONTEXT := $(shell printf 'extern char jump_fcontext;\nint main(void) { return &jump_fcontext == 0; }\n' | \
	$(CC) $(LDFLAGS) -x c - -o /dev/null -l:libboost_context.a 2>/dev/null && echo yes)
ifeq ($(BOOST_CONTEXT),yes)
$(BUILD)/obj/bench/lat_switch.o: CFLAGS += -DCM_BOOST_CONTEXT
$(BUILD)/bench/lat_switch: LDLIBS += -l:libboost_context.a
endif

# What made the objects: compiler, flags and what was found above. When it
# changes (liburing installed after a first build, another CC or SAN into
# the same BUILD), every object is rebuilt: none records its configuration.
CONFIG       := $(CC) $(CFLAGS) $(LDFLAGS) $(LDLIBS) boost=$(BOOST_CONTEXT) uv=$(UV_OK)
CONFIG_STAMP := $(BUILD)/config
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(CONFIG_STAMP) 2>/dev/null)" = '$(CONFIG)' ] || \
	printf '%s\n' '$(CONFIG)' >$(CONFIG_STAMP); })

.PHONY: all measured test check bench plots results flags demo clean
.SECONDARY:
# measured: what `make bench` runs (scripts/bench.sh builds it with one job
# per CPU); all adds the tests, their helpers and the demos.
MEASURED := $(MODELS) $(TOOLS) $(SERVERS) $(BENCHES) $(BENCH_AUX) $(PYMODELS) $(REFMODELS)
all: $(MEASURED) $(UNITTESTS) $(HELPERS) $(DEMOS)
measured: $(MEASURED)

$(BUILD)/obj/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S $(CONFIG_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libcm.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/models/%.o $(BUILD)/libcm.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TOOLS): $(BUILD)/%: $(BUILD)/obj/tools/%.o $(BUILD)/libcm.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(SERVERS): $(BUILD)/servers/%: $(BUILD)/obj/servers/%.o $(BUILD)/libcm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/libbench.a: $(BENCH_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bench/true_prog: bench/true_prog.c
	@mkdir -p $(@D)
	$(CC) -O2 -static $< -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libbench.a $(BUILD)/libcm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/demos/%: $(BUILD)/obj/demos/%.o $(BUILD)/libcm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/py_%: models/python/py_%.py models/python/common.py
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(PYTHON)' '$(CURDIR)/$<' >$@
	chmod +x $@

$(BUILD)/uv: LDLIBS += -luv

# One Go build cache for every flavour (the binary does not change with CC or SAN).
GOENV_VARS := GOCACHE='$(CURDIR)/build/gocache' GOPATH='$(CURDIR)/build/gopath' GOENV=off \
	GOFLAGS=-mod=mod GOPROXY=off GO111MODULE=on GOTOOLCHAIN=local CGO_ENABLED=0
$(BUILD)/go: $(wildcard models/go/*.go) models/go/go.mod
	@mkdir -p $(@D)
	cd models/go && $(GOENV_VARS) '$(GO)' build -trimpath -o '$(abspath $@)' .

$(BUILD)/servers/go: $(wildcard servers/go/*.go) servers/go/go.mod
	@mkdir -p $(@D)
	cd servers/go && $(GOENV_VARS) '$(GO)' build -trimpath -o '$(abspath $@)' .

$(BUILD)/servers/node: servers/node/server.js models/node/workload.js
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(NODE)' '$(CURDIR)/servers/node/server.js' >$@
	chmod +x $@

$(BUILD)/node: $(wildcard models/node/*.js)
	@mkdir -p $(@D)
	printf '#!/bin/sh\nCM_SLOWSERVER=%s exec %s %s "$$@"\n' '$(abspath $(BUILD))/slowserver' \
		'$(NODE)' '$(CURDIR)/models/node/node.js' >$@
	chmod +x $@

$(BUILD)/tests/helpers/%: $(BUILD)/obj/tests/helpers/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# forkrace makes lib/child.c's prctl late (--wrap), to open the race child_fork closes.
$(BUILD)/tests/helpers/forkrace: LDFLAGS += -Wl,--wrap=prctl
$(BUILD)/tests/helpers/forkrace: $(BUILD)/libcm.a

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libcm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# test_coro_tasks makes the runtime's allocator and the worker pool's
# condition variable fail on purpose.
$(BUILD)/tests/test_coro_tasks: LDLIBS += -Wl,--wrap=co_alloc -Wl,--wrap=pthread_cond_init
# test_coro_switch raises and tests exception flags (fenv.h).
$(BUILD)/tests/test_coro_switch: LDLIBS += -lm

test:
	@sh scripts/test.sh

check: all
	@sh scripts/test.sh --no-install --only default

# The variables below reach the scripts through the environment, never
# through the recipe's text: a value with spaces, quotes, ';' or '*' stays
# one value (make passes command-line variables to the environment; export
# covers those set otherwise).
export BUILD PYTHON PROFILE RESULTS_DIR RESULTS_MD RUN DEMO LIST RECORD DEMO_FAST

bench:
	@sh scripts/bench.sh

plots:
	@sh scripts/plots.sh

results:
	@python3 scripts/results.py $${RESULTS_MD:+--out "$$RESULTS_MD"} -- $${RUN:+"$$RUN"}

flags:
	@echo $(CC) $(CFLAGS)

demo: all
	@sh scripts/demo.sh

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
