// Loads libLiteRt.so at run time and fills SigndLiteRtApi; see signd_litert.h.
#define _GNU_SOURCE
#include "signd_litert.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One entry per table field, in field order: the LiteRT symbol and the field's offset.
typedef struct {
    const char *name;
    size_t offset;
} SymbolSlot;

#define SLOT(field) {"LiteRt" #field, offsetof(SigndLiteRtApi, field)}

static const SymbolSlot kSlots[] = {
    SLOT(CreateEnvironment),
    SLOT(DestroyEnvironment),
    SLOT(CreateModelFromFile),
    SLOT(CreateModelFromBuffer),
    SLOT(DestroyModel),
    SLOT(GetNumModelSignatures),
    SLOT(GetModelSignature),
    SLOT(GetNumSignatureInputs),
    SLOT(GetNumSignatureOutputs),
    SLOT(GetSignatureInputTensorByIndex),
    SLOT(GetSignatureOutputTensorByIndex),
    SLOT(GetTensorName),
    SLOT(GetRankedTensorType),
    SLOT(CreateOptions),
    SLOT(DestroyOptions),
    SLOT(SetOptionsHardwareAccelerators),
    SLOT(CreateOpaqueOptions),
    SLOT(DestroyOpaqueOptions),
    SLOT(AddOpaqueOptions),
    SLOT(CreateCompiledModel),
    SLOT(DestroyCompiledModel),
    SLOT(GetCompiledModelInputBufferRequirements),
    SLOT(GetCompiledModelOutputBufferRequirements),
    SLOT(RunCompiledModel),
    SLOT(CreateManagedTensorBufferFromRequirements),
    SLOT(GetTensorBufferPackedSize),
    SLOT(LockTensorBuffer),
    SLOT(UnlockTensorBuffer),
    SLOT(DestroyTensorBuffer),
    SLOT(GetTensorBufferTensorType),
    SLOT(AddCustomOpKernelOption),
};

#define SLOT_COUNT (sizeof(kSlots) / sizeof(kSlots[0]))

// Every field of the table is one function pointer; a miscount here would leave a field unset.
_Static_assert(sizeof(SigndLiteRtApi) == SLOT_COUNT * sizeof(void (*)(void)), "every table field has a slot");

size_t signd_litert_symbol_count(void) { return SLOT_COUNT; }

const char *signd_litert_symbol_name(size_t index) { return index < SLOT_COUNT ? kSlots[index].name : NULL; }

static void append(char *message, size_t message_size, const char *text) {
    size_t used = strlen(message);
    if (used + 1 >= message_size) return;
    snprintf(message + used, message_size - used, "%s", text);
}

SigndLiteRtLoadResult signd_litert_load(const char *path, const SigndLiteRtApi **api, char *message,
                                        size_t message_size) {
    *api = NULL;
    if (message_size > 0) message[0] = '\0';

    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(message, message_size, "%s", reason ? reason : "dlopen failed");
        return SigndLiteRtLoadOpenFailed;
    }

    SigndLiteRtApi *table = calloc(1, sizeof(SigndLiteRtApi));
    if (table == NULL) {
        dlclose(handle);
        snprintf(message, message_size, "out of memory");
        return SigndLiteRtLoadOutOfMemory;
    }

    size_t missing = 0;
    for (size_t i = 0; i < SLOT_COUNT; i++) {
        void *symbol = dlsym(handle, kSlots[i].name);
        if (symbol == NULL) {
            if (missing > 0) append(message, message_size, ", ");
            append(message, message_size, kSlots[i].name);
            missing++;
            continue;
        }
        // POSIX guarantees object and function pointers have the same representation.
        memcpy((char *)table + kSlots[i].offset, &symbol, sizeof(symbol));
    }
    if (missing > 0) {
        free(table);
        dlclose(handle);
        return SigndLiteRtLoadMissingSymbols;
    }
    // The handle is deliberately never closed (see signd_litert_release).
    *api = table;
    return SigndLiteRtLoadOk;
}

void signd_litert_release(const SigndLiteRtApi *api) { free((void *)api); }

LiteRtStatus signd_litert_add_xnnpack_threads(const SigndLiteRtApi *api, LiteRtOptions options, int num_threads) {
    char text[48];
    snprintf(text, sizeof(text), "num_threads = %d\n", num_threads);
    char *payload = strdup(text);
    if (payload == NULL) return 2; // kLiteRtStatusErrorMemoryAllocationFailure

    LiteRtOpaqueOptions opaque = NULL;
    LiteRtStatus status = api->CreateOpaqueOptions("xnnpack", payload, free, &opaque);
    if (status != SigndLiteRtStatusOk) {
        free(payload);
        return status;
    }
    status = api->AddOpaqueOptions(options, opaque); // takes ownership on success
    if (status != SigndLiteRtStatusOk) api->DestroyOpaqueOptions(opaque);
    return status;
}

LiteRtStatus signd_litert_create_cpu_environment(const SigndLiteRtApi *api, int min_log_severity,
                                                 LiteRtEnvironment *environment) {
    LiteRtEnvOption options[2];
    memset(options, 0, sizeof(options));
    options[0].tag = SigndLiteRtEnvOptionAutoRegisterAccelerators;
    options[0].value.type = SigndLiteRtAnyTypeInt;
    options[0].value.int_value = SigndLiteRtHwAcceleratorCpu;
    options[1].tag = SigndLiteRtEnvOptionMinLoggerSeverity;
    options[1].value.type = SigndLiteRtAnyTypeInt;
    options[1].value.int_value = min_log_severity;
    return api->CreateEnvironment(2, options, environment);
}
