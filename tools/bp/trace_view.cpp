// `bp trace-view`: reads Chrome trace-event JSON (--trace output, or any file of "X", "B"/"E" and
// thread_name events), groups the events into one lane per thread and writes the page of
// trace_page.cpp. The output appears whole or not at all (a temporary file renamed over it).
#include "trace_view.hpp"

#include "base/file_io.hpp"
#include "cli.hpp"
#include "trace_json.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace bp::tool {

namespace {

constexpr int kExitDataErr = 65;
constexpr int kExitCantCreate = 73;

struct Lane {
    std::string name;
    double sort = 0;
    bool has_sort = false;
    bool life = false;
    bool finished = true;
    double start = 0, end = 0;
};

struct Event {
    size_t lane;
    std::string name, cat;
    double ts, dur;
    const Json* args;
};

using LaneKey = std::pair<double, double>; // (pid, tid)

class Model {
public:
    // False with `error` when an event is malformed.
    bool add(const Json& e, size_t index, std::string& error);
    std::string to_json(const std::string& title);
    size_t lane_count() const { return m_lanes.size(); }

private:
    size_t lane_of(const Json& e);
    std::map<LaneKey, size_t> m_index;
    std::vector<LaneKey> m_keys;
    std::vector<Lane> m_lanes;
    std::vector<Event> m_events;
    std::map<size_t, std::vector<const Json*>> m_open; // B events awaiting their E, per lane
};

double number_or(const Json& e, std::string_view key, double fallback) {
    const Json* v = e.find(key);
    return v && v->is_number() ? v->num : fallback;
}

std::string string_or(const Json& e, std::string_view key, std::string fallback) {
    const Json* v = e.find(key);
    return v && v->is_string() ? v->str : fallback;
}

size_t Model::lane_of(const Json& e) {
    LaneKey key{number_or(e, "pid", 0), number_or(e, "tid", 0)};
    auto [it, inserted] = m_index.emplace(key, m_lanes.size());
    if (inserted) {
        m_keys.push_back(key);
        m_lanes.push_back(Lane{fmt::format("thread {}", key.second)});
    }
    return it->second;
}

bool Model::add(const Json& e, size_t index, std::string& error) {
    if (e.kind != Json::Kind::Object) {
        error = fmt::format("event {} is not an object", index);
        return false;
    }
    std::string ph = string_or(e, "ph", "");
    if (ph.empty()) {
        error = fmt::format("event {} has no \"ph\" (phase) string", index);
        return false;
    }
    if (ph == "M") {
        std::string what = string_or(e, "name", "");
        const Json* args = e.find("args");
        if (what == "thread_name" && args) {
            m_lanes[lane_of(e)].name = string_or(*args, "name", m_lanes[lane_of(e)].name);
        } else if (what == "thread_sort_index" && args) {
            Lane& l = m_lanes[lane_of(e)];
            l.sort = number_or(*args, "sort_index", 0);
            l.has_sort = true;
        }
        return true;
    }
    if (ph != "X" && ph != "B" && ph != "E" && ph != "i" && ph != "I") return true; // not drawn
    const Json* ts = e.find("ts");
    if (!ts || !ts->is_number()) {
        error = fmt::format("event {} (phase \"{}\") has no numeric \"ts\"", index, ph);
        return false;
    }
    size_t lane = lane_of(e);
    if (ph == "B") {
        m_open[lane].push_back(&e);
        return true;
    }
    const Json* begin = &e;
    double start = ts->num, dur = ph == "X" ? number_or(e, "dur", 0) : 0;
    if (ph == "E") {
        auto& open = m_open[lane];
        if (open.empty()) return true; // an end without a begin: nothing to draw
        begin = open.back();
        open.pop_back();
        start = begin->find("ts")->num;
        dur = ts->num - start;
    }
    std::string cat = string_or(*begin, "cat", "other");
    if (cat == "thread") { // a thread's lifetime: the lane's background, not a bar
        Lane& l = m_lanes[lane];
        l.life = true;
        l.start = start;
        l.end = start + std::max(dur, 0.0);
        if (const Json* args = begin->find("args"))
            if (const Json* f = args->find("finished"); f && f->kind == Json::Kind::Bool) l.finished = f->b;
        return true;
    }
    m_events.push_back(Event{lane, string_or(*begin, "name", "(unnamed)"), cat, start, std::max(dur, 0.0),
                             begin->find("args")});
    return true;
}

std::string Model::to_json(const std::string& title) {
    // Lanes in thread_sort_index order, then (pid, tid).
    std::vector<size_t> order(m_lanes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const Lane& la = m_lanes[a];
        const Lane& lb = m_lanes[b];
        if (la.has_sort != lb.has_sort) return la.has_sort;
        if (la.has_sort && la.sort != lb.sort) return la.sort < lb.sort;
        return m_keys[a] < m_keys[b];
    });
    std::vector<size_t> position(m_lanes.size());
    for (size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
    std::string out = "{\"title\":";
    write_json_string(out, title);
    out += ",\"lanes\":[";
    for (size_t i = 0; i < order.size(); ++i) {
        const Lane& l = m_lanes[order[i]];
        out += i ? ",\n{\"name\":" : "\n{\"name\":";
        write_json_string(out, l.name);
        out += fmt::format(",\"tid\":{},\"life\":{},\"finished\":{},\"start\":{},\"end\":{}}}", m_keys[order[i]].second,
                           l.life, l.finished, l.start, l.end);
    }
    out += "],\"events\":[";
    for (size_t i = 0; i < m_events.size(); ++i) {
        const Event& e = m_events[i];
        out += fmt::format("{}\n{{\"l\":{},\"ts\":{},\"d\":{},\"n\":", i ? "," : "", position[e.lane], e.ts, e.dur);
        write_json_string(out, e.name);
        out += ",\"c\":";
        write_json_string(out, e.cat);
        if (e.args) {
            out += ",\"a\":";
            write_json(out, *e.args);
        }
        out += '}';
    }
    out += "]}";
    return out;
}

bool read_file(const std::string& path, std::string& text, std::string& error) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        error = std::strerror(errno);
        return false;
    }
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    bool ok = !std::ferror(f);
    if (!ok) error = std::strerror(errno);
    std::fclose(f);
    return ok;
}
int fail(int code, const std::string& message) {
    std::fflush(stdout);
    std::string text = "bp trace-view: " + message + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
    return code;
}

// The events of a trace file: {"traceEvents": [...]} or a bare array.
const Json* events_of(const Json& root) {
    if (root.kind == Json::Kind::Array) return &root;
    const Json* ev = root.find("traceEvents");
    return ev && ev->kind == Json::Kind::Array ? ev : nullptr;
}

} // namespace

int run_trace_view(int argc, char** argv) {
    CLI::App app("bp trace-view: write a self-contained HTML timeline of a trace (from bp --trace)",
                 "bp trace-view");
    app.set_help_flag("-h,--help", "print this help and exit");
    std::string in, out, title;
    app.add_option("trace", in, "trace file (Chrome trace-event JSON, as written by bp --trace)")->required();
    app.add_option("-o,--output", out, "the HTML file to write")->required()->type_name("FILE");
    app.add_option("--title", title, "the page title (default: the trace file's name)")->type_name("TEXT");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const CLI::ParseError& e) {
        return fail(kExitUsage, std::string(e.what()) + "\nusage: bp trace-view TRACE.json -o OUT.html [--title TEXT]");
    }
    std::string text, error;
    if (!read_file(in, text, error)) return fail(kExitNoInput, "cannot read '" + in + "': " + error);
    Json root;
    if (!parse_json(text, root, error)) return fail(kExitDataErr, "'" + in + "' is not valid JSON: " + error);
    const Json* events = events_of(root);
    if (!events)
        return fail(kExitDataErr, "'" + in + "' is not a trace: expected {\"traceEvents\": [...]} or an array of events");
    Model model;
    for (size_t i = 0; i < events->items.size(); ++i)
        if (!model.add(events->items[i], i, error)) return fail(kExitDataErr, "'" + in + "': " + error);
    std::string page = render_trace_page(model.to_json(title.empty() ? in : title));
    if (!base::write_file_atomically(out, page, error)) return fail(kExitCantCreate, "cannot write '" + out + "': " + error);
    return 0;
}

} // namespace bp::tool
