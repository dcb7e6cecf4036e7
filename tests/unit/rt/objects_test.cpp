// Deep equality (§6.2), boxes and unbox errors, typeof names.
#include "fixture.hpp"

#include <cmath>

namespace bp::test {
namespace {

using ObjectsTest = RtFixture;

TEST_F(ObjectsTest, ScalarEquality) {
    EXPECT_FALSE(rt::values_equal(Value::from_float(NAN), Value::from_float(NAN), types.float_t()));
    EXPECT_TRUE(rt::values_equal(Value::from_float(-0.0), Value::from_float(0.0), types.float_t()));
    EXPECT_TRUE(rt::values_equal(Value::from_obj(str("a")), Value::from_obj(str("a")), types.str_t()));
}

TEST_F(ObjectsTest, DeepContainerEquality) {
    auto* inner_t = types.array_of(types.int_t());
    auto* outer_t = types.array_of(inner_t);
    auto make = [&](int last) {
        Array* o = rt::new_array(t(), outer_t);
        Array* i = rt::new_array(t(), inner_t);
        rt::array_push(t(), i, Value::from_int(1));
        rt::array_push(t(), i, Value::from_int(last));
        rt::array_push(t(), o, Value::from_obj(i));
        return Value::from_obj(o);
    };
    EXPECT_TRUE(rt::values_equal(make(2), make(2), outer_t));
    EXPECT_FALSE(rt::values_equal(make(2), make(3), outer_t));

    auto* map_t = types.map_of(types.str_t(), types.int_t());
    Map* a = rt::new_map(t(), map_t);
    Map* b = rt::new_map(t(), map_t);
    rt::map_set(t(), a, Value::from_obj(str("x")), Value::from_int(1));
    rt::map_set(t(), a, Value::from_obj(str("y")), Value::from_int(2));
    rt::map_set(t(), b, Value::from_obj(str("y")), Value::from_int(2));
    rt::map_set(t(), b, Value::from_obj(str("x")), Value::from_int(1));
    EXPECT_TRUE(rt::values_equal(Value::from_obj(a), Value::from_obj(b), map_t)); // order-independent
    rt::map_set(t(), b, Value::from_obj(str("x")), Value::from_int(5));
    EXPECT_FALSE(rt::values_equal(Value::from_obj(a), Value::from_obj(b), map_t));

    auto* tup_t = types.tuple_of({types.int_t(), types.str_t()});
    Tuple* t1 = rt::new_tuple(t(), tup_t);
    Tuple* t2 = rt::new_tuple(t(), tup_t);
    t1->items[1] = Value::from_obj(str("s"));
    t2->items[1] = Value::from_obj(str("s"));
    EXPECT_TRUE(rt::values_equal(Value::from_obj(t1), Value::from_obj(t2), tup_t));
}

TEST_F(ObjectsTest, StructsDeepClassesByIdentity) {
    auto* sinfo = types.new_struct("P", false);
    sinfo->add_field("x", types.int_t());
    sinfo->add_field("tag", types.str_t());
    auto* cinfo = types.new_struct("C", true);
    cinfo->inherit_fields(*sinfo);
    auto make = [&](const types::Type* ty) {
        Instance* i = rt::new_instance(t(), ty);
        i->fields[0] = Value::from_int(1);
        i->fields[1] = Value::from_obj(str("t"));
        return Value::from_obj(i);
    };
    EXPECT_TRUE(rt::values_equal(make(sinfo->type), make(sinfo->type), sinfo->type));
    Value c = make(cinfo->type);
    EXPECT_FALSE(rt::values_equal(make(cinfo->type), c, cinfo->type));
    EXPECT_TRUE(rt::values_equal(c, c, cinfo->type));
}

TEST_F(ObjectsTest, AnyComparesDynamicTypeThenValue) {
    auto box = [&](const types::Type* ty, Value v) { return Value::from_obj(rt::new_box(t(), ty, v)); };
    EXPECT_TRUE(rt::values_equal(box(types.int_t(), Value::from_int(1)), box(types.int_t(), Value::from_int(1)),
                                 types.any_t()));
    EXPECT_FALSE(rt::values_equal(box(types.int_t(), Value::from_int(1)), box(types.bool_t(), Value::from_int(1)),
                                  types.any_t()));
    EXPECT_TRUE(rt::values_equal(box(types.void_t(), Value::zero()), box(types.void_t(), Value::zero()), types.any_t()));
}

TEST_F(ObjectsTest, DeepNestingRaisesRecursionError) {
    auto* any_arr = types.array_of(types.any_t());
    auto chain = [&] {
        Value v = Value::from_obj(rt::new_box(t(), types.int_t(), Value::from_int(0)));
        for (int i = 0; i < 20000; ++i) {
            Array* a = rt::new_array(t(), any_arr);
            rt::array_push(t(), a, v);
            v = Value::from_obj(rt::new_box(t(), any_arr, Value::from_obj(a)));
        }
        return v;
    };
    try {
        rt::values_equal(chain(), chain(), types.any_t());
        FAIL() << "no RecursionError";
    } catch (const rt::Raise& r) {
        EXPECT_EQ(r.kind, ErrorKind::RecursionError);
    }
}

TEST_F(ObjectsTest, UnboxChecksTheType) {
    Box* b = rt::new_box(t(), types.str_t(), Value::from_obj(str("s")));
    EXPECT_EQ(rt::unbox(b, types.str_t()).o, b->value.o);
    try {
        rt::unbox(b, types.int_t());
        FAIL();
    } catch (const rt::Raise& r) {
        EXPECT_EQ(r.kind, ErrorKind::TypeError);
        EXPECT_EQ(r.message, "expected int, got str");
    }
    Box* empty = rt::new_box(t(), types.void_t(), Value::zero());
    try {
        rt::unbox(empty, types.array_of(types.int_t()));
        FAIL();
    } catch (const rt::Raise& r) {
        EXPECT_EQ(r.message, "expected [int], got void");
    }
    auto* animal = types.new_struct("Animal", true);
    auto* dog = types.new_struct("Dog", true);
    dog->parent = animal;
    Instance* d = rt::new_instance(t(), dog->type);
    Box* as_animal = rt::new_box(t(), animal->type, Value::from_obj(d));
    EXPECT_EQ(rt::unbox(as_animal, dog->type).o, d);
    EXPECT_EQ(rt::unbox(as_animal, animal->type).o, d);
}

TEST_F(ObjectsTest, TypeofNames) {
    EXPECT_EQ(rt::typeof_name(Value::from_int(1), types.int_t()), "int");
    EXPECT_EQ(rt::typeof_name(Value::zero(), types.map_of(types.int_t(), types.int_t())), "map");
    Box* b = rt::new_box(t(), types.float_t(), Value::from_float(1));
    EXPECT_EQ(rt::typeof_name(Value::from_obj(b), types.any_t()), "float");
    Box* e = rt::new_box(t(), types.void_t(), Value::zero());
    EXPECT_EQ(rt::typeof_name(Value::from_obj(e), types.any_t()), "void");
    EXPECT_EQ(rt::typeof_name(Value::zero(), types.error_t()), "error");
    EXPECT_EQ(rt::typeof_name(Value::zero(), types.func_of({}, types.void_t())), "fn");
    auto* s = types.new_struct("S", false);
    EXPECT_EQ(rt::typeof_name(Value::zero(), s->type), "struct");
}

TEST_F(ObjectsTest, ErrorsAndCells) {
    ErrorObj* e = rt::new_error(t(), ErrorKind::KeyError, "missing");
    EXPECT_EQ(e->error_kind, ErrorKind::KeyError);
    EXPECT_EQ(e->message->view(), "missing");
    EXPECT_EQ(e->traceback, nullptr);
    Cell* c = rt::new_cell(t(), false, Value::from_int(5));
    EXPECT_EQ(c->flags, 0);
    EXPECT_EQ(c->value.i, 5);
}

} // namespace
} // namespace bp::test
