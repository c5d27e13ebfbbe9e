/* SPDX-License-Identifier: MIT
 * ident.h - the identifiers a project page cites: patents (Chinese application and
 * publication numbers with their check digit, WO/US/EP publications), NMPA device
 * registration certificates and record filings, clinical trial registrations (ChiCTR,
 * ClinicalTrials.gov). Parsed, checked, put in canonical form and linked to their public
 * registry page. Pure functions: safe on every thread. */
#ifndef CLINFOLIO_IDENT_H
#define CLINFOLIO_IDENT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ident_kind { IDENT_PATENT, IDENT_NMPA, IDENT_TRIAL } ident_kind;

typedef struct ident {
    ident_kind kind;
    char normal[64];   /* canonical form: "CN202320158462.9", "CN116123456A",
                        * "国械注准20233140123", "ChiCTR2300071234", "NCT01234567" */
    char url[256];     /* its public registry page; "" when there is none */
    char form[48];     /* what it is, for messages and templates: "CN application", "CN
                        * publication", "WO publication", "NMPA registration", "NMPA record
                        * filing", "ChiCTR", "ClinicalTrials.gov" */
    int device_class;  /* NMPA: the class (1, 2 or 3) the number implies; 0 otherwise */
    char patent_type;  /* CN applications and publications: 'I'nvention, 'U'tility model,
                        * 'D'esign; 0 when the form does not say */
    char why_buf[112]; /* holds a failure message that names the input's own digits (a
                        * wrong check digit); *why may point here */
} ident;

/* Parses s[0..len) (surrounding spaces ignored) as an identifier of that kind into *out.
 * On failure returns false and sets *why to a message that names the expected form, e.g.
 * "a Chinese patent application number such as CN202320158462.0 (12 digits, a dot and the
 * check digit)" or "the check digit of CN202320158462 is 0, not 9": a static string or
 * out->why_buf, so it lives as long as *out. Never reads past s[len). */
bool ident_parse(ident *out, ident_kind kind, const char *s, size_t len, const char **why);

/* The kind named "patent", "nmpa" or "trial"; false for any other name. */
bool ident_kind_from_name(ident_kind *out, const char *name);

#endif
