// libFuzzer target: the front end up to the parse stage on arbitrary bytes (see fuzz/README.md).
#include "fuzz_frontend.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    bp::fuzz::run_frontend(data, size, bp::fuzz::Stage::Parse);
    return 0;
}
