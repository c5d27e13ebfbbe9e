/* SPDX-License-Identifier: MIT
 * test_ident.c - typed identifiers: CNIPA application numbers and their check digit (12- and
 * 8-digit forms), CN/WO/US/EP publication numbers, NMPA registrations and record filings,
 * ChiCTR and NCT registrations; canonical forms, registry URLs, CJK and full-width input,
 * surrounding spaces, and hostile input (long, invalid UTF-8, NUL bytes). */
#include "ident.h"

#include "harness.h"

#include <string.h>

static ident id;
static const char *why;

static bool
parse(ident_kind kind, const char *s)
{
    why = NULL;
    return ident_parse(&id, kind, s, strlen(s), &why);
}

/* s parses as kind with that canonical form, form name and URL. */
#define GOOD(kind, s, want_normal, want_form, want_url)                     \
    do {                                                                    \
        bool ok_ = parse((kind), (s));                                      \
        OK(ok_, "\"%s\" should parse; why: %s", (s), why ? why : "(null)"); \
        STR_EQ(id.normal, (want_normal), (s));                              \
        STR_EQ(id.form, (want_form), (s));                                  \
        STR_EQ(id.url, (want_url), (s));                                    \
    } while (0)

/* s is refused with exactly that message. */
#define BAD(kind, s, want_why)                                            \
    do {                                                                  \
        bool ok_ = parse((kind), (s));                                    \
        OK(!ok_, "\"%s\" should be refused (normal %s)", (s), id.normal); \
        STR_EQ(why, (want_why), (s));                                     \
        STR_EQ(id.normal, "", (s));                                       \
    } while (0)

static void
test_cn_applications(void)
{
    /* published numbers whose check digits are quoted with their computation:
     * 201710601862.3 (sum 157, 157 mod 11 = 3) and ZL95115608.X (sum 186, remainder 10) */
    GOOD(IDENT_PATENT, "201710601862.3", "CN201710601862.3", "CN application", "");
    INT_EQ(id.patent_type, 'I', "type digit 1: invention");
    GOOD(IDENT_PATENT, "ZL95115608.X", "CN95115608.X", "CN application", "");
    INT_EQ(id.patent_type, 'I', "old form, type digit 1");
    GOOD(IDENT_PATENT, "95115608.x", "CN95115608.X", "CN application", "");
    GOOD(IDENT_PATENT, "CN202320158462.0", "CN202320158462.0", "CN application", "");
    INT_EQ(id.patent_type, 'U', "type digit 2: utility model");
    GOOD(IDENT_PATENT, "CN2023201584620", "CN202320158462.0", "CN application", "");
    GOOD(IDENT_PATENT, "ZL 2023 2 0158462.0", "CN202320158462.0", "CN application", "");
    GOOD(IDENT_PATENT, "cn202330371256.3", "CN202330371256.3", "CN application", "");
    INT_EQ(id.patent_type, 'D', "type digit 3: design");
    GOOD(IDENT_PATENT, "CN202211247609.X", "CN202211247609.X", "CN application", "");
    GOOD(IDENT_PATENT, "CN202211247609X", "CN202211247609.X", "CN application", "");
    GOOD(IDENT_PATENT, "CN202280012345.1", "CN202280012345.1", "CN application", "");
    INT_EQ(id.patent_type, 'I', "type digit 8: PCT invention");
    GOOD(IDENT_PATENT, "CN202390012345.1", "CN202390012345.1", "CN application", "");
    INT_EQ(id.patent_type, 'U', "type digit 9: PCT utility model");
    INT_EQ(id.device_class, 0, "patents have no device class");

    /* wrong check digits: the issue's own example, and one off by one */
    BAD(IDENT_PATENT, "CN202320158462.9", "the check digit of CN202320158462 is 0, not 9");
    BAD(IDENT_PATENT, "CN2023201584629", "the check digit of CN202320158462 is 0, not 9");
    BAD(IDENT_PATENT, "201710601862.4", "the check digit of CN201710601862 is 3, not 4");
    BAD(IDENT_PATENT, "ZL95115608.1", "the check digit of CN95115608 is X, not 1");
    BAD(IDENT_PATENT, "CN202320158462",
        "a Chinese patent application number ends with a dot and its check digit, as "
        "CN202320158462.0");
    BAD(IDENT_PATENT, "CN202340158462.1",
        "the digit after the year of a Chinese patent application number is its type: 1 "
        "invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model");
    BAD(IDENT_PATENT, "CN199920158462.1",
        "a Chinese patent application number starts with its year (2003 or later), as "
        "CN202320158462.0");
    BAD(IDENT_PATENT, "CN202320158462.A",
        "a Chinese patent application number such as CN202320158462.0 (the year, the type "
        "digit, 7 digits, a dot and the check digit 0-9 or X)");
}

static const char PATENT_FORMS[] =
    "a Chinese application number such as CN202320158462.0 (the year, the "
    "type digit, 7 digits, a dot and the check digit) or a publication number such as "
    "CN116123456A, WO2023123456A1, US11234567B2 or EP1234567A1";

static void
test_publications(void)
{
    GOOD(IDENT_PATENT, "CN116123456A", "CN116123456A", "CN publication",
         "https://patents.google.com/patent/CN116123456A/en");
    INT_EQ(id.patent_type, 'I', "kind A: invention");
    GOOD(IDENT_PATENT, "CN 218123456 U", "CN218123456U", "CN publication",
         "https://patents.google.com/patent/CN218123456U/en");
    INT_EQ(id.patent_type, 'U', "kind U: utility model");
    GOOD(IDENT_PATENT, "CN307123456S", "CN307123456S", "CN publication",
         "https://patents.google.com/patent/CN307123456S/en");
    INT_EQ(id.patent_type, 'D', "kind S: design");
    GOOD(IDENT_PATENT, "CN1234567C", "CN1234567C", "CN publication",
         "https://patents.google.com/patent/CN1234567C/en");
    BAD(IDENT_PATENT, "ZL116123456A",
        "ZL is followed by a Chinese application number, as "
        "ZL202320158462.0; a publication number starts with CN");
    BAD(IDENT_PATENT, "CN116123456Q",
        "a Chinese publication number such as CN116123456A (CN, 9 digits and the kind code "
        "A, B, C, U, Y or S)");
    BAD(IDENT_PATENT, "CN116123456",
        "a Chinese publication number ends with its kind code (A, B, C, U, Y or S), as "
        "CN116123456A");

    GOOD(IDENT_PATENT, "WO2023/123456", "WO2023123456", "WO publication",
         "https://patents.google.com/patent/WO2023123456/en");
    GOOD(IDENT_PATENT, "WO 2023/123456 A1", "WO2023123456A1", "WO publication",
         "https://patents.google.com/patent/WO2023123456A1/en");
    GOOD(IDENT_PATENT, "wo2023123456a1", "WO2023123456A1", "WO publication",
         "https://patents.google.com/patent/WO2023123456A1/en");
    INT_EQ(id.patent_type, 0, "WO numbers do not say the type");
    BAD(IDENT_PATENT, "WO2023/12345",
        "a WO publication number such as WO2023/123456 or WO2023123456A1 (the year and 6 "
        "digits)");

    GOOD(IDENT_PATENT, "US11234567B2", "US11234567B2", "US patent",
         "https://patents.google.com/patent/US11234567B2/en");
    GOOD(IDENT_PATENT, "US 11,234,567 B2", "US11234567B2", "US patent",
         "https://patents.google.com/patent/US11234567B2/en");
    GOOD(IDENT_PATENT, "US20230123456A1", "US20230123456A1", "US application publication",
         "https://patents.google.com/patent/US20230123456A1/en");
    GOOD(IDENT_PATENT, "US2023/0123456 A1", "US20230123456A1", "US application publication",
         "https://patents.google.com/patent/US20230123456A1/en");
    BAD(IDENT_PATENT, "US123",
        "a US publication number such as US11234567B2 (7 or 8 digits) or US20230123456A1 "
        "(the year and 7 digits)");

    GOOD(IDENT_PATENT, "EP1234567A1", "EP1234567A1", "EP publication",
         "https://patents.google.com/patent/EP1234567A1/en");
    GOOD(IDENT_PATENT, "EP 1 234 567 B1", "EP1234567B1", "EP publication",
         "https://patents.google.com/patent/EP1234567B1/en");
    BAD(IDENT_PATENT, "EP12345678A1",
        "a European publication number such as EP1234567A1 (7 digits and the kind code)");

    BAD(IDENT_PATENT, "bogus", PATENT_FORMS);
    BAD(IDENT_PATENT, "JP2023123456A", PATENT_FORMS);
}

static const char NMPA_URL[] = "https://www.nmpa.gov.cn/datasearch/home-index.html";

static void
test_nmpa(void)
{
    GOOD(IDENT_NMPA, "国械注准20233140123", "国械注准20233140123", "NMPA registration (class III)",
         NMPA_URL);
    INT_EQ(id.device_class, 3, "国械注准 … 3: class III");
    GOOD(IDENT_NMPA, " 国械注进20192060456号 ", "国械注进20192060456",
         "NMPA registration (class II)", NMPA_URL);
    INT_EQ(id.device_class, 2, "imported class II");
    GOOD(IDENT_NMPA, "国械注许20183400012", "国械注许20183400012", "NMPA registration (class III)",
         NMPA_URL);
    GOOD(IDENT_NMPA, "沪械注准20232140123", "沪械注准20232140123", "NMPA registration (class II)",
         NMPA_URL);
    INT_EQ(id.device_class, 2, "provincial: class II");
    GOOD(IDENT_NMPA, "粤械注准２０２１２０８０３４５", "粤械注准20212080345",
         "NMPA registration (class II)", NMPA_URL);
    GOOD(IDENT_NMPA, "沪械备20230012号", "沪械备20230012号", "NMPA record filing (class I)",
         NMPA_URL);
    INT_EQ(id.device_class, 1, "record filing: class I");
    GOOD(IDENT_NMPA, "苏苏械备20210345", "苏苏械备20210345号", "NMPA record filing (class I)",
         NMPA_URL);
    GOOD(IDENT_NMPA, "国械备20150001号", "国械备20150001号", "NMPA record filing (class I)",
         NMPA_URL);
    GOOD(IDENT_NMPA, "京朝械备2019123456号", "京朝械备2019123456号", "NMPA record filing (class I)",
         NMPA_URL);

    BAD(IDENT_NMPA, "国械注准20232140123",
        "a 国械注准 number is a class III device: the digit after the year must be 3 "
        "(domestic class II devices are registered by the province, as 沪械注准…)");
    BAD(IDENT_NMPA, "沪械注准20233140123",
        "a province's 械注准 number is a class II device: the digit after the year must be 2 "
        "(class III devices are registered by NMPA, as 国械注准…)");
    BAD(IDENT_NMPA, "国械注进20191060456",
        "the digit after the year of an NMPA registration number is the class: 2 or 3");
    BAD(IDENT_NMPA, "沪械注进20232140123",
        "imported devices (械注进) and devices from Hong Kong, Macao and Taiwan (械注许) are "
        "registered by NMPA: the number starts with 国");
    BAD(IDENT_NMPA, "国械注准2023314012",
        "an NMPA registration number has 11 digits after 械注准 (the year, the class, a "
        "2-digit category and a 4-digit serial), as 国械注准20233140123");
    BAD(IDENT_NMPA, "国械注准20123140123",
        "an NMPA registration number starts with the year of first registration (2014 or "
        "later), as 国械注准20233140123");
    BAD(IDENT_NMPA, "国械注准20233000123",
        "the two digits after the class of an NMPA registration number are the category (01 "
        "to 22, or 40 for in-vitro diagnostics), not 00");
    BAD(IDENT_NMPA, "沪械备2023001号",
        "an NMPA record filing number has the year and a 4- to 6-digit serial after 械备, "
        "then 号, as 沪械备20230012号");
    const char *forms = "an NMPA device registration number such as 国械注准20233140123 or "
                        "沪械注准20232140123 (the year, the class, a 2-digit category and a "
                        "4-digit serial) or a record filing such as 沪械备20230012号";
    BAD(IDENT_NMPA, "美械注准20232140123", forms);
    BAD(IDENT_NMPA, "国食药监械(准)字2012第3460123号", forms);
    BAD(IDENT_NMPA, "20233140123", forms);
}

static void
test_trials(void)
{
    GOOD(IDENT_TRIAL, "ChiCTR2300071234", "ChiCTR2300071234", "ChiCTR",
         "https://trialsearch.who.int/Trial2.aspx?TrialID=ChiCTR2300071234");
    GOOD(IDENT_TRIAL, "chictr 2000029308", "ChiCTR2000029308", "ChiCTR",
         "https://trialsearch.who.int/Trial2.aspx?TrialID=ChiCTR2000029308");
    GOOD(IDENT_TRIAL, "ChiCTR-TRC-12002345", "ChiCTR-TRC-12002345", "ChiCTR",
         "https://trialsearch.who.int/Trial2.aspx?TrialID=ChiCTR-TRC-12002345");
    GOOD(IDENT_TRIAL, "ChiCTR-PNRC-09000123", "ChiCTR-PNRC-09000123", "ChiCTR",
         "https://trialsearch.who.int/Trial2.aspx?TrialID=ChiCTR-PNRC-09000123");
    GOOD(IDENT_TRIAL, "NCT01234567", "NCT01234567", "ClinicalTrials.gov",
         "https://clinicaltrials.gov/study/NCT01234567");
    GOOD(IDENT_TRIAL, "\tnct01234567\n", "NCT01234567", "ClinicalTrials.gov",
         "https://clinicaltrials.gov/study/NCT01234567");
    GOOD(IDENT_TRIAL, "\xe3\x80\x80NCT01234567\xe3\x80\x80", "NCT01234567", "ClinicalTrials.gov",
         "https://clinicaltrials.gov/study/NCT01234567");
    BAD(IDENT_TRIAL, "ChiCTR230007123",
        "a ChiCTR registration number such as ChiCTR2300071234 (ChiCTR and 10 digits) or "
        "ChiCTR-TRC-12002345");
    BAD(IDENT_TRIAL, "ChiCTR-T-12002345",
        "a ChiCTR registration number such as ChiCTR2300071234 (ChiCTR and 10 digits) or "
        "ChiCTR-TRC-12002345");
    BAD(IDENT_TRIAL, "NCT1234567",
        "a ClinicalTrials.gov number such as NCT01234567 (NCT and 8 digits)");
    BAD(IDENT_TRIAL, "NCT012345678",
        "a ClinicalTrials.gov number such as NCT01234567 (NCT and 8 digits)");
    BAD(IDENT_TRIAL, "ISRCTN12345678",
        "a clinical trial registration number such as ChiCTR2300071234 (ChiCTR and 10 "
        "digits), ChiCTR-TRC-12002345 or NCT01234567 (NCT and 8 digits)");
    /* a patent is not a trial, nor a trial a patent */
    OK(!parse(IDENT_TRIAL, "CN116123456A"), "a patent is not a trial");
    OK(!parse(IDENT_PATENT, "NCT01234567"), "a trial is not a patent");
    OK(!parse(IDENT_NMPA, "NCT01234567"), "a trial is not a registration");
}

static void
test_hostile(void)
{
    BAD(IDENT_PATENT, "", "empty");
    BAD(IDENT_PATENT, "   \t ", "empty");
    BAD(IDENT_TRIAL,
        "NCT0123\xff"
        "4567",
        "not valid UTF-8 text");
    BAD(IDENT_NMPA,
        "国械注准\xe5"
        "20233140123",
        "not valid UTF-8 text");
    BAD(IDENT_PATENT, "CN20232015846\xc0\x80", "not valid UTF-8 text");

    /* long input: refused, never copied past the fields */
    char big[5000];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    BAD(IDENT_PATENT, big, "too long for an identifier");
    memcpy(big, "NCT", 3);
    BAD(IDENT_TRIAL, big, "too long for an identifier");
    char cjk[3 * 120 + 1];
    for (size_t i = 0; i < 120; i++)
        memcpy(cjk + 3 * i, "国", 3);
    cjk[sizeof cjk - 1] = '\0';
    BAD(IDENT_NMPA, cjk, "too long for an identifier");
    /* 90 spaces around a valid number are fine: the limit counts what is left */
    char padded[256];
    memset(padded, ' ', sizeof padded);
    memcpy(padded + 90, "NCT01234567", 11);
    OK(ident_parse(&id, IDENT_TRIAL, padded, 90 + 11 + 90, &why), "spaces trimmed first");
    STR_EQ(id.normal, "NCT01234567", "normal after a long run of spaces");

    /* any amount of white space around is trimmed first: the limits count what is left */
    char wide[1200];
    memset(wide, ' ', sizeof wide);
    memcpy(wide + 500, "ChiCTR2300071234", 16);
    memcpy(wide + 1200 - 3, "\xe3\x80\x80", 3);
    OK(ident_parse(&id, IDENT_TRIAL, wide, sizeof wide, &why), "500 spaces before, 681 after");
    STR_EQ(id.normal, "ChiCTR2300071234", "normal after long runs of spaces");

    /* the length is honoured: no read past it, NUL bytes inside are text */
    OK(ident_parse(&id, IDENT_TRIAL, "NCT01234567999", 11, &why), "only len bytes read");
    STR_EQ(id.normal, "NCT01234567", "prefix of a longer buffer");
    OK(!ident_parse(&id, IDENT_TRIAL,
                    "NCT0123\0"
                    "4567",
                    12, &why),
       "a NUL byte inside");
    OK(!ident_parse(&id, IDENT_PATENT, "CN202320158462.0", 15, &why), "cut before the check");
    /* why may be NULL */
    OK(!ident_parse(&id, IDENT_TRIAL, "x", 1, NULL), "NULL why");
    /* every byte value at every position of a valid number: no crash, no false normal */
    char s[] = "CN202320158462.0";
    for (size_t i = 0; i < sizeof s - 1; i++) {
        char keep = s[i];
        for (int b = 1; b < 256; b++) {
            s[i] = (char)b;
            if (ident_parse(&id, IDENT_PATENT, s, sizeof s - 1, &why))
                OK(strlen(id.normal) < sizeof id.normal && id.normal[0] == 'C', "%s", s);
        }
        s[i] = keep;
    }
}

static void
test_kind_names(void)
{
    ident_kind k = IDENT_TRIAL;
    OK(ident_kind_from_name(&k, "patent") && k == IDENT_PATENT, "patent");
    OK(ident_kind_from_name(&k, "nmpa") && k == IDENT_NMPA, "nmpa");
    OK(ident_kind_from_name(&k, "trial") && k == IDENT_TRIAL, "trial");
    OK(!ident_kind_from_name(&k, "Patent"), "names are lower case");
    OK(!ident_kind_from_name(&k, ""), "empty name");
}

int
main(void)
{
    test_cn_applications();
    test_publications();
    test_nmpa();
    test_trials();
    test_hostile();
    test_kind_names();
    return harness_done();
}
