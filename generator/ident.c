/* PLACEHOLDER in branch i8-schema, to be DROPPED at merge: the real ident.c is written by the
 * identifiers engineer. SPDX-License-Identifier: MIT ident.c (placeholder) - lets the program link
 * before ident.c lands: accepts any non-empty text as an identifier of any kind and does not
 * validate it. */
#include "ident.h"

#include <stdio.h>
#include <string.h>

bool
ident_parse(ident *out, ident_kind kind, const char *s, size_t len, const char **why)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (len == 0 || len >= sizeof out->normal) {
        *why = "an identifier (placeholder check)";
        return false;
    }
    memcpy(out->normal, s, len);
    return true;
}

bool
ident_kind_from_name(ident_kind *out, const char *name)
{
    static const char *const names[] = {"patent", "nmpa", "trial"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (ident_kind)i;
            return true;
        }
    return false;
}
