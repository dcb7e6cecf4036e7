// `bp trace-view IN.json -o OUT.html`: turns a trace-event file (what --trace writes) into one
// self-contained HTML timeline. Exit codes: 0 written, 64 bad command line, 65 not a valid trace,
// 66 input unreadable, 73 output cannot be written (docs/cli.md "bp trace-view").
#pragma once
#include <string>

namespace bp::tool {

// argv[0] is "trace-view".
int run_trace_view(int argc, char** argv);

// The page around the data (trace_page.cpp): data_json is {"title", "lanes", "events"}.
std::string render_trace_page(const std::string& data_json);

} // namespace bp::tool
