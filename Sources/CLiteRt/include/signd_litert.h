// signd's own declarations of the small part of the LiteRT C API it uses (libLiteRt.so from the
// ai-edge-litert==2.3.0 wheel; the wheel ships no headers). Nothing links libLiteRt at build time:
// signd_litert_load() dlopens the library from a path and resolves every function below into a table.
//
// Types are written to match the binary ABI of LiteRT 2.3.0 (handles are opaque pointers, enums are
// int-sized, LiteRtRankedTensorType is 72 bytes with the layout at offset 4).
#ifndef SIGND_LITERT_H
#define SIGND_LITERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Nullability annotations are for Swift's importer (clang); other compilers ignore them.
#if !defined(__clang__)
#define _Nonnull
#define _Nullable
#endif

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnullability-completeness"
#endif

#ifdef __cplusplus
extern "C" {
#endif

// MARK: Opaque handles

typedef struct LiteRtEnvironmentT *LiteRtEnvironment;
typedef struct LiteRtModelT *LiteRtModel;
typedef struct LiteRtSignatureT *LiteRtSignature;
typedef struct LiteRtTensorT *LiteRtTensor;
typedef struct LiteRtOptionsT *LiteRtOptions;
typedef struct LiteRtOpaqueOptionsT *LiteRtOpaqueOptions;
typedef struct LiteRtCompiledModelT *LiteRtCompiledModel;
typedef struct LiteRtTensorBufferT *LiteRtTensorBuffer;
typedef struct LiteRtTensorBufferRequirementsT *LiteRtTensorBufferRequirements;

// MARK: Scalars and enums (int-sized, as in the library)

/// LiteRtStatus: 0 is success; see SigndLiteRtStatus* for the values signd names in its errors.
typedef int32_t LiteRtStatus;
typedef size_t LiteRtParamIndex;
typedef int32_t LiteRtHwAcceleratorSet;

enum {
    SigndLiteRtStatusOk = 0,
    SigndLiteRtHwAcceleratorCpu = 1,
    SigndLiteRtElementTypeFloat32 = 1,
};

typedef enum SigndLiteRtLockMode {
    SigndLiteRtLockModeRead = 0,
    SigndLiteRtLockModeWrite = 1,
    SigndLiteRtLockModeReadWrite = 2,
} SigndLiteRtLockMode;

// MARK: Environment options

/// A tagged value (LiteRtAny): type 2 = int64.
typedef struct LiteRtAny {
    int32_t type;
    union {
        bool bool_value;
        int64_t int_value;
        double real_value;
        const char *str_value;
        const void *ptr_value;
    };
} LiteRtAny;

typedef struct LiteRtEnvOption {
    int32_t tag; // LiteRtEnvOptionTag
    LiteRtAny value;
} LiteRtEnvOption;

_Static_assert(sizeof(LiteRtAny) == 16, "LiteRtAny ABI");
_Static_assert(sizeof(LiteRtEnvOption) == 24 && offsetof(LiteRtEnvOption, value) == 8, "LiteRtEnvOption ABI");

enum {
    SigndLiteRtEnvOptionAutoRegisterAccelerators = 24, // int bitmask of accelerators to register
    SigndLiteRtEnvOptionMinLoggerSeverity = 25,        // int: 0 verbose, 1 info, 2 warning, 3 error, 4 silent
    SigndLiteRtAnyTypeInt = 2,
};

// MARK: Tensor types

#define SIGND_LITERT_MAX_RANK 8

typedef struct LiteRtLayout {
    unsigned int rank : 7;
    unsigned int has_strides : 1;
    int32_t dimensions[SIGND_LITERT_MAX_RANK];
    uint32_t strides[SIGND_LITERT_MAX_RANK];
} LiteRtLayout;

typedef struct LiteRtRankedTensorType {
    int32_t element_type; // LiteRtElementType; 1 = float32
    LiteRtLayout layout;
} LiteRtRankedTensorType;

_Static_assert(sizeof(LiteRtLayout) == 68, "LiteRtLayout ABI");
_Static_assert(sizeof(LiteRtRankedTensorType) == 72, "LiteRtRankedTensorType ABI");
_Static_assert(offsetof(LiteRtRankedTensorType, layout) == 4, "LiteRtRankedTensorType ABI");

// MARK: Custom op kernels

/// LiteRtCustomOpKernel (litert/c/litert_custom_op_kernel.h): LiteRT wraps it in one TFLite registration
/// per op name and version and hands the same user_data to every node of that op. It ignores the
/// status that Init and Run return.
typedef struct LiteRtCustomOpKernel {
    LiteRtStatus (*_Nonnull Init)(void *user_data, const void *init_data, size_t init_data_size);
    LiteRtStatus (*_Nonnull GetOutputLayouts)(void *user_data, size_t num_inputs, const LiteRtLayout *input_layouts,
                                              size_t num_outputs, LiteRtLayout *output_layouts);
    LiteRtStatus (*_Nonnull Run)(void *user_data, size_t num_inputs, const LiteRtTensorBuffer *inputs,
                                 size_t num_outputs, LiteRtTensorBuffer *outputs);
    LiteRtStatus (*_Nonnull Destroy)(void *user_data);
} LiteRtCustomOpKernel;

// MARK: Function table

/// Every LiteRT function signd calls, resolved by signd_litert_load. All fields are non-null in a
/// table returned by the loader.
typedef struct SigndLiteRtApi {
    // Environment
    LiteRtStatus (*_Nonnull CreateEnvironment)(int num_options, const LiteRtEnvOption *options,
                                               LiteRtEnvironment *environment);
    void (*_Nonnull DestroyEnvironment)(LiteRtEnvironment environment);
    // Model
    LiteRtStatus (*_Nonnull CreateModelFromFile)(LiteRtEnvironment environment, const char *filename,
                                                 LiteRtModel *model);
    LiteRtStatus (*_Nonnull CreateModelFromBuffer)(LiteRtEnvironment environment, const void *buffer_addr,
                                                   size_t buffer_size, LiteRtModel *model);
    void (*_Nonnull DestroyModel)(LiteRtModel model);
    LiteRtStatus (*_Nonnull GetNumModelSignatures)(LiteRtModel model, LiteRtParamIndex *num_signatures);
    LiteRtStatus (*_Nonnull GetModelSignature)(LiteRtModel model, LiteRtParamIndex signature_index,
                                               LiteRtSignature *signature);
    LiteRtStatus (*_Nonnull GetNumSignatureInputs)(LiteRtSignature signature, LiteRtParamIndex *num_inputs);
    LiteRtStatus (*_Nonnull GetNumSignatureOutputs)(LiteRtSignature signature, LiteRtParamIndex *num_outputs);
    LiteRtStatus (*_Nonnull GetSignatureInputTensorByIndex)(LiteRtSignature signature,
                                                            LiteRtParamIndex input_idx, LiteRtTensor *tensor);
    LiteRtStatus (*_Nonnull GetSignatureOutputTensorByIndex)(LiteRtSignature signature,
                                                             LiteRtParamIndex output_idx, LiteRtTensor *tensor);
    LiteRtStatus (*_Nonnull GetTensorName)(LiteRtTensor tensor, const char **name);
    LiteRtStatus (*_Nonnull GetRankedTensorType)(LiteRtTensor tensor, LiteRtRankedTensorType *ranked_tensor_type);
    // Options
    LiteRtStatus (*_Nonnull CreateOptions)(LiteRtOptions *options);
    void (*_Nonnull DestroyOptions)(LiteRtOptions options);
    LiteRtStatus (*_Nonnull SetOptionsHardwareAccelerators)(LiteRtOptions options,
                                                            LiteRtHwAcceleratorSet hardware_accelerators);
    LiteRtStatus (*_Nonnull CreateOpaqueOptions)(const char *payload_identifier, void *payload_data,
                                                 void (*payload_destructor)(void *payload_data),
                                                 LiteRtOpaqueOptions *options);
    void (*_Nonnull DestroyOpaqueOptions)(LiteRtOpaqueOptions options);
    LiteRtStatus (*_Nonnull AddOpaqueOptions)(LiteRtOptions options, LiteRtOpaqueOptions opaque_options);
    // Compiled model
    LiteRtStatus (*_Nonnull CreateCompiledModel)(LiteRtEnvironment environment, LiteRtModel model,
                                                 LiteRtOptions compilation_options,
                                                 LiteRtCompiledModel *compiled_model);
    void (*_Nonnull DestroyCompiledModel)(LiteRtCompiledModel compiled_model);
    LiteRtStatus (*_Nonnull GetCompiledModelInputBufferRequirements)(
        LiteRtCompiledModel compiled_model, LiteRtParamIndex signature_index, LiteRtParamIndex input_index,
        LiteRtTensorBufferRequirements *buffer_requirements);
    LiteRtStatus (*_Nonnull GetCompiledModelOutputBufferRequirements)(
        LiteRtCompiledModel compiled_model, LiteRtParamIndex signature_index, LiteRtParamIndex output_index,
        LiteRtTensorBufferRequirements *buffer_requirements);
    LiteRtStatus (*_Nonnull RunCompiledModel)(LiteRtCompiledModel compiled_model,
                                              LiteRtParamIndex signature_index, size_t num_input_buffers,
                                              LiteRtTensorBuffer *input_buffers, size_t num_output_buffers,
                                              LiteRtTensorBuffer *output_buffers);
    // Tensor buffers (requirements returned by the compiled model are owned by it)
    LiteRtStatus (*_Nonnull CreateManagedTensorBufferFromRequirements)(
        LiteRtEnvironment env, const LiteRtRankedTensorType *tensor_type,
        LiteRtTensorBufferRequirements requirements, LiteRtTensorBuffer *buffer);
    LiteRtStatus (*_Nonnull GetTensorBufferPackedSize)(LiteRtTensorBuffer tensor_buffer, size_t *size);
    LiteRtStatus (*_Nonnull LockTensorBuffer)(LiteRtTensorBuffer tensor_buffer, void **host_mem_addr,
                                              SigndLiteRtLockMode lock_mode);
    LiteRtStatus (*_Nonnull UnlockTensorBuffer)(LiteRtTensorBuffer buffer);
    void (*_Nonnull DestroyTensorBuffer)(LiteRtTensorBuffer buffer);
    LiteRtStatus (*_Nonnull GetTensorBufferTensorType)(LiteRtTensorBuffer buffer,
                                                       LiteRtRankedTensorType *tensor_type);
    // Custom op kernels (LiteRtCustomOpKernel below)
    LiteRtStatus (*_Nonnull AddCustomOpKernelOption)(LiteRtOptions options, const char *custom_op_name,
                                                     int custom_op_version,
                                                     const struct LiteRtCustomOpKernel *custom_op_kernel,
                                                     void *custom_op_kernel_user_data);
} SigndLiteRtApi;

// MARK: Loader

typedef enum SigndLiteRtLoadResult {
    SigndLiteRtLoadOk = 0,
    /// dlopen failed; the message buffer holds dlerror().
    SigndLiteRtLoadOpenFailed = 1,
    /// Some symbols did not resolve; the message buffer holds their names separated by ", ".
    SigndLiteRtLoadMissingSymbols = 2,
    SigndLiteRtLoadOutOfMemory = 3,
} SigndLiteRtLoadResult;

/// Opens the library at `path` (RTLD_NOW | RTLD_LOCAL) and resolves every function of SigndLiteRtApi.
/// On success stores a heap-allocated table in *api (release with signd_litert_release).
/// On failure writes a NUL-terminated message into `message` (up to `message_size` bytes).
SigndLiteRtLoadResult signd_litert_load(const char *_Nonnull path, const SigndLiteRtApi *_Nullable *_Nonnull api,
                                        char *_Nonnull message, size_t message_size);

/// Frees the table. The library itself stays mapped: LiteRT/XNNPACK keep process-wide state, and
/// unloading it under live objects would be unsafe.
void signd_litert_release(const SigndLiteRtApi *_Nullable api);

/// Number of functions in the table, and the LiteRT name of the i-th (for diagnostics and tests).
size_t signd_litert_symbol_count(void);
const char *_Nullable signd_litert_symbol_name(size_t index);

/// Creates an environment that registers only the CPU (XNNPACK) accelerator — no probing for GPU/NPU
/// plug-in libraries — and logs at `min_log_severity` or above (0 verbose … 3 error, 4 silent).
LiteRtStatus signd_litert_create_cpu_environment(const SigndLiteRtApi *_Nonnull api, int min_log_severity,
                                                 LiteRtEnvironment _Nullable *_Nonnull environment);

/// Adds the XNNPACK thread count to `options` as LiteRT expects it: opaque options identified by
/// "xnnpack" whose payload is the heap-allocated TOML string "num_threads = N\n", released by LiteRT
/// through the deleter (free) given here.
LiteRtStatus signd_litert_add_xnnpack_threads(const SigndLiteRtApi *_Nonnull api, LiteRtOptions _Nonnull options,
                                              int num_threads);

// MARK: MediaPipe's custom ops

/// The three custom ops of MediaPipe's face_landmark_with_attention.tflite (refine_face_landmarks),
/// which LiteRT does not provide: Landmarks2TransformMatrix v2, TransformTensorBilinear v2 and
/// TransformLandmarks v2, written after mediapipe/util/tflite/operations/*.cc with the same float
/// arithmetic (mediapipe_ops.c).
typedef struct SigndMediaPipeOps SigndMediaPipeOps;

/// Registers the three kernels on `options`. `*ops` must outlive the compiled model made with them:
/// free it with signd_mediapipe_ops_free after destroying that model.
LiteRtStatus signd_mediapipe_ops_register(const SigndLiteRtApi *_Nonnull api, LiteRtOptions _Nonnull options,
                                          SigndMediaPipeOps *_Nullable *_Nonnull ops);

/// Call before every run of the compiled model. LiteRT gives every node of an op the same user_data, so
/// the kernels tell the nodes apart by their order: Init and Run both come in the model's node order, and
/// this sets the run cursor back to the first node. Also clears the last error.
void signd_mediapipe_ops_rewind(SigndMediaPipeOps *_Nonnull ops);

/// After a run: 0 when every kernel ran, else nonzero with a NUL-terminated message in `message`
/// (LiteRT does not report a custom kernel's failure itself).
int signd_mediapipe_ops_error(const SigndMediaPipeOps *_Nonnull ops, char *_Nonnull message, size_t message_size);

/// Node counts seen by Init, per op (Landmarks2TransformMatrix, TransformTensorBilinear, TransformLandmarks).
void signd_mediapipe_ops_node_counts(const SigndMediaPipeOps *_Nonnull ops, int *_Nonnull counts3);

void signd_mediapipe_ops_free(SigndMediaPipeOps *_Nullable ops);

#ifdef __cplusplus
}
#endif

#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#endif // SIGND_LITERT_H
