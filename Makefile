# spoke: build, test and format. Plain make, dependencies through pkg-config.
#   make                 build ./spoke (warnings are errors when CI is set)
#   make SANITIZE=1      build with AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo [ARGS=--once]  install missing packages, build, run the ERP <-> shop <-> CRM demo
#   make test [T=name]   install missing packages, build, run unit, golden and integration tests
#   make unit            unit tests only; make valgrind: unit tests under valgrind
#   make bench [ROWS=n] [APPLY_ROWS=n] [HTTP_REQUESTS=n]  capture vs pg_recvlogical, apply vs COPY,
#                        HTTP with max_in_flight 1 and 32 vs curl
#   make man             deploy/spoke.1 from the help texts; make readme: its key reference
#   make format / format-check

PKGS     := libpq libmariadb odbc rdkafka jansson libcurl inih libmicrohttpd libcrypto sqlite3
CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual \
            -Wwrite-strings -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough \
            -Wmissing-declarations -Wredundant-decls
ifneq ($(CI),)
WARN     += -Werror
endif
OPT      ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -MMD -MP -Isrc
LDLIBS   += -lm

ifeq ($(SANITIZE),1)
BUILD    := build/sanitize
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    := build/default
endif

# pkg-config is asked only when building, so `make format` works before deps are installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SRCS       := $(sort $(wildcard src/*/*.c))
OBJS       := $(SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ   := $(BUILD)/src/main.o
UNIT_SRCS  := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS  := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
FMT_FILES  := $(sort $(wildcard src/*.c src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h tests/integration/*.c))

.PHONY: all spoke test unit valgrind format format-check clean deps bench man demo readme
all: spoke

spoke: $(BUILD)/spoke
	@ln -sf $(BUILD)/spoke spoke

$(BUILD)/spoke: $(OBJS) $(MAIN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/unit-tests: $(OBJS) $(UNIT_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# A small client of the db drivers, used by the integration tests (not installed).
$(BUILD)/dbcheck: $(OBJS) $(BUILD)/tests/integration/dbcheck.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

deps:
	@sh deploy/install-deps.sh

# `make test` installs what is missing first, so a fresh Debian 12 machine needs nothing else.
test: deps
	@$(MAKE) --no-print-directory spoke $(BUILD)/unit-tests $(BUILD)/dbcheck
	@SPOKE=$(CURDIR)/$(BUILD)/spoke UNIT=$(CURDIR)/$(BUILD)/unit-tests tests/run $(T)

# The demo: ERP (PostgreSQL) <-> shop (MariaDB) -> CRM (HTTP); ARGS=--once checks and exits.
demo: deps spoke
	@SPOKE=$(CURDIR)/$(BUILD)/spoke deploy/demo/demo.sh $(ARGS)

# Benchmarks are not tests: figures side by side with the reference tools, in one run.
bench: deps spoke
	@SPOKE=$(CURDIR)/$(BUILD)/spoke tests/bench/pg_capture.sh $(ROWS)
	@SPOKE=$(CURDIR)/$(BUILD)/spoke tests/bench/trigger_capture.sh $(ROWS)
	@SPOKE=$(CURDIR)/$(BUILD)/spoke tests/bench/apply_pg.sh $(APPLY_ROWS)
	@SPOKE=$(CURDIR)/$(BUILD)/spoke tests/bench/apply_http.sh $(HTTP_REQUESTS)

# The man page, written from the help texts (the golden case cli/man keeps it current).
man: spoke
	@$(BUILD)/spoke help --man >deploy/spoke.1

# The README's configuration reference, from the key table (a test keeps it current).
readme: spoke
	@$(BUILD)/spoke config --keys --markdown >$(BUILD)/keys.md
	@awk -v f=$(BUILD)/keys.md '/<!-- keys:end -->/ { skip = 0 } !skip { print } \
		/<!-- keys:begin -->/ { while ((getline l < f) > 0) print l; skip = 1 }' \
		README.md >$(BUILD)/README.md && mv $(BUILD)/README.md README.md

unit: spoke $(BUILD)/unit-tests
	@$(BUILD)/unit-tests $(T)

valgrind: spoke $(BUILD)/unit-tests
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--suppressions=tests/unit/valgrind.supp -q $(BUILD)/unit-tests

format:
	clang-format -i $(FMT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FMT_FILES)

clean:
	rm -rf build spoke

-include $(OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJS:.o=.d) $(BUILD)/tests/integration/dbcheck.d
