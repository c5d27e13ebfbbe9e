/* SPDX-License-Identifier: MIT
 * test_value.c - the value tree: constructors and positions, lists and maps (order kept
 * on replace), access helpers, truthiness, the cross-type order, text and JSON forms,
 * and calendar arithmetic (parsing, epochs, day counts, formatting). */
#include "value.h"

#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static arena *A;

/* {====================================================================
 * helpers
 * ===================================================================== */

static value *
num(double n)
{
    return value_new_number(A, n, SRC_NONE);
}

static value *
str(const char *s)
{
    return value_new_cstr(A, s, SRC_NONE);
}

static value *
boolean(bool b)
{
    return value_new_bool(A, b, SRC_NONE);
}

static value *
null(void)
{
    return value_new_null(A, SRC_NONE);
}

/* A date value from text that must parse. */
static value *
date(const char *s)
{
    value_date d;
    bool ok = value_date_parse(&d, s, strlen(s));
    OK(ok, "'%s' should parse as a date", s);
    if (!ok)
        memset(&d, 0, sizeof d);
    return value_new_date(A, d, SRC_NONE);
}

static value *
empty_list(void)
{
    return value_new_list(A, SRC_NONE);
}

static value *
list_of(size_t n, value *const *items)
{
    value *l = value_new_list(A, SRC_NONE);
    for (size_t i = 0; i < n; i++)
        value_list_push(l, items[i], A);
    return l;
}

#define LIST(...) \
    list_of(sizeof((value *[]){__VA_ARGS__}) / sizeof(value *), (value *[]){__VA_ARGS__})

/* value_to_text as a malloc'd string. */
static char *
text_of(const value *v)
{
    buf b = BUF_INIT;
    value_to_text(&b, v);
    return buf_detach(&b);
}

static char *
json_of(const value *v, int indent)
{
    buf b = BUF_INIT;
    value_to_json(&b, v, indent);
    return buf_detach(&b);
}

static char *
number_text(double n)
{
    buf b = BUF_INIT;
    value_format_number(&b, n);
    return buf_detach(&b);
}

#define TEXT_EQ(v, want, msg)      \
    do {                           \
        char *got_ = text_of(v);   \
        STR_EQ(got_, (want), msg); \
        free(got_);                \
    } while (0)

#define JSON_EQ(v, indent, want, msg)        \
    do {                                     \
        char *got_ = json_of((v), (indent)); \
        STR_EQ(got_, (want), msg);           \
        free(got_);                          \
    } while (0)

#define NUMBER_EQ(n, want)           \
    do {                             \
        char *got_ = number_text(n); \
        STR_EQ(got_, (want), #n);    \
        free(got_);                  \
    } while (0)

static int
sign(int c)
{
    return c < 0 ? -1 : c > 0;
}

/* a < b, b > a, and both compare equal to themselves. */
static void
expect_less(const value *a, const value *b, const char *what)
{
    OK(value_compare(a, b) < 0, "%s: a < b (got %d)", what, value_compare(a, b));
    OK(value_compare(b, a) > 0, "%s: b > a (got %d)", what, value_compare(b, a));
    OK(value_compare(a, a) == 0 && value_compare(b, b) == 0, "%s: each equals itself", what);
}

/* {====================================================================
 * construction and access
 * ===================================================================== */

static void
test_constructors(void)
{
    src_pos at = SRC_POS("content/x.md", 3, 7);
    value *v = value_new_null(A, at);
    OK(v->type == VALUE_NULL, "null type");
    OK(v->pos.file && strcmp(v->pos.file, "content/x.md") == 0 && v->pos.line == 3 &&
           v->pos.col == 7,
       "position recorded");

    v = value_new_bool(A, true, SRC_NONE);
    OK(v->type == VALUE_BOOL && v->as.boolean, "bool true");
    OK(v->pos.file == NULL && v->pos.line == 0, "computed values have no file");
    v = value_new_number(A, -2.5, SRC_POS("f", 1, 2));
    OK(v->type == VALUE_NUMBER && v->as.number == -2.5, "number");

    /* value_new_string copies */
    char src[] = "hello";
    v = value_new_string(A, src, 5, SRC_NONE);
    src[0] = 'J';
    STR_EQ(value_str(v), "hello", "string is copied");
    OK(v->as.str.ptr != src, "copy has its own memory");
    INT_EQ(value_len(v), 5, "string length");

    /* a prefix is NUL-terminated at len */
    v = value_new_string(A, "abcdef", 3, SRC_NONE);
    STR_EQ(value_str(v), "abc", "copy of a prefix ends at len");
    INT_EQ(v->as.str.ptr[3], 0, "NUL at len");

    /* embedded NUL bytes survive */
    v = value_new_string(A, "a\0b", 3, SRC_NONE);
    OK(v->as.str.len == 3 && memcmp(v->as.str.ptr, "a\0b", 4) == 0, "embedded NUL kept");

    v = value_new_cstr(A, "中文", SRC_NONE);
    INT_EQ(value_len(v), 6, "value_len of a string counts bytes");

    /* value_new_string_ref borrows */
    static const char lit[] = "borrowed";
    v = value_new_string_ref(A, lit, 8, SRC_NONE);
    OK(v->as.str.ptr == lit && v->as.str.len == 8, "string_ref borrows the pointer");

    value_date d = {2023, 1, 5, 0, 0, 0, 0, false, false};
    v = value_new_date(A, d, SRC_NONE);
    OK(v->type == VALUE_DATE && v->as.date.year == 2023 && v->as.date.month == 1 &&
           v->as.date.day == 5,
       "date");

    v = value_new_list(A, SRC_NONE);
    OK(v->type == VALUE_LIST && value_len(v) == 0, "empty list");
    v = value_new_map(A, SRC_NONE);
    OK(v->type == VALUE_MAP && value_len(v) == 0, "empty map");

    STR_EQ(value_type_name(VALUE_NULL), "null", "type name null");
    STR_EQ(value_type_name(VALUE_BOOL), "bool", "type name bool");
    STR_EQ(value_type_name(VALUE_NUMBER), "number", "type name number");
    STR_EQ(value_type_name(VALUE_STRING), "string", "type name string");
    STR_EQ(value_type_name(VALUE_DATE), "date", "type name date");
    STR_EQ(value_type_name(VALUE_LIST), "list", "type name list");
    STR_EQ(value_type_name(VALUE_MAP), "map", "type name map");
}

static void
test_lists(void)
{
    value *l = value_new_list(A, SRC_NONE);
    for (int i = 0; i < 100; i++)
        value_list_push(l, num(i), A);
    INT_EQ(value_len(l), 100, "100 items pushed");
    bool in_order = true;
    for (int i = 0; i < 100; i++)
        in_order &= value_list_get(l, (size_t)i) && value_list_get(l, (size_t)i)->as.number == i;
    OK(in_order, "items kept in push order across growth");
    OK(value_list_get(l, 100) == NULL, "index past the end is NULL");
    OK(value_list_get(l, (size_t)-1) == NULL, "huge index is NULL");
    OK(value_list_get(str("x"), 0) == NULL, "value_list_get on a string is NULL");
    OK(value_list_get(NULL, 0) == NULL, "value_list_get on NULL is NULL");

    /* the same item twice, and NULL-free nesting */
    value *inner = LIST(num(1));
    value *outer = LIST(inner, inner);
    OK(value_list_get(outer, 0) == inner && value_list_get(outer, 1) == inner,
       "an item can be pushed twice");
}

static void
test_maps(void)
{
    value *m = value_new_map(A, SRC_NONE);
    value_map_set(m, "b", num(1), A);
    value_map_set(m, "a", num(2), A);
    value_map_set(m, "c", num(3), A);
    INT_EQ(value_len(m), 3, "three keys");
    STR_EQ(m->as.map.pairs[0].key, "b", "insertion order 0");
    STR_EQ(m->as.map.pairs[1].key, "a", "insertion order 1");
    STR_EQ(m->as.map.pairs[2].key, "c", "insertion order 2");

    /* replacing keeps the place */
    value *two = str("two");
    value_map_set(m, "a", two, A);
    INT_EQ(value_len(m), 3, "replace does not add");
    STR_EQ(m->as.map.pairs[1].key, "a", "replaced key keeps its place");
    OK(value_map_get(m, "a") == two, "replaced value returned");
    OK(m->as.map.pairs[0].val->as.number == 1 && m->as.map.pairs[2].val->as.number == 3,
       "neighbours untouched by a replace");

    /* the key is copied */
    char key[] = "key";
    value_map_set(m, key, num(9), A);
    key[0] = 'X';
    OK(value_map_get(m, "key") && value_map_get(m, "key")->as.number == 9, "key is copied");
    OK(value_map_get(m, "Xey") == NULL, "changing the caller's buffer changes nothing");

    /* value_map_set_ref borrows the key: the pair holds the caller's string, and a key
     * already there keeps its place and its own string */
    static const char borrowed[] = "ref";
    value_map_set_ref(m, borrowed, num(10), A);
    const value_pair *ref = value_map_pair(m, "ref");
    OK(ref && ref->key == borrowed && ref->key_len == 3 && ref->val->as.number == 10,
       "value_map_set_ref: the key borrowed, not copied");
    char again[] = "ref";
    value_map_set_ref(m, again, num(11), A);
    ref = value_map_pair(m, "ref");
    OK(ref && ref->key == borrowed && ref->val->as.number == 11 && value_len(m) == 5,
       "value_map_set_ref of a key there: the value replaced in place, the key kept");
    const value_pair *copied = value_map_pair(m, "c");
    value_map_set_ref(m, "c", num(12), A);
    OK(value_map_pair(m, "c") == copied && value_map_get(m, "c")->as.number == 12,
       "value_map_set_ref over a copied key");

    /* lookups */
    OK(value_map_get(m, "missing") == NULL, "absent key is NULL");
    OK(value_map_get(m, "") == NULL, "empty key absent");
    OK(value_map_get(m, "ke") == NULL, "a prefix of a key does not match");
    OK(value_map_get(m, "keys") == NULL, "a longer key does not match");
    OK(value_map_getn(m, "keyboard", 3) && value_map_getn(m, "keyboard", 3)->as.number == 9,
       "value_map_getn matches on length");
    OK(value_map_get(NULL, "a") == NULL, "value_map_get on NULL");
    OK(value_map_get(LIST(num(1)), "a") == NULL, "value_map_get on a list");
    OK(value_map_get(str("a"), "a") == NULL, "value_map_get on a string");

    /* keys with NUL bytes are told apart by length */
    value *z = value_new_map(A, SRC_NONE);
    value_map_setn(z, "a\0b", 3, num(1), A);
    value_map_setn(z, "a", 1, num(2), A);
    INT_EQ(value_len(z), 2, "'a\\0b' and 'a' are two keys");
    OK(value_map_getn(z, "a\0b", 3) && value_map_getn(z, "a\0b", 3)->as.number == 1,
       "get key with NUL");
    OK(value_map_get(z, "a") && value_map_get(z, "a")->as.number == 2, "get 'a'");
    INT_EQ(z->as.map.pairs[0].key_len, 3, "key_len with NUL");

    /* keys told apart after their first four bytes (the head the pairs keep), and keys of
     * four bytes or fewer, which the head holds whole */
    value *h = value_new_map(A, SRC_NONE);
    const char *const heads[] = {"statuses", "status", "stat",         "sta",  "st",     "s",
                                 "stages",   "stagex", "stag\xc3\xa9", "tats", "stat\0x"};
    const size_t head_lens[] = {8, 6, 4, 3, 2, 1, 6, 6, 6, 4, 6};
    enum { N_HEADS = sizeof heads / sizeof heads[0] };
    for (int i = 0; i < N_HEADS; i++)
        value_map_setn(h, heads[i], head_lens[i], num(i), A);
    bool found = value_len(h) == N_HEADS;
    for (int i = 0; i < N_HEADS; i++) {
        value *v = value_map_getn(h, heads[i], head_lens[i]);
        found &= v && v->as.number == i &&
                 h->as.map.pairs[i].key_head == value_key_head(heads[i], head_lens[i]);
    }
    OK(found, "keys sharing their first four bytes, and short keys, each found as itself");
    OK(!value_map_getn(h, "statusez", 8) && !value_map_getn(h, "stat\0y", 6) &&
           !value_map_getn(h, "stages", 5) && !value_map_getn(h, "stax", 4) &&
           !value_map_getn(h, "", 0),
       "a key differing after the head, or shorter, is absent");
    INT_EQ(value_key_head("abcdef", 6), value_key_head("abcdXY", 6),
           "keys of one head: only the rest of the key tells them apart");

    /* many keys: order survives growth, each found */
    value *big = value_new_map(A, SRC_NONE);
    char k[16];
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof k, "k%d", i);
        value_map_set(big, k, num(i), A);
    }
    for (int i = 0; i < 200; i += 2) { /* replace every other one */
        snprintf(k, sizeof k, "k%d", i);
        value_map_set(big, k, num(-i), A);
    }
    INT_EQ(value_len(big), 200, "200 keys");
    bool ok = true;
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof k, "k%d", i);
        ok &= strcmp(big->as.map.pairs[i].key, k) == 0;
        value *v = value_map_get(big, k);
        ok &= v && v->as.number == (i % 2 ? i : -i);
    }
    OK(ok, "200 keys in insertion order with replaced values");
    OK(big->as.map.index != NULL, "a map of 200 keys has an index");
    OK(!value_map_get(big, "k200") && !value_map_get(big, "k") && !value_map_get(big, "") &&
           !value_map_get(big, "k1999") &&
           value_map_getn(big, "k10", 2) == value_map_get(big, "k1"),
       "an indexed map: absent keys absent, a prefix found only as itself");
    value_map_setn(big, "a\0b", 3, num(1000), A);
    value_map_setn(big, "a", 1, num(1001), A);
    value_map_setn(big, "", 0, num(1002), A);
    OK(value_map_getn(big, "a\0b", 3) && value_map_getn(big, "a\0b", 3)->as.number == 1000 &&
           value_map_get(big, "a")->as.number == 1001 && value_map_get(big, "")->as.number == 1002,
       "an indexed map tells keys with NUL apart, and holds the empty key");
    INT_EQ(value_len(big), 203, "203 keys");
    value *small = value_new_map(A, SRC_NONE);
    for (int i = 0; i < VALUE_MAP_INDEX_MIN - 1; i++) {
        snprintf(k, sizeof k, "s%d", i);
        value_map_set(small, k, num(i), A);
    }
    OK(small->as.map.index == NULL, "below VALUE_MAP_INDEX_MIN keys: no index");
    value_map_set(small, "last", num(-1), A);
    OK(small->as.map.index != NULL && value_map_get(small, "last")->as.number == -1 &&
           value_map_get(small, "s0")->as.number == 0,
       "at VALUE_MAP_INDEX_MIN keys: indexed, old and new keys found");

    /* value_map_setn_at and value_map_pair */
    value *f = value_new_map(A, SRC_NONE);
    value_map_setn_at(f, "title", 5, str("T"), SRC_POS("x.md", 2, 1), A);
    value_map_setn_at(f, "datex", 4, str("D"), SRC_POS("x.md", 3, 1), A);
    const value_pair *p = value_map_pair(f, "title");
    OK(p && p->key_pos.line == 2 && p->key_pos.col == 1 && strcmp(p->key_pos.file, "x.md") == 0,
       "key_pos recorded");
    OK(p && p->key_len == 5 && strcmp(p->key, "title") == 0, "pair key");
    OK(p && value_str(p->val) && strcmp(value_str(p->val), "T") == 0, "pair value");
    p = value_map_pair(f, "date");
    OK(p && p->key_len == 4 && strcmp(p->key, "date") == 0, "setn_at copies key_len bytes");
    OK(value_map_pair(f, "datex") == NULL, "only key_len bytes of the key are used");
    OK(value_map_pair(f, "nope") == NULL, "pair of an absent key is NULL");
    OK(value_map_pair(NULL, "title") == NULL, "pair on NULL is NULL");
    OK(value_map_pair(num(1), "title") == NULL, "pair on a number is NULL");
    value_map_setn_at(f, "title", 5, str("T2"), SRC_POS("x.md", 9, 4), A);
    p = value_map_pair(f, "title");
    OK(p && f->as.map.pairs == p, "replaced pair stays first");
    OK(p && p->key_pos.line == 9 && p->key_pos.col == 4, "replace records the new key_pos");
    OK(p && strcmp(value_str(p->val), "T2") == 0, "replace stores the new value");
    INT_EQ(value_len(f), 2, "setn_at replace does not add");

    /* a NULL value can be stored and reads back as absent-or-NULL */
    value_map_set(f, "nothing", NULL, A);
    OK(value_map_pair(f, "nothing") != NULL, "a pair with a NULL value exists");
    OK(value_map_get(f, "nothing") == NULL, "its value is NULL");
}

/* value_map_copy: the pairs in order with their keys shared, the last of a key given twice
 * (as value_map_setn() of each), room for more without growing, and the index of a big map. */
static void
test_map_copy(void)
{
    arena *a = arena_new();
    value *src = value_new_map(a, SRC_NONE);
    value_map_set(src, "title", value_new_cstr(a, "T", SRC_NONE), a);
    value_map_set(src, "cohort", value_new_cstr(a, "2023", SRC_NONE), a);
    value *twice = value_new_cstr(a, "again", SRC_NONE);
    /* a key given twice (front.c reports it; the pairs as value_map_setn() leaves them) */
    src->as.map.pairs[src->as.map.len++] = value_pair_make("title", 5, twice, SRC_NONE);
    value *m = value_map_copy(src, 2, a);
    OK(m->as.map.len == 2, "two keys (%zu)", m->as.map.len);
    OK(m->as.map.pairs[0].key == src->as.map.pairs[0].key, "the keys are shared");
    OK(value_map_get(m, "title") == twice, "the last of a key given twice");
    STR_EQ(value_str(value_map_get(m, "cohort")), "2023", "the other key");
    const value_pair *pairs = m->as.map.pairs;
    value_map_set(m, "url", value_new_cstr(a, "/x/", SRC_NONE), a);
    value_map_set(m, "slug", value_new_cstr(a, "x", SRC_NONE), a);
    OK(m->as.map.pairs == pairs && m->as.map.len == 4, "room for two more without growing");
    OK(value_map_copy(NULL, 0, a)->as.map.len == 0, "a copy of nothing is an empty map");
    value *big = value_new_map(a, SRC_NONE);
    char key[16];
    for (int i = 0; i < VALUE_MAP_INDEX_MIN + 8; i++) {
        snprintf(key, sizeof key, "k%d", i);
        value_map_set(big, key, value_new_number(a, i, SRC_NONE), a);
    }
    value *late = value_new_number(a, -1, SRC_NONE); /* a key given twice past the index */
    big->as.map.pairs[big->as.map.len++] = value_pair_make("k70", 3, late, SRC_NONE);
    value *copy = value_map_copy(big, 0, a);
    OK(copy->as.map.index != NULL, "a big map's copy is indexed");
    OK(copy->as.map.len == VALUE_MAP_INDEX_MIN + 8 && value_map_get(copy, "k70") == late,
       "and found through its index, the last of a key given twice");
    arena_free(a);
}

static void
test_access(void)
{
    value *root = value_new_map(A, SRC_NONE);
    value *outcomes = value_new_map(A, SRC_NONE);
    value *funding = value_new_map(A, SRC_NONE);
    value_map_set(funding, "amount", num(50000), A);
    value_map_set(outcomes, "funding", funding, A);
    value_map_set(root, "outcomes", outcomes, A);
    value_map_set(root, "list", LIST(num(1)), A);
    value_map_set(root, "s", str("text"), A);

    value *v = value_path(root, "outcomes.funding.amount");
    OK(v && v->type == VALUE_NUMBER && v->as.number == 50000, "dotted path");
    OK(value_path(root, "outcomes.funding") == funding, "path to a map");
    OK(value_path(root, "outcomes") == outcomes, "single segment");
    OK(value_path(root, "outcomes.missing.amount") == NULL, "absent middle segment");
    OK(value_path(root, "outcomes.funding.amount.x") == NULL, "path through a number");
    OK(value_path(root, "list.0") == NULL, "path through a list");
    OK(value_path(root, "s.x") == NULL, "path through a string");
    OK(value_path(NULL, "a") == NULL, "path on NULL");
    OK(value_path(root, "Outcomes") == NULL, "paths are case-sensitive");

    INT_EQ(value_len(NULL), 0, "value_len(NULL)");
    INT_EQ(value_len(num(5)), 0, "value_len of a number");
    INT_EQ(value_len(boolean(true)), 0, "value_len of a bool");
    INT_EQ(value_len(date("2023-01-05")), 0, "value_len of a date");
    INT_EQ(value_len(LIST(num(1), num(2), num(3))), 3, "value_len of a list");
    INT_EQ(value_len(root), 3, "value_len of a map");
    OK(value_str(num(1)) == NULL, "value_str of a number");
    OK(value_str(NULL) == NULL, "value_str of NULL");
    STR_EQ(value_str(str("x")), "x", "value_str of a string");
}

/* {====================================================================
 * semantics
 * ===================================================================== */

static void
test_truthy(void)
{
    OK(!value_truthy(NULL), "NULL is false");
    OK(!value_truthy(null()), "null is false");
    OK(!value_truthy(boolean(false)), "false is false");
    OK(value_truthy(boolean(true)), "true is true");
    OK(!value_truthy(num(0)), "0 is false");
    OK(!value_truthy(num(-0.0)), "-0 is false");
    OK(value_truthy(num(-1)), "-1 is true");
    OK(value_truthy(num(0.001)), "0.001 is true");
    OK(value_truthy(num(NAN)), "NaN is true (as in Python/Jinja)");
    OK(!value_truthy(str("")), "\"\" is false");
    OK(value_truthy(str("0")), "\"0\" is true");
    OK(value_truthy(str("false")), "\"false\" is true");
    OK(value_truthy(str(" ")), "\" \" is true");
    OK(value_truthy(value_new_string(A, "\0", 1, SRC_NONE)), "a string of one NUL byte is true");
    OK(value_truthy(date("1970-01-01")), "a date is true");
    OK(!value_truthy(value_new_list(A, SRC_NONE)), "[] is false");
    OK(value_truthy(LIST(null())), "[null] is true");
    OK(!value_truthy(value_new_map(A, SRC_NONE)), "{} is false");
    value *m = value_new_map(A, SRC_NONE);
    value_map_set(m, "k", boolean(false), A);
    OK(value_truthy(m), "{k: false} is true");
}

static void
test_compare(void)
{
    /* across types: null < bool < number < string < date < list < map */
    value *order[] = {null(),
                      boolean(true),
                      num(-1e9),
                      str(""),
                      date("1970-01-01"),
                      empty_list(),
                      value_new_map(A, SRC_NONE)};
    size_t n = sizeof order / sizeof *order;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j;
            OK(sign(value_compare(order[i], order[j])) == want, "compare %s with %s: want %d",
               value_type_name(order[i]->type), value_type_name(order[j]->type), want);
        }
    /* the type decides even when the contents would say otherwise */
    expect_less(boolean(true), num(-5), "true < -5 (bool before number)");
    expect_less(num(1e300), str("0"), "a big number before a string");
    expect_less(str("9999-12-31"), date("0001-01-01"), "a string before a date");
    expect_less(date("9999-12-31"), empty_list(), "a date before an empty list");

    /* NULL pointers sort as null */
    INT_EQ(value_compare(NULL, NULL), 0, "NULL vs NULL");
    INT_EQ(value_compare(NULL, null()), 0, "NULL vs null");
    INT_EQ(value_compare(null(), NULL), 0, "null vs NULL");
    expect_less(NULL, boolean(false), "NULL < false");
    expect_less(NULL, num(0), "NULL < 0");

    /* within a type */
    expect_less(boolean(false), boolean(true), "false < true");
    INT_EQ(value_compare(boolean(true), boolean(true)), 0, "true == true");
    expect_less(num(-1), num(0.5), "-1 < 0.5");
    expect_less(num(2), num(10), "2 < 10 (numerically, not as text)");
    expect_less(num(-INFINITY), num(-1e308), "-inf first");
    INT_EQ(value_compare(num(0.0), num(-0.0)), 0, "0 == -0");
    expect_less(str("B"), str("a"), "strings bytewise: 'B' < 'a'");
    expect_less(str("10"), str("9"), "strings bytewise: '10' < '9'");
    expect_less(str(""), str("a"), "empty string first");
    expect_less(str("a"), str("ab"), "a prefix first");
    expect_less(str("z"), str("é"), "UTF-8 bytes are unsigned: 'z' < 'é'");
    expect_less(value_new_string(A, "a\0b", 3, SRC_NONE), value_new_string(A, "a\0c", 3, SRC_NONE),
                "bytes after a NUL count");
    expect_less(value_new_string(A, "a", 1, SRC_NONE), value_new_string(A, "a\0", 2, SRC_NONE),
                "a trailing NUL makes a longer string");
    INT_EQ(value_compare(str("same"), str("same")), 0, "equal strings");

    /* dates chronologically, as instants */
    expect_less(date("2023-01-05"), date("2023-01-06"), "day order");
    expect_less(date("2022-12-31"), date("2023-01-01"), "year order");
    expect_less(date("2023-01-05"), date("2023-01-05T00:00:01Z"), "a date alone is midnight UTC");
    INT_EQ(value_compare(date("2023-01-05"), date("2023-01-05T00:00:00Z")), 0,
           "date == its midnight UTC");
    /* 08:30+08:00 is 00:30Z, earlier than 01:00Z */
    expect_less(date("2023-01-05T08:30:00+08:00"), date("2023-01-05T01:00:00Z"),
                "offsets are applied");
    INT_EQ(value_compare(date("2023-01-05T08:00:00+08:00"), date("2023-01-05T00:00:00Z")), 0,
           "the same instant written with two offsets");
    /* 2023-01-04T23:00-02:00 and 2023-01-05T02:00+01:00 are both 2023-01-05T01:00Z */
    INT_EQ(value_compare(date("2023-01-04T23:00:00-02:00"), date("2023-01-05T02:00:00+01:00")), 0,
           "different calendar days, the same instant");
    expect_less(date("2023-01-05T02:00:00+01:00"), date("2023-01-04T23:00:01-02:00"),
                "a later instant on an earlier calendar day");

    /* lists element-wise, a prefix first */
    expect_less(LIST(num(1), num(2)), LIST(num(1), num(3)), "[1,2] < [1,3]");
    expect_less(LIST(num(1)), LIST(num(1), num(0)), "[1] < [1,0]");
    expect_less(LIST(num(1), num(9)), LIST(num(2)), "[1,9] < [2]");
    expect_less(empty_list(), LIST(null()), "[] < [null]");
    expect_less(LIST(num(5)), LIST(str("")), "elements compare across types");
    INT_EQ(value_compare(LIST(str("a"), num(1)), LIST(str("a"), num(1))), 0, "equal lists");
    expect_less(LIST(LIST(num(1))), LIST(LIST(num(2))), "nested lists");
}

/* value.h promises value_compare is a total order for sorting. A NaN number once
 * compared equal to every number (compare(NaN, 1) == 0 == compare(NaN, 2) while 1 < 2),
 * which is not transitive; NaN must sit at one fixed place among the numbers. */
static void
test_compare_nan(void)
{
    value *nan = num(NAN), *one = num(1), *two = num(2);
    INT_EQ(value_compare(nan, nan), 0, "NaN == NaN (reflexive)");
    bool consistent = !(value_compare(nan, one) == 0 && value_compare(nan, two) == 0 &&
                        value_compare(one, two) != 0);
    OK(consistent, "NaN compares equal to both 1 and 2 although 1 < 2 (not a total order)");
    /* one fixed place: the same non-zero side of every number, antisymmetric */
    const double others[] = {-INFINITY, -1e308, -1, 0, 1, 1e308, INFINITY};
    int side = sign(value_compare(nan, num(others[0])));
    bool fixed = side != 0;
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        value *o = num(others[i]);
        fixed &= sign(value_compare(nan, o)) == side && sign(value_compare(o, nan)) == -side;
    }
    OK(fixed, "NaN sorts on one side of every number");
    OK(value_compare(nan, str("")) < 0, "NaN is still a number: before strings");
    OK(value_compare(boolean(true), nan) < 0, "NaN is still a number: after bools");
}

static void
test_equal(void)
{
    OK(value_equal(NULL, NULL), "NULL equals NULL");
    OK(value_equal(NULL, null()), "NULL equals null");
    OK(value_equal(num(1), num(1.0)), "1 equals 1.0");
    OK(!value_equal(num(1), str("1")), "1 is not \"1\"");
    OK(!value_equal(num(0), boolean(false)), "0 is not false");
    OK(!value_equal(str(""), null()), "\"\" is not null");
    OK(value_equal(str("x"), str("x")), "equal strings");
    OK(!value_equal(str("x"), str("X")), "case matters");
    OK(value_equal(date("2023-01-05"), date("2023-01-05")), "equal dates");
    OK(value_equal(LIST(num(1), str("a")), LIST(num(1), str("a"))), "equal lists");
    OK(!value_equal(LIST(num(1), str("a")), LIST(str("a"), num(1))), "list order matters");

    value *a = value_new_map(A, SRC_NONE), *b = value_new_map(A, SRC_NONE);
    value_map_set(a, "x", num(1), A);
    value_map_set(a, "y", LIST(str("t")), A);
    value_map_set(b, "y", LIST(str("t")), A);
    value_map_set(b, "x", num(1), A);
    OK(value_equal(a, b), "maps with the same pairs in another order are equal");
    value *c = value_new_map(A, SRC_NONE);
    value_map_set(c, "x", num(1), A);
    value_map_set(c, "y", LIST(str("u")), A);
    OK(!value_equal(a, c), "maps differing in one value");
    value *d = value_new_map(A, SRC_NONE);
    value_map_set(d, "x", num(1), A);
    value_map_set(d, "z", LIST(str("t")), A);
    OK(!value_equal(a, d), "maps differing in one key");
    value_map_set(d, "y", LIST(str("t")), A);
    OK(!value_equal(a, d), "a map with an extra key");
}

/* {====================================================================
 * text forms
 * ===================================================================== */

static void
test_numbers(void)
{
    NUMBER_EQ(2023, "2023");
    NUMBER_EQ(0, "0");
    NUMBER_EQ(-0.0, "0");
    NUMBER_EQ(-12, "-12");
    NUMBER_EQ(1.5, "1.5");
    NUMBER_EQ(-0.25, "-0.25");
    NUMBER_EQ(0.1, "0.1");
    NUMBER_EQ(123456.789, "123456.789");
    NUMBER_EQ(13800138000.0, "13800138000");
    NUMBER_EQ(9007199254740991.0, "9007199254740991"); /* 2^53 - 1 */
    NUMBER_EQ(1e3, "1000");
    NUMBER_EQ(1.0 / 3.0, "0.3333333333333333");  /* 16 digits read back the same */
    NUMBER_EQ(0.1 + 0.2, "0.30000000000000004"); /* needs 17 */
    NUMBER_EQ(NAN, "null");
    NUMBER_EQ(INFINITY, "null");
    NUMBER_EQ(-INFINITY, "null");

    /* whatever the form, it reads back as the same double */
    const double samples[] = {1e-7,   6.02e23, 2.5e-3, 1e300, -1.7976931348623157e308,
                              5e-324, 0.7,     100.125};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char *s = number_text(samples[i]);
        OK(strtod(s, NULL) == samples[i], "%.17g printed as %s reads back", samples[i], s);
        OK(strchr(s, ',') == NULL, "no locale comma in %s", s);
        free(s);
    }
    /* shortest: 0.7 needs one digit */
    NUMBER_EQ(0.7, "0.7");
}

static void
test_text(void)
{
    TEXT_EQ(NULL, "", "NULL prints nothing");
    TEXT_EQ(null(), "", "null prints nothing");
    TEXT_EQ(boolean(true), "true", "true");
    TEXT_EQ(boolean(false), "false", "false");
    TEXT_EQ(num(2023), "2023", "2023 without .0");
    TEXT_EQ(num(1.5), "1.5", "1.5");
    TEXT_EQ(num(NAN), "null", "NaN");
    TEXT_EQ(value_new_number_text(A, 1.1, "1.10", 4, SRC_NONE), "1.10", "a number as written");
    TEXT_EQ(value_new_number_text(A, 755, "0755xyz", 4, SRC_NONE), "0755", "text[0..len) only");
    TEXT_EQ(str("<b>&\"'"), "<b>&\"'", "strings are not escaped");
    TEXT_EQ(str("中文"), "中文", "UTF-8 as is");
    {
        value *v = value_new_string(A, "a\0b", 3, SRC_NONE);
        buf b = BUF_INIT;
        value_to_text(&b, v);
        OK(b.len == 3 && memcmp(b.ptr, "a\0b", 3) == 0, "all bytes of a string with a NUL");
        buf_free(&b);
    }
    TEXT_EQ(date("2023-01-05"), "2023-01-05", "date alone");
    TEXT_EQ(date("2023-01-05T08:30:00+08:00"), "2023-01-05T08:30:00+08:00", "date with offset");
    TEXT_EQ(date("2023-01-05 08:30"), "2023-01-05T08:30:00Z", "no offset: taken as UTC");
    TEXT_EQ(LIST(num(1), str("a"), null(), boolean(false)), "[1,\"a\",null,false]",
            "a list as JSON");
    value *m = value_new_map(A, SRC_NONE);
    value_map_set(m, "b", num(1.5), A);
    value_map_set(m, "a", empty_list(), A);
    TEXT_EQ(m, "{\"b\":1.5,\"a\":[]}", "a map as JSON in insertion order");

    {
        value *n = value_new_number_text(A, 1.1, "1.10", 4, SRC_NONE);
        STR_EQ(value_to_cstr(n, A), "1.10", "value_to_cstr: a number as written");
        STR_EQ(value_to_cstr(num(1.1), A), "1.1", "value_to_cstr: a computed number");
        OK(value_equal(n, num(1.1)) && value_compare(n, num(1.2)) < 0,
           "a number with text compares by value");
    }

    /* appends: the buffer's earlier content is kept */
    buf b = BUF_INIT;
    buf_puts(&b, "x=");
    value_to_text(&b, num(3));
    STR_EQ(b.ptr, "x=3", "value_to_text appends");
    buf_free(&b);
}

static void
test_json(void)
{
    JSON_EQ(NULL, 0, "null", "NULL");
    JSON_EQ(null(), 0, "null", "null");
    JSON_EQ(num(NAN), 0, "null", "NaN is null in JSON");
    JSON_EQ(num(-INFINITY), 0, "null", "-inf is null in JSON");
    JSON_EQ(num(2023), 0, "2023", "integer");
    JSON_EQ(value_new_number_text(A, 755, "0755", 4, SRC_NONE), 0, "755",
            "JSON: a number, not its text");
    JSON_EQ(LIST(value_new_number_text(A, 1.1, "1.10", 4, SRC_NONE)), 0, "[1.1]",
            "JSON: numbers in a list");
    JSON_EQ(boolean(true), 0, "true", "true");
    JSON_EQ(str("a\"b\\c\nd\re\tf"), 0, "\"a\\\"b\\\\c\\nd\\re\\tf\"", "escapes");
    JSON_EQ(str("\x01\x1f"), 0, "\"\\u0001\\u001f\"", "control characters as \\u");
    JSON_EQ(value_new_string(A, "a\0b", 3, SRC_NONE), 0, "\"a\\u0000b\"", "NUL as \\u0000");
    JSON_EQ(str("中文 é"), 0, "\"中文 é\"", "UTF-8 unescaped");
    JSON_EQ(str("</script>"), 0, "\"\\u003c/script>\"", "'<' escaped for <script>");
    JSON_EQ(date("2023-01-05"), 0, "\"2023-01-05\"", "date as a string");
    JSON_EQ(empty_list(), 0, "[]", "empty list");
    JSON_EQ(value_new_map(A, SRC_NONE), 0, "{}", "empty map");
    JSON_EQ(empty_list(), 2, "[]", "empty list pretty");
    JSON_EQ(value_new_map(A, SRC_NONE), 2, "{}", "empty map pretty");

    value *m = value_new_map(A, SRC_NONE);
    value_map_set(m, "z", num(1), A);
    value_map_set(m, "a\"", LIST(num(1), num(2)), A);
    value_map_set(m, "m", value_new_map(A, SRC_NONE), A);
    JSON_EQ(m, 0, "{\"z\":1,\"a\\\"\":[1,2],\"m\":{}}", "compact, keys escaped, insertion order");
    JSON_EQ(m, 2,
            "{\n"
            "  \"z\": 1,\n"
            "  \"a\\\"\": [\n"
            "    1,\n"
            "    2\n"
            "  ],\n"
            "  \"m\": {}\n"
            "}",
            "pretty with indent 2");
    JSON_EQ(LIST(num(1)), 4, "[\n    1\n]", "pretty with indent 4");
    JSON_EQ(m, -1, "{\"z\":1,\"a\\\"\":[1,2],\"m\":{}}", "indent < 0 is compact");
}

/* {====================================================================
 * dates
 * ===================================================================== */

static bool
parses(const char *s)
{
    value_date d;
    return value_date_parse(&d, s, strlen(s));
}

static value_date
parse_date(const char *s)
{
    value_date d;
    memset(&d, 0x55, sizeof d);
    bool ok = value_date_parse(&d, s, strlen(s));
    OK(ok, "'%s' parses", s);
    return d;
}

static void
expect_date(const char *s, int y, int mo, int d, bool has_time, int h, int mi, int sec,
            bool has_offset, int off)
{
    value_date v = parse_date(s);
    OK(v.year == y && v.month == mo && v.day == d, "'%s': date %d-%d-%d, got %d-%d-%d", s, y, mo, d,
       v.year, v.month, v.day);
    OK(v.has_time == has_time, "'%s': has_time %d", s, has_time);
    OK(v.hour == h && v.minute == mi && v.second == sec, "'%s': time %d:%d:%d, got %d:%d:%d", s, h,
       mi, sec, v.hour, v.minute, v.second);
    OK(v.has_offset == has_offset, "'%s': has_offset %d", s, has_offset);
    OK(v.offset_min == off, "'%s': offset %d, got %d", s, off, v.offset_min);
}

static void
test_date_parse(void)
{
    expect_date("2023-01-05", 2023, 1, 5, false, 0, 0, 0, false, 0);
    expect_date("0001-01-01", 1, 1, 1, false, 0, 0, 0, false, 0);
    expect_date("9999-12-31", 9999, 12, 31, false, 0, 0, 0, false, 0);
    expect_date("2023-01-05T08:30", 2023, 1, 5, true, 8, 30, 0, false, 0);
    expect_date("2023-01-05t08:30:15", 2023, 1, 5, true, 8, 30, 15, false, 0);
    expect_date("2023-01-05 23:59:59", 2023, 1, 5, true, 23, 59, 59, false, 0);
    expect_date("2023-01-05T00:00:00Z", 2023, 1, 5, true, 0, 0, 0, true, 0);
    expect_date("2023-01-05T00:00:00z", 2023, 1, 5, true, 0, 0, 0, true, 0);
    expect_date("2023-01-05 08:30:15.123Z", 2023, 1, 5, true, 8, 30, 15, true, 0);
    expect_date("2023-01-05T08:30:15.5", 2023, 1, 5, true, 8, 30, 15, false, 0);
    expect_date("2023-01-05T08:30:00+08:00", 2023, 1, 5, true, 8, 30, 0, true, 480);
    expect_date("2023-01-05T08:30:00-05:30", 2023, 1, 5, true, 8, 30, 0, true, -330);
    expect_date("2023-01-05T08:30+08", 2023, 1, 5, true, 8, 30, 0, true, 480);
    expect_date("2023-01-05T08:30-00:00", 2023, 1, 5, true, 8, 30, 0, true, 0);
    expect_date("2023-01-05 08:30 +08:00", 2023, 1, 5, true, 8, 30, 0, true, 480);
    expect_date("2023-01-05 08:30 Z", 2023, 1, 5, true, 8, 30, 0, true, 0);
    expect_date("2023-01-05T08:30:00.123456789+01:00", 2023, 1, 5, true, 8, 30, 0, true, 60);

    /* leap years: divisible by 4, but not by 100 unless by 400 */
    OK(!parses("2023-02-29"), "2023-02-29 is invalid (2023 is not a leap year)");
    OK(parses("2024-02-29"), "2024-02-29 is valid");
    OK(!parses("1900-02-29"), "1900-02-29 is invalid (century)");
    OK(parses("2000-02-29"), "2000-02-29 is valid (divisible by 400)");
    OK(!parses("2024-02-30"), "2024-02-30 is invalid");
    OK(parses("2023-02-28"), "2023-02-28 is valid");

    /* out-of-range fields */
    const char *bad[] = {
        "2023-02-30",
        "2023-04-31",
        "2023-06-31",
        "2023-09-31",
        "2023-11-31",
        "2023-13-01",
        "2023-00-10",
        "2023-01-00",
        "2023-01-32",
        "2023-01-05T24:00",
        "2023-01-05T23:60",
        "2023-01-05T08:30:61",
        "2023-01-05T08:30+24:00",
        "2023-01-05T08:30+08:60",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        OK(!parses(bad[i]), "'%s' is out of range", bad[i]);
    OK(parses("2023-01-31") && parses("2023-03-31") && parses("2023-12-31") && parses("2023-04-30"),
       "last days of months");

    /* malformed */
    const char *junk[] = {
        "",
        "2023",
        "2023-1-5",
        "2023-01-5",
        "23-01-05",
        "2023/01/05",
        "2023-01-05x",
        "2023-01-05 ",
        "2023-01-05T",
        "2023-01-05T8:30",
        "2023-01-05T08",
        "2023-01-05T08:3",
        "2023-01-05T08:30:0",
        "2023-01-05T08:30:00.",
        "2023-01-05T08:30:00.Z",
        "2023-01-05T08.5",
        "2023-01-05T08:30Zjunk",
        "2023-01-05T08:30+8",
        "2023-01-05T08:30+08:0",
        "2023-01-05T08:30 meeting",
        "2023-01-05X08:30",
        " 2023-01-05",
        "+2023-01-05",
        "２０２３-01-05",
        "2023-01-05T08:30:00+08:00 ",
    };
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        OK(!parses(junk[i]), "'%s' is not a date", junk[i]);

    /* len is honoured: no NUL needed, nothing read past it */
    value_date d;
    OK(value_date_parse(&d, "2023-01-05T08:30", 10) && !d.has_time && d.day == 5,
       "only len bytes are read");
    OK(!value_date_parse(&d, "2023-01-05", 9), "a cut date is invalid");
    OK(!value_date_parse(&d, "2023-01-05", 0), "len 0");
    char raw[10];
    memcpy(raw, "2024-02-29", 10); /* not NUL-terminated */
    OK(value_date_parse(&d, raw, 10) && d.year == 2024 && d.month == 2 && d.day == 29,
       "a buffer without NUL");
}

/* value.h documents the offset as +HH[:MM], so a ':' must be followed by two digits;
 * "2023-01-05T08:30+08:" (a dangling ':') was once read as +08:00. */
static void
test_date_parse_dangling_colon(void)
{
    OK(!parses("2023-01-05T08:30+08:"), "'2023-01-05T08:30+08:' (':' without minutes) is invalid");
}

static void
test_date_epoch(void)
{
    value_date d = parse_date("1970-01-01");
    INT_EQ(value_date_epoch(&d), 0, "epoch of 1970-01-01");
    d = parse_date("1970-01-01T00:00:01Z");
    INT_EQ(value_date_epoch(&d), 1, "one second");
    d = parse_date("2000-01-01");
    INT_EQ(value_date_epoch(&d), 946684800, "2000-01-01");
    d = parse_date("2023-01-01");
    INT_EQ(value_date_epoch(&d), 1672531200, "2023-01-01");
    /* 08:30 at +08:00 is 00:30 UTC, four days and 30 minutes after 2023-01-01 */
    d = parse_date("2023-01-05T08:30:00+08:00");
    INT_EQ(value_date_epoch(&d), 1672531200 + 4 * 86400 + 30 * 60, "offset subtracted");
    d = parse_date("2023-01-05T08:30:00-05:30");
    INT_EQ(value_date_epoch(&d), 1672531200 + 4 * 86400 + 14 * 3600, "negative offset added");
    d = parse_date("1969-12-31T23:59:59Z");
    INT_EQ(value_date_epoch(&d), -1, "before 1970");
    d = parse_date("1600-03-01");
    /* 1600-03-01 .. 1970-01-01: 369 years and 10 months; checked by the inverse below */
    value_date back = value_date_from_epoch(value_date_epoch(&d));
    OK(back.year == 1600 && back.month == 3 && back.day == 1, "1600-03-01 round trip");

    /* from_epoch */
    value_date e = value_date_from_epoch(0);
    OK(e.year == 1970 && e.month == 1 && e.day == 1 && e.hour == 0 && e.minute == 0 &&
           e.second == 0,
       "from_epoch(0)");
    OK(e.has_time && e.has_offset && e.offset_min == 0, "from_epoch sets has_time and has_offset");
    e = value_date_from_epoch(-1);
    OK(e.year == 1969 && e.month == 12 && e.day == 31 && e.hour == 23 && e.minute == 59 &&
           e.second == 59,
       "from_epoch(-1) is 1969-12-31 23:59:59, got %d-%d-%d %d:%d:%d", e.year, e.month, e.day,
       e.hour, e.minute, e.second);
    e = value_date_from_epoch(-86400);
    OK(e.year == 1969 && e.month == 12 && e.day == 31 && e.hour == 0, "from_epoch(-86400)");
    e = value_date_from_epoch(-86401);
    OK(e.year == 1969 && e.month == 12 && e.day == 30 && e.hour == 23 && e.second == 59,
       "from_epoch(-86401)");
    e = value_date_from_epoch(951782400); /* 946684800 + 59 days */
    OK(e.year == 2000 && e.month == 2 && e.day == 29, "from_epoch: 2000-02-29");
    e = value_date_from_epoch(1672531200 + 4 * 86400 + 30 * 60 + 15);
    OK(e.year == 2023 && e.month == 1 && e.day == 5 && e.hour == 0 && e.minute == 30 &&
           e.second == 15,
       "from_epoch: 2023-01-05T00:30:15Z");
    e = value_date_from_epoch(253402300799LL); /* 9999-12-31T23:59:59Z */
    OK(e.year == 9999 && e.month == 12 && e.day == 31 && e.hour == 23 && e.minute == 59 &&
           e.second == 59,
       "from_epoch: 9999-12-31T23:59:59Z");

    /* round trips for every day over several leap cycles */
    bool ok = true;
    for (int64_t secs = -3LL * 400 * 86400; secs < 60LL * 366 * 86400; secs += 86400 + 3601) {
        value_date r = value_date_from_epoch(secs);
        ok &= value_date_epoch(&r) == secs;
    }
    OK(ok, "epoch -> date -> epoch round trips");
}

static void
test_days_between(void)
{
    value_date a = parse_date("2023-01-01"), b = parse_date("2024-01-01");
    INT_EQ(value_date_days_between(&a, &b), 365, "2023 has 365 days");
    INT_EQ(value_date_days_between(&b, &a), -365, "b - a is negative when b is earlier");
    a = parse_date("2024-01-01");
    b = parse_date("2025-01-01");
    INT_EQ(value_date_days_between(&a, &b), 366, "2024 has 366 days");
    a = parse_date("2024-02-28");
    b = parse_date("2024-03-01");
    INT_EQ(value_date_days_between(&a, &b), 2, "across a leap day");
    a = parse_date("2023-02-28");
    b = parse_date("2023-03-01");
    INT_EQ(value_date_days_between(&a, &b), 1, "no leap day in 2023");
    a = parse_date("2023-05-01");
    INT_EQ(value_date_days_between(&a, &a), 0, "same day");
    a = parse_date("1999-12-31");
    b = parse_date("2000-03-01");
    INT_EQ(value_date_days_between(&a, &b), 61, "1999-12-31 .. 2000-03-01");
    a = parse_date("1969-12-31");
    b = parse_date("1970-01-02");
    INT_EQ(value_date_days_between(&a, &b), 2, "across the epoch");

    /* calendar dates as written: times and offsets do not count */
    a = parse_date("2023-01-05T23:59:59");
    b = parse_date("2023-01-06T00:00:00");
    INT_EQ(value_date_days_between(&a, &b), 1, "one second apart, one calendar day");
    a = parse_date("2023-01-05T00:00:00");
    b = parse_date("2023-01-05T23:59:59");
    INT_EQ(value_date_days_between(&a, &b), 0, "same calendar day");
    /* 2023-01-05T23:00-05:00 is 2023-01-06T04:00Z, later than 2023-01-06T01:00+08:00
     * (2023-01-05T17:00Z), yet as written the dates are one day apart */
    a = parse_date("2023-01-05T23:00:00-05:00");
    b = parse_date("2023-01-06T01:00:00+08:00");
    INT_EQ(value_date_days_between(&a, &b), 1, "offsets ignored");
}

static char *
fmt(const char *s, const char *f)
{
    value_date d = parse_date(s);
    buf b = BUF_INIT;
    value_date_format(&b, &d, f);
    return buf_detach(&b);
}

#define FMT_EQ(date_text, f, want)                  \
    do {                                            \
        char *got_ = fmt((date_text), (f));         \
        STR_EQ(got_, (want), date_text " with " f); \
        free(got_);                                 \
    } while (0)

static void
test_date_format(void)
{
    FMT_EQ("2023-01-05", "%Y-%m-%d", "2023-01-05");
    FMT_EQ("2023-01-05", "%F", "2023-01-05");
    FMT_EQ("2023-01-05", "%y/%e", "23/5");
    FMT_EQ("2023-04-05", "%Y年%-m月%-d日", "2023年4月5日");
    FMT_EQ("2023-04-20T08:05:03Z", "%-d %B %Y %-H:%-M:%-S %-j %-y", "20 April 2023 8:5:3 110 23");
    FMT_EQ("2023-04-20", "%-q %-", "%-q %-");
    FMT_EQ("2005-11-25", "%y %e", "05 25");
    FMT_EQ("2023-01-05", "%a %A", "Thu Thursday"); /* 2023-01-05 was a Thursday */
    FMT_EQ("2023-01-05", "%b %B", "Jan January");
    FMT_EQ("2023-09-10", "%a %A %b %B", "Sun Sunday Sep September");
    FMT_EQ("2000-02-29", "%A", "Tuesday");
    FMT_EQ("1969-12-31", "%A", "Wednesday");
    FMT_EQ("1970-01-01", "%A", "Thursday");
    FMT_EQ("2023-01-05", "%j", "005");
    FMT_EQ("0099-01-05", "%Y %F %y %-y", "0099 0099-01-05 99 99");
    FMT_EQ("2024-12-31", "%j", "366");
    FMT_EQ("2023-12-31", "%j", "365");
    FMT_EQ("2023-01-05T08:03:09", "%H:%M:%S", "08:03:09");
    FMT_EQ("2023-01-05T08:03:09", "%T", "08:03:09");
    FMT_EQ("2023-01-05", "%T", "00:00:00");
    FMT_EQ("2023-01-05T08:30+08:00", "%z", "+0800");
    FMT_EQ("2023-01-05T08:30-05:30", "%z", "-0530");
    FMT_EQ("2023-01-05", "%z", "+0000");
    FMT_EQ("2023-01-05", "%Z", "UTC");
    FMT_EQ("2023-01-05T08:30Z", "%Z", "UTC");
    FMT_EQ("2023-01-05", "100%%", "100%");
    FMT_EQ("2023-01-05", "年%Y年", "年2023年");
    FMT_EQ("2023-01-05", "", "");
    FMT_EQ("2023-01-05", "no conversions", "no conversions");
    {
        char *z = fmt("2023-01-05T08:30+08:00", "%Z");
        OK(strcmp(z, "UTC") != 0 && strstr(z, "08") != NULL, "%%Z shows a non-zero offset: %s", z);
        free(z);
    }

    /* ISO 8601 / RFC 3339 */
    buf b = BUF_INIT;
    value_date d = parse_date("2023-01-05");
    value_date_iso(&b, &d);
    STR_EQ(b.ptr, "2023-01-05", "iso of a date");
    buf_clear(&b);
    d = parse_date("2023-01-05T08:30:00+08:00");
    value_date_iso(&b, &d);
    STR_EQ(b.ptr, "2023-01-05T08:30:00+08:00", "iso with offset");
    buf_clear(&b);
    d = parse_date("2023-01-05T08:30:00-05:30");
    value_date_iso(&b, &d);
    STR_EQ(b.ptr, "2023-01-05T08:30:00-05:30", "iso with negative offset");
    buf_clear(&b);
    d = parse_date("2023-01-05T08:30:07.25Z");
    value_date_iso(&b, &d);
    STR_EQ(b.ptr, "2023-01-05T08:30:07Z", "iso in UTC (fraction dropped)");
    buf_clear(&b);
    d = value_date_from_epoch(0);
    value_date_iso(&b, &d);
    STR_EQ(b.ptr, "1970-01-01T00:00:00Z", "iso of from_epoch(0)");
    buf_clear(&b);

    /* RFC 822 */
    d = parse_date("2023-01-05");
    value_date_rfc822(&b, &d);
    STR_EQ(b.ptr, "Thu, 05 Jan 2023 00:00:00 +0000", "rfc822 of a date (the header's example)");
    buf_clear(&b);
    d = parse_date("2024-02-29T18:05:09+08:00");
    value_date_rfc822(&b, &d);
    STR_EQ(b.ptr, "Thu, 29 Feb 2024 18:05:09 +0800", "rfc822 with an offset");
    buf_free(&b);
}

/* value_map_addn_ref: a key the map does not hold, added at the end and borrowed; past the
 * size at which a map is indexed, every key still found, in order, and no other. */
static void
test_map_add(void)
{
    value *m = value_new_map(A, SRC_NONE);
    value_map_set(m, "a", num(1), A);
    static const char added[] = "added";
    value_map_addn_ref(m, added, 5, num(2), A);
    const value_pair *add = value_map_pair(m, "added");
    OK(add && add == &m->as.map.pairs[1] && add->key == added && add->val->as.number == 2 &&
           value_len(m) == 2,
       "value_map_addn_ref: the key added at the end, borrowed");
    value *many = value_new_map(A, SRC_NONE);
    static char names[100][8];
    for (size_t i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "k%zu", i);
        value_map_addn_ref(many, names[i], strlen(names[i]), num((double)i), A);
    }
    size_t all = 0;
    for (size_t i = 0; i < 100; i++) {
        const value *v = value_map_get(many, names[i]);
        all += v && v->as.number == (double)i && many->as.map.pairs[i].key == names[i];
    }
    INT_EQ(all, 100, "value_map_addn_ref: 100 keys in order, each found");
    OK(!value_map_get(many, "k100") && !value_map_get(many, "k"), "and no other");
}

/* value_new_list_of: room for n items, so that pushing them never moves the list; none
 * allocated for 0, and a push past the room still works. */
static void
test_list_of(void)
{
    value *l = value_new_list_of(A, 3, SRC_NONE);
    value **items = l->as.list.items;
    for (int i = 0; i < 3; i++)
        value_list_push(l, num(i), A);
    OK(l->as.list.items == items && value_len(l) == 3 && l->as.list.cap == 3,
       "value_new_list_of: three pushes in place");
    value_list_push(l, num(3), A);
    OK(value_len(l) == 4 && value_list_get(l, 3)->as.number == 3 &&
           value_list_get(l, 0)->as.number == 0,
       "value_new_list_of: a fourth push grows it, items kept");
    value *e = value_new_list_of(A, 0, SRC_NONE);
    OK(e->type == VALUE_LIST && !e->as.list.items && value_len(e) == 0,
       "value_new_list_of(0): an empty list");
}

/* value_map_pairs_of: each key's pair as value_map_pair() finds it, NULL for a key the map
 * does not have (a prefix of one, one longer), the first of a key given twice, nothing in
 * what is not a map. */
static void
test_map_pairs_of(void)
{
    value *m = value_new_map(A, SRC_NONE);
    static char names[40][8];
    for (size_t i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "key%zu", i);
        value_map_set(m, names[i], num((double)i), A);
    }
    const value_key keys[] = {VALUE_KEY("key3"), VALUE_KEY("key39"), VALUE_KEY("key"),
                              VALUE_KEY("key390"), VALUE_KEY("key0")};
    const value_pair *found[5];
    value_map_pairs_of(m, keys, 5, found);
    OK(found[0] == value_map_pair(m, "key3") && found[1] == value_map_pair(m, "key39") &&
           found[4] == value_map_pair(m, "key0") && found[0] && found[1] && found[4],
       "value_map_pairs_of: the pairs value_map_pair() finds");
    OK(!found[2] && !found[3], "value_map_pairs_of: a prefix of a key, a longer key: none");
    value *twice = value_new_map(A, SRC_NONE); /* filled in directly, as front.c may */
    twice->as.map.pairs = arena_alloc(A, 2 * sizeof(value_pair));
    twice->as.map.cap = 2;
    twice->as.map.pairs[twice->as.map.len++] = value_pair_make("a", 1, num(1), SRC_NONE);
    twice->as.map.pairs[twice->as.map.len++] = value_pair_make("a", 1, num(2), SRC_NONE);
    const value_key a_key[] = {VALUE_KEY("a")};
    value_map_pairs_of(twice, a_key, 1, found);
    OK(found[0] == &twice->as.map.pairs[0], "value_map_pairs_of: a key given twice: its first");
    found[0] = &twice->as.map.pairs[1];
    value_map_pairs_of(num(3), a_key, 1, found);
    OK(!found[0], "value_map_pairs_of: not a map: nothing");
}

int
main(void)
{
    A = arena_new();
    test_constructors();
    test_lists();
    test_maps();
    test_map_copy();
    test_map_add();
    test_map_pairs_of();
    test_list_of();
    test_access();
    test_truthy();
    test_compare();
    test_compare_nan();
    test_equal();
    test_numbers();
    test_text();
    test_json();
    test_date_parse();
    test_date_parse_dangling_colon();
    test_date_epoch();
    test_days_between();
    test_date_format();
    arena_free(A);
    return harness_done();
}
