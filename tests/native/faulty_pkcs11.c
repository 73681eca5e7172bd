/*
 * A PKCS#11 module that is another module with one defect: the tests build it and load it
 * where a vendor's library would be, so that certkit meets crashes and misbehaviour in
 * native code for real.
 *
 * CERTKIT_FAULTY_PKCS11_TARGET names the real module (SoftHSMv2 in the tests), and
 * CERTKIT_FAULTY_PKCS11_FAULT the defect:
 *   sign-segfault  C_Sign dereferences NULL (SIGSEGV)
 *   sign-abort     C_Sign calls abort() (SIGABRT), as a Rust panic or a failed assert does
 *   sign-hang      C_Sign never returns
 *   mechanism-info-zero  C_GetMechanismInfo states key sizes 0..0 (no information, as
 *                  some tokens leave them), the mechanisms working as before
 * Any other value, or none, passes every call through.
 *
 * Only the layout of CK_FUNCTION_LIST is needed: a CK_VERSION, then 68 function pointers
 * in the order of PKCS#11 2.40's pkcs11f.h (C_Sign is the 44th).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef unsigned long CK_RV;
typedef unsigned long CK_ULONG;

typedef struct {
    unsigned char major;
    unsigned char minor;
} CK_VERSION;

typedef struct {
    CK_VERSION version;
    void *functions[68];
} FUNCTION_LIST;

enum { INDEX_C_GET_MECHANISM_INFO = 8, INDEX_C_SIGN = 43 };

typedef struct {
    CK_ULONG min_key_size;
    CK_ULONG max_key_size;
    CK_ULONG flags;
} MECHANISM_INFO;
#define CKR_GENERAL_ERROR 0x05UL

static FUNCTION_LIST patched;
static FUNCTION_LIST *real;

static CK_RV mechanism_info_zero(CK_ULONG slot, CK_ULONG type, MECHANISM_INFO *info) {
    CK_RV (*get_info)(CK_ULONG, CK_ULONG, MECHANISM_INFO *) =
        (CK_RV (*)(CK_ULONG, CK_ULONG, MECHANISM_INFO *))real->functions[INDEX_C_GET_MECHANISM_INFO];
    CK_RV rv = get_info(slot, type, info);
    if (rv == 0 && info != NULL) {
        info->min_key_size = 0;
        info->max_key_size = 0;
    }
    return rv;
}

static CK_RV sign_segfault(CK_ULONG session, void *data, CK_ULONG length, void *signature,
                           void *signature_length) {
    volatile int *nowhere = NULL;
    (void)session; (void)data; (void)length; (void)signature; (void)signature_length;
    return (CK_RV)*nowhere;
}

__attribute__((noreturn)) static CK_RV sign_abort(CK_ULONG session, void *data,
                                                   CK_ULONG length, void *signature,
                                                   void *signature_length) {
    (void)session; (void)data; (void)length; (void)signature; (void)signature_length;
    abort();
}

static CK_RV sign_hang(CK_ULONG session, void *data, CK_ULONG length, void *signature,
                       void *signature_length) {
    (void)session; (void)data; (void)length; (void)signature; (void)signature_length;
    for (;;) {
        pause();
    }
    return CKR_GENERAL_ERROR;
}

CK_RV C_GetFunctionList(FUNCTION_LIST **list) {
    const char *target = getenv("CERTKIT_FAULTY_PKCS11_TARGET");
    const char *fault = getenv("CERTKIT_FAULTY_PKCS11_FAULT");
    if (target == NULL || list == NULL) {
        return CKR_GENERAL_ERROR;
    }
    void *library = dlopen(target, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        return CKR_GENERAL_ERROR;
    }
    CK_RV (*get_list)(FUNCTION_LIST **) =
        (CK_RV (*)(FUNCTION_LIST **))dlsym(library, "C_GetFunctionList");
    if (get_list == NULL || get_list(&real) != 0 || real == NULL) {
        return CKR_GENERAL_ERROR;
    }
    memcpy(&patched, real, sizeof patched);
    if (fault != NULL && strcmp(fault, "sign-segfault") == 0) {
        patched.functions[INDEX_C_SIGN] = (void *)sign_segfault;
    } else if (fault != NULL && strcmp(fault, "sign-abort") == 0) {
        patched.functions[INDEX_C_SIGN] = (void *)sign_abort;
    } else if (fault != NULL && strcmp(fault, "sign-hang") == 0) {
        patched.functions[INDEX_C_SIGN] = (void *)sign_hang;
    } else if (fault != NULL && strcmp(fault, "mechanism-info-zero") == 0) {
        patched.functions[INDEX_C_GET_MECHANISM_INFO] = (void *)mechanism_info_zero;
    }
    *list = &patched;
    return 0;
}
