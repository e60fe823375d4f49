# vitae -- build, test, run.  `make run` and `make test` are the contract.
# Flags are layered (STD WARN OPT DEBUG); V=1 shows commands; SANITIZE=address,undefined.

PKGS      := liblua5.4-dev libyaml-dev libsqlite3-dev libopenblas-dev liblapacke-dev pkg-config lua5.4 sqlite3
PC_LIBS   := lua5.4 yaml-0.1 sqlite3 lapacke openblas

CC       ?= cc
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O2
DEBUG    ?= -g
SANITIZE ?=
ifneq ($(SANITIZE),)
  SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
  OPT      := -O1
endif
BUILD    := build$(if $(SANITIZE),-san)
PKG_CFLAGS = $(shell pkg-config --cflags $(PC_LIBS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PC_LIBS) 2>/dev/null)
CFLAGS   += $(STD) $(WARN) $(OPT) $(DEBUG) $(SANFLAGS) -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS   += $(PKG_LIBS) -lpthread -lm
LDFLAGS  += $(SANFLAGS)

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

# Sources: every .c in the engine folders and the command line (sim/cli/);
# sim/cli/main.c only in the program.
LIB_SRC  := $(filter-out sim/cli/main.c,$(wildcard sim/*.c sim/cli/*.c lua/*.c out/*.c learn/*.c))
GEN_SRC  := $(BUILD)/gen/embedded.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embedded.o
MAIN_OBJ := $(BUILD)/sim/cli/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_SRC:= $(wildcard bench/*.c)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_ALL := $(FUZZ_SRC:tests/fuzz/%.c=%)
REPLAY_BIN := $(FUZZ_ALL:%=$(BUILD)/fuzz/%)
EMBED    := schemas/native.sql schemas/omop.sql $(wildcard lua/vitae/*.lua) $(wildcard lua/convert/*.lua)

PROG := vitae$(if $(SANITIZE),-san)

# Fuzzing (tests/fuzz/README.md): `make fuzz` builds the harnesses with clang
# and libFuzzer in build-fuzz/ (a make of its own, SANITIZE layered as usual)
# and runs each for FUZZ_TIME seconds, FUZZ_JOBS at a time.
FUZZ_TIME    ?= 600
FUZZ_JOBS    ?= 1
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_CC      ?= clang-14
FUZZ_PKGS    := clang-14 libclang-rt-14-dev
# What only `make test` needs: Graphviz's dot, which checks `vitae graph`'s
# output (vitae itself needs it only for `vitae graph -o FILE.svg`).
TEST_PKGS    := graphviz
FUZZ_BUILD   := build-fuzz

.PHONY: all deps run test test-sanitize unit e2e bench learn-table eval-gibleed clean fuzz fuzz-bins
all: deps $(PROG)

# Install missing Debian packages (a fresh machine has none of them).
deps: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: NEED = $(PKGS)
$(BUILD)/.test-deps-ok: NEED = $(TEST_PKGS)
$(FUZZ_BUILD)/.fuzz-deps-ok: NEED = $(FUZZ_PKGS)
$(BUILD)/.deps-ok $(BUILD)/.test-deps-ok $(FUZZ_BUILD)/.fuzz-deps-ok:
	@missing=""; for p in $(NEED); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
	    { echo "could not install:$$missing" >&2; exit 1; }; \
	fi
	@mkdir -p $(dir $@) && touch $@

$(PROG): $(MAIN_OBJ) $(LIB_OBJ)
	@echo "  LINK  $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/embedded.o: $(GEN_SRC)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Schemas and the Lua prelude are compiled into the binary, so ./vitae runs
# from anywhere.
$(GEN_SRC): $(EMBED) tools/embed.sh
	@mkdir -p $(dir $@)
	@echo "  EMBED $@"
	$(Q)sh tools/embed.sh $(EMBED) > $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# Small programs the tests drive (tests/tools/).
$(BUILD)/tools/%: tests/tools/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# A fuzz harness with a main that replays the files it is given (make test).
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay_main.c tests/fuzz/fuzz.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB_OBJ) $(LDLIBS)

# The same harness linked with libFuzzer (inside the make of `make fuzz`).
$(BUILD)/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJ) $(LDLIBS)

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/bin/%)

fuzz: $(FUZZ_BUILD)/.fuzz-deps-ok
	@$(MAKE) --no-print-directory CC=$(FUZZ_CC) SANITIZE=fuzzer-no-link,address,undefined BUILD=$(FUZZ_BUILD) \
	  FUZZ_TARGETS="$(FUZZ_TARGETS)" fuzz-bins
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIME=$(FUZZ_TIME) FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

run: all
	./$(PROG) run -p 1000 -o output/cohort.db

test: all $(BUILD)/.test-deps-ok $(UNIT_BIN) $(REPLAY_BIN) $(TOOL_BIN)
	@VITAE=./$(PROG) BUILD=$(BUILD) sh tests/run.sh

# The sanitizer pass that .ci/run makes before `make test`: every unit test
# and the end-to-end scripts that drive untrusted input through the sandbox,
# the loaders, the readers and the writer, built with AddressSanitizer and
# UndefinedBehaviorSanitizer (-fno-sanitize-recover=all: a report fails the
# test).  `make test SANITIZE=address,undefined` runs everything sanitized.
SAN_E2E ?= bad_module bad_gmf check module_lines module_paths sandbox_escape time_limits fault_injection inspect config_paths params cli atomic_output output_dir json_modules ehr_csv ehr_omop ehr_native inspect_codes lifecycle privacy_ledger learn_cli eval_cli trace
test-sanitize:
	@E2E="$(SAN_E2E)" $(MAKE) --no-print-directory test SANITIZE=address,undefined

bench: all $(BENCH_BIN) $(BUILD)/tools/jsonget
	@VITAE=./$(PROG) BUILD=$(BUILD) sh bench/run.sh

# The round-trip error of vitae learn against epsilon and patients (about ten
# minutes; the table in docs/learn-statistics.md).
learn-table: all $(BUILD)/tools/learnfit
	@VITAE=./$(PROG) BUILD=$(BUILD) sh bench/learn_table.sh

# vitae eval on GiBleed split by person, learned with Synthea's whole module
# corpus (several minutes; the run docs/eval.md quotes; needs ../shared).
eval-gibleed: all $(BUILD)/tools/jsonget
	@EVAL_REAL_EPSILON=1 EVAL_REAL_MODULES=$${VITAE_SHARED:-../shared}/synthea/modules VITAE=./$(PROG) BUILD=$(BUILD) TMPROOT=$(BUILD)/eval-gibleed \
	  VITAE_SHARED=$${VITAE_SHARED:-../shared} sh tests/e2e/eval_real.sh

clean:
	rm -rf build build-san build-fuzz vitae vitae-san output tests/tmp

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
