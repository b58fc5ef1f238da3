// One deliberate bug per sanitizer, chosen by argv[1]; "clean" has none.
// Built only in the MTLAB_SANITIZE build (see CMakeLists.txt).
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// volatile and opaque so the compiler cannot fold the bugs away.
static volatile int g_index = 4;
static volatile int g_big = INT_MAX;

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "clean";
  if (std::strcmp(mode, "heap-overflow") == 0) {
    std::vector<int> v(4, 1);
    std::printf("%d\n", v.data()[g_index]);  // reads one past the end
  } else if (std::strcmp(mode, "use-after-free") == 0) {
    int* p = new int(7);
    delete p;
    std::printf("%d\n", *static_cast<volatile int*>(p));
  } else if (std::strcmp(mode, "signed-overflow") == 0) {
    int x = g_big;
    std::printf("%d\n", x + 1);
  } else if (std::strcmp(mode, "leak") == 0) {
    void* volatile p = std::malloc(4096);
    p = nullptr;
    (void)p;
  }
  std::puts("canary: done");
  return 0;
}
