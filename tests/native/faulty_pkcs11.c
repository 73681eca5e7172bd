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
 *   conforming     C_Encrypt and C_Decrypt end the operation when they fail, as PKCS#11
 *                  2.40 base 5.8.2 and 5.9.2 require (SoftHSM keeps it active): the clean
 *                  module the operations cases are proved on
 *                  and C_Encrypt in the middle of a multi-part encryption is refused
 *                  with CKR_OPERATION_ACTIVE (SoftHSM answers it)
 *   one-shot-in-multipart  as conforming, but C_Encrypt in the middle of a multi-part
 *                  encryption is answered, as SoftHSM does
 *   writes-past-buffer  as conforming, but C_Encrypt writes 8 bytes past the end of the
 *                  output buffer it was given, and answers CKR_OK
 *   error-keeps-operation  as conforming, but a C_Encrypt that fails leaves its operation
 *                  active (the real module's is started again with the same mechanism)
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

enum {
    INDEX_C_GET_MECHANISM_INFO = 8,
    INDEX_C_ENCRYPT_INIT = 29, INDEX_C_ENCRYPT = 30, INDEX_C_ENCRYPT_UPDATE = 31,
    INDEX_C_ENCRYPT_FINAL = 32, INDEX_C_DECRYPT = 34, INDEX_C_DECRYPT_FINAL = 36,
    INDEX_C_SIGN = 43,
};
#define CKR_OK 0x00UL
#define CKR_BUFFER_TOO_SMALL 0x150UL
#define CKR_OPERATION_ACTIVE 0x90UL
#define MAX_SESSIONS 4096

typedef CK_RV (*ONE_SHOT)(CK_ULONG, unsigned char *, CK_ULONG, unsigned char *, CK_ULONG *);
typedef CK_RV (*INIT)(CK_ULONG, void *, CK_ULONG);
typedef CK_RV (*FINAL)(CK_ULONG, unsigned char *, CK_ULONG *);

typedef struct {
    CK_ULONG type;
    void *parameter;
    CK_ULONG parameter_length;
} MECHANISM;

static int updated[MAX_SESSIONS];  /* a multi-part encryption has had an update */
static MECHANISM started[MAX_SESSIONS];  /* the encryption each session last began */
static unsigned char started_parameter[MAX_SESSIONS][64];
static CK_ULONG started_key[MAX_SESSIONS];
static int error_keeps_operation;
static int one_shot_in_multipart;
static int writes_past_buffer;

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

/* After a failed one-shot call, end the operation the real module keeps active. */
static void end_operation(CK_ULONG session, int final_index) {
    unsigned char sink[4096];
    CK_ULONG length = sizeof sink;
    ((FINAL)real->functions[final_index])(session, sink, &length);
}

static int failed(CK_RV rv) {
    /* CKR_BUFFER_TOO_SMALL leaves the operation active (5.2), as success does */
    return rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL;
}

static CK_RV encrypt_init(CK_ULONG session, void *mechanism, CK_ULONG key) {
    if (session < MAX_SESSIONS) {
        updated[session] = 0;
        if (mechanism != NULL) {
            MECHANISM *given = (MECHANISM *)mechanism;
            started[session] = *given;
            if (given->parameter != NULL && given->parameter_length <= 64) {
                memcpy(started_parameter[session], given->parameter, given->parameter_length);
                started[session].parameter = started_parameter[session];
            }
            started_key[session] = key;
        }
    }
    return ((INIT)real->functions[INDEX_C_ENCRYPT_INIT])(session, mechanism, key);
}

static CK_RV encrypt_update(CK_ULONG session, unsigned char *data, CK_ULONG length,
                            unsigned char *out, CK_ULONG *out_length) {
    CK_RV rv = ((ONE_SHOT)real->functions[INDEX_C_ENCRYPT_UPDATE])(session, data, length, out,
                                                                   out_length);
    if (rv == CKR_OK && out != NULL && session < MAX_SESSIONS) {
        updated[session] = 1;
    }
    return rv;
}

static CK_RV encrypt(CK_ULONG session, unsigned char *data, CK_ULONG length,
                     unsigned char *out, CK_ULONG *out_length) {
    if (!one_shot_in_multipart && session < MAX_SESSIONS && updated[session]) {
        return CKR_OPERATION_ACTIVE;  /* 5.8.2: no single-part call inside a multi-part one */
    }
    CK_ULONG room = out_length != NULL ? *out_length : 0;
    CK_RV rv = ((ONE_SHOT)real->functions[INDEX_C_ENCRYPT])(session, data, length, out,
                                                            out_length);
    if (failed(rv) && error_keeps_operation && session < MAX_SESSIONS) {
        /* the defect: the failed call's operation is still there for the next call */
        end_operation(session, INDEX_C_ENCRYPT_FINAL);
        ((INIT)real->functions[INDEX_C_ENCRYPT_INIT])(session, &started[session],
                                                      started_key[session]);
    } else if (failed(rv)) {
        end_operation(session, INDEX_C_ENCRYPT_FINAL);
    } else if (rv == CKR_OK && out != NULL && writes_past_buffer) {
        memset(out + room, 0xAA, 8);  /* the defect: past the end the caller stated */
    }
    return rv;
}

static CK_RV decrypt(CK_ULONG session, unsigned char *data, CK_ULONG length,
                     unsigned char *out, CK_ULONG *out_length) {
    CK_RV rv = ((ONE_SHOT)real->functions[INDEX_C_DECRYPT])(session, data, length, out,
                                                            out_length);
    if (failed(rv)) {
        end_operation(session, INDEX_C_DECRYPT_FINAL);
    }
    return rv;
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
    } else if (fault != NULL && (strcmp(fault, "conforming") == 0 ||
                                 strcmp(fault, "one-shot-in-multipart") == 0 ||
                                 strcmp(fault, "writes-past-buffer") == 0 ||
                                 strcmp(fault, "error-keeps-operation") == 0)) {
        one_shot_in_multipart = strcmp(fault, "one-shot-in-multipart") == 0;
        writes_past_buffer = strcmp(fault, "writes-past-buffer") == 0;
        error_keeps_operation = strcmp(fault, "error-keeps-operation") == 0;
        patched.functions[INDEX_C_ENCRYPT_INIT] = (void *)encrypt_init;
        patched.functions[INDEX_C_ENCRYPT_UPDATE] = (void *)encrypt_update;
        patched.functions[INDEX_C_ENCRYPT] = (void *)encrypt;
        patched.functions[INDEX_C_DECRYPT] = (void *)decrypt;
    }
    *list = &patched;
    return 0;
}
