/* SPDX-License-Identifier: MIT
 * test_serial.c - values as bytes and back (serial.h): the same tree with the same
 * positions; any cut or damaged copy is refused or read as some value, never a crash
 * (run under ASan by make test). */
#include "harness.h"

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
