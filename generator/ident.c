/* SPDX-License-Identifier: MIT
 * ident.c - typed identifiers: Chinese patent application numbers (check digit verified) and
 * CN/WO/US/EP publication numbers, NMPA registration certificates and record filings,
 * ChiCTR and ClinicalTrials.gov registrations. Used by the schema checks (page pass, worker
 * threads), the template filters and the plugin API: pure functions, no globals. */
#include "ident.h"

#include "text.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longer input is refused before it is looked at: the longest valid form is
 * "ChiCTR-PNRC-12345678" or a record filing of 6 CJK characters and 10 digits. */
enum { MAX_INPUT = 96 };

/* {====================================================================
 * the compact form: surrounding spaces trimmed, inner spaces and commas dropped, full-width
 * ASCII (Ｃ Ｎ １ ２ ．) made ASCII, ASCII letters upper case; CJK kept as it is
 * ===================================================================== */

typedef struct compact {
    char s[MAX_INPUT * 3 + 1];
    size_t len;
} compact;

static bool
is_space_at(const unsigned char *p, size_t n, size_t *skip)
{
    if (n >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r')) {
        *skip = 1;
        return true;
    }
    if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 ideographic */
        *skip = 3;
        return true;
    }
    if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0) { /* U+00A0 no-break space */
        *skip = 2;
        return true;
    }
    return false;
}

/* The length of the white space that ends s[0..len), or 0. */
static size_t
space_before(const unsigned char *p, size_t len)
{
    if (len >= 1 &&
        (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r'))
        return 1;
    if (len >= 2 && p[len - 2] == 0xC2 && p[len - 1] == 0xA0)
        return 2;
    if (len >= 3 && p[len - 3] == 0xE3 && p[len - 2] == 0x80 && p[len - 1] == 0x80)
        return 3;
    return 0;
}

/* Fills *c from s[0..len); false with *why set when the text cannot be an identifier. */
static bool
make_compact(compact *c, const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    c->len = 0;
    if (!text_utf8_valid(s, len)) {
        *why = "not valid UTF-8 text";
        return false;
    }
    size_t lead, n_end;
    while (len && is_space_at(p, len, &lead)) { /* surrounding white space, any amount */
        p += lead;
        s += lead;
        len -= lead;
    }
    while ((n_end = space_before(p, len)) != 0)
        len -= n_end;
    if (len > MAX_INPUT * 3) {
        *why = "too long for an identifier";
        return false;
    }
    for (size_t i = 0; i < len;) {
        size_t skip = 1;
        if (p[i] == ',' || is_space_at(p + i, len - i, &skip)) {
            i += skip;
            continue;
        }
        size_t n = text_utf8_seq(s + i, len - i);
        if (n == 0)
            n = 1;
        /* U+FF01..U+FF5E full-width ASCII: EF BC 81..EF BC BF, EF BD 80..EF BD 9E */
        if (n == 3 && p[i] == 0xEF && (p[i + 1] == 0xBC || p[i + 1] == 0xBD)) {
            unsigned cp = ((p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu)) + 0xF000u;
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                char a = (char)(cp - 0xFF01 + 0x21);
                c->s[c->len++] = (a >= 'a' && a <= 'z') ? (char)(a - 'a' + 'A') : a;
                i += 3;
                continue;
            }
        }
        if (c->len + n >= sizeof c->s) {
            *why = "too long for an identifier";
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            char ch = s[i + k];
            c->s[c->len++] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
        }
        i += n;
    }
    c->s[c->len] = '\0';
    if (c->len == 0) {
        *why = "empty";
        return false;
    }
    if (c->len > MAX_INPUT) {
        *why = "too long for an identifier";
        return false;
    }
    return true;
}

/* {====================================================================
 * small scanners over the compact form
 * ===================================================================== */

static size_t
count_digits(const char *s)
{
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

static int
digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool
starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Writes the formatted text into a fixed field. The parsers bound every part they print,
 * so the fields hold every form: truncation is a programmer error. */
static void setf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
setf(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < cap);
    (void)n;
}

#define SET(field, ...) setf((field), sizeof(field), __VA_ARGS__)

static void
clear(ident *out, ident_kind kind)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
}

/* {====================================================================
 * patents
 * ===================================================================== */

static const char PATENT_FORMS[] =
    "a Chinese application number such as CN202320158462.0 (the year, the "
    "type digit, 7 digits, a dot and the check digit) or a publication number such as "
    "CN116123456A, WO2023123456A1, US11234567B2 or EP1234567A1";

/* The CNIPA check digit: the digits times 2,3,4,5,6,7,8,9,2,3,4,5 (8-digit numbers: 2..9),
 * summed, modulo 11; 10 is written X. */
static char
cn_check_digit(const char *d, size_t n)
{
    static const int weight[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (d[i] - '0') * weight[i];
    int r = sum % 11;
    return r == 10 ? 'X' : (char)('0' + r);
}

static char
cn_type_from_digit(char t)
{
    switch (t) {
    case '1':
    case '8':
        return 'I';
    case '2':
    case '9':
        return 'U';
    case '3':
        return 'D';
    default:
        return 0;
    }
}

/* d: 12 (since October 2003) or 8 digits, then an optional '.', then the check digit. */
static bool
cn_application(ident *out, const char *d, size_t n, const char **why)
{
    const char *rest = d + n;
    if (*rest == '.')
        rest++;
    if (!((rest[0] >= '0' && rest[0] <= '9') || rest[0] == 'X') || rest[1] != '\0') {
        *why = "a Chinese patent application number such as CN202320158462.0 (the year, the "
               "type digit, 7 digits, a dot and the check digit 0-9 or X)";
        return false;
    }
    char type = n == 12 ? d[4] : d[2];
    int year = n == 12 ? digits_value(d, 4) : digits_value(d, 2);
    bool year_ok = n == 12 ? (year >= 2003 && year <= 2099) : (year >= 85 || year <= 3);
    if (!year_ok) {
        *why = n == 12 ? "a Chinese patent application number starts with its year (2003 or "
                         "later), as CN202320158462.0"
                       : "an 8-digit Chinese patent application number starts with a year "
                         "from 85 to 03, as CN95115608.X";
        return false;
    }
    out->patent_type = cn_type_from_digit(type);
    if (!out->patent_type) {
        *why = "the digit after the year of a Chinese patent application number is its type: "
               "1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model";
        return false;
    }
    char want = cn_check_digit(d, n);
    if (rest[0] != want) {
        SET(out->why_buf, "the check digit of CN%.*s is %c, not %c", (int)n, d, want, rest[0]);
        *why = out->why_buf;
        return false;
    }
    SET(out->normal, "CN%.*s.%c", (int)n, d, want);
    SET(out->form, "CN application");
    return true; /* no public page per application number: url stays "" */
}

/* CN publication kind codes and the patent type each says. */
static char
cn_kind_type(char k)
{
    switch (k) {
    case 'A':
    case 'B':
    case 'C':
        return 'I';
    case 'U':
    case 'Y':
        return 'U';
    case 'S':
    case 'D':
        return 'D';
    default:
        return 0;
    }
}

static void
google_url(ident *out)
{
    SET(out->url, "https://patents.google.com/patent/%s/en", out->normal);
}

static bool
cn_publication(ident *out, const char *d, size_t n, const char **why)
{
    char kind = d[n];
    char type = cn_kind_type(kind);
    if (!type || (d[n + 1] != '\0' && !(d[n + 1] >= '1' && d[n + 1] <= '9' && !d[n + 2]))) {
        *why = "a Chinese publication number such as CN116123456A (CN, 9 digits and the kind "
               "code A, B, C, U, Y or S)";
        return false;
    }
    SET(out->normal, "CN%.*s%c", (int)n, d, kind);
    SET(out->form, "CN publication");
    out->patent_type = type;
    google_url(out);
    return true;
}

static bool
patent_cn(ident *out, const char *d, const char **why)
{
    size_t n = count_digits(d);
    char after = d[n];
    if ((n == 12 || n == 8) && (after == '.' || after == 'X' || after == '\0'))
        return after == '\0' ? (*why = "a Chinese patent application number ends with a dot "
                                       "and its check digit, as CN202320158462.0",
                                false)
                             : cn_application(out, d, n, why);
    if (n == 13 && after == '\0') /* the check digit without its dot: CN2023201584620 */
        return cn_application(out, d, 12, why);
    if (n == 9 && after == '\0' && !(d[0] == '0' || d[0] >= '8')) {
        *why = "a Chinese publication number ends with its kind code (A, B, C, U, Y or S), as "
               "CN116123456A";
        return false;
    }
    if (n == 9 && after == '\0') /* the 8-digit form without its dot: CN951156081 */
        return cn_application(out, d, 8, why);
    if ((n == 9 || n == 7) && after >= 'A' && after <= 'Z')
        return cn_publication(out, d, n, why);
    *why = PATENT_FORMS;
    return false;
}

/* An optional kind code after a publication number: a letter and an optional digit. */
static bool
kind_code(const char *s, const char *letters)
{
    if (s[0] == '\0')
        return true;
    if (!strchr(letters, s[0]))
        return false;
    return s[1] == '\0' || (s[1] >= '1' && s[1] <= '9' && s[2] == '\0');
}

/* WO and US numbers may write the year apart: 2023/123456. Returns the digits without the
 * slash, in out->why_buf (free until a message needs it). */
static const char *
without_year_slash(ident *out, const char *d)
{
    if (count_digits(d) == 4 && d[4] == '/')
        SET(out->why_buf, "%.4s%s", d, d + 5);
    else
        SET(out->why_buf, "%s", d);
    return out->why_buf;
}

static bool
patent_wo(ident *out, const char *d, const char **why)
{
    /* WO2023/123456, WO2023123456, WO2023123456A1 */
    const char *w = without_year_slash(out, d);
    if (count_digits(w) != 10 || !kind_code(w + 10, "A")) {
        *why = "a WO publication number such as WO2023/123456 or WO2023123456A1 (the year "
               "and 6 digits)";
        return false;
    }
    SET(out->normal, "WO%s", w);
    out->why_buf[0] = '\0';
    SET(out->form, "WO publication");
    google_url(out);
    return true;
}

static bool
patent_us(ident *out, const char *d, const char **why)
{
    /* US11234567B2, US 11,234,567 B2, US20230123456A1, US2023/0123456A1 */
    const char *w = without_year_slash(out, d);
    size_t n = count_digits(w);
    bool app = n == 11 && kind_code(w + n, "A");
    bool grant = (n == 7 || n == 8) && kind_code(w + n, "ABEPSH");
    if (!app && !grant) {
        *why = "a US publication number such as US11234567B2 (7 or 8 digits) or "
               "US20230123456A1 (the year and 7 digits)";
        return false;
    }
    SET(out->normal, "US%s", w);
    out->why_buf[0] = '\0';
    SET(out->form, app ? "US application publication" : "US patent");
    google_url(out);
    return true;
}

static bool
patent_ep(ident *out, const char *d, const char **why)
{
    if (count_digits(d) != 7 || !kind_code(d + 7, "AB")) {
        *why = "a European publication number such as EP1234567A1 (7 digits and the kind "
               "code)";
        return false;
    }
    SET(out->normal, "EP%s", d);
    SET(out->form, "EP publication");
    google_url(out);
    return true;
}

static bool
parse_patent(ident *out, const char *c, const char **why)
{
    if (starts(c, "CN"))
        return patent_cn(out, c + 2, why);
    if (starts(c, "ZL")) { /* a granted patent: ZL and its application number */
        if (!patent_cn(out, c + 2, why))
            return false;
        if (strcmp(out->form, "CN application") != 0) {
            *why = "ZL is followed by a Chinese application number, as ZL202320158462.0; a "
                   "publication number starts with CN";
            return false;
        }
        return true;
    }
    if (starts(c, "WO"))
        return patent_wo(out, c + 2, why);
    if (starts(c, "US"))
        return patent_us(out, c + 2, why);
    if (starts(c, "EP"))
        return patent_ep(out, c + 2, why);
    if (c[0] >= '0' && c[0] <= '9') /* 202320158462.0: an application number alone */
        return patent_cn(out, c, why);
    *why = PATENT_FORMS;
    return false;
}

/* {====================================================================
 * NMPA registration certificates and record filings (医疗器械注册与备案管理办法):
 *   registration  X械注Y YYYY C NN SSSS   X 国 (domestic class III, imported class II and
 *                 III) or a province (domestic class II); Y 准 domestic, 进 imported,
 *                 许 Hong Kong, Macao, Taiwan; C the class; NN the category; SSSS serial
 *   record filing X械备YYYYNNNN号          class I; X a province and a city, or 国 (imported)
 * ===================================================================== */

static const char NMPA_FORMS[] =
    "an NMPA device registration number such as 国械注准20233140123 or 沪械注准20232140123 "
    "(the year, the class, a 2-digit category and a 4-digit serial) or a record filing such "
    "as 沪械备20230012号";

/* The one-character abbreviations of China's provinces, regions and municipalities (with
 * the second names some use: 黔 滇 陇 秦), and 兵 for the Xinjiang Production and
 * Construction Corps. */
static const char *const PROVINCES[] = {
    "京", "津", "沪", "渝", "冀", "晋", "辽", "吉", "黑", "苏", "浙", "皖", "闽",
    "赣", "鲁", "豫", "鄂", "湘", "粤", "琼", "川", "贵", "黔", "云", "滇", "陕",
    "秦", "甘", "陇", "青", "蒙", "桂", "藏", "宁", "新", "港", "澳", "兵",
};

/* The length of the province abbreviation at s, 0 when there is none. */
static size_t
province_at(const char *s)
{
    for (size_t i = 0; i < sizeof PROVINCES / sizeof PROVINCES[0]; i++)
        if (starts(s, PROVINCES[i]))
            return strlen(PROVINCES[i]);
    return 0;
}

static void
nmpa_url(ident *out)
{
    /* NMPA publishes no page per certificate: its data search, where the number is looked
     * up under 医疗器械 (境内/进口, 注册 or 备案). */
    SET(out->url, "https://www.nmpa.gov.cn/datasearch/home-index.html");
}

/* After the 械注准/进/许 (c[0..head) the issuer and the form): 11 digits and an optional 号.
 * domestic: 准, not 进 or 许. */
static bool
nmpa_registration(ident *out, const char *c, size_t head, bool national, bool domestic,
                  const char **why)
{
    const char *d = c + head;
    size_t n = count_digits(d);
    if (n != 11 || !(d[n] == '\0' || strcmp(d + n, "号") == 0)) {
        *why = "an NMPA registration number has 11 digits after 械注准 (the year, the class, "
               "a 2-digit category and a 4-digit serial), as 国械注准20233140123";
        return false;
    }
    int year = digits_value(d, 4), cls = d[4] - '0';
    if (year < 2014 || year > 2099) {
        *why = "an NMPA registration number starts with the year of first registration (2014 "
               "or later), as 国械注准20233140123";
        return false;
    }
    if (national && domestic && cls != 3) {
        *why = "a 国械注准 number is a class III device: the digit after the year must be 3 "
               "(domestic class II devices are registered by the province, as 沪械注准…)";
        return false;
    }
    if (national && cls != 2 && cls != 3) {
        *why = "the digit after the year of an NMPA registration number is the class: 2 or 3";
        return false;
    }
    if (!national && cls != 2) {
        *why = "a province's 械注准 number is a class II device: the digit after the year "
               "must be 2 (class III devices are registered by NMPA, as 国械注准…)";
        return false;
    }
    if (d[5] == '0' && d[6] == '0') {
        *why = "the two digits after the class of an NMPA registration number are the "
               "category (01 to 22, or 40 for in-vitro diagnostics), not 00";
        return false;
    }
    SET(out->normal, "%.*s%.11s", (int)head, c, d);
    SET(out->form, "NMPA registration (class %s)", cls == 3 ? "III" : "II");
    out->device_class = cls;
    nmpa_url(out);
    return true;
}

static bool
nmpa_filing(ident *out, const char *c, size_t head, const char **why)
{
    const char *d = c + head;
    size_t n = count_digits(d);
    if (n < 8 || n > 10 || !(d[n] == '\0' || strcmp(d + n, "号") == 0)) {
        *why = "an NMPA record filing number has the year and a 4- to 6-digit serial after "
               "械备, then 号, as 沪械备20230012号";
        return false;
    }
    int year = digits_value(d, 4);
    if (year < 2014 || year > 2099) {
        *why = "an NMPA record filing number has the year of filing (2014 or later) after 械备, "
               "as 沪械备20230012号";
        return false;
    }
    SET(out->normal, "%.*s%.*s号", (int)head, c, (int)n, d);
    SET(out->form, "NMPA record filing (class I)");
    out->device_class = 1;
    nmpa_url(out);
    return true;
}

static bool
parse_nmpa(ident *out, const char *c, const char **why)
{
    static const char *const regs[] = {"械注准", "械注进", "械注许"};
    size_t p = starts(c, "国") ? strlen("国") : province_at(c);
    if (p == 0) {
        *why = NMPA_FORMS;
        return false;
    }
    bool national = starts(c, "国");
    for (size_t i = 0; i < 3; i++) {
        if (!starts(c + p, regs[i]))
            continue;
        if (!national && i != 0) {
            *why = "imported devices (械注进) and devices from Hong Kong, Macao and Taiwan "
                   "(械注许) are registered by NMPA: the number starts with 国";
            return false;
        }
        return nmpa_registration(out, c, p + strlen(regs[i]), national, i == 0, why);
    }
    if (starts(c + p, "械备"))
        return nmpa_filing(out, c, p + strlen("械备"), why);
    /* a city after the province: 苏苏械备…, 京朝械备…, 粤深械备… */
    size_t city = text_utf8_seq(c + p, strlen(c + p));
    if (!national && city == 3 && (unsigned char)c[p] >= 0xE4 && starts(c + p + city, "械备"))
        return nmpa_filing(out, c, p + city + strlen("械备"), why);
    *why = NMPA_FORMS;
    return false;
}

/* {====================================================================
 * clinical trial registrations
 * ===================================================================== */

static const char TRIAL_FORMS[] =
    "a clinical trial registration number such as ChiCTR2300071234 (ChiCTR and 10 digits), "
    "ChiCTR-TRC-12002345 or NCT01234567 (NCT and 8 digits)";

static bool
trial_chictr(ident *out, const char *d, const char **why)
{
    if (count_digits(d) == 10 && d[10] == '\0') {
        SET(out->normal, "ChiCTR%s", d);
    } else {
        /* before 2016: ChiCTR-TRC-12002345, ChiCTR-IOR-15006123, ChiCTR-PNRC-… */
        size_t letters = 0;
        if (d[0] == '-')
            while (d[1 + letters] >= 'A' && d[1 + letters] <= 'Z')
                letters++;
        const char *num = d + 1 + letters + 1;
        if (d[0] != '-' || letters < 2 || letters > 5 || num[-1] != '-' || count_digits(num) != 8 ||
            num[8] != '\0') {
            *why = "a ChiCTR registration number such as ChiCTR2300071234 (ChiCTR and 10 "
                   "digits) or ChiCTR-TRC-12002345";
            return false;
        }
        SET(out->normal, "ChiCTR%s", d);
    }
    SET(out->form, "ChiCTR");
    /* ChiCTR's own pages are addressed by an internal id; the WHO ICTRP, which imports every
     * ChiCTR record, has a page per registration number. */
    SET(out->url, "https://trialsearch.who.int/Trial2.aspx?TrialID=%s", out->normal);
    return true;
}

static bool
parse_trial(ident *out, const char *c, const char **why)
{
    if (starts(c, "CHICTR"))
        return trial_chictr(out, c + 6, why);
    if (starts(c, "NCT")) {
        if (count_digits(c + 3) != 8 || c[11] != '\0') {
            *why = "a ClinicalTrials.gov number such as NCT01234567 (NCT and 8 digits)";
            return false;
        }
        SET(out->normal, "NCT%s", c + 3);
        SET(out->form, "ClinicalTrials.gov");
        SET(out->url, "https://clinicaltrials.gov/study/%s", out->normal);
        return true;
    }
    *why = TRIAL_FORMS;
    return false;
}

/* {====================================================================
 * the API
 * ===================================================================== */

bool
ident_parse(ident *out, ident_kind kind, const char *s, size_t len, const char **why)
{
    compact c;
    const char *ignored;
    if (!why)
        why = &ignored;
    clear(out, kind);
    bool ok = make_compact(&c, s, len, why);
    if (ok) {
        switch (kind) {
        case IDENT_PATENT:
            ok = parse_patent(out, c.s, why);
            break;
        case IDENT_NMPA:
            ok = parse_nmpa(out, c.s, why);
            break;
        case IDENT_TRIAL:
            ok = parse_trial(out, c.s, why);
            break;
        }
    }
    if (!ok) {
        out->normal[0] = out->url[0] = out->form[0] = '\0';
        out->device_class = 0;
        out->patent_type = 0;
    }
    return ok;
}

bool
ident_kind_from_name(ident_kind *out, const char *name)
{
    static const struct {
        const char *name;
        ident_kind kind;
    } names[] = {{"patent", IDENT_PATENT}, {"nmpa", IDENT_NMPA}, {"trial", IDENT_TRIAL}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].kind;
            return true;
        }
    }
    return false;
}
