/*
 * annotate.h - what ASan, TSan and valgrind must be told when the runtime
 * moves between stacks or hands a stack to a new task. Without the tools'
 * headers (or outside their builds) the valgrind calls compile to nothing.
 */
#ifndef CO_ANNOTATE_H
#define CO_ANNOTATE_H

#include "coro_impl.h"

#ifdef CO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef CO_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

#endif
