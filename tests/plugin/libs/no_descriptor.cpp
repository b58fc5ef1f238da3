// A perfectly good shared library that is not an mtlab plugin.
extern "C" __attribute__((visibility("default"))) int forty_two() { return 42; }
