// Default options of the sanitizer runtimes (ASan, UBSan, LSan, TSan), read by each runtime at
// start-up; ASAN_OPTIONS and friends given at run time still override them.
//
// exitcode=66 for every report: the tools' own codes are 0..4 and 130, so a sanitizer finding can
// never pass for an expected answer (ASan's default 1 would read as "drift found").

extern "C" {

const char* __asan_default_options() {
  return "exitcode=66:detect_leaks=1:check_initialization_order=1:strict_init_order=1:"
         "detect_stack_use_after_return=1:strict_string_checks=1:"
         "detect_invalid_pointer_pairs=0:print_summary=1";
}

const char* __ubsan_default_options() {
  return "exitcode=66:halt_on_error=1:print_stacktrace=1";
}

const char* __lsan_default_options() { return "exitcode=66"; }

const char* __tsan_default_options() {
  return "exitcode=66:halt_on_error=1:second_deadlock_stack=1";
}
}
