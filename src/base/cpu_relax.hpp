// One spin-wait step: tells the CPU that this thread is spinning (x86 `pause`, Arm `yield`), which
// saves power and lets a sibling hyperthread run. Every spin loop in the runtime calls it.
#pragma once

namespace bp::base {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

} // namespace bp::base
