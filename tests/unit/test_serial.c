/* SPDX-License-Identifier: MIT
 * test_serial.c - values as bytes and back (serial.h): the same tree with the same
 * positions; any cut or damaged copy is refused or read as some value, never a crash
 * (run under ASan by make test). */
#include "harness.h"

#include "deps.h"
#include "front.h"
#include "serial.h"

static const char YAML[] = "title: \"Vein finder\"\n"
                           "weight: 1.10\n"
                           "octal: 0755\n"
                           "draft: false\n"
                           "none: ~\n"
                           "date: 2023-04-20T08:30:00+08:00\n"
                           "day: 2023-04-20\n"
                           "tags: [a, b, [c, {d: e}]]\n"
                           "empty: {}\n"
                           "nested: {x: {y: {z: [1, 2.5, -3]}}}\n"
                           "text: \"line\\nnul\\0byte\"\n";

static bool
same_positions(const value *a, const value *b)
{
    if (!a || !b)
        return a == b;
    if (a->pos.line != b->pos.line || a->pos.col != b->pos.col ||
        strcmp(a->pos.file ? a->pos.file : "", b->pos.file ? b->pos.file : "") != 0)
        return false;
    if (a->type == VALUE_NUMBER && strcmp(a->as.number_text ? a->as.number_text : "",
                                          b->as.number_text ? b->as.number_text : ""))
        return false;
    if (a->type == VALUE_LIST)
        for (size_t i = 0; i < a->as.list.len; i++)
            if (!same_positions(a->as.list.items[i], b->as.list.items[i]))
                return false;
    if (a->type == VALUE_MAP)
        for (size_t i = 0; i < a->as.map.len; i++)
            if (a->as.map.pairs[i].key_pos.line != b->as.map.pairs[i].key_pos.line ||
                !same_positions(a->as.map.pairs[i].val, b->as.map.pairs[i].val))
                return false;
    return true;
}

static bool
same_pos(src_pos a, src_pos b)
{
    return a.line == b.line && a.col == b.col &&
           strcmp(a.file ? a.file : "", b.file ? b.file : "") == 0;
}

/* Whether the items at r (serial_get_item(), serial_get_key()) are v's, one by one: type,
 * flag, position, scalar (a number's text as written too), count, and a map's keys with
 * their positions. */
static bool
items_are(serial_reader *r, const value *v, arena *a)
{
    serial_item it;
    if (!serial_get_item(r, &it, a) || it.type != v->type || it.invalid != v->invalid ||
        !same_pos(it.pos, v->pos))
        return false;
    switch (v->type) {
    case VALUE_NULL:
        return true;
    case VALUE_BOOL:
        return it.boolean == v->as.boolean;
    case VALUE_NUMBER:
        return it.number == v->as.number &&
               strcmp(it.text ? it.text : "", v->as.number_text ? v->as.number_text : "") == 0;
    case VALUE_STRING:
        return it.len == v->as.str.len && memcmp(it.text, v->as.str.ptr, it.len) == 0;
    case VALUE_DATE: {
        const value_date *x = &it.date, *y = &v->as.date; /* field by field: no padding */
        return x->year == y->year && x->month == y->month && x->day == y->day &&
               x->hour == y->hour && x->minute == y->minute && x->second == y->second &&
               x->offset_min == y->offset_min && x->has_time == y->has_time &&
               x->has_offset == y->has_offset;
    }
    case VALUE_LIST:
        if (it.count != v->as.list.len)
            return false;
        for (size_t i = 0; i < it.count; i++)
            if (!items_are(r, v->as.list.items[i], a))
                return false;
        return true;
    case VALUE_MAP:
        if (it.count != v->as.map.len)
            return false;
        for (size_t i = 0; i < it.count; i++) {
            const value_pair *pr = &v->as.map.pairs[i];
            size_t len;
            src_pos at;
            const char *key = serial_get_key(r, &len, &at, a);
            if (!key || len != pr->key_len || memcmp(key, pr->key, len) != 0 ||
                !same_pos(at, pr->key_pos) || !items_are(r, pr->val, a))
                return false;
        }
        return true;
    }
    return false;
}

int
main(void)
{
    arena *a = arena_new();
    diag *d = diag_new();
    value *v = front_parse_yaml(YAML, sizeof YAML - 1, "content/x.md", 2, true, NULL, a, d);
    OK(v != NULL, "parse");
    buf b = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&b);
    serial_put_value(&w, v);
    serial_put_value(&w, NULL);
    serial_put_str(&w, "tail");
    serial_put_u64(&w, 0x0123456789abcdefULL);

    serial_reader r = SERIAL_READER(b.ptr, b.len);
    value *back = serial_get_value(&r, a);
    OK(r.ok && back && value_equal(v, back), "the same value back");
    OK(same_positions(v, back), "the same positions and number texts");
    buf t1 = BUF_INIT, t2 = BUF_INIT;
    value_to_text(&t1, value_map_get(v, "weight"));
    value_to_text(&t2, value_map_get(back, "weight"));
    STR_EQ(t2.ptr, t1.ptr, "a number prints as written");
    OK(serial_get_value(&r, a) == NULL && r.ok, "a NULL value back");
    const char *s = serial_get_str(&r, a);
    STR_EQ(s, "tail", "a string back");
    OK(serial_get_u64(&r) == 0x0123456789abcdefULL && r.ok && r.p == r.end, "a u64 back");

    /* a borrowing reader: the same value, its strings in the bytes read, not copies */
    serial_reader br = SERIAL_READER_BORROWING(b.ptr, b.len);
    value *borrowed = serial_get_value(&br, a);
    const value *title = value_map_get(borrowed, "title");
    OK(br.ok && borrowed && value_equal(v, borrowed), "the same value back, borrowing");
    OK(title && title->type == VALUE_STRING && title->as.str.ptr > b.ptr &&
           title->as.str.ptr < b.ptr + b.len && title->as.str.ptr[title->as.str.len] == '\0',
       "a borrowed string points into the bytes, NUL-terminated");
    serial_get_value(&br, a);
    const char *tail = serial_get_str(&br, a);
    OK(tail && tail > b.ptr && tail < b.ptr + b.len && strcmp(tail, "tail") == 0,
       "a borrowed str too");
    /* a text whose NUL is missing is refused (a reader could run past it) */
    buf nonul = BUF_INIT;
    serial_writer nw = SERIAL_WRITER(&nonul);
    serial_put_text(&nw, "abc", 3);
    nonul.ptr[nonul.len - 1] = 'x';
    size_t tlen;
    serial_reader nr = SERIAL_READER_BORROWING(nonul.ptr, nonul.len);
    OK(!serial_get_text(&nr, &tlen, a) && !nr.ok && tlen == 0, "a text without its NUL is refused");
    buf_free(&nonul);

    /* read item by item (serial_get_item(), serial_get_key()): the value written, each
     * item with its position; serial_skip_value() reads exactly the bytes
     * serial_get_value() reads, and refuses what it refuses */
    {
        serial_reader ir = SERIAL_READER_BORROWING(b.ptr, b.len);
        OK(items_are(&ir, v, a) && ir.ok,
           "item by item: the value written, positions and number texts");
        serial_reader sr = SERIAL_READER_BORROWING(b.ptr, b.len);
        OK(serial_skip_value(&sr, a) && sr.p == ir.p, "skipped: the bytes a value takes");
        serial_reader nr2 = SERIAL_READER_BORROWING(sr.p, (size_t)(b.ptr + b.len - (char *)sr.p));
        OK(!serial_skip_value(&nr2, a) && !nr2.ok, "a NULL is not a value to skip");
        size_t agree = 0, tried = 0;
        for (size_t n = 0; n + 8 + 7 + 1 < b.len; n++) {
            serial_reader c1 = SERIAL_READER_BORROWING(b.ptr, n), c2 = c1;
            bool got = serial_get_value(&c1, a) != NULL, skipped = serial_skip_value(&c2, a);
            agree += got == skipped && c1.ok == c2.ok && c1.p == c2.p;
            tried++;
        }
        INT_EQ(agree, tried, "a cut value: skipped as it is read, at every length");
        char *dmg = malloc(b.len);
        agree = tried = 0;
        for (size_t i = 0; i < b.len; i++) {
            memcpy(dmg, b.ptr, b.len);
            dmg[i] ^= 0x11;
            serial_reader c1 = SERIAL_READER_BORROWING(dmg, b.len), c2 = c1;
            bool got = serial_get_value(&c1, a) != NULL, skipped = serial_skip_value(&c2, a);
            agree += got == skipped && c1.ok == c2.ok && (!c1.ok || c1.p == c2.p);
            tried++;
        }
        free(dmg);
        INT_EQ(agree, tried, "a damaged value: skipped as it is read or refused alike");
    }

    /* every cut copy fails cleanly */
    size_t refused = 0;
    size_t alone = b.len - 8 - 7 - 1; /* the value alone: not the u64, "tail" (tag, length,
                                       * 4 bytes, NUL) nor the NULL */
    for (size_t n = 0; n < alone; n++) {
        serial_reader c = SERIAL_READER(b.ptr, n);
        value *x = serial_get_value(&c, a);
        refused += !c.ok && !x;
    }
    INT_EQ(refused, alone, "a cut value is refused at every length");
    /* flipped bytes: refused, or read as some value; never a crash (ASan) */
    char *copy = malloc(b.len);
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, b.ptr, b.len);
            copy[i] ^= (char)(1 << bit);
            serial_reader c = SERIAL_READER(copy, b.len);
            value *x = serial_get_value(&c, a);
            OK(c.ok == (x != NULL) || (c.ok && !x), "a damaged copy is either read or refused");
        }
    }
    free(copy);
    /* a long text comes back with its deep hash (a restored chart is not hashed again);
     * a short one, and a hash on anything else or of 0, are not how texts are written */
    {
        char text[300];
        memset(text, 'x', sizeof text - 1);
        text[sizeof text - 1] = '\0';
        value *lst = value_new_list(a, SRC_NONE);
        value_list_push(lst, value_new_cstr(a, text, SRC_NONE), a);
        value_list_push(lst, value_new_cstr(a, "short", SRC_NONE), a);
        buf hb = BUF_INIT;
        serial_writer hw = SERIAL_WRITER(&hb);
        serial_put_value(&hw, lst);
        serial_reader hr = SERIAL_READER_BORROWING(hb.ptr, hb.len);
        value *hv = serial_get_value(&hr, a);
        OK(hr.ok && hv && value_equal(lst, hv), "texts with hashes: the same value back");
        const value *lng = hv ? hv->as.list.items[0] : NULL,
                    *shrt = hv ? hv->as.list.items[1] : NULL;
        OK(lng && lng->as.str.hash == value_string_hash(text, sizeof text - 1),
           "a long text comes back with its deep hash");
        OK(shrt && shrt->as.str.hash == 0, "a short text without one");
        OK(deps_hash(lng, DEPS_DEEP, NULL) == value_string_hash(text, sizeof text - 1),
           "the deep hash of a restored text is its bytes'");
        buf lb = BUF_INIT; /* the long text alone: tag first, its hash last */
        serial_writer lw = SERIAL_WRITER(&lb);
        serial_put_value(&lw, lst->as.list.items[0]);
        OK((unsigned char)lb.ptr[0] == (VALUE_STRING | 64), "the long text is tagged hashed");
        memset(lb.ptr + lb.len - 8, 0, 8);
        serial_reader zr = SERIAL_READER(lb.ptr, lb.len);
        OK(serial_get_value(&zr, a) == NULL && !zr.ok, "a text with the hash 0 is refused");
        buf_free(&lb);
        buf sb = BUF_INIT;
        serial_writer sw = SERIAL_WRITER(&sb);
        serial_put_value(&sw, value_new_cstr(a, "short", SRC_NONE));
        sb.ptr[0] |= 64; /* a short text claiming a hash */
        serial_put_u64(&sw, 1);
        serial_reader sr = SERIAL_READER(sb.ptr, sb.len);
        OK(serial_get_value(&sr, a) == NULL && !sr.ok, "a short text with a hash is refused");
        buf nb = BUF_INIT;
        serial_writer nw2 = SERIAL_WRITER(&nb);
        serial_put_value(&nw2, value_new_number(a, 1, SRC_NONE));
        nb.ptr[0] |= 64; /* a number claiming a hash */
        serial_reader nr2 = SERIAL_READER(nb.ptr, nb.len);
        OK(serial_get_value(&nr2, a) == NULL && !nr2.ok, "a hash on a number is refused");
        buf_free(&hb);
        buf_free(&sb);
        buf_free(&nb);
    }
    /* nesting past the limit is refused, not a stack overflow */
    buf deep = BUF_INIT;
    for (int i = 0; i < 100000; i++) {
        buf_putc(&deep, VALUE_LIST);
        buf_putc(&deep, 0); /* no file */
        buf_putc(&deep, 0);
        buf_putc(&deep, 0);
        buf_putc(&deep, 1); /* one item */
    }
    serial_reader c = SERIAL_READER(deep.ptr, deep.len);
    OK(serial_get_value(&c, a) == NULL && !c.ok, "deep nesting is refused");
    buf_free(&deep);
    buf_free(&t1);
    buf_free(&t2);
    buf_free(&b);
    diag_free(d);
    arena_free(a);
    return harness_done();
}
