# zkml: PostgreSQL extension (PGXS) plus the `zkml` command, unit tests and benchmarks.
#
#   make / make install     the extension (zkml.so, SQL script) and the zkml command
#   make unit               build and run the C unit tests of src/core
#   make check-cli          build the zkml command and run its tests (tests/cli/run)
#   make check-vectors      build the zkml command and check it against the conformance
#                           vectors (tests/vectors/check, docs/protocol.md 13)
#   make check-refverify    the independent verifier tools/refverify.py (Python, written
#                           from docs/protocol.md alone) against the same vectors: its
#                           verdicts and classes must be the manifest's (REFVERIFY_SETS)
#   make check-accuracy     the zkml command's scores against ten credit models' float
#                           scores on held-out rows (bench/accuracy --check; needs python3)
#   make bench              build the benchmark driver (run it with bench/run)
#   make fuzz               build the libFuzzer targets (clang) and run each for a while
#   make check-sanitize     the unit tests and the zkml command's tests again, built with
#                           AddressSanitizer and UndefinedBehaviorSanitizer (tests/sanitize/run)
#   make sanitize-so        zkml.so with the same sanitizers, in build/sanitize/ (tools/test.sh
#                           installs it for one pg_regress run on a server that preloads
#                           their runtime, with build/sanitize/swift_demangle.so)
#   make installcheck       pg_regress against an installed server

EXTENSION = zkml
EXTVERSION = 0.2.0

CORE_SRCS = $(sort $(wildcard src/core/*.c))
CORE_OBJS = $(CORE_SRCS:.c=.o)
CORE_HDRS = $(wildcard src/core/*.h include/*.h)
PG_SRCS = $(sort $(wildcard src/pg/*.c))
CLI_SRCS = $(sort $(wildcard src/cli/*.c))
UNIT_SRCS = $(sort $(wildcard tests/unit/*.c))
BENCH_SRCS = $(sort $(wildcard bench/*.c))

MODULE_big = zkml
OBJS = $(CORE_OBJS) $(PG_SRCS:.c=.o)
# 0.1.0's install script and its update to this version (ALTER EXTENSION zkml UPDATE),
# and the control file of each version (zkml.control holds what they share).  The update
# ends with this version's definitions, taken from its install script when it is built.
DATA = sql/zkml--$(EXTVERSION).sql zkml--$(EXTVERSION).control sql/zkml--0.1.0.sql
DATA_built = sql/zkml--0.1.0--$(EXTVERSION).sql
SCRIPTS_built = zkml

REGRESS = $(patsubst sql/%.sql,%,$(filter-out sql/zkml--%,$(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=zkml
# TAP tests (tests/t/*.pl, PostgreSQL::Test::Cluster): run by installcheck after pg_regress
TAP_TESTS = 1
PROVE_TESTS = tests/t/*.pl

# Flags of our own code: warnings are errors, the core is optimised.
ZKML_WARN = -Wall -Wextra -Werror -Wmissing-prototypes -Wvla
ZKML_CORE_CFLAGS = -std=gnu11 -O3 -fPIC -fopenmp -fno-strict-aliasing -fvisibility=hidden -Iinclude $(ZKML_WARN)
ZKML_LIBS = -lgmp -lcrypto -lm -fopenmp

# PostgreSQL's headers are system headers here: -Wextra must judge our code, not theirs.
# The front ends (src/pg, src/cli) see the core through include/zkml.h only: no -Isrc/core.
PG_CPPFLAGS = -Iinclude -isystem $(includedir_server)
PG_CFLAGS = -fopenmp $(ZKML_WARN)
SHLIB_LINK = $(ZKML_LIBS)

FUZZ_TARGETS = tests/fuzz/fuzz_proof tests/fuzz/fuzz_infer tests/fuzz/fuzz_receipt \
	tests/fuzz/fuzz_descriptor tests/fuzz/fuzz_model_json tests/fuzz/fuzz_float_model \
	tests/fuzz/fuzz_receipt_rows tests/fuzz/fuzz_tree_document tests/fuzz/fuzz_tree_proof \
	tests/fuzz/fuzz_opening
FUZZ_CORE_OBJS = $(patsubst src/core/%.c,tests/fuzz/obj/%.o,$(CORE_SRCS))
FUZZ_CC = clang
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fopenmp=libgomp -Iinclude $(ZKML_WARN)
FUZZ_SECONDS ?= 20

# Sanitizer builds: the same sources with AddressSanitizer and UndefinedBehaviorSanitizer,
# every report fatal, by gcc (it links their runtimes as shared libraries, which a module
# loaded into a server needs).  Their objects live in $(SAN_DIR) only, never next to the
# normal build's.
SAN_DIR = build/sanitize
SAN_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
SAN_CFLAGS = -std=gnu11 -fPIC -fopenmp -fno-strict-aliasing -Iinclude $(ZKML_WARN) $(SAN_FLAGS)
SAN_CORE_OBJS = $(patsubst src/core/%.c,$(SAN_DIR)/core/%.o,$(CORE_SRCS))
SAN_PG_OBJS = $(patsubst src/pg/%.c,$(SAN_DIR)/pg/%.o,$(PG_SRCS))
SAN_CLI_OBJS = $(patsubst src/cli/%.c,$(SAN_DIR)/cli/%.o,$(CLI_SRCS))
SAN_UNIT_OBJS = $(patsubst tests/unit/%.c,$(SAN_DIR)/unit/%.o,$(UNIT_SRCS))

EXTRA_CLEAN = zkml tests/unit/zkml_unit bench/zkml_bench $(FUZZ_TARGETS) tests/fuzz/obj \
	tests/fuzz/make_seeds $(CLI_SRCS:.c=.o) $(UNIT_SRCS:.c=.o) $(BENCH_SRCS:.c=.o) $(SAN_DIR)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# (after PGXS, whose all is the default goal)
sql/zkml--0.1.0--$(EXTVERSION).sql: sql/update/0.1.0--$(EXTVERSION).head.sql \
		sql/zkml--$(EXTVERSION).sql sql/update/0.1.0--$(EXTVERSION).tail.sql tools/update_script.awk
	awk -f tools/update_script.awk $(filter %.sql,$^) > $@.tmp && mv $@.tmp $@

# The core never sees PostgreSQL's headers or flags.
src/core/%.o: src/core/%.c $(CORE_HDRS)
	$(CC) $(ZKML_CORE_CFLAGS) -c -o $@ $<

# The extension's objects are built by PGXS's rule; of the core they see zkml.h only.
$(PG_SRCS:.c=.o): include/zkml.h $(wildcard src/pg/*.h)

src/cli/%.o: src/cli/%.c include/zkml.h $(wildcard src/cli/*.h)
	$(CC) $(ZKML_CORE_CFLAGS) -c -o $@ $<

tests/unit/%.o: tests/unit/%.c $(CORE_HDRS) $(wildcard tests/unit/*.h)
	$(CC) $(ZKML_CORE_CFLAGS) -Isrc/core -c -o $@ $<

bench/%.o: bench/%.c $(CORE_HDRS) bench/bench.h tests/unit/fixture.h
	$(CC) $(ZKML_CORE_CFLAGS) -Isrc/core -Itests/unit -c -o $@ $<

zkml: $(CORE_OBJS) $(CLI_SRCS:.c=.o)
	$(CC) -o $@ $^ $(ZKML_LIBS)

tests/unit/zkml_unit: $(CORE_OBJS) $(UNIT_SRCS:.c=.o)
	$(CC) -o $@ $^ $(ZKML_LIBS)

bench/zkml_bench: $(CORE_OBJS) $(BENCH_SRCS:.c=.o) tests/unit/fixture.o
	$(CC) -o $@ $^ $(ZKML_LIBS)

all: zkml

# Fuzz targets: the core again, built by clang with the fuzzer and sanitizers.
tests/fuzz/obj/%.o: src/core/%.c $(CORE_HDRS)
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

tests/fuzz/obj/fuzz_statements.o: tests/fuzz/fuzz_statements.c tests/fuzz/fuzz_statements.h $(CORE_HDRS)
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/core -c -o $@ $<

tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_core_init.h tests/fuzz/obj/fuzz_statements.o \
		$(FUZZ_CORE_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc/core -o $@ $(filter-out %.h,$^) -lgmp -lcrypto -lm

tests/fuzz/make_seeds: tests/fuzz/make_seeds.c tests/fuzz/fuzz_statements.c tests/fuzz/fuzz_statements.h $(CORE_OBJS)
	$(CC) $(ZKML_CORE_CFLAGS) -Isrc/core -o $@ tests/fuzz/make_seeds.c tests/fuzz/fuzz_statements.c \
		$(CORE_OBJS) $(ZKML_LIBS)

# Sanitizer builds (see SAN_FLAGS).  The extension's objects take PGXS's flags, as its own
# rule gives them, then ours.
$(SAN_DIR)/core/%.o: src/core/%.c $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(SAN_DIR)/cli/%.o: src/cli/%.c $(CORE_HDRS) $(wildcard src/cli/*.h)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(SAN_DIR)/unit/%.o: tests/unit/%.c $(CORE_HDRS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -Isrc/core -c -o $@ $<

$(SAN_DIR)/pg/%.o: src/pg/%.c $(CORE_HDRS) $(wildcard src/pg/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(CPPFLAGS) -c -o $@ $<

$(SAN_DIR)/zkml: $(SAN_CORE_OBJS) $(SAN_CLI_OBJS)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(ZKML_LIBS)

$(SAN_DIR)/zkml_unit: $(SAN_CORE_OBJS) $(SAN_UNIT_OBJS)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(ZKML_LIBS)

$(SAN_DIR)/zkml.so: $(SAN_CORE_OBJS) $(SAN_PG_OBJS)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -shared -o $@ $^ $(LDFLAGS) $(LDFLAGS_SL) $(SHLIB_LINK)

# Not sanitized: preloaded next to the runtime (see the file).
$(SAN_DIR)/swift_demangle.so: tests/sanitize/swift_demangle.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -fPIC -shared $(ZKML_WARN) -o $@ $<

.PHONY: unit bench fuzz check-cli check-vectors check-refverify check-accuracy check-sanitize sanitize-so
fuzz: $(FUZZ_TARGETS) tests/fuzz/make_seeds
	tests/fuzz/run $(FUZZ_SECONDS)

unit: tests/unit/zkml_unit
	tests/unit/zkml_unit

check-cli: zkml
	tests/cli/run ./zkml

check-vectors: zkml
	tests/vectors/check ./zkml

# REFVERIFY_SETS: the sets of tests/vectors to run tools/refverify.py on (all when empty).
# The default leaves out mlp20v2c and groupsc, the slow ones in pure Python; the tree
# sets take about 95 s.
REFVERIFY_SETS ?= lr20,mlp20,v0.1.0,lr20v2,mlp20v2,mixv2a,mixv2b,mixv2c,mixv2ac,lr20v2c,groups,trees,trees-id,treesc,groups-trees
check-refverify:
	python3 tools/refverify.py --kat tests/kat/zkmlpg-v1.kat
	python3 tools/refverify.py --manifest tests/vectors/MANIFEST $(if $(REFVERIFY_SETS),--sets $(REFVERIFY_SETS))

# ACCURACY_MODELS: the models of tests/fixtures/accuracy to check (all when empty)
ACCURACY_MODELS ?=
check-accuracy: zkml
	python3 bench/accuracy --check --zkml ./zkml $(ACCURACY_MODELS)

bench: bench/zkml_bench

check-sanitize: $(SAN_DIR)/zkml_unit $(SAN_DIR)/zkml
	tests/sanitize/run $(SAN_DIR)/zkml_unit $(SAN_DIR)/zkml

sanitize-so: $(SAN_DIR)/zkml.so $(SAN_DIR)/swift_demangle.so
