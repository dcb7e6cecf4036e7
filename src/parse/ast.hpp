// The abstract syntax tree. The parser builds it; the checker resolves names and types and writes
// the annotations marked "checker:" (and may wrap expressions in ConvertExpr); the compiler reads
// the annotated tree. Every node carries its source span. Nodes are owned by unique_ptr, children
// by their parent; LocalVar objects are owned by the FuncDecl/Lambda that declares them.
#pragma once
#include "base/span.hpp"
#include "types/type.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bp::ast {

using types::Type;

// ---- type expressions -------------------------------------------------------------------------

enum class TypeExprKind { Named, Array, Map, Tuple, Func, Generic };

struct TypeExpr {
    TypeExprKind kind;
    Span span;
    std::string name;   // Named: "int", "Point", "Color"; a module-qualified name is "m.Point"
    std::vector<std::unique_ptr<TypeExpr>> items; // Array: [elem]; Map: [key, value]; Tuple: items; Func: params;
                                                  // Generic: [T] of `name[T]` (Channel[int])
    std::unique_ptr<TypeExpr> ret;                // Func
    const Type* resolved = nullptr;               // checker:
};
using TypeExprPtr = std::unique_ptr<TypeExpr>;

// ---- variables ---------------------------------------------------------------------------------

// One declared local: parameter, `let`, loop variable, catch binding, tuple-unpack name.
// Every execution of the declaration creates a fresh variable (matters for captured ones).
struct LocalVar {
    std::string name;
    Span span;
    const Type* type = nullptr; // checker:
    bool captured = false;      // checker: referenced by a lambda nested in the declaring function
    uint32_t id = 0;            // checker: dense index within the declaring function/lambda
};

// ---- expressions -------------------------------------------------------------------------------

enum class ExprKind {
    IntLit, FloatLit, BoolLit, StrLit, FString, Name, Unary, Binary, Logical, Call, Index, Field,
    ArrayLit, MapLit, TupleLit, StructLit, Lambda, Cast, New, Super, Convert,
};

struct Expr {
    explicit Expr(ExprKind k, Span s) : kind(k), span(s) {}
    virtual ~Expr() = default;
    ExprKind kind;
    Span span;
    const Type* type = nullptr; // checker: static type of this expression
};
using ExprPtr = std::unique_ptr<Expr>;

struct IntLit : Expr {
    IntLit(Span s, int64_t v) : Expr(ExprKind::IntLit, s), value(v) {}
    int64_t value;
};
struct FloatLit : Expr {
    FloatLit(Span s, double v) : Expr(ExprKind::FloatLit, s), value(v) {}
    double value;
};
struct BoolLit : Expr {
    BoolLit(Span s, bool v) : Expr(ExprKind::BoolLit, s), value(v) {}
    bool value;
};
struct StrLit : Expr {
    StrLit(Span s, std::string v) : Expr(ExprKind::StrLit, s), value(std::move(v)) {}
    std::string value; // escapes already decoded
};

// f"a{x:>5}b": parts alternate freely between literal text and fields.
struct FStringPart {
    std::string literal; // used when expr == nullptr ({{ }} already decoded)
    ExprPtr expr;
    std::string spec;    // text after ':' (may be empty); checker validates against expr's type
    Span spec_span;
};
struct FString : Expr {
    explicit FString(Span s) : Expr(ExprKind::FString, s) {}
    std::vector<FStringPart> parts;
};

// What a bare name refers to (checker:).
enum class NameRef { Unresolved, Local, Capture, Global, Function, EnumType, Module, ErrorClass };
struct Name : Expr {
    Name(Span s, std::string n) : Expr(ExprKind::Name, s), name(std::move(n)) {}
    std::string name;
    NameRef ref = NameRef::Unresolved; // checker:
    LocalVar* local = nullptr;         // checker: Local (also set for Capture: the outer variable)
    uint32_t index = 0;                // checker: Capture: index in the lambda's captures; Global: global
                                       // index; Function: function index; ErrorClass: error kind
};

enum class UnaryOp { Neg, BitNot, Not };
struct Unary : Expr {
    Unary(Span s, UnaryOp o, ExprPtr e) : Expr(ExprKind::Unary, s), op(o), operand(std::move(e)) {}
    UnaryOp op;
    ExprPtr operand;
};

// -v with §6.2's wrapping: -INT64_MIN is INT64_MIN (a literal may be -9223372036854775808).
inline int64_t wrapping_neg(int64_t v) { return static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(v)); }

// The value of an integer literal, possibly negated (`3`, `-3`): tuple indexes, and the constant
// operands the compiler folds into an instruction.
inline std::optional<int64_t> int_literal_value(const Expr& e) {
    if (e.kind == ExprKind::IntLit) return static_cast<const IntLit&>(e).value;
    if (e.kind != ExprKind::Unary) return std::nullopt;
    const auto& u = static_cast<const Unary&>(e);
    if (u.op != UnaryOp::Neg || u.operand->kind != ExprKind::IntLit) return std::nullopt;
    return wrapping_neg(static_cast<const IntLit&>(*u.operand).value); // -(-9223372036854775808)
}

enum class BinaryOp { Add, Sub, Mul, Div, Mod, BitAnd, BitOr, BitXor, Shl, Shr, Eq, Ne, Lt, Le, Gt, Ge };
struct Binary : Expr {
    Binary(Span s, BinaryOp o, ExprPtr l, ExprPtr r)
        : Expr(ExprKind::Binary, s), op(o), lhs(std::move(l)), rhs(std::move(r)) {}
    // A left-deep chain (a + b + c + ..., any length: the parser does not cap it) is freed along
    // its spine iteratively, not by one nested destructor call per operator.
    ~Binary() override {
        ExprPtr l = std::move(lhs);
        while (l && l->kind == ExprKind::Binary) {
            ExprPtr next = std::move(static_cast<Binary&>(*l).lhs);
            l = std::move(next);
        }
    }
    Binary(const Binary&) = delete;
    Binary& operator=(const Binary&) = delete;
    BinaryOp op;
    ExprPtr lhs, rhs;
    Span op_span; // the operator token (carets in tracebacks point at the whole expression)
};

enum class LogicalOp { And, Or };
// `a and b and c ...` (or `or`): one node of two or more operands, evaluated left to right, so a
// chain of any length is not nesting (the parser does not cap it, and no pass recurses along it).
struct Logical : Expr {
    Logical(Span s, LogicalOp o, std::vector<ExprPtr> xs)
        : Expr(ExprKind::Logical, s), op(o), operands(std::move(xs)) {}
    LogicalOp op;
    std::vector<ExprPtr> operands;
};

inline constexpr uint32_t kNoFunction = 0xFFFFFFFF; // Call::function_index of a no-op `super()`

// How a call is made (checker:).
enum class CallKind {
    Unresolved,
    Builtin,  // builtin_id: src/types/builtins.def (includes error constructors and thread.x functions)
    Function, // direct call of top-level function `function_index`
    Value,    // call of a function value (closure): callee evaluates to a fn
    Method,   // o.m(args): callee is a Field (FieldRef::Method) whose object is the receiver, passed
              // as the first argument; direct call of function_index unless `virtual_call`
};
struct Call : Expr {
    Call(Span s, ExprPtr c) : Expr(ExprKind::Call, s), callee(std::move(c)) {}
    ExprPtr callee;
    std::vector<ExprPtr> args;
    CallKind call_kind = CallKind::Unresolved; // checker:
    uint32_t builtin_id = 0;                   // checker: Builtin
    uint32_t function_index = 0;               // checker: Function; Method (the static target)
    bool virtual_call = false;                 // checker: Method: dispatch on vtable slot `method_slot`
    uint32_t method_slot = 0;                  // checker: Method
};

struct Index : Expr {
    Index(Span s, ExprPtr o, ExprPtr i) : Expr(ExprKind::Index, s), object(std::move(o)), index(std::move(i)) {}
    ExprPtr object, index;
};

enum class FieldRef { Unresolved, StructField, ErrorKind, ErrorMessage, ErrorTraceback, EnumMember, ModuleMember, Method };
struct Field : Expr {
    Field(Span s, ExprPtr o, std::string n) : Expr(ExprKind::Field, s), object(std::move(o)), name(std::move(n)) {}
    ExprPtr object;
    std::string name;
    Span name_span;
    FieldRef ref = FieldRef::Unresolved; // checker:
    uint32_t field_index = 0;            // checker: StructField index in StructInfo::fields
    int64_t enum_value = 0;              // checker: EnumMember
};

struct ArrayLit : Expr {
    explicit ArrayLit(Span s) : Expr(ExprKind::ArrayLit, s) {}
    std::vector<ExprPtr> items;
};
struct MapLit : Expr {
    explicit MapLit(Span s) : Expr(ExprKind::MapLit, s) {}
    std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};
struct TupleLit : Expr {
    explicit TupleLit(Span s) : Expr(ExprKind::TupleLit, s) {}
    std::vector<ExprPtr> items;
    // checker: when a parenthesised homogeneous tuple literal is used where [T] is expected, the
    // checker sets `type` to the array type and the compiler builds an array.
};
struct StructLit : Expr {
    StructLit(Span s, std::string n) : Expr(ExprKind::StructLit, s), name(std::move(n)) {}
    std::string name; // may be module-qualified "m.Point"
    struct Init {
        std::string field;
        Span span;
        ExprPtr value;
        uint32_t field_index = 0; // checker:
    };
    std::vector<Init> fields; // in source order (evaluated in this order)
};

struct Param {
    std::string name;
    Span span;
    TypeExprPtr type; // null only for `self`
};

struct Block;
struct Lambda : Expr {
    explicit Lambda(Span s) : Expr(ExprKind::Lambda, s) {}
    std::vector<Param> params;
    TypeExprPtr ret;
    ExprPtr body;
    std::vector<std::unique_ptr<LocalVar>> locals; // checker: params first, then any others
    // checker: outer variables this lambda uses, in first-use order. Each is a LocalVar of an
    // enclosing function or lambda; a nested lambda's captures are captured by every lambda between.
    std::vector<LocalVar*> captures;
};

struct Cast : Expr { // expr as T
    Cast(Span s, ExprPtr e, TypeExprPtr t) : Expr(ExprKind::Cast, s), operand(std::move(e)), target(std::move(t)) {}
    ExprPtr operand;
    TypeExprPtr target;
};

struct New : Expr { // new C(args)
    New(Span s, std::string c) : Expr(ExprKind::New, s), class_name(std::move(c)) {}
    std::string class_name;
    std::vector<ExprPtr> args;
    // checker: `type` is the class; call __init__ (StructInfo::init_function) if >= 0.
};

// super.m(args) / super().m(args) / super(args): the checker rewrites every valid use into a
// CallKind::Method call on `self`, so the compiler never meets this node.
struct Super : Expr {
    explicit Super(Span s) : Expr(ExprKind::Super, s) {}
};

// Implicit conversion inserted by the checker around an expression; `type` is the target type.
enum class ConvertKind {
    Box,        // T -> any (records operand->type in the box)
    Unbox,      // any -> T, checked at run time (TypeError "expected T, got U")
    ErrorToStr, // Error -> str (its message)
    Upcast,     // subclass -> superclass (no code)
    HandleToPtr,// Thread/Mutex/Condition/Volatile -> ptr (no code: same reference)
};
struct Convert : Expr {
    Convert(Span s, ConvertKind k, ExprPtr e) : Expr(ExprKind::Convert, s), conv(k), operand(std::move(e)) {}
    ConvertKind conv;
    ExprPtr operand;
};

// ---- statements --------------------------------------------------------------------------------

enum class StmtKind {
    Let, LetTuple, Assign, TupleAssign, ExprStmt, If, While, ForRange, ForEach, Break, Continue, Pass,
    Return, Match, Try, Throw,
    With, Select, // concurrency toolkit
};

struct Stmt {
    Stmt(StmtKind k, Span s) : kind(k), span(s) {}
    virtual ~Stmt() = default;
    StmtKind kind;
    Span span;
};
using StmtPtr = std::unique_ptr<Stmt>;

struct Block {
    Span span;
    std::vector<StmtPtr> stmts;
};

struct Let : Stmt {
    Let(Span s) : Stmt(StmtKind::Let, s) {}
    std::string name;
    Span name_span;
    TypeExprPtr type;
    ExprPtr init;
    LocalVar* var = nullptr; // checker:
};

struct LetTuple : Stmt { // let (a, b) = t   /  let (a, b): (int, str) = t
    LetTuple(Span s) : Stmt(StmtKind::LetTuple, s) {}
    std::vector<std::pair<std::string, Span>> names;
    TypeExprPtr type; // optional
    ExprPtr init;     // a tuple-typed expression, or a bare `x, y` (parsed as TupleLit)
    std::vector<LocalVar*> vars; // checker:
};

enum class AssignOp { Set, Add, Sub, Mul, Div, Mod, BitAnd, BitOr, BitXor, Shl, Shr };
struct Assign : Stmt {
    Assign(Span s) : Stmt(StmtKind::Assign, s) {}
    AssignOp op = AssignOp::Set;
    ExprPtr target; // Name, Field or Index chain
    ExprPtr value;
};

struct TupleAssign : Stmt { // a, b = b, a
    TupleAssign(Span s) : Stmt(StmtKind::TupleAssign, s) {}
    std::vector<ExprPtr> targets;
    ExprPtr value; // TupleLit for `b, a`, or any tuple-typed expression
};

struct ExprStmt : Stmt {
    ExprStmt(Span s, ExprPtr e) : Stmt(StmtKind::ExprStmt, s), expr(std::move(e)) {}
    ExprPtr expr;
};

struct If : Stmt {
    If(Span s) : Stmt(StmtKind::If, s) {}
    std::vector<std::pair<ExprPtr, Block>> branches; // if + elifs
    std::unique_ptr<Block> else_block;              // may be null
};

struct While : Stmt {
    While(Span s) : Stmt(StmtKind::While, s) {}
    ExprPtr cond;
    Block body;
};

struct ForRange : Stmt { // for i in range(a[, b[, c]])
    ForRange(Span s) : Stmt(StmtKind::ForRange, s) {}
    std::string var_name;
    Span var_span;
    std::vector<ExprPtr> args; // 1..3 as written
    Span range_span;           // the `range(...)` call (the caret of a zero-step ValueError)
    Block body;
    LocalVar* var = nullptr; // checker:
};

struct ForEach : Stmt { // for x in xs  (array, map keys, str bytes, bytes, channel)
    ForEach(Span s) : Stmt(StmtKind::ForEach, s) {}
    std::string var_name;
    Span var_span;
    ExprPtr iterable;
    Block body;
    LocalVar* var = nullptr; // checker:
    const Type* chan_item = nullptr; // checker: a Channel[T] iterable: (bool, T), chan_recv_ok's result
};

struct Break : Stmt { explicit Break(Span s) : Stmt(StmtKind::Break, s) {} };
struct Continue : Stmt { explicit Continue(Span s) : Stmt(StmtKind::Continue, s) {} };
struct Pass : Stmt { explicit Pass(Span s) : Stmt(StmtKind::Pass, s) {} };

struct Return : Stmt {
    Return(Span s, ExprPtr v) : Stmt(StmtKind::Return, s), value(std::move(v)) {}
    ExprPtr value; // null for bare return
};

struct Match : Stmt {
    Match(Span s) : Stmt(StmtKind::Match, s) {}
    ExprPtr subject;
    std::vector<std::pair<ExprPtr, Block>> cases;
    std::unique_ptr<Block> default_block;
};

// with subject [as NAME]: body  (docs/language.md "with"). The subject's static type picks an
// enter/exit builtin pair (check/with.cpp, kWithProtocols); exit runs however the body is left.
struct With : Stmt {
    With(Span s) : Stmt(StmtKind::With, s) {}
    ExprPtr subject;
    std::string binding; // `as NAME` (empty = none)
    Span binding_span;
    Block body;
    LocalVar* var = nullptr;       // checker: the binding
    uint32_t enter_builtin = 0;    // checker: called with the subject before the body
    uint32_t exit_builtin = 0;     // checker: called with the subject after it, always
};

// select: case [x =] recv(ch): B | case send(ch, v): B | case timeout(ms): B | default: B
struct SelectCase {
    enum class Op { Recv, Send, Timeout };
    Op op = Op::Recv;
    Span span;
    std::string var; // Recv: `x = recv(ch)` (empty = value dropped)
    Span var_span;
    ExprPtr chan;    // Recv, Send
    ExprPtr value;   // Send: the value; Timeout: milliseconds
    Block body;
    LocalVar* local = nullptr; // checker: the Recv binding
};
struct Select : Stmt {
    Select(Span s) : Stmt(StmtKind::Select, s) {}
    std::vector<SelectCase> cases;
    std::unique_ptr<Block> default_block;
    const Type* result_type = nullptr; // checker: (int, any), the type of chan_select's result
};

struct Catch {
    Span span;
    std::vector<std::pair<std::string, Span>> classes; // empty = catch-all
    std::string binding;                               // empty = no binding
    Span binding_span;
    Block body;
    std::vector<uint32_t> error_kinds; // checker: error kind ids (src/types/errors.def); empty = all
    LocalVar* var = nullptr;           // checker: binding (type Error)
};

struct Try : Stmt {
    Try(Span s) : Stmt(StmtKind::Try, s) {}
    Block body;
    std::vector<Catch> catches;
    std::unique_ptr<Block> finally_block;
};

struct Throw : Stmt {
    Throw(Span s, ExprPtr v) : Stmt(StmtKind::Throw, s), value(std::move(v)) {}
    ExprPtr value; // null: bare re-throw inside a catch body
};

// ---- declarations ------------------------------------------------------------------------------

enum class DeclKind { Func, Struct, Enum, Class, Global, Import, Extern };

struct Decl {
    Decl(DeclKind k, Span s) : kind(k), span(s) {}
    virtual ~Decl() = default;
    DeclKind kind;
    Span span;
    bool exported = false;
};
using DeclPtr = std::unique_ptr<Decl>;

struct FuncDecl : Decl {
    FuncDecl(Span s) : Decl(DeclKind::Func, s) {}
    std::string name;
    Span name_span;
    std::vector<Param> params; // a method's first param is `self` with type == nullptr
    TypeExprPtr ret;
    Block body;
    std::vector<std::unique_ptr<LocalVar>> locals; // checker: params first, then every other local
    uint32_t function_index = 0;                   // checker: index among all functions
    const Type* fn_type = nullptr;                 // checker: (a method's includes self first)
    types::StructInfo* owner = nullptr;            // checker: the struct/class of a method
    std::string qual_name;                         // checker: "Point.norm" for a method (tracebacks)
};

struct FieldDecl {
    std::string name;
    Span span;
    TypeExprPtr type;
};

struct StructDecl : Decl {
    StructDecl(Span s) : Decl(DeclKind::Struct, s) {}
    std::string name;
    Span name_span;
    std::vector<FieldDecl> fields;
    std::vector<std::unique_ptr<FuncDecl>> methods;
    types::StructInfo* info = nullptr;              // checker:
};

struct ClassDecl : Decl {
    ClassDecl(Span s) : Decl(DeclKind::Class, s) {}
    std::string name;
    Span name_span;
    std::string parent; // empty = none
    std::vector<FieldDecl> fields;
    std::vector<std::unique_ptr<FuncDecl>> methods;
    types::StructInfo* info = nullptr;
};

struct EnumDecl : Decl {
    EnumDecl(Span s) : Decl(DeclKind::Enum, s) {}
    std::string name;
    Span name_span;
    struct Member {
        std::string name;
        Span span;
        bool has_value = false;
        int64_t value = 0; // checker: final value (explicit or counted)
    };
    std::vector<Member> members;
};

struct GlobalDecl : Decl { // top-level let
    GlobalDecl(Span s) : Decl(DeclKind::Global, s) {}
    std::string name;
    Span name_span;
    TypeExprPtr type;
    ExprPtr init;
    uint32_t global_index = 0; // checker:
    // checker: locals of the initialiser (lambdas in initialisers capture nothing local).
    std::vector<std::unique_ptr<LocalVar>> locals;
};

struct Module;
struct ImportDecl : Decl {
    ImportDecl(Span s) : Decl(DeclKind::Import, s) {}
    std::string module;
    std::string alias;                                // `as x`; empty = none
    std::vector<std::pair<std::string, Span>> names;  // `import m (a, b)`
    Module* target = nullptr;                  // loader: the imported module (null: thread, missing)
    // The name the module is bound to in the importing module (alias, else the module name).
    const std::string& bound_name() const { return alias.empty() ? module : alias; }
};

struct ExternDecl : Decl { // extern fn name(params) -> ret from "lib" [as "symbol"]
    ExternDecl(Span s) : Decl(DeclKind::Extern, s) {}
    std::string name;
    Span name_span;
    std::vector<Param> params;
    TypeExprPtr ret;
    std::string library;
    std::string symbol; // `as "sym"`; empty = name
    uint32_t function_index = 0;   // checker: its stub's index among all functions (after the defs)
    const Type* fn_type = nullptr; // checker:
};

struct Module {
    uint32_t file = 0;
    std::string name; // loader: module name (`m` for m.bp; the main file's stem)
    std::vector<DeclPtr> decls;
};

} // namespace bp::ast
