/* SPDX-License-Identifier: MIT
 * fuzz_ident.c - libFuzzer target for ident_parse: any bytes, read as each kind of
 * identifier, must parse or be refused without a crash or sanitizer report, and: a refusal
 * has a message and leaves every field empty; an accepted identifier has a non-empty,
 * valid UTF-8 canonical form that parses again to itself (the canonical form is a fixed
 * point), a form name, a URL that is empty or https, an NMPA class of 1 to 3 for NMPA
 * numbers only, and a patent type only for patents. */
#include "ident.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_one(ident_kind kind, const char *s, size_t len)
{
    ident id;
    const char *why = NULL;
    if (!ident_parse(&id, kind, s, len, &why)) {
        if (!why || !*why || id.normal[0] || id.url[0] || id.form[0] || id.device_class ||
            id.patent_type)
            abort();
        return;
    }
    size_t n = strnlen(id.normal, sizeof id.normal);
    if (n == 0 || n == sizeof id.normal || !text_utf8_valid(id.normal, n) || !id.form[0])
        abort();
    if (id.url[0] && strncmp(id.url, "https://", 8) != 0)
        abort();
    if ((kind == IDENT_NMPA) != (id.device_class >= 1 && id.device_class <= 3))
        abort();
    if (kind != IDENT_PATENT && id.patent_type)
        abort();
    ident again;
    if (!ident_parse(&again, kind, id.normal, n, &why) || strcmp(again.normal, id.normal) != 0 ||
        strcmp(again.url, id.url) != 0 || again.device_class != id.device_class ||
        again.patent_type != id.patent_type)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_one(IDENT_PATENT, s, size);
    check_one(IDENT_NMPA, s, size);
    check_one(IDENT_TRIAL, s, size);
    return 0;
}
