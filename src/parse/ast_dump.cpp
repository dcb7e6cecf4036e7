// S-expression rendering of the AST (see ast_dump.hpp).
#include "parse/ast_dump.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace bp::parse {

using namespace ast;

namespace {

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') out += fmt::format("\\{}", c);
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (u < 0x20 || u == 0x7F) out += fmt::format("\\x{:02x}", u);
        else out += c;
    }
    return out + "\"";
}

const char* binary_name(BinaryOp op) {
    switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
    case BinaryOp::BitAnd: return "&";
    case BinaryOp::BitOr: return "|";
    case BinaryOp::BitXor: return "^";
    case BinaryOp::Shl: return "<<";
    case BinaryOp::Shr: return ">>";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    }
    return "?";
}

const char* assign_name(AssignOp op) {
    switch (op) {
    case AssignOp::Set: return "=";
    case AssignOp::Add: return "+=";
    case AssignOp::Sub: return "-=";
    case AssignOp::Mul: return "*=";
    case AssignOp::Div: return "/=";
    case AssignOp::Mod: return "%=";
    case AssignOp::BitAnd: return "&=";
    case AssignOp::BitOr: return "|=";
    case AssignOp::BitXor: return "^=";
    case AssignOp::Shl: return "<<=";
    case AssignOp::Shr: return ">>=";
    }
    return "?";
}

std::string join_exprs(const std::vector<ExprPtr>& items) {
    std::string out;
    for (const ExprPtr& e : items) out += " " + dump_expr(*e);
    return out;
}

std::string dump_params(const std::vector<Param>& params) {
    std::string out = "(";
    for (size_t i = 0; i < params.size(); ++i) {
        if (i) out += " ";
        const Param& p = params[i];
        out += p.type ? fmt::format("({} {})", p.name, dump_type(*p.type)) : p.name;
    }
    return out + ")";
}

std::string dump_fstring(const FString& f) {
    std::string out = "(fstr";
    for (const FStringPart& p : f.parts) {
        if (!p.expr) out += " " + quote(p.literal);
        else if (p.spec.empty()) out += " {" + dump_expr(*p.expr) + "}";
        else out += " {" + dump_expr(*p.expr) + " :" + p.spec + "}";
    }
    return out + ")";
}

std::string dump_compound_expr(const Expr& e) {
    switch (e.kind) {
    case ExprKind::ArrayLit: return "(array" + join_exprs(static_cast<const ArrayLit&>(e).items) + ")";
    case ExprKind::TupleLit: return "(tuple" + join_exprs(static_cast<const TupleLit&>(e).items) + ")";
    case ExprKind::MapLit: {
        std::string out = "(map";
        for (const auto& [k, v] : static_cast<const MapLit&>(e).entries) {
            out += fmt::format(" ({} {})", dump_expr(*k), dump_expr(*v));
        }
        return out + ")";
    }
    case ExprKind::StructLit: {
        const auto& s = static_cast<const StructLit&>(e);
        std::string out = "(struct-lit " + s.name;
        for (const auto& f : s.fields) out += fmt::format(" ({} {})", f.field, dump_expr(*f.value));
        return out + ")";
    }
    case ExprKind::Lambda: {
        const auto& l = static_cast<const Lambda&>(e);
        return fmt::format("(lambda {} {} {})", dump_params(l.params), l.ret ? dump_type(*l.ret) : "?",
                           dump_expr(*l.body));
    }
    case ExprKind::New: {
        const auto& n = static_cast<const New&>(e);
        return "(new " + n.class_name + join_exprs(n.args) + ")";
    }
    case ExprKind::IntLit: case ExprKind::FloatLit: case ExprKind::BoolLit: case ExprKind::StrLit:
    case ExprKind::FString: case ExprKind::Name: case ExprKind::Unary: case ExprKind::Binary:
    case ExprKind::Logical: case ExprKind::Call: case ExprKind::Index: case ExprKind::Field:
    case ExprKind::Cast: case ExprKind::Super: case ExprKind::Convert:
        break; // handled by dump_expr
    }
    return "?";
}

} // namespace

std::string dump_type(const TypeExpr& t) {
    switch (t.kind) {
    case TypeExprKind::Named: return t.name;
    case TypeExprKind::Array: return "[" + dump_type(*t.items[0]) + "]";
    case TypeExprKind::Generic: return t.name + "[" + dump_type(*t.items[0]) + "]";
    case TypeExprKind::Map: return "{" + dump_type(*t.items[0]) + ": " + dump_type(*t.items[1]) + "}";
    case TypeExprKind::Tuple:
    case TypeExprKind::Func: {
        std::string out = t.kind == TypeExprKind::Func ? "fn(" : "(";
        for (size_t i = 0; i < t.items.size(); ++i) out += (i ? ", " : "") + dump_type(*t.items[i]);
        out += ")";
        if (t.kind == TypeExprKind::Func) out += " -> " + (t.ret ? dump_type(*t.ret) : std::string("?"));
        return out;
    }
    }
    return "?";
}

std::string dump_expr(const Expr& e) {
    switch (e.kind) {
    case ExprKind::IntLit: return std::to_string(static_cast<const IntLit&>(e).value);
    case ExprKind::FloatLit: return fmt::format("{}f", static_cast<const FloatLit&>(e).value);
    case ExprKind::BoolLit: return static_cast<const BoolLit&>(e).value ? "true" : "false";
    case ExprKind::StrLit: return quote(static_cast<const StrLit&>(e).value);
    case ExprKind::FString: return dump_fstring(static_cast<const FString&>(e));
    case ExprKind::Name: return static_cast<const Name&>(e).name;
    case ExprKind::Unary: {
        const auto& u = static_cast<const Unary&>(e);
        const char* op = u.op == UnaryOp::Neg ? "neg" : u.op == UnaryOp::BitNot ? "~" : "not";
        return fmt::format("({} {})", op, dump_expr(*u.operand));
    }
    case ExprKind::Binary: { // "(op lhs rhs)"; a left-deep chain is walked along its spine, not recursed
        std::vector<const Binary*> spine{static_cast<const Binary*>(&e)};
        while (spine.back()->lhs && spine.back()->lhs->kind == ExprKind::Binary)
            spine.push_back(static_cast<const Binary*>(spine.back()->lhs.get()));
        std::string out;
        for (const Binary* b : spine) out += fmt::format("({} ", binary_name(b->op));
        out += spine.back()->lhs ? dump_expr(*spine.back()->lhs) : "<null>";
        for (size_t i = spine.size(); i-- > 0;) out += " " + (spine[i]->rhs ? dump_expr(*spine[i]->rhs) : "<null>") + ")";
        return out;
    }
    case ExprKind::Logical: {
        const auto& l = static_cast<const Logical&>(e);
        return (l.op == LogicalOp::And ? "(and" : "(or") + join_exprs(l.operands) + ")";
    }
    case ExprKind::Call: {
        const auto& c = static_cast<const Call&>(e);
        return "(call " + dump_expr(*c.callee) + join_exprs(c.args) + ")";
    }
    case ExprKind::Index: {
        const auto& i = static_cast<const Index&>(e);
        return fmt::format("(index {} {})", dump_expr(*i.object), dump_expr(*i.index));
    }
    case ExprKind::Field: {
        const auto& f = static_cast<const Field&>(e);
        return fmt::format("(. {} {})", dump_expr(*f.object), f.name);
    }
    case ExprKind::Cast: {
        const auto& c = static_cast<const Cast&>(e);
        return fmt::format("(as {} {})", dump_expr(*c.operand), dump_type(*c.target));
    }
    case ExprKind::Super: return "super";
    case ExprKind::Convert: return "(convert " + dump_expr(*static_cast<const Convert&>(e).operand) + ")";
    case ExprKind::ArrayLit: case ExprKind::MapLit: case ExprKind::TupleLit: case ExprKind::StructLit:
    case ExprKind::Lambda: case ExprKind::New:
        return dump_compound_expr(e);
    }
    return "?";
}

std::string dump_block(const Block& b) {
    std::string out = "(block";
    for (const StmtPtr& s : b.stmts) out += " " + dump_stmt(*s);
    return out + ")";
}

namespace {

std::string dump_catch(const Catch& c) {
    std::string out = "(catch (";
    for (size_t i = 0; i < c.classes.size(); ++i) out += (i ? " " : "") + c.classes[i].first;
    out += ") " + (c.binding.empty() ? std::string("_") : c.binding);
    return out + " " + dump_block(c.body) + ")";
}

std::string dump_control_stmt(const Stmt& s) {
    switch (s.kind) {
    case StmtKind::If: {
        const auto& i = static_cast<const If&>(s);
        std::string out = "(if";
        for (const auto& [c, b] : i.branches) out += fmt::format(" ({} {})", dump_expr(*c), dump_block(b));
        if (i.else_block) out += " (else " + dump_block(*i.else_block) + ")";
        return out + ")";
    }
    case StmtKind::Match: {
        const auto& m = static_cast<const Match&>(s);
        std::string out = "(match " + dump_expr(*m.subject);
        for (const auto& [c, b] : m.cases) out += fmt::format(" (case {} {})", dump_expr(*c), dump_block(b));
        if (m.default_block) out += " (default " + dump_block(*m.default_block) + ")";
        return out + ")";
    }
    case StmtKind::Select: {
        const auto& sel = static_cast<const Select&>(s);
        std::string out = "(select";
        for (const SelectCase& c : sel.cases) {
            const char* op = c.op == SelectCase::Op::Recv ? "recv" : c.op == SelectCase::Op::Send ? "send" : "timeout";
            out += fmt::format(" (case {}{}", c.var.empty() ? "" : c.var + " = ", op);
            if (c.chan) out += " " + dump_expr(*c.chan);
            if (c.value) out += " " + dump_expr(*c.value);
            out += " " + dump_block(c.body) + ")";
        }
        if (sel.default_block) out += " (default " + dump_block(*sel.default_block) + ")";
        return out + ")";
    }
    case StmtKind::With: {
        const auto& w = static_cast<const With&>(s);
        std::string as = w.binding.empty() ? "" : " as " + w.binding;
        return "(with " + dump_expr(*w.subject) + as + " " + dump_block(w.body) + ")";
    }
    case StmtKind::Try: {
        const auto& t = static_cast<const Try&>(s);
        std::string out = "(try " + dump_block(t.body);
        for (const Catch& c : t.catches) out += " " + dump_catch(c);
        if (t.finally_block) out += " (finally " + dump_block(*t.finally_block) + ")";
        return out + ")";
    }
    case StmtKind::Let: case StmtKind::LetTuple: case StmtKind::Assign: case StmtKind::TupleAssign:
    case StmtKind::ExprStmt: case StmtKind::While: case StmtKind::ForRange: case StmtKind::ForEach:
    case StmtKind::Break: case StmtKind::Continue: case StmtKind::Pass: case StmtKind::Return:
    case StmtKind::Throw:
        break; // handled by dump_stmt
    }
    return "?";
}

} // namespace

std::string dump_stmt(const Stmt& s) {
    switch (s.kind) {
    case StmtKind::Let: {
        const auto& l = static_cast<const Let&>(s);
        return fmt::format("(let {} {} {})", l.name, dump_type(*l.type), dump_expr(*l.init));
    }
    case StmtKind::LetTuple: {
        const auto& l = static_cast<const LetTuple&>(s);
        std::string names;
        for (const auto& n : l.names) names += (names.empty() ? "" : " ") + n.first;
        return fmt::format("(let-tuple ({}) {} {})", names, l.type ? dump_type(*l.type) : "_", dump_expr(*l.init));
    }
    case StmtKind::Assign: {
        const auto& a = static_cast<const Assign&>(s);
        return fmt::format("({} {} {})", assign_name(a.op), dump_expr(*a.target), dump_expr(*a.value));
    }
    case StmtKind::TupleAssign: {
        const auto& t = static_cast<const TupleAssign&>(s);
        return fmt::format("(tuple= ({}) {})", join_exprs(t.targets).substr(1), dump_expr(*t.value));
    }
    case StmtKind::ExprStmt: return "(expr " + dump_expr(*static_cast<const ExprStmt&>(s).expr) + ")";
    case StmtKind::While: {
        const auto& w = static_cast<const While&>(s);
        return fmt::format("(while {} {})", dump_expr(*w.cond), dump_block(w.body));
    }
    case StmtKind::ForRange: {
        const auto& f = static_cast<const ForRange&>(s);
        return fmt::format("(for-range {} ({}) {})", f.var_name, join_exprs(f.args).substr(f.args.empty() ? 0 : 1),
                           dump_block(f.body));
    }
    case StmtKind::ForEach: {
        const auto& f = static_cast<const ForEach&>(s);
        return fmt::format("(for {} {} {})", f.var_name, dump_expr(*f.iterable), dump_block(f.body));
    }
    case StmtKind::Break: return "(break)";
    case StmtKind::Continue: return "(continue)";
    case StmtKind::Pass: return "(pass)";
    case StmtKind::Return: {
        const auto& r = static_cast<const Return&>(s);
        return r.value ? "(return " + dump_expr(*r.value) + ")" : "(return)";
    }
    case StmtKind::Throw: {
        const auto& t = static_cast<const Throw&>(s);
        return t.value ? "(throw " + dump_expr(*t.value) + ")" : "(throw)";
    }
    case StmtKind::If: case StmtKind::Match: case StmtKind::Try: case StmtKind::With: case StmtKind::Select: return dump_control_stmt(s);
    }
    return "?";
}

namespace {

std::string dump_record(const std::string& head, const std::vector<FieldDecl>& fields,
                        const std::vector<std::unique_ptr<FuncDecl>>& methods) {
    std::string out = head;
    for (const FieldDecl& f : fields) out += fmt::format(" ({} {})", f.name, dump_type(*f.type));
    for (const auto& m : methods) out += " " + dump_decl(*m);
    return out + ")";
}

std::string dump_decl_body(const Decl& d) {
    switch (d.kind) {
    case DeclKind::Func: {
        const auto& f = static_cast<const FuncDecl&>(d);
        return fmt::format("(def {} {} {} {})", f.name, dump_params(f.params), dump_type(*f.ret), dump_block(f.body));
    }
    case DeclKind::Struct: {
        const auto& s = static_cast<const StructDecl&>(d);
        return dump_record("(struct " + s.name, s.fields, s.methods);
    }
    case DeclKind::Class: {
        const auto& c = static_cast<const ClassDecl&>(d);
        return dump_record("(class " + c.name + (c.parent.empty() ? "" : "(" + c.parent + ")"), c.fields, c.methods);
    }
    case DeclKind::Enum: {
        const auto& e = static_cast<const EnumDecl&>(d);
        std::string out = "(enum " + e.name;
        for (const auto& m : e.members) out += m.has_value ? fmt::format(" ({} {})", m.name, m.value) : " " + m.name;
        return out + ")";
    }
    case DeclKind::Global: {
        const auto& g = static_cast<const GlobalDecl&>(d);
        return fmt::format("(global {} {} {})", g.name, dump_type(*g.type), dump_expr(*g.init));
    }
    case DeclKind::Import: {
        const auto& i = static_cast<const ImportDecl&>(d);
        std::string out = "(import " + i.module;
        if (!i.alias.empty()) out += " as " + i.alias;
        if (!i.names.empty()) {
            out += " (";
            for (size_t k = 0; k < i.names.size(); ++k) out += (k ? " " : "") + i.names[k].first;
            out += ")";
        }
        return out + ")";
    }
    case DeclKind::Extern: {
        const auto& x = static_cast<const ExternDecl&>(d);
        return fmt::format("(extern {} {} {} {} {})", x.name, dump_params(x.params), dump_type(*x.ret),
                           quote(x.library), quote(x.symbol));
    }
    }
    return "?";
}

} // namespace

std::string dump_decl(const Decl& d) {
    std::string body = dump_decl_body(d);
    return d.exported ? "(export " + body + ")" : body;
}

std::string dump_module(const Module& m) {
    std::string out;
    for (const DeclPtr& d : m.decls) out += dump_decl(*d) + "\n";
    return out;
}

} // namespace bp::parse
