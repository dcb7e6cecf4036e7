// Expression typing: names, operators, indexing, fields, casts, f-strings, lambdas.
// Literals (array, map, tuple, struct) live in literal.cpp, calls in call.cpp.
#include "check/checker_impl.hpp"

namespace bp::check {

const Type* Checker::check_expr(ExprPtr& e, const Type* expected) {
    if (!e) return nullptr; // left out by the parser after a syntax error
    if (Collapse c = collapse_module_member(e); c != Collapse::NotModule) // m.f, m.Color
        return c == Collapse::Done ? check_expr(e, expected) : nullptr;
    Expr& x = *e;
    const Type* t = nullptr;
    switch (x.kind) {
    case ast::ExprKind::IntLit: t = m_types.int_t(); break;
    case ast::ExprKind::FloatLit: t = m_types.float_t(); break;
    case ast::ExprKind::BoolLit: t = m_types.bool_t(); break;
    case ast::ExprKind::StrLit: t = m_types.str_t(); break;
    case ast::ExprKind::FString: t = check_fstring(static_cast<ast::FString&>(x)); break;
    case ast::ExprKind::Name: t = check_name(static_cast<ast::Name&>(x)); break;
    case ast::ExprKind::Unary: t = check_unary(static_cast<ast::Unary&>(x)); break;
    case ast::ExprKind::Binary: t = check_binary(static_cast<ast::Binary&>(x)); break;
    case ast::ExprKind::Logical: {
        for (ast::ExprPtr& operand : static_cast<ast::Logical&>(x).operands) check_cond(operand);
        t = m_types.bool_t();
        break;
    }
    case ast::ExprKind::Call: t = check_call(static_cast<ast::Call&>(x), expected); break;
    case ast::ExprKind::Index: t = check_index(static_cast<ast::Index&>(x)); break;
    case ast::ExprKind::Field: t = check_field(static_cast<ast::Field&>(x)); break;
    case ast::ExprKind::ArrayLit: t = check_array_lit(static_cast<ast::ArrayLit&>(x), expected); break;
    case ast::ExprKind::MapLit: t = check_map_lit(static_cast<ast::MapLit&>(x), expected); break;
    case ast::ExprKind::TupleLit: t = check_tuple_lit(static_cast<ast::TupleLit&>(x), expected); break;
    case ast::ExprKind::StructLit: t = check_struct_lit(static_cast<ast::StructLit&>(x)); break;
    case ast::ExprKind::Lambda: t = check_lambda(static_cast<ast::Lambda&>(x)); break;
    case ast::ExprKind::Cast: t = check_cast(static_cast<ast::Cast&>(x)); break;
    case ast::ExprKind::New: t = check_new(static_cast<ast::New&>(x)); break;
    case ast::ExprKind::Super: error(x.span, "super can only call a parent method: super.m(...) or super(...)"); break;
    case ast::ExprKind::Convert: t = x.type; break; // already checked (re-check of a wrapped node)
    }
    x.type = t;
    return t;
}

const Type* Checker::check_name(ast::Name& n, bool assigned) {
    if (resolve_variable(n)) return n.type;
    auto it = m_values.find(n.name);
    if (const Type* ft = nullptr; it != m_values.end() && function_sym(it->second, n.index, ft)) {
        n.ref = ast::NameRef::Function;
        return ft;
    }
    if (m_thread_modules.count(n.name))
        error(n.span, "module '" + n.name + "' is not a value (call its functions: " + n.name + ".spawn(...))");
    else if (imported_module(n.name))
        error(n.span, "module '" + n.name + "' is not a value");
    else if (find_builtin(n.name) >= 0)
        error(n.span, "builtin '" + n.name + "' is not a value (wrap it in a lambda)");
    else if (m_type_names.count(n.name))
        error(n.span, "type '" + n.name + "' is not a value");
    else
        error(n.span, "undefined name '" + n.name + "'",
              assigned ? std::vector<std::string>{"hint: declare a new variable with let: let " + n.name + ": TYPE = value"}
                       : python_name_hint(n.name));
    return nullptr;
}

void Checker::check_cond(ExprPtr& e) {
    const Type* t = check_expr(e, m_types.bool_t());
    if (t && t->kind != Kind::Bool) error(e->span, "condition must be bool, found " + t->name());
}

const Type* Checker::check_unary(ast::Unary& u) {
    if (u.op == ast::UnaryOp::Not) {
        check_cond(u.operand);
        return m_types.bool_t();
    }
    const Type* t = check_expr(u.operand);
    if (!t) return nullptr;
    bool ok = t->kind == Kind::Int || (u.op == ast::UnaryOp::Neg && t->kind == Kind::Float);
    if (ok) return t;
    error(u.span, std::string("operator '") + (u.op == ast::UnaryOp::Neg ? "-" : "~") +
                      "' cannot be applied to " + t->name());
    return nullptr;
}

static const char* op_text(ast::BinaryOp op) {
    switch (op) {
    case ast::BinaryOp::Add: return "+";
    case ast::BinaryOp::Sub: return "-";
    case ast::BinaryOp::Mul: return "*";
    case ast::BinaryOp::Div: return "/";
    case ast::BinaryOp::Mod: return "%";
    case ast::BinaryOp::BitAnd: return "&";
    case ast::BinaryOp::BitOr: return "|";
    case ast::BinaryOp::BitXor: return "^";
    case ast::BinaryOp::Shl: return "<<";
    case ast::BinaryOp::Shr: return ">>";
    case ast::BinaryOp::Eq: return "==";
    case ast::BinaryOp::Ne: return "!=";
    case ast::BinaryOp::Lt: return "<";
    case ast::BinaryOp::Le: return "<=";
    case ast::BinaryOp::Gt: return ">";
    case ast::BinaryOp::Ge: return ">=";
    }
    return "?";
}

// The result type of an arithmetic/bitwise/ordering operator on equal operand types, or nullptr.
static const Type* binary_result(ast::BinaryOp op, const Type* t, types::TypeTable& tt) {
    Kind k = t->kind;
    switch (op) {
    case ast::BinaryOp::Add: return k == Kind::Int || k == Kind::Float || k == Kind::Str ? t : nullptr;
    case ast::BinaryOp::Sub: case ast::BinaryOp::Mul: case ast::BinaryOp::Div: case ast::BinaryOp::Mod:
        return k == Kind::Int || k == Kind::Float ? t : nullptr;
    case ast::BinaryOp::BitAnd: case ast::BinaryOp::BitOr: case ast::BinaryOp::BitXor:
    case ast::BinaryOp::Shl: case ast::BinaryOp::Shr:
        return k == Kind::Int ? t : nullptr;
    case ast::BinaryOp::Lt: case ast::BinaryOp::Le: case ast::BinaryOp::Gt: case ast::BinaryOp::Ge:
        return k == Kind::Int || k == Kind::Float || k == Kind::Str ? tt.bool_t() : nullptr;
    case ast::BinaryOp::Eq: case ast::BinaryOp::Ne: return tt.bool_t();
    }
    return nullptr;
}

// A left-deep chain (a + b + c + ..., any length) is checked bottom-up along its spine without
// recursing: each operator node is checked with its left operand's type already known.
const Type* Checker::check_binary(ast::Binary& b) {
    std::vector<ast::Binary*> spine{&b}; // top first
    while (spine.back()->lhs && spine.back()->lhs->kind == ast::ExprKind::Binary)
        spine.push_back(static_cast<ast::Binary*>(spine.back()->lhs.get()));
    const Type* l = check_expr(spine.back()->lhs);
    for (size_t i = spine.size(); i-- > 0;) {
        ast::Binary& n = *spine[i];
        l = n.op == ast::BinaryOp::Eq || n.op == ast::BinaryOp::Ne ? check_equality(n, l) : check_binary_node(n, l);
        if (i > 0) n.type = l; // the top node's type is set by check_expr
    }
    return l;
}

// One operator whose left operand (type l, nullptr after an error) was checked already.
const Type* Checker::check_binary_node(ast::Binary& b, const Type* l) {
    const Type* r = check_expr(b.rhs, l);
    if (!l || !r) return nullptr;
    const Type* res = l == r ? binary_result(b.op, l, m_types) : nullptr;
    if (!res)
        error(b.span, std::string("operator '") + op_text(b.op) + "' cannot be applied to " + l->name() +
                          " and " + r->name(), mixed_operands_hint(l, r));
    return res;
}

// == and != need one static type; `any` boxes the other side, Error compares with str as its message.
const Type* Checker::check_equality(ast::Binary& b, const Type* l) {
    const Type* r = check_expr(b.rhs, l);
    if (!l || !r) return m_types.bool_t();
    bool ok = l->kind != Kind::Void && r->kind != Kind::Void;
    if (!ok || l == r) {
    } else if (l->kind == Kind::Any) {
        wrap(b.rhs, ast::ConvertKind::Box, l);
    } else if (r->kind == Kind::Any) {
        wrap(b.lhs, ast::ConvertKind::Box, r);
    } else if (l->kind == Kind::Error && r->kind == Kind::Str) {
        wrap(b.lhs, ast::ConvertKind::ErrorToStr, r);
    } else if (r->kind == Kind::Error && l->kind == Kind::Str) {
        wrap(b.rhs, ast::ConvertKind::ErrorToStr, l);
    } else if (l->is_class() && r->is_class() && l->info->is_subclass_of(r->info)) {
        wrap(b.lhs, ast::ConvertKind::Upcast, r);
    } else if (l->is_class() && r->is_class() && r->info->is_subclass_of(l->info)) {
        wrap(b.rhs, ast::ConvertKind::Upcast, l);
    } else {
        ok = false;
    }
    if (!ok)
        error(b.span, std::string("operator '") + op_text(b.op) + "' cannot be applied to " + l->name() +
                          " and " + r->name());
    return m_types.bool_t();
}

// t[k]: the index must be a literal in range; it is replaced by a non-negative IntLit.
static const Type* tuple_index(Checker& c, ast::Index& ix, const Type* t) {
    int64_t n = static_cast<int64_t>(t->items.size());
    std::optional<int64_t> index = ast::int_literal_value(*ix.index);
    if (!index) {
        c.error(ix.index->span, "a tuple index must be an integer literal");
        return nullptr;
    }
    int64_t k = *index;
    if (k < -n || k >= n) {
        c.error(ix.index->span, "tuple index " + std::to_string(k) + " out of range for " + t->name());
        return nullptr;
    }
    if (k < 0) k += n;
    auto lit = std::make_unique<ast::IntLit>(ix.index->span, k);
    lit->type = c.m_types.int_t();
    ix.index = std::move(lit);
    return t->items[static_cast<size_t>(k)];
}

const Type* Checker::check_index(ast::Index& ix) {
    const Type* t = check_expr(ix.object);
    if (t && t->kind == Kind::Tuple) {
        check_expr(ix.index);
        return tuple_index(*this, ix, t);
    }
    if (t && t->kind == Kind::Map) {
        check_to(ix.index, t->key, CoerceCtx::Element, "map key");
        return t->elem;
    }
    const Type* i = check_expr(ix.index);
    if (!t) return nullptr;
    const Type* res = t->kind == Kind::Array ? t->elem : t->kind == Kind::Str ? t
                    : t->kind == Kind::Bytes ? m_types.int_t() : nullptr;
    if (!res) {
        error(ix.object->span, "type " + t->name() + " cannot be indexed");
        return nullptr;
    }
    if (i && i->kind != Kind::Int) error(ix.index->span, "index must be int, found " + i->name());
    return res;
}

// E.MEMBER where E names an enum (and no variable of that name is visible).
static bool enum_member(Checker& c, ast::Field& f, const Type*& out) {
    if (f.object->kind != ast::ExprKind::Name) return false;
    auto& n = static_cast<ast::Name&>(*f.object);
    if (c.name_visible_as_variable(n.name)) return false;
    auto it = c.m_type_names.find(n.name);
    if (it == c.m_type_names.end() || !it->second.en) return false;
    n.ref = ast::NameRef::EnumType;
    n.type = c.m_types.int_t();
    out = nullptr;
    for (auto& m : it->second.en->members)
        if (m.name == f.name) {
            f.ref = ast::FieldRef::EnumMember;
            f.enum_value = m.value;
            out = c.m_types.int_t();
        }
    if (!out) c.error(f.name_span, "enum " + n.name + " has no member '" + f.name + "'");
    return true;
}

const Type* Checker::check_field(ast::Field& f) {
    const Type* res = nullptr;
    if (collapse_module_member(f.object) == Collapse::Failed) return nullptr; // m.Color.RED
    if (enum_member(*this, f, res)) return res;
    const Type* t = check_expr(f.object);
    if (!t) return nullptr;
    if (t->kind == Kind::Struct) {
        int i = t->info->field_index(f.name);
        if (i >= 0) {
            f.ref = ast::FieldRef::StructField;
            f.field_index = static_cast<uint32_t>(i);
            return t->info->fields()[static_cast<size_t>(i)].type;
        }
        if (t->info->find_method(f.name)) {
            error(f.name_span, "method '" + t->info->name + "." + f.name +
                                   "' is not a value (wrap it in a lambda: fn(...) -> T: o." + f.name + "(...))");
            return nullptr;
        }
    } else if (t->kind == Kind::Error) {
        f.ref = f.name == "kind" ? ast::FieldRef::ErrorKind : f.name == "message" ? ast::FieldRef::ErrorMessage
              : f.name == "traceback" ? ast::FieldRef::ErrorTraceback : ast::FieldRef::Unresolved;
        if (f.ref != ast::FieldRef::Unresolved) return m_types.str_t();
    }
    std::vector<std::string> hint;
    bool on_self = f.object->kind == ast::ExprKind::Name && static_cast<ast::Name&>(*f.object).name == "self";
    if (t->is_class() && on_self) // Python's `self.n = start` in __init__ declares nothing here
        hint.push_back("hint: fields are declared in the class body, as " + f.name + ": TYPE");
    error(f.name_span, "type " + t->name() + " has no field '" + f.name + "'", std::move(hint));
    return nullptr;
}

const Type* Checker::check_cast(ast::Cast& c) {
    const Type* target = resolve_type(c.target.get());
    const Type* t = check_expr(c.operand, target);
    if (!t || !target) return target;
    if (t == target) return target;
    if (t->kind == Kind::Any) {
        wrap(c.operand, ast::ConvertKind::Unbox, target);
        c.operand->span = c.span; // a failed cast's caret covers `v as int`
    }
    else if (target->kind == Kind::Any && t->kind != Kind::Void) wrap(c.operand, ast::ConvertKind::Box, target);
    else if (convertible(t, target, false)) coerce(c.operand, target, CoerceCtx::Assign);
    else error(c.span, "cannot cast " + t->name() + " to " + target->name() + " (only from any or the same type)");
    return target;
}

const Type* Checker::check_fstring(ast::FString& f) {
    for (auto& p : f.parts) {
        if (!p.expr) continue;
        const Type* t = check_expr(p.expr);
        if (t && t->kind == Kind::Void) {
            error(p.expr->span, "a void value cannot be formatted");
            continue;
        }
        if (!t || p.spec.empty()) continue;
        std::string msg = validate_format_spec(p.spec, t);
        if (!msg.empty()) error(p.spec_span.end > p.spec_span.begin ? p.spec_span : p.expr->span, msg);
    }
    return m_types.str_t();
}

const Type* Checker::check_lambda(ast::Lambda& l) {
    std::vector<const Type*> params;
    bool ok = true;
    for (auto& p : l.params) {
        const Type* t = p.type ? resolve_type(p.type.get()) : nullptr;
        if (!p.type) error(p.span, "lambda parameter '" + p.name + "' needs a type");
        ok = ok && t;
        params.push_back(t);
    }
    const Type* ret = l.ret ? resolve_type(l.ret.get(), true) : nullptr;
    if (!l.ret) error(l.span, "a lambda needs a return type");
    push_fn(FnContext{&l.locals, &l, {}});
    push_scope();
    ++m_lambda_depth;
    for (size_t i = 0; i < l.params.size(); ++i) declare_local(l.params[i].name, l.params[i].span, params[i]);
    if (ret && ret->kind == Kind::Void) {
        const Type* bt = check_expr(l.body);
        (void)bt;
    } else {
        check_to(l.body, ret, CoerceCtx::Return);
    }
    --m_lambda_depth;
    pop_fn();
    return ok && ret ? m_types.func_of(params, ret) : nullptr;
}

} // namespace bp::check
