# phoneval: nginx module, CLI, tests, sandbox demo.
#
#   make deps            install the Debian packages everything below needs
#   make / make module   build build/ngx_http_phoneval_module.so (-Werror)
#   make cli             build build/phoneval
#   make test            unit tests of the core, then the Test::Nginx suite
#   make unit-portable   the unit tests without SSE2, and without word reads
#   make test-valgrind   the Test::Nginx suite under valgrind memcheck
#   make demo            the sandbox: simulators, gateway, demo data
#   make fuzz            run each fuzzer for FUZZ_SECONDS
#
# NGINX_SRC=/path/to/nginx-1.x.y builds against a plain nginx source tree
# (and builds that nginx too, for the tests) instead of Debian's nginx-dev.

SHELL        := /bin/bash
TOP          := $(CURDIR)
BUILD        := $(TOP)/build
MODDIR       := $(TOP)/ngx_http_phoneval_module

CORE_SRCS    := $(addprefix $(MODDIR)/, phoneval_arena.c phoneval_verdict.c \
                phoneval_phone.c phoneval_form.c phoneval_answer.c \
                phoneval_json.c phoneval_scan.c phoneval_splice.c \
                phoneval_doc.c phoneval_annotate.c phoneval_tags.c)
NGX_SRCS     := $(wildcard $(MODDIR)/ngx_http_phoneval*.c)
HDRS         := $(wildcard $(MODDIR)/*.h)

DEBIAN_SRC   := /usr/share/nginx/src
NGINX_SRC    ?=

ifeq ($(NGINX_SRC),)
NGX_TREE     := $(DEBIAN_SRC)
NGX_BUILDDIR := $(BUILD)/nginx
NGINX_BIN    ?= /usr/sbin/nginx
else
NGX_TREE     := $(abspath $(NGINX_SRC))
NGX_BUILDDIR := $(BUILD)/nginx-src
NGINX_BIN    ?= $(NGX_BUILDDIR)/nginx
endif

MODULE_SO    := $(BUILD)/ngx_http_phoneval_module.so
ECHO_SO      := /usr/lib/nginx/modules/ngx_http_echo_module.so

# Debian packages: build, tests, demo, benchmarks, fuzzing
DEB_PKGS     := build-essential dpkg-dev pkg-config nginx-core nginx-dev \
                libnginx-mod-http-echo libjansson-dev libcurl4-openssl-dev \
                libpcre2-dev zlib1g-dev libssl-dev \
                libtest-base-perl libtext-diff-perl libtest-longstring-perl \
                liburi-perl libipc-run-perl curl valgrind \
                python3 python3-phonenumbers wrk clang \
                libclang-rt-14-dev

UNIT_CFLAGS  := -std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra \
                -Werror -I $(MODDIR)
UNIT_TESTS   := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(wildcard t/unit/test_*.c))

PROVE        ?= prove
PROVE_FLAGS  ?= -I t/lib -r
T            ?= t/

export TEST_NGINX_BINARY ?= $(NGINX_BIN)
export TEST_NGINX_PHONEVAL_SO := $(MODULE_SO)
export TEST_NGINX_ECHO_SO := $(ECHO_SO)
export TEST_NGINX_SANDBOX := $(TOP)/sandbox

.PHONY: all module cli deps test unit unit-portable prove test-valgrind demo fuzz clean sandbox-test \
        check-deps

all: module

# ---- dependencies --------------------------------------------------------

# a package list check that costs next to nothing when all is installed
check-deps:
	@have=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' \
	    $(DEB_PKGS) 2>/dev/null | awk '$$1 == "ii" {print $$2}'); \
	missing=; for p in $(DEB_PKGS); do \
	    echo "$$have" | grep -qx "$$p" || missing="$$missing $$p"; done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	    echo "phoneval: missing:$$missing"; \
	    $(MAKE) --no-print-directory deps; \
	fi

deps:
	@set -e; sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	export DEBIAN_FRONTEND=noninteractive; \
	was_running=$$(pgrep -x nginx || true); \
	$$sudo apt-get update -qq; \
	$$sudo apt-get install -y -qq --no-install-recommends $(DEB_PKGS) \
	    >/dev/null; \
	command -v node >/dev/null || \
	    $$sudo apt-get install -y -qq --no-install-recommends nodejs \
	    >/dev/null; \
	command -v npm >/dev/null || \
	    $$sudo apt-get install -y -qq --no-install-recommends npm \
	    >/dev/null; \
	if [ -z "$$was_running" ] && pgrep -x nginx >/dev/null \
	    && [ -d /run/systemd/system ]; then \
	    $$sudo systemctl stop nginx 2>/dev/null || true; fi; \
	echo "phoneval: dependencies installed"

# ---- the module ----------------------------------------------------------

module: check-deps $(MODULE_SO)

$(NGX_BUILDDIR)/Makefile: config $(if $(NGINX_SRC),,$(DEBIAN_SRC)/conf_flags)
	@mkdir -p $(NGX_BUILDDIR)
	@echo "phoneval: configuring nginx in $(NGX_BUILDDIR)"
ifeq ($(NGINX_SRC),)
	@cd $(NGX_TREE) && . ./conf_flags && ./configure \
	    --with-cc-opt="$$(dpkg-buildflags --get CFLAGS) -fPIC $$(dpkg-buildflags --get CPPFLAGS) -Werror" \
	    --with-ld-opt="$$(dpkg-buildflags --get LDFLAGS) -fPIC" \
	    "$${NGX_CONF_FLAGS[@]}" \
	    --add-dynamic-module=$(TOP) \
	    --builddir=$(NGX_BUILDDIR) > $(NGX_BUILDDIR)/configure.log 2>&1 \
	    || { tail -20 $(NGX_BUILDDIR)/configure.log; exit 1; }
else
	@cd $(NGX_TREE) && ./configure --with-compat --with-debug \
	    --with-http_ssl_module --with-http_v2_module \
	    --with-http_auth_request_module \
	    --with-cc-opt="-Werror -fPIC" \
	    --add-dynamic-module=$(TOP) \
	    --builddir=$(NGX_BUILDDIR) > $(NGX_BUILDDIR)/configure.log 2>&1 \
	    || { tail -20 $(NGX_BUILDDIR)/configure.log; exit 1; }
endif

# V=1 shows the compiler lines; otherwise they go to build/*/build.log
ifeq ($(V),1)
QUIET_LOG    :=
else
QUIET_LOG     = > $(NGX_BUILDDIR)/build.log 2>&1 || { cat $(NGX_BUILDDIR)/build.log; exit 1; }
endif

$(MODULE_SO): $(NGX_BUILDDIR)/Makefile $(CORE_SRCS) $(NGX_SRCS) $(HDRS)
	@echo "phoneval: building $(notdir $@) against $(NGX_TREE)"
ifeq ($(NGINX_SRC),)
	@$(MAKE) --no-print-directory -f $(NGX_BUILDDIR)/Makefile -C $(NGX_TREE) \
	    modules $(QUIET_LOG)
else
	@$(MAKE) --no-print-directory -f $(NGX_BUILDDIR)/Makefile -C $(NGX_TREE) \
	    $(QUIET_LOG)
endif
	@# a new inode: nginx processes that have the old file mapped keep it
	@cp $(NGX_BUILDDIR)/ngx_http_phoneval_module.so $@.tmp && mv -f $@.tmp $@

# ---- the CLI -------------------------------------------------------------

CLI_SRCS     := $(wildcard cli/*.c)
CLI_BIN      := $(BUILD)/phoneval

cli: check-deps $(CLI_BIN)

$(CLI_BIN): $(CLI_SRCS) $(wildcard cli/*.h) $(CORE_SRCS) $(HDRS)
	@mkdir -p $(BUILD)
	@echo "CC build/phoneval"
	@$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g \
	    -Wall -Wextra -Werror -I $(MODDIR) -I cli \
	    $(CLI_SRCS) $(CORE_SRCS) -o $@ -ljansson -lcurl -lm

# ---- tests ---------------------------------------------------------------

$(BUILD)/unit/%: t/unit/%.c t/unit/pv_test.h $(CORE_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/unit
	@echo "CC $<"
	@$(CC) $(UNIT_CFLAGS) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all $< $(CORE_SRCS) -o $@ -ljansson

unit: check-deps $(UNIT_TESTS)
	@fail=0; for t in $(UNIT_TESTS); do \
	    ASAN_OPTIONS=detect_leaks=1 $$t || fail=1; done; \
	[ $$fail = 0 ] || { echo "unit tests failed"; exit 1; }

# the same tests without SSE2 (PV_NO_SIMD) and without the 8-byte word
# reads too (PV_NO_SWAR): the portable paths of phoneval_json_word.h
UNIT_NOSIMD  := $(patsubst t/unit/%.c,$(BUILD)/unit-nosimd/%,$(wildcard t/unit/test_*.c))
UNIT_NOSWAR  := $(patsubst t/unit/%.c,$(BUILD)/unit-noswar/%,$(wildcard t/unit/test_*.c))

$(BUILD)/unit-nosimd/%: t/unit/%.c t/unit/pv_test.h $(CORE_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/unit-nosimd
	@echo "CC $< (PV_NO_SIMD)"
	@$(CC) $(UNIT_CFLAGS) -DPV_NO_SIMD -fsanitize=address,undefined \
	    -fno-sanitize-recover=all $< $(CORE_SRCS) -o $@ -ljansson

$(BUILD)/unit-noswar/%: t/unit/%.c t/unit/pv_test.h $(CORE_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/unit-noswar
	@echo "CC $< (PV_NO_SIMD PV_NO_SWAR)"
	@$(CC) $(UNIT_CFLAGS) -DPV_NO_SIMD -DPV_NO_SWAR \
	    -fsanitize=address,undefined \
	    -fno-sanitize-recover=all $< $(CORE_SRCS) -o $@ -ljansson

unit-portable: check-deps $(UNIT_NOSIMD) $(UNIT_NOSWAR)
	@fail=0; for t in $(UNIT_NOSIMD) $(UNIT_NOSWAR); do \
	    echo "$$t"; ASAN_OPTIONS=detect_leaks=1 $$t || fail=1; done; \
	[ $$fail = 0 ] || { echo "unit tests failed"; exit 1; }

prove: module $(if $(CLI_SRCS),cli)
	$(PROVE) $(PROVE_FLAGS) $(T)

sandbox-test:
	/usr/bin/python3 sandbox/test_simulators.py

test: unit unit-portable sandbox-test prove

VG_MASTER    := $(BUILD)/valgrind-master

# then the file that needs a master and two workers, each process under
# memcheck through t/valgrind-master; any log with anything in it fails
test-valgrind: module $(if $(CLI_SRCS),cli)
	TEST_NGINX_USE_VALGRIND=1 TEST_NGINX_VALGRIND_STRICT=1 \
	    TEST_NGINX_SLEEP=0.1 $(PROVE) $(PROVE_FLAGS) $(T)
	rm -rf $(VG_MASTER) && mkdir -p $(VG_MASTER)
	PHONEVAL_VG_DIR=$(VG_MASTER) PHONEVAL_VG_NGINX=$(NGINX_BIN) \
	    PHONEVAL_VG_TOP=$(TOP) TEST_NGINX_BINARY=$(TOP)/t/valgrind-master \
	    $(PROVE) $(PROVE_FLAGS) t/240-workers.t
	@n=$$(ls $(VG_MASTER) | wc -l); bad=$$(find $(VG_MASTER) -name 'vg.*.log' -size +0); \
	if [ "$$n" -eq 0 ]; then echo "valgrind: no process ran under memcheck"; exit 1; fi; \
	if [ -n "$$bad" ]; then cat $$bad; \
	    echo "valgrind: memcheck errors under a master process (above)"; exit 1; \
	fi; echo "valgrind: $$n nginx processes under a master, no memcheck error"

# ---- demo, fuzzing -------------------------------------------------------

demo: module $(if $(CLI_SRCS),cli)
	@bash sandbox/demo.sh

FUZZ_SECONDS ?= 60

fuzz: check-deps
	@bash fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) t/servroot* sandbox/run
