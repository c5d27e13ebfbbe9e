/* SPDX-License-Identifier: MIT
 * test_image.c - how image.c sets libvips up: its orc vector code is off (liborc 0.4.33
 * frees JIT code without its lock, which crashed builds making images on two workers),
 * and an AddressSanitizer build does not intercept __tls_get_addr (LeakSanitizer's tracer
 * crashed at exit on libvips's threads). The images themselves: tests/images_test.py. */
#include "arena.h"
#include "image.h"

#include "harness.h"

#include <dlfcn.h>
#include <stdbool.h>

/* A PNG of one transparent pixel. */
static const unsigned char PNG_1X1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47,
    0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
#endif

int
main(void)
{
    arena *a = arena_new();
    image_set set;
    image_counts counts = {0};
    const char *why = NULL;
    /* encode false: the source is read and checked (libvips set up), nothing written */
    bool read = image_make(PNG_1X1, sizeof PNG_1X1, NULL, false, &set, &counts, a, &why);
    void *lib = dlopen("libvips.so.42", RTLD_NOW | RTLD_NOLOAD);
    if (!lib) {
        OK(!read && why && strstr(why, "libvips"), "without libvips, image_make says so: %s",
           why ? why : "(nothing)");
    } else {
        OK(read && set.width == 1 && set.height == 1, "a PNG of one pixel is read: %s",
           why ? why : "");
        int (*vector_isenabled)(void);
        *(void **)&vector_isenabled = dlsym(lib, "vips_vector_isenabled");
        OK(!vector_isenabled || vector_isenabled() == 0, "libvips's orc vector code is off");
        dlclose(lib);
    }
#if defined(__SANITIZE_ADDRESS__)
    OK(strstr(__asan_default_options(), "intercept_tls_get_addr=0") != NULL,
       "an ASan build does not intercept __tls_get_addr");
#endif
    arena_free(a);
    return harness_done();
}
