// MediaPipe's custom TFLite ops for face_landmark_with_attention.tflite, as LiteRT custom op kernels.
//
// Written after mediapipe/util/tflite/operations/{landmarks_to_transform_matrix,transform_tensor_bilinear,
// transform_landmarks}.cc (v2 of each, the versions the model uses). The arithmetic follows the C++ step
// by step, including where it mixes float with double literals, so that the outputs are the ones
// MediaPipe's own kernels give: parity with MediaPipe Python is tested (HolisticPipelineTests).
#include "signd_litert.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: FlexBuffers (the custom options of an op are a FlexBuffer map)

enum {
    kFlexInt = 1, kFlexUInt = 2, kFlexFloat = 3, kFlexIndirectInt = 6, kFlexIndirectUInt = 7,
    kFlexIndirectFloat = 8, kFlexMap = 9, kFlexVector = 10, kFlexVectorInt = 11, kFlexVectorUInt = 12,
    kFlexVectorFloat = 13,
};

typedef struct {
    const uint8_t *data;
    size_t size;
} FlexBuffer;

/// A value: where it is, the width of the slot holding it, and its packed type.
typedef struct {
    size_t position;
    int parentWidth;
    uint8_t packedType;
} FlexRef;

static int flex_in(const FlexBuffer *b, size_t position, size_t width) {
    return position <= b->size && width <= b->size - position;
}

static int flex_uint(const FlexBuffer *b, size_t position, int width, uint64_t *out) {
    if (!flex_in(b, position, (size_t)width)) return 0;
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; i--) v = (v << 8) | b->data[position + (size_t)i];
    *out = v;
    return 1;
}

static int flex_int(const FlexBuffer *b, size_t position, int width, int64_t *out) {
    uint64_t u;
    if (!flex_uint(b, position, width, &u)) return 0;
    if (width < 8 && (u >> (width * 8 - 1)) & 1) u |= ~(uint64_t)0 << (width * 8);
    *out = (int64_t)u;
    return 1;
}

static int flex_float(const FlexBuffer *b, size_t position, int width, double *out) {
    uint64_t u;
    if (!flex_uint(b, position, width, &u)) return 0;
    if (width == 4) {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, 4);
        *out = f;
        return 1;
    }
    if (width == 8) {
        memcpy(out, &u, 8);
        return 1;
    }
    return 0;
}

/// Follows the offset stored at `slot` (width `width`) back to its target.
static int flex_target(const FlexBuffer *b, size_t slot, int width, size_t *target) {
    uint64_t offset;
    if (!flex_uint(b, slot, width, &offset) || offset > slot) return 0;
    *target = slot - (size_t)offset;
    return 1;
}

/// A scalar as a double, whatever its stored kind.
static int flex_number(const FlexBuffer *b, FlexRef r, double *out) {
    int type = r.packedType >> 2, width = 1 << (r.packedType & 3);
    size_t target;
    int64_t i;
    uint64_t u;
    switch (type) {
    case kFlexInt: if (!flex_int(b, r.position, r.parentWidth, &i)) return 0; *out = (double)i; return 1;
    case kFlexUInt: if (!flex_uint(b, r.position, r.parentWidth, &u)) return 0; *out = (double)u; return 1;
    case kFlexFloat: return flex_float(b, r.position, r.parentWidth, out);
    case kFlexIndirectInt:
        if (!flex_target(b, r.position, r.parentWidth, &target) || !flex_int(b, target, width, &i)) return 0;
        *out = (double)i;
        return 1;
    case kFlexIndirectUInt:
        if (!flex_target(b, r.position, r.parentWidth, &target) || !flex_uint(b, target, width, &u)) return 0;
        *out = (double)u;
        return 1;
    case kFlexIndirectFloat:
        return flex_target(b, r.position, r.parentWidth, &target) && flex_float(b, target, width, out);
    default: return 0;
    }
}

static int flex_root(const FlexBuffer *b, FlexRef *root) {
    if (b->size < 3) return 0;
    int width = b->data[b->size - 1];
    if (width != 1 && width != 2 && width != 4 && width != 8) return 0;
    if ((size_t)width + 2 > b->size) return 0;
    root->position = b->size - 2 - (size_t)width;
    root->parentWidth = width;
    root->packedType = b->data[b->size - 2];
    return 1;
}

/// The value of `key` in the map `map`.
static int flex_lookup(const FlexBuffer *b, FlexRef map, const char *key, FlexRef *out) {
    if ((map.packedType >> 2) != kFlexMap) return 0;
    int width = 1 << (map.packedType & 3);
    size_t values, keys;
    uint64_t count, keyWidth;
    if (!flex_target(b, map.position, map.parentWidth, &values) || values < 3 * (size_t)width) return 0;
    if (!flex_uint(b, values - (size_t)width, width, &count) || !flex_uint(b, values - 2 * (size_t)width, width, &keyWidth))
        return 0;
    if (!flex_target(b, values - 3 * (size_t)width, width, &keys)) return 0;
    if (keyWidth != 1 && keyWidth != 2 && keyWidth != 4 && keyWidth != 8) return 0;
    if (!flex_in(b, values, (size_t)count * (size_t)width + (size_t)count)) return 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t name;
        if (!flex_target(b, keys + (size_t)i * (size_t)keyWidth, (int)keyWidth, &name)) return 0;
        size_t length = strnlen((const char *)b->data + name, b->size - name);
        if (name + length >= b->size) return 0;
        if (strcmp((const char *)b->data + name, key) == 0) {
            out->position = values + (size_t)i * (size_t)width;
            out->parentWidth = width;
            out->packedType = b->data[values + (size_t)count * (size_t)width + (size_t)i];
            return 1;
        }
    }
    return 0;
}

/// Up to `capacity` integers of a vector (typed or not); the element count in *count.
static int flex_int_vector(const FlexBuffer *b, FlexRef r, int *values, int capacity, int *count) {
    int type = r.packedType >> 2, width = 1 << (r.packedType & 3);
    if (type != kFlexVectorInt && type != kFlexVectorUInt && type != kFlexVector) return 0;
    size_t start;
    uint64_t n;
    if (!flex_target(b, r.position, r.parentWidth, &start) || start < (size_t)width) return 0;
    if (!flex_uint(b, start - (size_t)width, width, &n) || n > (uint64_t)capacity) return 0;
    for (uint64_t i = 0; i < n; i++) {
        FlexRef element = {start + (size_t)i * (size_t)width, width,
                           (uint8_t)(type == kFlexVector ? 0 : (kFlexInt << 2))};
        if (type == kFlexVector) {
            if (!flex_in(b, start + (size_t)n * (size_t)width + (size_t)i, 1)) return 0;
            element.packedType = b->data[start + (size_t)n * (size_t)width + (size_t)i];
        }
        double v;
        if (!flex_number(b, element, &v)) return 0;
        values[i] = (int)v;
    }
    *count = (int)n;
    return 1;
}

// MARK: Shared state

#define MAX_NODES 16
#define MAX_SUBSET 512
#define MAX_MESSAGE 256

typedef struct {
    int subset[MAX_SUBSET]; // flat, as stored; an odd count repeats the last index (as MediaPipe pairs them)
    int subsetCount;
    int leftRotationIndex, rightRotationIndex;
    float targetRotationRadians;
    int outputHeight, outputWidth;
    float scaleX, scaleY;
} TransformMatrixParams;

typedef struct {
    int outputHeight, outputWidth;
} BilinearParams;

typedef struct OpState {
    SigndMediaPipeOps *owner;
    const char *name;
    int nodes;        // nodes seen by Init, in model order
    int prepareCursor; // GetOutputLayouts calls, in node order
    int runCursor;    // Run calls since the last rewind
} OpState;

struct SigndMediaPipeOps {
    const SigndLiteRtApi *api;
    OpState matrix, bilinear, landmarks;
    TransformMatrixParams matrixParams[MAX_NODES];
    BilinearParams bilinearParams[MAX_NODES];
    char error[MAX_MESSAGE];
};

static LiteRtStatus fail(SigndMediaPipeOps *ops, const char *format, ...) {
    if (ops->error[0] != '\0') return 1; // keep the first failure
    va_list args;
    va_start(args, format);
    vsnprintf(ops->error, sizeof(ops->error), format, args);
    va_end(args);
    return 1; // kLiteRtStatusErrorInvalidArgument
}

/// Index of the node whose turn it is (Run or GetOutputLayouts), or -1 after recording an error.
static int next_node(OpState *op, int *cursor) {
    if (op->nodes == 0) {
        fail(op->owner, "%s: no node was initialised", op->name);
        return -1;
    }
    int node = *cursor % op->nodes;
    *cursor += 1;
    return node;
}

/// A locked tensor buffer: its float data and shape.
typedef struct {
    float *data;
    int shape[8];
    int rank;
    size_t count;
} Tensor;

static int lock_buffer(SigndMediaPipeOps *ops, const char *op, LiteRtTensorBuffer buffer, SigndLiteRtLockMode mode,
                       Tensor *t) {
    LiteRtRankedTensorType type;
    memset(&type, 0, sizeof(type));
    if (ops->api->GetTensorBufferTensorType(buffer, &type) != SigndLiteRtStatusOk) {
        fail(ops, "%s: cannot read a tensor's type", op);
        return 0;
    }
    if (type.element_type != SigndLiteRtElementTypeFloat32) {
        fail(ops, "%s: tensor element type %d is not float32", op, type.element_type);
        return 0;
    }
    t->rank = (int)type.layout.rank;
    t->count = 1;
    for (int i = 0; i < t->rank; i++) {
        t->shape[i] = type.layout.dimensions[i];
        t->count *= (size_t)(t->shape[i] > 0 ? t->shape[i] : 0);
    }
    void *address = NULL;
    if (ops->api->LockTensorBuffer(buffer, &address, mode) != SigndLiteRtStatusOk || address == NULL) {
        fail(ops, "%s: cannot lock a tensor buffer", op);
        return 0;
    }
    t->data = (float *)address;
    return 1;
}

/// Locks the inputs (read) then the outputs (write) into `tensors`, in that order; on a failure unlocks what it
/// locked, records why and returns 0. Counts must match what the op expects (checked here too).
static int lock_all(SigndMediaPipeOps *ops, const char *op, size_t numInputs, const LiteRtTensorBuffer *inputs,
                    size_t expectedInputs, LiteRtTensorBuffer *outputs, size_t numOutputs, Tensor *tensors) {
    if (numInputs != expectedInputs || numOutputs != 1) {
        fail(ops, "%s: expects %zu inputs and 1 output, got %zu and %zu", op, expectedInputs, numInputs, numOutputs);
        return 0;
    }
    for (size_t i = 0; i <= numInputs; i++) {
        const int isOutput = i == numInputs;
        if (!lock_buffer(ops, op, isOutput ? outputs[0] : inputs[i],
                         isOutput ? SigndLiteRtLockModeWrite : SigndLiteRtLockModeRead, &tensors[i])) {
            for (size_t j = 0; j < i; j++) ops->api->UnlockTensorBuffer(inputs[j]);
            return 0;
        }
    }
    return 1;
}

static void unlock_all(SigndMediaPipeOps *ops, size_t numInputs, const LiteRtTensorBuffer *inputs,
                       LiteRtTensorBuffer *outputs) {
    ops->api->UnlockTensorBuffer(outputs[0]);
    for (size_t i = 0; i < numInputs; i++) ops->api->UnlockTensorBuffer(inputs[i]);
}

static void set_layout(LiteRtLayout *layout, int rank, const int *dims) {
    memset(layout, 0, sizeof(*layout));
    layout->rank = (unsigned)rank;
    for (int i = 0; i < rank; i++) layout->dimensions[i] = dims[i];
}

static LiteRtStatus destroy_nothing(void *user_data) {
    (void)user_data;
    return SigndLiteRtStatusOk;
}

/// The index of the node Init is setting up (the next one), with the root of its options in *root; -1 after
/// recording why there is none.
static int begin_init(OpState *op, const FlexBuffer *b, FlexRef *root) {
    if (op->nodes >= MAX_NODES) {
        fail(op->owner, "%s: more than %d nodes", op->name, MAX_NODES);
        return -1;
    }
    if (!flex_root(b, root)) {
        fail(op->owner, "%s: unreadable custom options", op->name);
        return -1;
    }
    return op->nodes;
}

// MARK: Landmarks2TransformMatrix v2

static LiteRtStatus matrix_init(void *user_data, const void *data, size_t size) {
    OpState *op = user_data;
    SigndMediaPipeOps *ops = op->owner;
    FlexBuffer b = {data, size};
    FlexRef root, v;
    const int node = begin_init(op, &b, &root);
    if (node < 0) return 1;
    TransformMatrixParams *p = &ops->matrixParams[node];
    double x;
#define NUMBER(key, target)                                                                                  \
    if (!flex_lookup(&b, root, key, &v) || !flex_number(&b, v, &x))                                          \
        return fail(ops, "%s: custom options lack '%s'", op->name, key);                                     \
    target = x;
    NUMBER("left_rotation_idx", p->leftRotationIndex)
    NUMBER("right_rotation_idx", p->rightRotationIndex)
    NUMBER("target_rotation_radians", p->targetRotationRadians)
    NUMBER("output_height", p->outputHeight)
    NUMBER("output_width", p->outputWidth)
    NUMBER("scale_x", p->scaleX)
    NUMBER("scale_y", p->scaleY)
#undef NUMBER
    if (!flex_lookup(&b, root, "subset_idxs", &v) || !flex_int_vector(&b, v, p->subset, MAX_SUBSET - 1, &p->subsetCount))
        return fail(ops, "%s: custom options lack a readable 'subset_idxs'", op->name);
    if (p->subsetCount == 0) return fail(ops, "%s: empty subset_idxs", op->name);
    if (p->subsetCount % 2 != 0) {
        p->subset[p->subsetCount] = p->subset[p->subsetCount - 1];
        p->subsetCount += 1;
    }
    if (p->outputHeight <= 0 || p->outputWidth <= 0 || p->scaleX <= 0 || p->scaleY <= 0 || p->leftRotationIndex < 0
        || p->rightRotationIndex < 0)
        return fail(ops, "%s: invalid custom options", op->name);
    op->nodes += 1;
    return SigndLiteRtStatusOk;
}

static LiteRtStatus matrix_layouts(void *user_data, size_t num_inputs, const LiteRtLayout *inputs, size_t num_outputs,
                                   LiteRtLayout *outputs) {
    OpState *op = user_data;
    (void)inputs;
    if (num_inputs != 1 || num_outputs != 1) return fail(op->owner, "%s: expects 1 input and 1 output", op->name);
    int dims[3] = {1, 4, 4};
    set_layout(&outputs[0], 3, dims);
    return SigndLiteRtStatusOk;
}

typedef struct { float x, y, z; } Float3;

/// Mat3 × vector with MediaPipe's float accumulation (row-major, k = 0…2).
static Float3 mat3_apply(const float m[9], Float3 v) {
    float in[3] = {v.x, v.y, v.z}, out[3];
    for (int r = 0; r < 3; r++) {
        float sum = 0;
        for (int k = 0; k < 3; k++) sum += m[r * 3 + k] * in[k];
        out[r] = sum;
    }
    return (Float3){out[0], out[1], out[2]};
}

/// this *= other for row-major 4×4 matrices, float accumulation.
static void mat4_multiply(float t[16], const float o[16]) {
    float result[16];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            float sum = 0;
            for (int k = 0; k < 4; k++) sum += t[r * 4 + k] * o[k * 4 + c];
            result[r * 4 + c] = sum;
        }
    memcpy(t, result, sizeof(result));
}

static void transform_matrix(const TransformMatrixParams *p, const float *landmarks, float *output) {
    // EstimateRotationRadians
    const float *left = landmarks + p->leftRotationIndex * 3, *right = landmarks + p->rightRotationIndex * 3;
    float rotation = atan2f(right[1] - left[1], right[0] - left[0]);
    rotation = p->targetRotationRadians - rotation;

    // EstimateCenterAndSize
    const float r = rotation;
    const float rotate[9] = {cosf(r), -sinf(r), 0.0f, sinf(r), cosf(r), 0.0f, 0.0f, 0.0f, 1.0f};
    const float unrotate[9] = {cosf(-r), -sinf(-r), 0.0f, sinf(-r), cosf(-r), 0.0f, 0.0f, 0.0f, 1.0f};
    Float3 max = {0, 0, 0}, min = {0, 0, 0};
    for (int i = 0; i < p->subsetCount; i++) {
        const float *l = landmarks + p->subset[i] * 3;
        Float3 q = mat3_apply(rotate, (Float3){l[0], l[1], 1.0f});
        if (i == 0) {
            max = q;
            min = q;
            continue;
        }
        if (max.x < q.x) max.x = q.x;
        if (max.y < q.y) max.y = q.y;
        if (min.x > q.x) min.x = q.x;
        if (min.y > q.y) min.y = q.y;
    }
    const float cropWidth = max.x - min.x, cropHeight = max.y - min.y;
    Float3 center = min;
    center.x += max.x;
    center.y += max.y;
    center.x /= 2;
    center.y /= 2;
    center = mat3_apply(unrotate, center);

    // LandmarksToTransformMatrixV2
    float t[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    const float shift[16] = {1, 0, 0, center.x, 0, 1, 0, center.y, 0, 0, 1, 0, 0, 0, 0, 1};
    mat4_multiply(t, shift);
    const float a = -rotation;
    const float turn[16] = {cosf(a), -sinf(a), 0, 0, sinf(a), cosf(a), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    mat4_multiply(t, turn);
    const float scaleX = p->scaleX * cropWidth / (float)p->outputWidth;
    const float scaleY = p->scaleY * cropHeight / (float)p->outputHeight;
    const float scale[16] = {scaleX, 0, 0, 0, 0, scaleY, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    mat4_multiply(t, scale);
    const float shiftX = (float)(-1.0 * (p->outputWidth / 2.0)), shiftY = (float)(-1.0 * (p->outputHeight / 2.0));
    const float shift2[16] = {1, 0, 0, shiftX, 0, 1, 0, shiftY, 0, 0, 1, 0, 0, 0, 0, 1};
    mat4_multiply(t, shift2);
    memcpy(output, t, sizeof(t));
}

static LiteRtStatus matrix_run(void *user_data, size_t num_inputs, const LiteRtTensorBuffer *inputs,
                               size_t num_outputs, LiteRtTensorBuffer *outputs) {
    OpState *op = user_data;
    SigndMediaPipeOps *ops = op->owner;
    int node = next_node(op, &op->runCursor);
    Tensor t[2]; // landmarks, matrix
    if (node < 0 || !lock_all(ops, op->name, num_inputs, inputs, 1, outputs, num_outputs, t)) return 1;
    const TransformMatrixParams *p = &ops->matrixParams[node];
    int highest = p->leftRotationIndex > p->rightRotationIndex ? p->leftRotationIndex : p->rightRotationIndex;
    for (int i = 0; i < p->subsetCount; i++) highest = p->subset[i] > highest ? p->subset[i] : highest;
    LiteRtStatus status = SigndLiteRtStatusOk;
    if (t[0].rank != 3 || t[0].shape[2] != 3 || (size_t)(highest + 1) * 3 > t[0].count || t[1].count != 16)
        status = fail(ops, "%s node %d: landmarks %d×%d do not fit its indices (highest %d)", op->name, node,
                      t[0].rank == 3 ? t[0].shape[1] : -1, t[0].rank == 3 ? t[0].shape[2] : -1, highest);
    else
        transform_matrix(p, t[0].data, t[1].data);
    unlock_all(ops, 1, inputs, outputs);
    return status;
}

// MARK: TransformTensorBilinear v2

static LiteRtStatus bilinear_init(void *user_data, const void *data, size_t size) {
    OpState *op = user_data;
    FlexBuffer b = {data, size};
    FlexRef root, v;
    const int node = begin_init(op, &b, &root);
    if (node < 0) return 1;
    BilinearParams *p = &op->owner->bilinearParams[node];
    double h, w;
    if (!flex_lookup(&b, root, "output_height", &v) || !flex_number(&b, v, &h)
        || !flex_lookup(&b, root, "output_width", &v) || !flex_number(&b, v, &w) || h <= 0 || w <= 0)
        return fail(op->owner, "%s: custom options lack a valid output_height/output_width", op->name);
    p->outputHeight = (int)h;
    p->outputWidth = (int)w;
    op->nodes += 1;
    return SigndLiteRtStatusOk;
}

static LiteRtStatus bilinear_layouts(void *user_data, size_t num_inputs, const LiteRtLayout *inputs,
                                     size_t num_outputs, LiteRtLayout *outputs) {
    OpState *op = user_data;
    SigndMediaPipeOps *ops = op->owner;
    int node = next_node(op, &op->prepareCursor);
    if (node < 0) return 1;
    if (num_inputs != 2 || num_outputs != 1 || inputs[0].rank != 4)
        return fail(ops, "%s: expects a 4-D tensor and a matrix", op->name);
    int dims[4] = {1, ops->bilinearParams[node].outputHeight, ops->bilinearParams[node].outputWidth,
                   inputs[0].dimensions[3]};
    set_layout(&outputs[0], 4, dims);
    return SigndLiteRtStatusOk;
}

static float dot4(const float l[4], const float r[4]) { return l[0] * r[0] + l[1] * r[1] + l[2] * r[2] + l[3] * r[3]; }

static void transform_tensor(const float *input, int inHeight, int inWidth, int channels, const float *matrix,
                             float *output, int outHeight, int outWidth) {
    float xT[4] = {matrix[0], matrix[1], matrix[2], matrix[3]};
    float yT[4] = {matrix[4], matrix[5], matrix[6], matrix[7]};
    // Align-corners correction, in double as MediaPipe writes it (float × 0.5 literal).
    xT[3] = (float)((double)xT[3] + ((double)xT[0] * 0.5 + (double)xT[1] * 0.5 - 0.5));
    yT[3] = (float)((double)yT[3] + ((double)yT[0] * 0.5 + (double)yT[1] * 0.5 - 0.5));
    for (int oy = 0; oy < outHeight; ++oy) {
        for (int ox = 0; ox < outWidth; ++ox) {
            const float coord[4] = {(float)ox, (float)oy, 0.0f, 1.0f};
            const float tx = dot4(xT, coord), ty = dot4(yT, coord);
            const int outside = tx < 0.0 || tx > inWidth - 1 || ty < 0.0 || ty > inHeight - 1;
            const float fx = outside ? 0.0f : floorf(tx), fy = outside ? 0.0f : floorf(ty);
            const int x0 = (int)fx, y0 = (int)fy; // in range: the point is inside the input
            const float right = tx - fx, lowerWeight = ty - fy;
            float *o = output + ((size_t)oy * (size_t)outWidth + (size_t)ox) * (size_t)channels;
            for (int c = 0; c < channels; ++c) {
                float result = 0;
                if (!outside) {
#define AT(h, w)                                                                                            \
    ((h) < 0 || (w) < 0 || (h) >= inHeight || (w) >= inWidth                                                \
         ? 0.0f                                                                                              \
         : input[((size_t)(h) * (size_t)inWidth + (size_t)(w)) * (size_t)channels + (size_t)c])
                    const float q11 = AT(y0, x0), q21 = AT(y0, x0 + 1), q12 = AT(y0 + 1, x0), q22 = AT(y0 + 1, x0 + 1);
#undef AT
                    // (1.0 - w) is double in the C++, the other product float: kept so.
                    const float upper = (float)((1.0 - right) * q11 + (double)(right * q21));
                    const float lower = (float)((1.0 - right) * q12 + (double)(right * q22));
                    result = (float)((double)(lowerWeight * lower) + (1.0 - lowerWeight) * upper);
                }
                o[c] = result;
            }
        }
    }
}

static LiteRtStatus bilinear_run(void *user_data, size_t num_inputs, const LiteRtTensorBuffer *inputs,
                                 size_t num_outputs, LiteRtTensorBuffer *outputs) {
    OpState *op = user_data;
    SigndMediaPipeOps *ops = op->owner;
    int node = next_node(op, &op->runCursor);
    Tensor t[3]; // feature map, matrix, crop
    if (node < 0 || !lock_all(ops, op->name, num_inputs, inputs, 2, outputs, num_outputs, t)) return 1;
    LiteRtStatus status = SigndLiteRtStatusOk;
    if (t[0].rank != 4 || t[2].rank != 4 || t[1].count < 8 || t[0].shape[0] != 1 || t[2].shape[3] != t[0].shape[3])
        status = fail(ops, "%s node %d: unexpected tensor shapes", op->name, node);
    else
        transform_tensor(t[0].data, t[0].shape[1], t[0].shape[2], t[0].shape[3], t[1].data, t[2].data, t[2].shape[1],
                         t[2].shape[2]);
    unlock_all(ops, 2, inputs, outputs);
    return status;
}

// MARK: TransformLandmarks v2

static LiteRtStatus landmarks_init(void *user_data, const void *data, size_t size) {
    OpState *op = user_data;
    (void)data;
    (void)size;
    op->nodes += 1;
    return SigndLiteRtStatusOk;
}

static LiteRtStatus landmarks_layouts(void *user_data, size_t num_inputs, const LiteRtLayout *inputs,
                                      size_t num_outputs, LiteRtLayout *outputs) {
    OpState *op = user_data;
    if (num_inputs != 2 || num_outputs != 1 || inputs[0].rank != 3)
        return fail(op->owner, "%s: expects 3-D landmarks and a matrix", op->name);
    int dims[3] = {inputs[0].dimensions[0], inputs[0].dimensions[1], inputs[0].dimensions[2]};
    set_layout(&outputs[0], 3, dims);
    return SigndLiteRtStatusOk;
}

static LiteRtStatus landmarks_run(void *user_data, size_t num_inputs, const LiteRtTensorBuffer *inputs,
                                  size_t num_outputs, LiteRtTensorBuffer *outputs) {
    OpState *op = user_data;
    SigndMediaPipeOps *ops = op->owner;
    int node = next_node(op, &op->runCursor);
    Tensor t[3]; // points, matrix, transformed points
    if (node < 0 || !lock_all(ops, op->name, num_inputs, inputs, 2, outputs, num_outputs, t)) return 1;
    LiteRtStatus status = SigndLiteRtStatusOk;
    const int dims = t[0].rank == 3 ? t[0].shape[2] : 0;
    if ((dims != 2 && dims != 3) || t[2].count != t[0].count || t[1].count < 8) {
        status = fail(ops, "%s node %d: unexpected tensor shapes", op->name, node);
    } else {
        const float *in = t[0].data, *m = t[1].data;
        float *out = t[2].data;
        const float xT[4] = {m[0], m[1], m[2], m[3]}, yT[4] = {m[4], m[5], m[6], m[7]};
        for (int l = 0; l < t[0].shape[1]; ++l) {
            const size_t o = (size_t)l * (size_t)dims;
            const float v[4] = {in[o], in[o + 1], 0.0f, 1.0f};
            out[o] = dot4(xT, v);
            out[o + 1] = dot4(yT, v);
            if (dims == 3) out[o + 2] = in[o + 2];
        }
    }
    unlock_all(ops, 2, inputs, outputs);
    return status;
}

// MARK: Registration

static const LiteRtCustomOpKernel kMatrixKernel = {matrix_init, matrix_layouts, matrix_run, destroy_nothing};
static const LiteRtCustomOpKernel kBilinearKernel = {bilinear_init, bilinear_layouts, bilinear_run, destroy_nothing};
static const LiteRtCustomOpKernel kLandmarksKernel = {landmarks_init, landmarks_layouts, landmarks_run,
                                                      destroy_nothing};

LiteRtStatus signd_mediapipe_ops_register(const SigndLiteRtApi *api, LiteRtOptions options, SigndMediaPipeOps **out) {
    *out = NULL;
    SigndMediaPipeOps *ops = calloc(1, sizeof(SigndMediaPipeOps));
    if (ops == NULL) return 2; // kLiteRtStatusErrorMemoryAllocationFailure
    ops->api = api;
    ops->matrix = (OpState){ops, "Landmarks2TransformMatrix", 0, 0, 0};
    ops->bilinear = (OpState){ops, "TransformTensorBilinear", 0, 0, 0};
    ops->landmarks = (OpState){ops, "TransformLandmarks", 0, 0, 0};
    LiteRtStatus status = api->AddCustomOpKernelOption(options, ops->matrix.name, 2, &kMatrixKernel, &ops->matrix);
    if (status == SigndLiteRtStatusOk)
        status = api->AddCustomOpKernelOption(options, ops->bilinear.name, 2, &kBilinearKernel, &ops->bilinear);
    if (status == SigndLiteRtStatusOk)
        status = api->AddCustomOpKernelOption(options, ops->landmarks.name, 2, &kLandmarksKernel, &ops->landmarks);
    *out = ops; // LiteRT may keep the pointers even after a failure: freed by the caller with the options
    return status;
}

void signd_mediapipe_ops_rewind(SigndMediaPipeOps *ops) {
    ops->matrix.runCursor = 0;
    ops->bilinear.runCursor = 0;
    ops->landmarks.runCursor = 0;
    ops->error[0] = '\0';
}

int signd_mediapipe_ops_error(const SigndMediaPipeOps *ops, char *message, size_t message_size) {
    if (message_size > 0) snprintf(message, message_size, "%s", ops->error);
    return ops->error[0] != '\0';
}

void signd_mediapipe_ops_node_counts(const SigndMediaPipeOps *ops, int *counts3) {
    counts3[0] = ops->matrix.nodes;
    counts3[1] = ops->bilinear.nodes;
    counts3[2] = ops->landmarks.nodes;
}

void signd_mediapipe_ops_free(SigndMediaPipeOps *ops) { free(ops); }
