// REPL: carrying the globals that have no literal form (class instances, closures, bytes...) from
// the previous input's Vm into the next one's by deep copy (repl.cpp's essay says when).
//
// The two programs are compiled from the same session source, so they agree on every definition
// but not on pointers: each compile has its own TypeTable and FunctionProtos. The copy maps types
// by structure (a struct or class by its name, unique in a session), top-level functions by index
// and name (definitions only append, so a def keeps its index), lambdas by their source position
// in the definitions (the definitions are a common prefix of both sources). A memo of copied
// objects keeps sharing and cycles as they were. What cannot be mapped (a handle such as a Thread
// or a Mutex, a lambda written in a statement input, a closure capturing a reference) makes the
// whole global fail; it then keeps its re-evaluated initialiser.
//
// Allocation never collects (gc/heap.hpp), and no safepoint is reached while copying: the raw
// pointers held here are safe. The old Vm has no running thread (its input finished).
#include "repl_carry.hpp"

#include "runtime/rt.hpp"
#include "types/type.hpp"

#include <unordered_map>
#include <unordered_set>

namespace bp::tool {

namespace {

class Transplant {
public:
    Transplant(const Vm& from, Vm& to, VmThread& t, uint32_t prefix_end)
        : m_from(from), m_to(to), m_t(t), m_types(*to.program.types), m_prefix_end(prefix_end) {}

    // Copies `v` of static type `t` (old program); false if something cannot be carried.
    bool copy(Value v, const types::Type* t, Value& out) {
        if (!t) return false;
        switch (t->kind) {
        case types::Kind::Int: case types::Kind::Float: case types::Kind::Bool:
            out = v;
            return true;
        case types::Kind::Str: case types::Kind::Bytes: case types::Kind::Array: case types::Kind::Map:
        case types::Kind::Tuple: case types::Kind::Struct: case types::Kind::Any: case types::Kind::Func:
            if (!v.o) {
                out = v;
                return true;
            }
            return copy_obj(v.o, t, out);
        case types::Kind::Void: case types::Kind::Ptr: case types::Kind::Error: case types::Kind::Thread:
        case types::Kind::Mutex: case types::Kind::Condition: case types::Kind::Volatile: case types::Kind::Sync:
        case types::Kind::Channel: case types::Kind::Scope:
            return false;
        }
        return false;
    }

private:
    template <class T>
    static const T* as(const Obj* o) { return static_cast<const T*>(static_cast<const void*>(o)); }

    // The new program's type for an old type; nullptr if it has none there.
    const types::Type* map_type(const types::Type* t) {
        if (!t) return nullptr;
        switch (t->kind) {
        case types::Kind::Int: return m_types.int_t();
        case types::Kind::Float: return m_types.float_t();
        case types::Kind::Bool: return m_types.bool_t();
        case types::Kind::Str: return m_types.str_t();
        case types::Kind::Void: return m_types.void_t();
        case types::Kind::Any: return m_types.any_t();
        case types::Kind::Bytes: return m_types.bytes_t();
        case types::Kind::Array: {
            const types::Type* e = map_type(t->elem);
            return e ? m_types.array_of(e) : nullptr;
        }
        case types::Kind::Map: {
            const types::Type* k = map_type(t->key), *e = map_type(t->elem);
            return k && e ? m_types.map_of(k, e) : nullptr;
        }
        case types::Kind::Tuple:
        case types::Kind::Func: {
            std::vector<const types::Type*> items;
            for (const types::Type* i : t->items) {
                items.push_back(map_type(i));
                if (!items.back()) return nullptr;
            }
            if (t->kind == types::Kind::Tuple) return m_types.tuple_of(std::move(items));
            const types::Type* r = map_type(t->ret);
            return r ? m_types.func_of(std::move(items), r) : nullptr;
        }
        case types::Kind::Struct:
            if (!t->info) return nullptr;
            for (const types::StructInfo& s : m_types.structs())
                if (s.name == t->info->name && s.is_class == t->info->is_class &&
                    s.fields().size() == t->info->fields().size())
                    return s.type;
            return nullptr;
        case types::Kind::Ptr: case types::Kind::Error: case types::Kind::Thread: case types::Kind::Mutex:
        case types::Kind::Condition: case types::Kind::Volatile: case types::Kind::Sync: case types::Kind::Channel:
        case types::Kind::Scope:
            return nullptr;
        }
        return nullptr;
    }

    bool copy_obj(Obj* o, const types::Type* t, Value& out) {
        auto seen = m_memo.find(o);
        if (seen != m_memo.end()) {
            out = Value::from_obj(seen->second);
            return true;
        }
        Obj* made = nullptr;
        bool ok = false;
        switch (t->kind) {
        case types::Kind::Str:
            made = rt::new_string(m_t, as<String>(o)->view());
            ok = true;
            break;
        case types::Kind::Bytes:
            made = rt::new_bytes_from(m_t, rt::bytes_snapshot(as<Bytes>(o)));
            ok = true;
            break;
        case types::Kind::Array: ok = copy_array(as<Array>(o), made); break;
        case types::Kind::Map: ok = copy_map(as<Map>(o), made); break;
        case types::Kind::Tuple: ok = copy_tuple(as<Tuple>(o), made); break;
        case types::Kind::Struct: ok = copy_instance(as<Instance>(o), made); break;
        case types::Kind::Any: ok = copy_box(as<Box>(o), made); break;
        case types::Kind::Func: ok = copy_closure(as<Closure>(o), made); break;
        default: return false; // copy() lets only the kinds above through
        }
        if (!ok || !made) return false;
        m_memo[o] = made;
        out = Value::from_obj(made);
        return true;
    }

    // Containers are registered in the memo before their elements are copied (cycles).
    bool copy_array(const Array* a, Obj*& made) {
        const types::Type* nt = map_type(a->type);
        if (!nt) return false;
        Array* n = rt::new_array(m_t, nt, rt::array_len(a));
        made = n;
        m_memo[const_cast<Array*>(a)] = n;
        for (int64_t i = 0, len = rt::array_len(a); i < len; ++i) {
            Value v = Value::zero();
            if (!copy(rt::array_get(a, i), a->type->elem, v)) return false;
            rt::array_push(m_t, n, v);
        }
        return true;
    }

    bool copy_map(const Map* m, Obj*& made) {
        const types::Type* nt = map_type(m->type);
        if (!nt) return false;
        Map* n = rt::new_map(m_t, nt);
        made = n;
        m_memo[const_cast<Map*>(m)] = n;
        int64_t pos = 0;
        Value k = Value::zero(), v = Value::zero();
        while (rt::map_next(m, &pos, &k, &v)) {
            Value nk = Value::zero(), nv = Value::zero();
            if (!copy(k, m->type->key, nk) || !copy(v, m->type->elem, nv)) return false;
            rt::map_set(m_t, n, nk, nv);
        }
        return true;
    }

    bool copy_tuple(const Tuple* tup, Obj*& made) {
        const types::Type* nt = map_type(tup->type);
        if (!nt) return false;
        Tuple* n = rt::new_tuple(m_t, nt);
        made = n;
        m_memo[const_cast<Tuple*>(tup)] = n;
        for (size_t i = 0; i < tup->type->items.size(); ++i)
            if (!copy(tup->items[i], tup->type->items[i], n->items[i])) return false;
        return true;
    }

    bool copy_instance(const Instance* inst, Obj*& made) {
        const types::Type* nt = map_type(inst->type); // the run-time class (may be a subclass)
        if (!nt) return false;
        Instance* n = rt::new_instance(m_t, nt);
        made = n;
        m_memo[const_cast<Instance*>(inst)] = n;
        const auto& fields = inst->type->info->fields();
        for (size_t i = 0; i < fields.size(); ++i) {
            if (fields[i].name != nt->info->fields()[i].name) return false;
            if (!copy(inst->fields[i], fields[i].type, n->fields[i])) return false;
        }
        return true;
    }

    bool copy_box(const Box* b, Obj*& made) {
        const types::Type* nt = map_type(b->type);
        if (!nt) return false;
        Value v = Value::zero();
        if (b->type->kind != types::Kind::Void && !copy(b->value, b->type, v)) return false;
        made = rt::new_box(m_t, nt, v);
        return true;
    }

    // A closure: its function in the new program, and its captured cells (scalars only: a cell
    // does not record the static type a reference would need).
    bool copy_closure(const Closure* c, Obj*& made) {
        const bytecode::FunctionProto* np = map_function(c->proto);
        if (!np) return false;
        if (c->ncaptures == 0 && np->index < m_to.function_values.size() && m_to.function_values[np->index] &&
            m_from.function_values.size() > c->proto->index && m_from.function_values[c->proto->index] == c) {
            made = m_to.function_values[np->index]; // a top-level function's own value
            return true;
        }
        Closure* n = rt::new_closure(m_t, np, c->ncaptures);
        made = n;
        m_memo[const_cast<Closure*>(c)] = n;
        for (uint32_t i = 0; i < c->ncaptures; ++i) {
            const Cell* cell = c->captures[i];
            auto seen = m_memo.find(const_cast<Cell*>(cell));
            if (seen != m_memo.end()) {
                n->captures[i] = static_cast<Cell*>(seen->second);
                continue;
            }
            if (cell->flags & 1) return false;
            Cell* nc = rt::new_cell(m_t, false, cell->value);
            m_memo[const_cast<Cell*>(cell)] = nc;
            n->captures[i] = nc;
        }
        return true;
    }

    const bytecode::FunctionProto* map_function(const bytecode::FunctionProto* p) {
        const auto& olds = m_from.program.functions;
        const auto& news = m_to.program.functions;
        if (p->name != "<lambda>") { // a def or a method: same index, same name
            if (p->index < news.size() && news[p->index]->name == p->name && news[p->index]->code.size() == p->code.size())
                return news[p->index].get();
            return nullptr;
        }
        uint32_t old_main = olds[m_from.program.entry_function]->file;
        if (p->spans.empty() || p->file != old_main || p->spans.front().end > m_prefix_end) return nullptr;
        for (const auto& f : news)
            if (f->name == "<lambda>" && !f->spans.empty() && f->spans.front().begin == p->spans.front().begin &&
                f->spans.front().end == p->spans.front().end && f->code.size() == p->code.size() &&
                f->file == m_to.program.functions[m_to.program.entry_function]->file)
                return f.get();
        return nullptr;
    }

    const Vm& m_from;
    Vm& m_to;
    VmThread& m_t;
    types::TypeTable& m_types;
    uint32_t m_prefix_end; // lambdas ending before this offset of the main file are in the shared prefix
    std::unordered_map<const Obj*, Obj*> m_memo;
};

} // namespace

namespace {

// Whether copy() would succeed for a value of `vm` (checked on its own program: the next program
// has the same definitions). Sharing and cycles: each object is visited once.
class CarryCheck {
public:
    CarryCheck(const Vm& vm, uint32_t prefix_end) : m_vm(vm), m_prefix_end(prefix_end) {}

    bool ok(Value v, const types::Type* t) {
        if (!t) return false;
        switch (t->kind) {
        case types::Kind::Int: case types::Kind::Float: case types::Kind::Bool: return true;
        case types::Kind::Str: case types::Kind::Bytes: case types::Kind::Array: case types::Kind::Map:
        case types::Kind::Tuple: case types::Kind::Struct: case types::Kind::Any: case types::Kind::Func:
            return !v.o || !m_seen.insert(v.o).second || ok_obj(v.o, t);
        case types::Kind::Void: case types::Kind::Ptr: case types::Kind::Error: case types::Kind::Thread:
        case types::Kind::Mutex: case types::Kind::Condition: case types::Kind::Volatile: case types::Kind::Sync:
        case types::Kind::Channel: case types::Kind::Scope:
            return false;
        }
        return false;
    }

private:
    template <class T>
    static const T* as(const Obj* o) { return static_cast<const T*>(static_cast<const void*>(o)); }

    bool ok_obj(const Obj* o, const types::Type* t) {
        switch (t->kind) {
        case types::Kind::Array: {
            const Array* a = as<Array>(o);
            for (int64_t i = 0, n = rt::array_len(a); i < n; ++i)
                if (!ok(rt::array_get(a, i), a->type->elem)) return false;
            return true;
        }
        case types::Kind::Map: {
            const Map* m = as<Map>(o);
            int64_t pos = 0;
            Value k = Value::zero(), v = Value::zero();
            while (rt::map_next(m, &pos, &k, &v))
                if (!ok(k, m->type->key) || !ok(v, m->type->elem)) return false;
            return true;
        }
        case types::Kind::Tuple: {
            const Tuple* tup = as<Tuple>(o);
            for (size_t i = 0; i < tup->type->items.size(); ++i)
                if (!ok(tup->items[i], tup->type->items[i])) return false;
            return true;
        }
        case types::Kind::Struct: {
            const Instance* inst = as<Instance>(o);
            const auto& fields = inst->type->info->fields();
            for (size_t i = 0; i < fields.size(); ++i)
                if (!ok(inst->fields[i], fields[i].type)) return false;
            return true;
        }
        case types::Kind::Any: {
            const Box* b = as<Box>(o);
            return b->type && (b->type->kind == types::Kind::Void || ok(b->value, b->type));
        }
        case types::Kind::Func: {
            const Closure* c = as<Closure>(o);
            const bytecode::FunctionProto* p = c->proto;
            if (p->name == "<lambda>") { // a def or a method keeps its index; a lambda its position
                uint32_t main_file = m_vm.program.functions[m_vm.program.entry_function]->file;
                if (p->spans.empty() || p->file != main_file || p->spans.front().end > m_prefix_end) return false;
            }
            for (uint32_t i = 0; i < c->ncaptures; ++i)
                if (c->captures[i]->flags & 1) return false;
            return true;
        }
        default: return true; // Str, Bytes
        }
    }

    const Vm& m_vm;
    uint32_t m_prefix_end;
    std::unordered_set<const Obj*> m_seen;
};

} // namespace

bool can_carry(const Vm& vm, uint32_t global, uint32_t prefix_end) {
    if (global >= vm.globals.size() || !vm.global_ready[global]) return false;
    CarryCheck check(vm, prefix_end);
    return check.ok(vm.globals[global], vm.program.globals[global].type);
}

std::vector<bool> carry_values(const Vm& from, Vm& to, VmThread& t,
                               const std::vector<std::pair<uint32_t, uint32_t>>& globals, uint32_t prefix_end) {
    Transplant tr(from, to, t, prefix_end);
    std::vector<bool> carried;
    for (auto [f, g] : globals) {
        Value v = Value::zero();
        bool ok = f < from.globals.size() && from.global_ready[f] && g < to.globals.size() &&
                  tr.copy(from.globals[f], from.program.globals[f].type, v);
        if (ok) {
            slot_store(&to.globals[g], v);
            to.global_ready[g] = 1;
        }
        carried.push_back(ok);
    }
    return carried;
}

} // namespace bp::tool
