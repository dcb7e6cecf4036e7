// The checker's internal state, shared by its source files (declarations, scopes, types,
// expressions, calls, statements, flow). Not a public header: use check/checker.hpp.
//
// Error suppression: an expression whose type could not be determined (after an error was
// reported) gets type nullptr; every rule that meets a nullptr operand stays silent, so one
// mistake gives one message.
#pragma once
#include <string_view>
#include "check/builtin_sig.hpp"
#include "check/checker.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bp::check {

using ast::Expr;
using ast::ExprPtr;
using types::Kind;
using types::Type;

// A top-level value name: function or global.
struct ValueSym {
    ast::FuncDecl* fn = nullptr;
    ast::GlobalDecl* global = nullptr;
    ast::ExternDecl* ext = nullptr; // an `extern fn` (called like a function)
};

// A type name: struct, enum or class.
struct TypeSym {
    ast::StructDecl* st = nullptr;
    ast::EnumDecl* en = nullptr;
    ast::ClassDecl* cls = nullptr;
};

// One module's names (LANGUAGE.md §3 Names and scopes). The current module's value and type tables
// live in Checker::m_values / m_type_names (so name lookups need not know about modules); the
// others are parked here. enter_module swaps them (O(1)). An import binds, in the importing
// module's tables, each exported name of the imported module under the key "alias.name" (and the
// listed names unqualified for `import m (a, b)`), so a qualified type or struct literal name
// ("m.Point") is found by the ordinary lookups.
struct ModuleScope {
    ast::Module* module = nullptr;
    std::unordered_map<std::string, ValueSym> values; // parked while another module is current
    std::unordered_map<std::string, TypeSym> types;
    std::unordered_map<std::string, ast::Module*> imports; // bound import name -> module
    std::unordered_set<std::string> own_values, own_types; // declared here (not imported)
    std::unordered_set<std::string> exported_values, exported_types;
};

// What collapse_module_member did with `alias.name`.
enum class Collapse { NotModule, Done, Failed };

// One function body, lambda or global initialiser being checked.
struct FnContext {
    std::vector<std::unique_ptr<ast::LocalVar>>* locals = nullptr;
    ast::Lambda* lambda = nullptr; // null for functions and global initialisers
    std::vector<std::unordered_map<std::string, ast::LocalVar*>> scopes;
};

// Where a coercion happens: selects the error wording and whether `any` may be unboxed.
enum class CoerceCtx { Let, Assign, Argument, Return, Element, Field, Case };

class Checker {
public:
    Checker(types::TypeTable& types, diag::Diagnostics& diags);
    bool run(std::vector<ast::Module*> modules, CheckedProgram& out);
    // The native-module registry `import` consults (types/native_module.hpp); set before run.
    types::NativeRegistry natives;

    // ---- declarations (checker.cpp)
    void collect_decls(ast::Module& m);
    void declare_value(const std::string& name, Span span, ValueSym sym);
    void declare_type(const std::string& name, Span span, TypeSym sym);
    void resolve_struct_fields(ast::StructDecl& s);
    void resolve_enum(ast::EnumDecl& e);
    void resolve_signature(ast::FuncDecl& f);
    void check_global(ast::GlobalDecl& g);
    void check_function(ast::FuncDecl& f);
    void choose_entry(ast::Module& main_module, CheckedProgram& out);

    // ---- modules (modules.cpp)
    void init_modules(const std::vector<ast::Module*>& modules);
    void enter_module(size_t index);
    void enter_module_of(Span span); // the module whose file contains `span`
    void record_exports(ModuleScope& m);
    void bind_imports(ModuleScope& m);
    void bind_import(ModuleScope& m, ast::ImportDecl& imp);
    void bind_selected(ast::ImportDecl& imp, ModuleScope& target, const std::string& name, Span span);
    // `alias.name` where alias is an import of the current module (and no variable): replaces `e`
    // by a Name "alias.name" (Done), reports a non-exported or unknown name (Failed).
    Collapse collapse_module_member(ExprPtr& e);
    // Reports an unresolved qualified type name "m.T" precisely; false if `name` is not qualified.
    bool report_qualified_type(const std::string& name, Span span);
    ModuleScope* imported_module(const std::string& bound_name);

    // ---- FFI (extern.cpp)
    void declare_extern(ast::ExternDecl& x);
    void resolve_extern(ast::ExternDecl& x);
    // A callable top-level value (def or extern fn): its function index and type; false otherwise.
    static bool function_sym(const ValueSym& s, uint32_t& index, const Type*& type);

    // ---- types and conversions (types.cpp)
    const Type* resolve_type(ast::TypeExpr* t, bool allow_void = false);
    bool is_map_key(const Type* t) const;
    // Converts `e` (already checked) to `target`, wrapping it in ast::Convert if needed.
    // Returns false (after reporting) on a mismatch; silent if either type is unknown.
    bool coerce(ExprPtr& e, const Type* target, CoerceCtx ctx, const std::string& what = {});
    bool convertible(const Type* from, const Type* to, bool allow_unbox) const;
    void wrap(ExprPtr& e, ast::ConvertKind k, const Type* target);
    // check_expr with `target` as expected type, then coerce.
    bool check_to(ExprPtr& e, const Type* target, CoerceCtx ctx, const std::string& what = {});

    // ---- scopes (scope.cpp)
    void push_fn(FnContext ctx) { m_fns.push_back(std::move(ctx)); }
    void pop_fn() { m_fns.pop_back(); }
    void push_scope() { m_fns.back().scopes.emplace_back(); }
    void pop_scope() { m_fns.back().scopes.pop_back(); }
    ast::LocalVar* declare_local(const std::string& name, Span span, const Type* type);
    bool name_visible_as_variable(const std::string& name) const;
    // Resolves a variable reference (local, capture or global) into `n`; false if none.
    bool resolve_variable(ast::Name& n);

    // ---- expressions (expr.cpp)
    const Type* check_expr(ExprPtr& e, const Type* expected = nullptr);
    const Type* check_name(ast::Name& n, bool assigned = false); // assigned: the target of `n = ...`
    const Type* check_unary(ast::Unary& u);
    const Type* check_binary(ast::Binary& b);
    const Type* check_binary_node(ast::Binary& b, const Type* l);
    const Type* check_equality(ast::Binary& b, const Type* l);
    const Type* check_index(ast::Index& ix);
    const Type* check_field(ast::Field& f);
    const Type* check_array_lit(ast::ArrayLit& a, const Type* expected);
    const Type* check_map_lit(ast::MapLit& m, const Type* expected);
    const Type* check_tuple_lit(ast::TupleLit& t, const Type* expected);
    const Type* check_struct_lit(ast::StructLit& s);
    const Type* check_lambda(ast::Lambda& l);
    const Type* check_cast(ast::Cast& c);
    const Type* check_fstring(ast::FString& f);

    // ---- calls (call.cpp)
    const Type* check_call(ast::Call& c, const Type* expected);
    const Type* check_builtin_call(ast::Call& c, uint32_t id, const Type* expected);
    const Signature& builtin_sig(uint32_t id); // parses it at the first call of builtin `id`
    const Type* check_special_builtin(ast::Call& c, uint32_t id);
    // Threading (threading.cpp): thread.X(...) calls and the overloaded thread builtins.
    bool is_thread_module(const ast::Expr& e) const;
    const Type* check_thread_module_call(ast::Call& c, const Type* expected);
    const Type* check_thread_special(ast::Call& c, uint32_t id);
    const Type* check_toolkit_special(ast::Call& c, uint32_t id); // toolkit.cpp
    const Type* check_future_method(ast::Call& c); // toolkit.cpp: f.get(), f.done(), f.cancel()
    const Type* future_get_type(ast::Call& c, bool first_checked); // toolkit.cpp
    bool check_handle_arg(ExprPtr& e, const Type* handle, const std::string& what);
    void check_with(ast::With& s); // with.cpp
    void check_select(ast::Select& s); // channels.cpp
    // Channels (channels.cpp): the chan_X builtins and the method form ch.send(v).
    const Type* check_chan_builtin(ast::Call& c, uint32_t id, const Type* expected, bool first_checked);
    const Type* check_chan_method(ast::Call& c, const Type* expected);
    // Method forms of handle builtins (channels.cpp): x.m(args) becomes flat(x, args), or reports
    // "type T has no method 'm'" (checking the arguments) and returns false when flat is missing.
    bool rewrite_method_as_builtin(ast::Call& c, const char* flat);
    // The rewritten call's callee type: fn(its argument types) -> ret.
    void type_rewritten_callee(ast::Call& c, const Type* ret);
    const Type* check_value_call(ast::Call& c, const Type* fn_type, const std::string& what);

    // ---- structs with methods, classes, new, super (classes.cpp)
    void declare_methods(std::vector<std::unique_ptr<ast::FuncDecl>>& methods, types::StructInfo* owner);
    void resolve_classes();
    void resolve_class(ast::ClassDecl& c, std::unordered_map<ast::ClassDecl*, int>& state);
    void build_method_tables();
    void build_methods(types::StructInfo* info, std::vector<std::unique_ptr<ast::FuncDecl>>& methods);
    const Type* check_new(ast::New& n);
    const Type* check_method_call(ast::Call& c, ast::Field& f, const Type* object_type);
    const Type* check_super_call(ast::Call& c, std::string method, Span name_span);
    bool check_args(std::vector<ExprPtr>& args, const Type* fn, const std::string& what, Span span);

    // ---- statements (stmt.cpp)
    void check_block(ast::Block& b);
    void check_stmt(ast::Stmt& s);
    void check_let(ast::Let& s);
    void check_let_tuple(ast::LetTuple& s);
    void check_assign(ast::Assign& s);
    void check_tuple_assign(ast::TupleAssign& s);
    bool check_lvalue(ExprPtr& target);
    void check_if(ast::If& s);
    void check_for_range(ast::ForRange& s);
    void check_for_each(ast::ForEach& s);
    void check_jump(ast::Stmt& s, const char* what);
    void check_return(ast::Return& s);
    void check_match(ast::Match& s);
    void check_try(ast::Try& s);
    void check_catch(ast::Catch& c);
    void check_throw(ast::Throw& s);
    void check_cond(ExprPtr& e);

    void error(Span s, std::string msg, std::vector<std::string> notes = {}) {
        m_diags.error(s, std::move(msg), std::move(notes));
    }
    // "hint: ..." with the BetterPython spelling of a Python name, or of a Python method of a value of
    // `kind` (check/python_spellings.def, python_hints.cpp); nothing for any other name.
    static std::vector<std::string> python_name_hint(const std::string& name);
    static std::vector<std::string> python_method_hint(types::Kind kind, const std::string& method);
    // The hint for a call of an undefined function: a class or struct called by name (Python's
    // `Counter(0)`), else python_name_hint.
    std::vector<std::string> undefined_call_hint(const std::string& name) const;
    // "hint: ..." for an operator between an int and a float, or a str and a number: no implicit mixing.
    static std::vector<std::string> mixed_operands_hint(const types::Type* l, const types::Type* r);

    types::TypeTable& m_types;
    diag::Diagnostics& m_diags;
    std::vector<std::unique_ptr<Signature>> m_sigs; // by builtin id, parsed at first use (builtin_sig)
    std::unordered_map<std::string, ValueSym> m_values;
    std::unordered_map<std::string, TypeSym> m_type_names;
    std::unordered_set<std::string> m_silent_types; // later-issue declarations (classes)
    std::vector<ModuleScope> m_modules;             // in initialisation order, main last
    std::unordered_map<uint32_t, size_t> m_module_of_file;
    size_t m_current_module = 0;
    // Names bound by importing a builtin-backed native module (`import thread [as x]`): the module's
    // registry entry, whose function table maps x.name to a builtin.
    std::unordered_map<std::string, const types::NativeModuleDecl*> m_thread_modules;
    std::vector<ast::FuncDecl*> m_functions;
    std::vector<ast::GlobalDecl*> m_globals;
    std::vector<ast::ExternDecl*> m_externs;
    std::vector<ast::StructDecl*> m_struct_decls;
    std::vector<ast::ClassDecl*> m_class_decls;  // parents before children after resolve_classes

    // Current body.
    std::vector<FnContext> m_fns;
    const Type* m_ret = nullptr;            // return type of the function being checked
    int m_loop_depth = 0;                   // loops enclosing the statement (reset by finally)
    int m_finally_depth = 0;
    int m_catch_depth = 0;
    int m_lambda_depth = 0;
    ast::GlobalDecl* m_init_global = nullptr; // global whose initialiser is being checked
    ast::FuncDecl* m_method = nullptr;        // method whose body is being checked (super)
};

// Flow analysis (flow.cpp): true if control can reach the end of the block.
bool block_can_complete(const ast::Block& b);

// f-string spec validation (fstring_spec.cpp): an error message, or empty if `spec` fits `t`.
std::string validate_format_spec(const std::string& spec, const Type* t);

// Thread builtins of LANGUAGE.md §11 (names a user function may not take).
bool is_thread_builtin(const std::string& name);
// True for the thread builtins whose signature is "special" (spawn and the overloaded ones).
bool is_thread_special(uint32_t builtin_id);
// The concurrency toolkit (toolkit.cpp): its "special" builtins, and thread.<name> -> flat name.
bool is_toolkit_special(uint32_t builtin_id);
const char* toolkit_flat_name(std::string_view name);
bool is_chan_builtin(uint32_t builtin_id);
const char* chan_module_name(std::string_view name); // thread.chan_X -> builtin name, or nullptr

} // namespace bp::check
