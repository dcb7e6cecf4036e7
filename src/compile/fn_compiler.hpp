// Internal to the compiler: the per-function code generator (FnCompiler) and the program-wide
// state it shares (ProgramBuilder).
//
// Register discipline: every register has one kind (reference or scalar) for the whole function,
// recorded in FunctionProto::reg_is_ref. Each local variable gets its own register for the whole
// function (a captured local's register holds its Cell*); temporaries are recycled through one
// free list per kind, so a register never changes kind. Expressions evaluate into registers:
// expr() may return a local's own register (read-only use), expr_to() writes a given register.
//
// Exceptions: a try statement owns up to two handler regions (catch dispatch, finally). Exit paths
// that leave a try (return/break/continue) inline the finally code, and the regions are
// "suspended" around that inlined code so an exception raised there is handled by the enclosing
// try, not by the one being left. Regions are appended to FunctionProto::handlers when their try
// statement ends, which lists them innermost first.
#pragma once
#include "bytecode/program.hpp"
#include "check/checker.hpp"
#include "types/errors.hpp"

#include <functional>
#include <unordered_map>
#include <vector>

namespace bp::compile {

using bytecode::Instr;
using bytecode::Op;

inline constexpr uint16_t kNoReg = 0xFFFF;

// A per-function or per-program limit of the bytecode format was exceeded (registers, constants,
// compare-and-branch distance, functions): thrown from where it is detected, caught by
// compile_program, which reports it as a diagnostic at `span` (the construct being compiled).
struct LimitError {
    Span span;
    std::string message;
};

struct ProgramBuilder {
    bytecode::Program& program;
    types::TypeTable& types;
    const check::CheckedProgram& checked;
};

struct Label {
    std::vector<uint32_t> sites; // instructions whose jump field must be patched
    int64_t target = -1;
};

struct Region {
    uint16_t error_reg = 0;
    std::vector<std::pair<uint32_t, uint32_t>> ranges;
    uint32_t open_start = 0;
    bool open = false;
};

struct TryCtx {
    Region catch_region;   // body only (if the try has catch clauses)
    Region finally_region; // body + catch code (if the try has finally)
    bool has_catch = false;
    const ast::Block* finally_block = nullptr;
    std::function<void()> finally_code; // emitted instead of a block (with statements)
};

struct LoopCtx {
    Label break_label;
    Label continue_label;
    size_t try_depth = 0; // try_stack size at the loop statement
};

class FnCompiler {
public:
    FnCompiler(ProgramBuilder& pb, bytecode::FunctionProto& proto, const ast::Lambda* lambda);

    // Entry points (compiler.cpp).
    void compile_function(const ast::FuncDecl& fn);
    void compile_lambda(const ast::Lambda& lam);
    void compile_module_init(const std::vector<ast::GlobalDecl*>& globals);

    // ---- emission (fn_compiler.cpp)
    uint32_t pc() const { return static_cast<uint32_t>(m_proto.code.size()); }
    uint32_t emit(Instr i);
    void emit_args(const std::vector<uint16_t>& regs);
    void emit_ext(Instr i) { emit(i); }
    uint16_t add_const(bytecode::Constant c);
    uint16_t type_const(const types::Type* t);
    uint16_t str_const(const std::string& s);
    void jump_to(Label& l, uint32_t site);
    void bind(Label& l);
    void patch(uint32_t site, uint32_t target);

    // ---- registers
    uint16_t new_reg(bool ref);
    uint16_t temp(bool ref);
    uint16_t temp_for(const types::Type* t) { return temp(t->is_ref()); }
    size_t temp_mark() const { return m_live_temps.size(); }
    void release_temps(size_t mark);
    uint16_t local_reg(const ast::LocalVar* v); // the local's register (Cell* if captured)
    void declare_local(const ast::LocalVar* v, uint16_t value_reg); // fresh variable = value

    // ---- expressions (compile_expr.cpp)
    uint16_t expr(const ast::Expr* e);              // register holding the value (do not write it)
    void expr_to(const ast::Expr* e, uint16_t dst); // dst == kNoReg: evaluate for effect
    void cond_jump(const ast::Expr* e, bool jump_if, Label& target);
    void int_cmp_jump_const(ast::BinaryOp op, uint16_t l, int16_t k, bool jump_if, Label& target);

    // ---- statements (compile_stmt.cpp)
    void block(const ast::Block& b);
    void stmt(const ast::Stmt* s);

private:
    friend struct ExprCompiler;
    // expressions
    void name_to(const ast::Name* n, uint16_t dst);
    void unary_to(const ast::Unary* u, uint16_t dst);
    void binary_to(const ast::Binary* b, uint16_t dst);
    void binary_op(ast::BinaryOp op, const types::Type* t, uint16_t dst, uint16_t l, uint16_t r, Span span);
    void logical_to(const ast::Logical* l, uint16_t dst);
    void call_to(const ast::Call* c, uint16_t dst);
    bool builtin_special(const ast::Call* c, uint16_t dst);
    void method_call_to(const ast::Call* c, uint16_t dst);
    void new_to(const ast::New* n, uint16_t dst);
    void index_to(const ast::Index* ix, uint16_t dst);
    void field_to(const ast::Field* f, uint16_t dst);
    void fstring_to(const ast::FString* f, uint16_t dst);
    void array_lit_to(const std::vector<ast::ExprPtr>& items, const types::Type* t, uint16_t dst, Span span);
    void map_lit_to(const ast::MapLit* m, uint16_t dst);
    void tuple_lit_to(const ast::TupleLit* t, uint16_t dst);
    void struct_lit_to(const ast::StructLit* s, uint16_t dst);
    void lambda_to(const ast::Lambda* l, uint16_t dst);
    void convert_to(const ast::Convert* c, uint16_t dst);
    void load_int(int64_t v, uint16_t dst);
    int tuple_index(const ast::Expr* index, const types::Type* tuple_type);
    uint16_t capture_cell(const ast::LocalVar* v); // a register holding v's Cell*

    // statements
    void let_stmt(const ast::Let* s);
    void let_tuple(const ast::LetTuple* s);
    void assign(const ast::Assign* s);
    void compound_assign(const ast::Assign* s);
    void store_to(const ast::Expr* target, uint16_t value);
    bool array_store_constant(const ast::Index* target, const ast::Expr* value);
    void tuple_assign(const ast::TupleAssign* s);
    void if_stmt(const ast::If* s);
    void while_stmt(const ast::While* s);
    void for_range(const ast::ForRange* s);
    void for_each(const ast::ForEach* s);
    void for_each_channel(const ast::ForEach* s);
    void with_stmt(const ast::With* s);
    void select_stmt(const ast::Select* s);
    // Emits a call of builtin `id` on argument registers (dst kNoReg: result unused).
    void call_builtin_regs(uint32_t id, uint16_t dst, const std::vector<uint16_t>& args,
                           std::vector<const types::Type*> arg_types, const types::Type* result_type);
    void loop_body(const ast::Block& body, LoopCtx& loop);
    void exit_through(size_t try_depth, const std::function<void()>& final_jump);
    void return_stmt(const ast::Return* s);
    void match_stmt(const ast::Match* s);
    void try_stmt(const ast::Try* s);
    void catch_clauses(const ast::Try* s, TryCtx& ctx, uint16_t err, Label& done);
    void throw_stmt(const ast::Throw* s);
    void open_region(Region& r);
    void close_region(Region& r);
    void commit_region(const Region& r, uint32_t handler);

    ProgramBuilder& m_pb;
    bytecode::FunctionProto& m_proto;
    const ast::Lambda* m_lambda; // non-null while compiling a lambda body
    Span m_span;                 // span recorded for emitted instructions
    std::vector<uint16_t> m_free[2];
    std::vector<uint16_t> m_live_temps;
    // add_const's index: a constant's kind and bytes -> its slot (a linear search made a function
    // with tens of thousands of constants compile in quadratic time).
    std::unordered_map<std::string, uint16_t> m_const_index;
    std::unordered_map<const ast::LocalVar*, uint16_t> m_locals;
    std::vector<LoopCtx*> m_loops;
    std::vector<TryCtx*> m_tries;
    std::vector<uint16_t> m_catch_errs; // error registers of the enclosing catch bodies (bare throw)
};

// Compiles a lambda into a new FunctionProto appended to the program; returns its index.
uint32_t compile_lambda_proto(ProgramBuilder& pb, const ast::Lambda& lam, uint32_t file);
// The stub FunctionProto of `extern fn` number `k` (compile_extern.cpp): CallExtern on its params.
std::unique_ptr<bytecode::FunctionProto> compile_extern_stub(bytecode::Program& program,
                                                             const ast::ExternDecl& x, uint32_t k);

bool is_int_like(const types::Type* t);
// An int literal (or a negated one) that fits a 16-bit immediate (compile_expr.cpp).
std::optional<int16_t> small_int_literal(const ast::Expr* e);
// The AddIntImm immediate of `x + k` / `x - k` (op Add or Sub on ints, k an int literal), if it
// fits 16 bits; shared by expressions and `x += k` (compile_expr.cpp).
std::optional<int16_t> add_immediate(ast::BinaryOp op, const types::Type* type, const ast::Expr* rhs);

// Replaces direct calls of small leaf functions by their instructions (inline_leaves.cpp). Runs
// once every function is compiled, before ref_locals are set.
void inline_leaf_calls(bytecode::Program& program);

} // namespace bp::compile
