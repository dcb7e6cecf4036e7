#include "gc/huge_pages.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>

namespace bp::gc {

namespace {

std::string read_small_file(const char* path) {
    std::string text;
    if (FILE* f = std::fopen(path, "re")) {
        char buf[1024];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        std::fclose(f);
    }
    return text;
}

} // namespace

// Read once; immutable after.
size_t huge_page_size() {
    static const size_t size = [] {
        size_t n = 0;
        if (FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "re")) {
            unsigned long long v = 0;
            if (std::fscanf(f, "%llu", &v) == 1) n = static_cast<size_t>(v);
            std::fclose(f);
        }
        return n;
    }();
    return size;
}

// Each line: "Node 0, zone   Normal   c0 c1 ... c10", c_k the free blocks of order k.
uint64_t free_block_bytes(std::string_view buddyinfo, unsigned order, size_t base_page) {
    uint64_t bytes = 0;
    while (!buddyinfo.empty()) {
        size_t eol = buddyinfo.find('\n');
        std::string_view line = buddyinfo.substr(0, eol);
        buddyinfo.remove_prefix(eol == std::string_view::npos ? buddyinfo.size() : eol + 1);
        size_t zone = line.find("zone");
        if (zone == std::string_view::npos) continue;
        line.remove_prefix(zone + 4);
        // Skip the zone's name, then read the counts, order 0 first.
        size_t i = 0;
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        for (unsigned k = 0; i < line.size(); ++k) {
            while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            uint64_t count = 0;
            bool digits = false;
            for (; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i, digits = true)
                count = count * 10 + static_cast<uint64_t>(line[i] - '0');
            if (!digits) break;
            if (k >= order && k < 64) bytes += count * (uint64_t{base_page} << k);
        }
    }
    return bytes;
}

bool huge_pages_free(size_t bytes) {
    const size_t huge = huge_page_size();
    const long base = sysconf(_SC_PAGESIZE);
    if (huge == 0 || base <= 0 || huge % static_cast<size_t>(base) != 0) return false;
    unsigned order = 0;
    while ((static_cast<size_t>(base) << order) < huge) ++order;
    return free_block_bytes(read_small_file("/proc/buddyinfo"), order, static_cast<size_t>(base)) / 4 >= bytes;
}

void advise_huge_pages(void* p, size_t size) {
#ifdef MADV_HUGEPAGE
    if (size < 2 * huge_page_size() || !huge_pages_free(size)) return; // (none: huge_page_size() is 0)
    auto mask = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1;
    uintptr_t from = (reinterpret_cast<uintptr_t>(p) + mask) & ~mask;
    uintptr_t to = (reinterpret_cast<uintptr_t>(p) + size) & ~mask;
    if (to > from) (void)madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

} // namespace bp::gc
