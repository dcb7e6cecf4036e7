// The static type checker: resolves names, types every expression, inserts implicit conversions
// (ast::Convert), checks statements (missing return, break outside loops, ...) and fills every
// "checker:" annotation of the AST. Reports all errors it finds, in source order.
//
// Conventions the compiler can rely on (for a program checked without errors):
// - Every Expr has `type` set. Implicit conversions are explicit ast::Convert nodes whose `type` is
//   the target: Box (T -> any) wherever `any` is expected, including an `==`/`!=` operand compared
//   with an `any`; Unbox (any -> T) on let, assignment, argument, return, struct-literal field and
//   `as`; ErrorToStr (Error -> str, also for `e == "msg"`); HandleToPtr; Upcast. So after checking,
//   every argument's type equals its parameter type, both operands of a Binary have the same type,
//   and every let/assignment/return value has exactly the target's type.
// - Cast (`e as T`): `type` is T; the operand is already converted (Unbox/Box) or is a no-op.
// - Tuple indexing `t[k]`: the checker replaces Index::index by an IntLit holding the
//   non-negative item index (negative literals are normalised).
// - TupleLit whose `type` is an array type: build an array (`let t: [int] = (1, 2)`). A TupleLit
//   on the right of a TupleAssign has the tuple type of the targets.
// - Builtin calls (CallKind::Builtin): Call::builtin_id is the Builtin enum value; the callee Name
//   stays NameRef::Unresolved and must not be evaluated; its `type` is the instantiated signature
//   fn(arg types...) -> result (for `print(...)` the actual argument types). A builtin returning
//   `B` has Call::type [int], or bytes where bytes was expected: produce that.
// - CallKind::Function: callee is a Name with NameRef::Function; CallKind::Value: evaluate the
//   callee (Name of a local/capture/global, struct Field holding a fn, or any fn expression).
// - An `extern fn` is a function (NameRef::Function, CallKind::Function) whose index is
//   ExternDecl::function_index, past every FuncDecl: CheckedProgram::externs.
// - Names: Local (Name::local; LocalVar::id indexes the declaring FuncDecl/Lambda `locals`),
//   Capture (Name::index = index in the innermost enclosing Lambda::captures; Name::local = the
//   outer variable), Global (index = global_index), Function (index = function_index; type fn),
//   EnumType (only as the object of an EnumMember Field; type int, not evaluated).
// - Lambda::captures: outer variables in first-use order; a lambda nested in a lambda that uses a
//   variable of the function around both makes the middle lambda capture it too, so a closure is
//   built by copying each capture from the creator's locals (LocalVar of the creator) or from the
//   creator's own captures (find the LocalVar* in its captures). LocalVar::captured marks variables
//   that need a heap cell. Lambdas are not in CheckedProgram::functions.
// - Methods (struct and class) are functions in CheckedProgram::functions (FuncDecl::owner set,
//   qual_name "Point.norm"); their fn_type has `self` (the owner's type) as first parameter.
//   CallKind::Method: callee is a Field (FieldRef::Method) whose object is the receiver, passed as
//   the first argument; Call::function_index is the target of a direct call, unless
//   Call::virtual_call, which dispatches on vtable slot Call::method_slot of the receiver's run-time
//   class (StructInfo::vtable). function_index == ast::kNoFunction: a `super()` with no constructor
//   above, which does nothing. `super` uses are rewritten into such calls on `self` (Name resolved
//   as usual, so lambdas capture it); no ast::Super node survives checking.
// - New: `type` is the class; its StructInfo::init_function (>= 0) is called with the new object
//   and the arguments; StructInfo::required_fields must be non-zero afterwards.
// - Throw::value has type str (raise Exception(msg)) or Error. Catch::error_kinds empty = catch all
//   (`catch Exception` too). ForEach::var type: element (array), key (map), str (str), int (bytes).
// - Field on Error: FieldRef::ErrorKind/ErrorMessage/ErrorTraceback (read-only, type str).
// - Enum types are int; EnumDecl::Member::value holds every member's final value.
// - GlobalDecl::locals stays empty (initialisers are expressions; their lambdas own their locals).
#pragma once
#include "diag/diagnostics.hpp"
#include "parse/ast.hpp"
#include "types/native_module.hpp"

#include <vector>

namespace bp::check {

struct CheckedProgram {
    // Every top-level function of every module; ast::FuncDecl::function_index is the position.
    std::vector<ast::FuncDecl*> functions;
    // Every global, in initialisation order; ast::GlobalDecl::global_index is the position.
    std::vector<ast::GlobalDecl*> globals;
    // Every `extern fn`; ast::ExternDecl::function_index = functions.size() + position.
    std::vector<ast::ExternDecl*> externs;
    uint32_t entry = 0;          // function index of main (or the main file's first def)
    bool entry_returns_int = false;
    // The native-module registry the program was checked against (thread first); the compiler
    // copies it into Program::native_modules for the Vm (types/native_module.hpp).
    types::NativeRegistry native_modules;
};

// modules: the main file's module last (imports are a later issue: a single module for now).
// Returns false if any error was reported.
// `natives`: the native-module registry (nullptr: just the built-in `thread` module).
bool check_program(std::vector<ast::Module*> modules, types::TypeTable& types,
                   diag::Diagnostics& diags, CheckedProgram& out,
                   const types::NativeRegistry* natives = nullptr);

// The built-in `thread` module as a registry entry: its function table (thread.X -> the builtin
// it is; src/check/threading.cpp), without hooks (the Vm adds the threading runtime's own).
types::NativeModuleDecl thread_module();

} // namespace bp::check
