# concurrency-models
#
# Targets:
#   make              build every program into build/ (models, bench, tests)
#   make test         install missing test tools, then build and run the unit and
#                     command-line tests with gcc, clang, ASan+UBSan and TSan
#   make check        run the tests once against the current build (no installs)
#   make bench        the benchmark harness (see README.md)
#   make clean        remove build/
#
# Variables:
#   CC=clang          build with clang (default: cc)
#   SAN=asan|tsan     sanitizer build; pair it with BUILD=build/asan etc.
#   BUILD=dir         where programs go (default: build)
#
# Layout: every models/X.c and tools/X.c becomes $(BUILD)/X (tools: programs
# that are not concurrency models, e.g. slowserver), every bench/X.c becomes
# $(BUILD)/bench/X, every tests/unit/X.c becomes $(BUILD)/tests/X (cmocka) and
# every tests/helpers/X.c $(BUILD)/tests/helpers/X; all but the helpers link
# against the shared code in lib/ and the coroutine runtime in coro/ (libcm.a).

BUILD  ?= build
SAN    ?=
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -pthread -Ilib -Icoro -MMD -MP
LDLIBS += -pthread

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
BENCHES   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
UNITTESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
HELPERS   := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))

.PHONY: all test check bench clean
.SECONDARY:
all: $(MODELS) $(TOOLS) $(BENCHES) $(UNITTESTS) $(HELPERS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libcm.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/models/%.o $(BUILD)/libcm.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TOOLS): $(BUILD)/%: $(BUILD)/obj/tools/%.o $(BUILD)/libcm.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libcm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/helpers/%: $(BUILD)/obj/tests/helpers/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libcm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

test:
	@sh scripts/test.sh

check: all
	@sh scripts/test.sh --no-install --only default

bench:
	@sh scripts/bench.sh

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
