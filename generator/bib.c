/* SPDX-License-Identifier: MIT
 * bib.c - the bibliography model: entries by key, the file dispatch, and what the
 * readers share (types, languages, TeX text to UTF-8). Main thread, before shortcodes. */
#include "bib.h"

#include "text.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

struct bib {
    bib_entry *entries;
    size_t n, cap;
    /* the entries by key: open addressing over slots[0..n_slots) (a power of two), each
     * an entry index + 1 or 0; in the arena, like everything of a bib, so a bib needs no
     * freeing */
    size_t *slots, n_slots;
    arena *a;
};

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t *
slot_of(const bib *b, const char *key)
{
    size_t mask = b->n_slots - 1;
    for (size_t i = text_hash(key) & mask;; i = (i + 1) & mask)
        if (!b->slots[i] || strcmp(b->entries[b->slots[i] - 1].key, key) == 0)
            return &b->slots[i];
}

/* Room for one more key: the slots at most half full. */
static void
grow_slots(bib *b)
{
    if (2 * (b->n + 1) <= b->n_slots)
        return;
    b->n_slots = b->n_slots ? 2 * b->n_slots : 64;
    b->slots = arena_zalloc(b->a, b->n_slots * sizeof(size_t));
    for (size_t i = 0; i < b->n; i++)
        *slot_of(b, b->entries[i].key) = i + 1;
}

bib *
bib_new(arena *a)
{
    bib *b = arena_zalloc(a, sizeof *b);
    b->a = a;
    return b;
}

void
bib_add(bib *b, const bib_entry *e, diag *d)
{
    grow_slots(b);
    size_t *slot = slot_of(b, e->key);
    if (*slot) {
        size_t id = diag_report(d, DIAG_WARNING, e->at,
                                "duplicate bibliography key '%s' (this entry is ignored)", e->key);
        diag_note(d, id, b->entries[*slot - 1].at, "the entry used is here");
        return;
    }
    b->entries = arena_grow(b->a, b->entries, b->n, &b->cap, sizeof(bib_entry), 16);
    b->entries[b->n++] = *e;
    *slot = b->n;
}

const bib_entry *
bib_find(const bib *b, const char *key)
{
    if (!b->n_slots)
        return NULL;
    size_t i = *slot_of(b, key);
    return i ? &b->entries[i - 1] : NULL;
}

size_t
bib_count(const bib *b)
{
    return b->n;
}

const bib_entry *
bib_entry_at(const bib *b, size_t i)
{
    return i < b->n ? &b->entries[i] : NULL;
}

void
bib_list_keys(buf *out, const bib *b, size_t max)
{
    for (size_t i = 0; i < b->n && i < max; i++)
        buf_printf(out, "%s%s", i ? ", " : "", b->entries[i].key);
    if (b->n > max)
        buf_puts(out, ", ...");
}

/* {====================================================================
 * types and languages
 * ===================================================================== */

typedef struct type_name {
    const char *name;
    bib_type type;
} type_name;

static const type_name bibtex_types[] = {
    {"article", BIB_ARTICLE},
    {"book", BIB_BOOK},
    {"booklet", BIB_BOOK},
    {"mvbook", BIB_BOOK},
    {"inbook", BIB_CHAPTER},
    {"incollection", BIB_CHAPTER},
    {"inproceedings", BIB_PAPER},
    {"conference", BIB_PAPER},
    {"proceedings", BIB_PROCEEDINGS},
    {"phdthesis", BIB_THESIS},
    {"mastersthesis", BIB_THESIS},
    {"thesis", BIB_THESIS},
    {"techreport", BIB_REPORT},
    {"report", BIB_REPORT},
    {"standard", BIB_STANDARD},
    {"patent", BIB_PATENT},
    {"online", BIB_WEBPAGE},
    {"www", BIB_WEBPAGE},
    {"electronic", BIB_WEBPAGE},
    {"webpage", BIB_WEBPAGE},
    {"newspaper", BIB_NEWSPAPER},
};

static const type_name csl_types[] = {
    {"article-journal", BIB_ARTICLE},
    {"article", BIB_ARTICLE},
    {"review", BIB_ARTICLE},
    {"book", BIB_BOOK},
    {"chapter", BIB_CHAPTER},
    {"paper-conference", BIB_PAPER},
    {"thesis", BIB_THESIS},
    {"report", BIB_REPORT},
    {"standard", BIB_STANDARD},
    {"patent", BIB_PATENT},
    {"webpage", BIB_WEBPAGE},
    {"post-weblog", BIB_WEBPAGE},
    {"post", BIB_WEBPAGE},
    {"article-newspaper", BIB_NEWSPAPER},
    {"article-magazine", BIB_ARTICLE},
};

bib_type
bib_type_of(const char *name, const char *entrysubtype, bool csl)
{
    const type_name *t = csl ? csl_types : bibtex_types;
    size_t n =
        csl ? sizeof csl_types / sizeof csl_types[0] : sizeof bibtex_types / sizeof bibtex_types[0];
    for (size_t i = 0; name && i < n; i++)
        if (strcasecmp(name, t[i].name) == 0) {
            bool news = entrysubtype && strcasecmp(entrysubtype, "newspaper") == 0;
            return t[i].type == BIB_ARTICLE && news ? BIB_NEWSPAPER : t[i].type;
        }
    return BIB_OTHER;
}

bool
bib_has_cjk(const char *s)
{
    for (size_t i = 0, len = s ? strlen(s) : 0; i < len;) {
        unsigned cp;
        i += text_decode(s + i, len - i, &cp);
        if (text_is_cjk(cp))
            return true;
    }
    return false;
}

bool
bib_language_is_zh(const char *lang)
{
    if (!lang)
        return false;
    if (strncasecmp(lang, "zh", 2) == 0 && (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
        return true;
    return strcasecmp(lang, "chinese") == 0 || strcmp(lang, "中文") == 0 ||
           strcmp(lang, "汉语") == 0;
}

/* }==================================================================== */

/* {====================================================================
 * TeX text to UTF-8
 * ===================================================================== */

/* Letters with an accent: the accent command's character, then pairs of a base letter
 * and its precomposed form. A pair not listed gets the combining mark instead. */
typedef struct accent {
    char cmd;
    const char *combining; /* U+03xx, after the letter */
    const char *pairs;     /* "aä eë ..." */
} accent;

static const accent accents[] = {
    {'"', "\xcc\x88", "aä eë iï oö uü yÿ AÄ EË IÏ OÖ UÜ YŸ"},
    {'\'', "\xcc\x81", "aá eé ií oó uú yý cć nń sś zź AÁ EÉ IÍ OÓ UÚ YÝ CĆ NŃ SŚ ZŹ"},
    {'`', "\xcc\x80", "aà eè iì oò uù AÀ EÈ IÌ OÒ UÙ"},
    {'^', "\xcc\x82", "aâ eê iî oô uû AÂ EÊ IÎ OÔ UÛ"},
    {'~', "\xcc\x83", "aã nñ oõ AÃ NÑ OÕ"},
    {'c', "\xcc\xa7", "cç sş CÇ SŞ"},
    {'v', "\xcc\x8c", "cč eě nň rř sš zž CČ EĚ NŇ RŘ SŠ ZŽ"},
    {'=', "\xcc\x84", "aā eē iī oō uū AĀ EĒ IĪ OŌ UŪ"},
    {'u', "\xcc\x86", "aă gğ AĂ GĞ"},
    {'H', "\xcc\x8b", "oő uű OŐ UŰ"},
    {'r', "\xcc\x8a", "aå uů AÅ UŮ"},
    {'.', "\xcc\x87", "zż Zż"},
    {'k', "\xcc\xa8", "aą eę AĄ EĘ"},
};

/* Commands that stand for a letter or a sign. */
static const char *const symbols[][2] = {
    {"ss", "ß"},
    {"o", "ø"},
    {"O", "Ø"},
    {"ae", "æ"},
    {"AE", "Æ"},
    {"aa", "å"},
    {"AA", "Å"},
    {"l", "ł"},
    {"L", "Ł"},
    {"oe", "œ"},
    {"OE", "Œ"},
    {"i", "ı"},
    {"j", "ȷ"},
    {"S", "§"},
    {"P", "¶"},
    {"copyright", "©"},
    {"dag", "†"},
    {"ldots", "…"},
    {"dots", "…"},
    {"textendash", "–"},
    {"textemdash", "—"},
    {"textregistered", "®"},
    {"texttrademark", "™"},
    {"textasciitilde", "~"},
    {"textbackslash", "\\"},
};

/* The accented form of the letter at s (a letter, or \i) into out; false when s holds
 * no letter. */
static bool
put_accented(buf *out, const accent *ac, const char *s)
{
    bool dotless = s[0] == '\\' && (s[1] == 'i' || s[1] == 'j');
    char letter = dotless ? s[1] : s[0];
    if (!((letter >= 'a' && letter <= 'z') || (letter >= 'A' && letter <= 'Z')))
        return false;
    for (const char *p = ac->pairs; *p; p += strcspn(p, " "), p += *p == ' ') {
        if (*p == letter) {
            buf_append(out, p + 1, strcspn(p + 1, " "));
            return true;
        }
    }
    buf_putc(out, letter);
    buf_puts(out, ac->combining);
    return true;
}

/* A control word at s (after the backslash): its length in letters. */
static size_t
word_len(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
        n++;
    return n;
}

/* One command at s (s[0] is the backslash) into out; returns the bytes read. */
static size_t
put_command(buf *out, const char *s)
{
    char c = s[1];
    if (c && strchr("&%$#_{}", c)) {
        buf_putc(out, c);
        return 2;
    }
    if (c == '\\' || c == ' ') {
        buf_putc(out, ' ');
        return 2;
    }
    size_t w = word_len(s + 1);
    bool letter_cmd = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    for (size_t i = 0; i < sizeof accents / sizeof accents[0]; i++) {
        if (accents[i].cmd != c || (letter_cmd && w != 1))
            continue;
        const char *p = s + 2; /* \"{u}, \" u, \c{c}, \'\i */
        while (*p == ' ' || *p == '{')
            p++;
        if (put_accented(out, &accents[i], p)) {
            p += *p == '\\' ? 2 : 1;
            while (*p == '}')
                p++;
            return (size_t)(p - s);
        }
    }
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (w == strlen(symbols[i][0]) && strncmp(s + 1, symbols[i][0], w) == 0) {
            buf_puts(out, symbols[i][1]);
            size_t n = 1 + w;
            if (s[n] == '{' && s[n + 1] == '}')
                n += 2; /* \ss{} */
            else if (s[n] == ' ')
                n++;
            return n;
        }
    /* a font or other command (\emph, \textit, \url): its argument stays, as text */
    size_t n = 1 + (w ? w : 1);
    while (s[n] == ' ')
        n++;
    return n;
}

const char *
bib_detex(const char *s, arena *a)
{
    if (!s)
        return NULL;
    buf out = BUF_INIT;
    for (const char *p = s; *p;) {
        if (*p == '\\') {
            p += put_command(&out, p);
        } else if (*p == '{' || *p == '}') {
            p++;
        } else if (*p == '~') {
            buf_puts(&out, "\xc2\xa0"); /* TeX's tie: a no-break space */
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            bool em = p[2] == '-';
            buf_puts(&out, em ? "—" : "–");
            p += em ? 3 : 2;
        } else if (*p == '\n' || *p == '\t') {
            buf_putc(&out, ' ');
            p++;
        } else {
            buf_putc(&out, *p++);
        }
    }
    /* collapse runs of spaces (the braces and commands removed leave some) */
    buf clean = BUF_INIT;
    for (size_t i = 0; i < out.len; i++)
        if (out.ptr[i] != ' ' || (clean.len && clean.ptr[clean.len - 1] != ' '))
            buf_putc(&clean, out.ptr[i]);
    while (clean.len && clean.ptr[clean.len - 1] == ' ')
        clean.len--;
    const char *r = arena_strndup(a, clean.ptr, clean.len);
    buf_free(&out);
    buf_free(&clean);
    return r;
}

/* }==================================================================== */
