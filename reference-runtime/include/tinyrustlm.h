/*
 * tinyrustlm.h — the native C ABI of the TinyRustLM reference runtime.
 *
 * Normative description: spec/abi.md (ABI version 1). This header is written
 * by hand; every declaration matches an `extern "C"` export of
 * reference-runtime/src/abi/exports.rs with the same name and types
 * ([ABI-C-01]). Link against the runtime's static library (libtinyrustlm.a,
 * plus on Linux: -lpthread -ldl -lm) or its shared library.
 *
 * ---------------------------------------------------------------------------
 * Types ([ABI-TYPE-01])
 *   Every export takes and returns only uint32_t, float, pointers to bytes and
 *   size_t lengths. Multi-byte values inside buffers are little-endian:
 *   token ids are u32 LE, logits and quantizer inputs f32 LE.
 *
 * One instance ([ABI-TYPE-02])
 *   All exports of one process share ONE session (one model, one context, one
 *   set of host buffers), serialized by a lock inside the runtime. Calls from
 *   several threads are safe but act on the same session; a pointer returned
 *   by a query may be invalidated by another thread's call.
 *
 * Status and last error ([ABI-ERR-01..03])
 *   Every session export (§4) and introspection export (§5) returns a
 *   uint32_t status: SLM_OK (0) on success, otherwise the numeric code of an
 *   error of spec/tables/errors.toml (SLM_ERR_* below). slm_alloc returns a
 *   pointer instead, NULL on failure. slm_last_error() returns the status of
 *   the most recent alloc/free/session/introspection call (0 in a new
 *   instance); the queries (slm_abi_version, slm_last_error, slm_stop_reason,
 *   slm_*_ptr, slm_*_len, slm_diagnostics) never change it. No export aborts
 *   or traps on any argument values; a failing call changes nothing but the
 *   last error, and the next valid call succeeds.
 *
 * Ownership and lifetimes — host buffers (§3)
 *   The host passes bytes INTO the runtime only through host buffers:
 *   memory obtained from slm_alloc (zero-filled), written by the host, and
 *   released with slm_free. At most SLM_MAX_HOST_BUFFERS buffers are live at
 *   once, each at most SLM_MAX_HOST_BUFFER_BYTES long.
 *   - A pointer argument (ptr, len) denotes ptr .. ptr+len-1. With len == 0,
 *     ptr is not examined (NULL is fine). With len > 0, ptr == NULL is
 *     SLM_ERR_NULL_POINTER, and the range must lie inside ONE live host
 *     buffer, else SLM_ERR_INVALID_POINTER (stack/static memory, a freed
 *     buffer, a range past the end of a buffer, runtime-owned memory).
 *   - slm_free(NULL) is SLM_ERR_NULL_POINTER; freeing anything but the start
 *     of a live host buffer (including a second free) is
 *     SLM_ERR_INVALID_POINTER, never undefined behaviour.
 *   - Arrays of u32 ids / f32 values are byte ranges; a byte length that is
 *     not a multiple of 4 is SLM_ERR_INVALID_ARGUMENT.
 *   - slm_load_model(ptr, len) must name one WHOLE host buffer. On success
 *     the buffer BECOMES THE MODEL: it is no longer a host buffer (freeing it
 *     is SLM_ERR_INVALID_POINTER; it no longer counts against the limit), the
 *     runtime keeps the bytes without copying, and the host MUST NOT write to
 *     them. They are released by slm_free_model or the next successful load.
 *     On failure the buffer stays the host's, unchanged (free it yourself).
 *
 * Ownership and lifetimes — runtime-owned buffers (§6)
 *   The result, output and diagnostics buffers belong to the runtime. Read
 *   them only through slm_result_ptr/len, slm_output_ptr/len and
 *   slm_diagnostics_ptr/len; never write or free them. A pointer returned by
 *   a query stays valid, with the same contents, until the next call that is
 *   not a query; a length of 0 may come with any pointer (even NULL).
 *   A failing call leaves result, output and stop reason unchanged (except
 *   that OutputBufferExceeded clears the context, spec/generation.md).
 *   - result: the bytes of the last successful generate /
 *     generate_next_token / detokenize.
 *   - output: the ids (u32 LE) of generate, the id of generate_next_token,
 *     or what an introspection export produced (§5); empty before the first.
 *   - diagnostics: the JSON rendered by the last slm_diagnostics().
 * ---------------------------------------------------------------------------
 */
#ifndef TINYRUSTLM_H
#define TINYRUSTLM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version returned by slm_abi_version() (independent of the spec version). */
#define SLM_ABI_VERSION 2u

/* Limits of spec/tables/limits.toml that concern the ABI. */
#define SLM_MODEL_BYTE_BUDGET 33554432u     /* longest SLM1 file slm_load_model accepts */
#define SLM_MAX_HOST_BUFFER_BYTES 33554432u /* longest host buffer of slm_alloc */
#define SLM_MAX_HOST_BUFFERS 8u             /* host buffers live at once */
#define SLM_MAX_MODELS 8u                   /* model handles live at once */
#define SLM_MAX_SESSIONS 16u                /* session handles live at once */
#define SLM_MAX_RESIDENT_BYTES 134217728u   /* handle models' file bytes + handle sessions' KV and scratch */
#define SLM_MAX_PROMPT_BYTES 65536u         /* longest prompt / tokenize input */
#define SLM_MAX_OUTPUT_BYTES 65536u         /* longest decoded output of one call */
#define SLM_ADAPTER_BYTE_BUDGET 1048576u    /* longest adapter package */
#define SLM_MAX_FORWARD_LOGITS_BYTES 16777216u /* largest all-positions result of slm_forward */

/* Status codes (spec/tables/errors.toml; the code is the stable identity). */
#define SLM_OK 0u
/* run errors of the session and introspection calls */
#define SLM_ERR_INVALID_ARGUMENT 1u
#define SLM_ERR_MODEL_NOT_LOADED 2u
/* load_model (the container profile; 101..181 are the SLM1 validation errors) */
#define SLM_ERR_MODEL_TOO_LARGE 100u
#define SLM_ERR_TRUNCATED 101u
#define SLM_ERR_BAD_MAGIC 102u
#define SLM_ERR_UNSUPPORTED_VERSION 103u
#define SLM_ERR_CHECKSUM_MISMATCH 106u
/* tokenizer */
#define SLM_ERR_INVALID_TOKEN_ID 230u
#define SLM_ERR_OUTPUT_BUFFER_EXCEEDED 231u
#define SLM_ERR_PROMPT_TOO_LONG 232u
/* quantizer / f16 conversion */
#define SLM_ERR_NON_FINITE_INPUT 240u
#define SLM_ERR_SCALE_OVERFLOW 241u
/* generation */
#define SLM_ERR_INVALID_SAMPLING_CONFIG 300u
#define SLM_ERR_CONTEXT_EXCEEDED 301u
#define SLM_ERR_NO_ACTIVE_CONTEXT 302u
#define SLM_ERR_INVALID_UTF8 303u
#define SLM_ERR_EMPTY_PROMPT 304u /* generate: the prompt encodes to no tokens (NO_BOS tokenizer, empty prompt) */
#define SLM_ERR_LOGITS_TOO_LARGE 305u /* forward: n x vocab_size x 4 > SLM_MAX_FORWARD_LOGITS_BYTES */
/* adapters (spec/adapters.md §2.1; 400..428) */
#define SLM_ERR_ADAPTER_TOO_LARGE 400u
#define SLM_ERR_ADAPTER_TRUNCATED 401u
#define SLM_ERR_ADAPTER_BAD_MAGIC 402u
#define SLM_ERR_ADAPTER_UNSUPPORTED_VERSION 403u
#define SLM_ERR_ADAPTER_BAD_HEADER_SIZE 404u
#define SLM_ERR_ADAPTER_TRAILING_BYTES 405u
#define SLM_ERR_ADAPTER_CHECKSUM_MISMATCH 406u
#define SLM_ERR_ADAPTER_RESERVED_NOT_ZERO 407u
#define SLM_ERR_PARENT_ARCHITECTURE_MISMATCH 410u
#define SLM_ERR_PARENT_SHAPE_MISMATCH 411u
#define SLM_ERR_PARENT_TENSOR_COUNT_MISMATCH 412u
#define SLM_ERR_PARENT_PARAM_COUNT_MISMATCH 413u
#define SLM_ERR_PARENT_LAYOUT_MISMATCH 414u
#define SLM_ERR_PARENT_TOKENIZER_MISMATCH 415u
#define SLM_ERR_BAD_TARGET_COUNT 420u
#define SLM_ERR_TARGET_NOT_FOUND 421u
#define SLM_ERR_DUPLICATE_TARGET 422u
#define SLM_ERR_TARGET_SHAPE_MISMATCH 423u
#define SLM_ERR_BAD_TARGET_PARAMETER 424u
#define SLM_ERR_ADAPTER_NON_FINITE 425u
#define SLM_ERR_SPARSE_INDEX_OUT_OF_RANGE 426u
#define SLM_ERR_SPARSE_INDEX_NOT_INCREASING 427u
#define SLM_ERR_ADAPTER_RESULT_OVERFLOW 428u
/* the ABI itself (profile `abi`) */
#define SLM_ERR_NULL_POINTER 500u
#define SLM_ERR_INVALID_POINTER 501u
#define SLM_ERR_HOST_BUFFER_LIMIT 502u
#define SLM_ERR_OUT_OF_MEMORY 503u
#define SLM_ERR_UNSUPPORTED 504u /* reserved: no export of ABI v1 returns it since spec 0.4.0 */
/* streaming load (spec/abi.md §4.1) */
#define SLM_ERR_LOAD_IN_PROGRESS 700u /* slm_load_begin while a load is pending */
#define SLM_ERR_NO_LOAD_PENDING 701u  /* slm_load_chunk / slm_load_end without slm_load_begin */
#define SLM_ERR_LOAD_OVERRUN 702u     /* more bytes than slm_load_begin announced */
#define SLM_ERR_LOAD_INCOMPLETE 703u  /* slm_load_end before all announced bytes arrived */
/* handles (spec/abi.md §4.2, ABI version 2) */
#define SLM_ERR_INVALID_HANDLE 710u
#define SLM_ERR_STALE_HANDLE 711u
#define SLM_ERR_WRONG_HANDLE_KIND 712u
#define SLM_ERR_TOO_MANY_HANDLES 713u
#define SLM_ERR_RESIDENT_BYTES_EXCEEDED 714u
#define SLM_ERR_MODEL_IN_USE 715u
#define SLM_ERR_NOT_DEFAULT_SESSION 716u
#define SLM_ERR_KV_DTYPE_UNSUPPORTED 720u

/* Values of slm_stop_reason() ([ABI-GEN-02]). */
#define SLM_STOP_NONE 0u
#define SLM_STOP_MAX_TOKENS 1u
#define SLM_STOP_EOS 2u
#define SLM_STOP_CONTEXT_FULL 3u

/* dtype codes (SLM1 directory entries; slm_quantize / slm_dequantize accept
 * only SLM_DTYPE_Q8_0 and SLM_DTYPE_Q4_0). */
#define SLM_DTYPE_F32 0u
#define SLM_DTYPE_Q8_0 1u
#define SLM_DTYPE_Q4_0 2u

/* ---- §6 queries (never change the last error) ---------------------------- */

/* SLM_ABI_VERSION. */
uint32_t slm_abi_version(void);
/* Status of the most recent call of §3-§5 (0 in a new instance). */
uint32_t slm_last_error(void);
/* The session's stop reason: SLM_STOP_*. */
uint32_t slm_stop_reason(void);
/* The result buffer (runtime-owned; valid until the next non-query call). */
const uint8_t *slm_result_ptr(void);
size_t slm_result_len(void);
/* The output of the last successful call that has one (runtime-owned). */
const uint8_t *slm_output_ptr(void);
size_t slm_output_len(void);
/* Renders the diagnostics JSON (spec/diagnostics.md); always returns 0 and
 * does not change the last error. */
uint32_t slm_diagnostics(void);
/* The diagnostics JSON rendered by the last slm_diagnostics() (UTF-8, not
 * NUL-terminated; runtime-owned). */
const uint8_t *slm_diagnostics_ptr(void);
size_t slm_diagnostics_len(void);

/* ---- §3 host buffers --------------------------------------------------- */

/* A new zero-filled host buffer of len bytes, or NULL (see slm_last_error():
 * INVALID_ARGUMENT for len 0, HOST_BUFFER_LIMIT, OUT_OF_MEMORY). */
uint8_t *slm_alloc(size_t len);
/* Frees the host buffer that starts at ptr. */
uint32_t slm_free(uint8_t *ptr);

/* ---- §4 session exports (return a status) --------------------------------- */

/* Loads the SLM1 file in the host buffer (ptr, len), which must be one whole
 * host buffer; on success the buffer becomes the model (see above). */
uint32_t slm_load_model(const uint8_t *ptr, size_t len);
/* Streaming load (spec/abi.md §4.1): announce the file's length, hand its
 * bytes over in chunks through any host buffer (copied at once; the buffer
 * stays yours and can be reused for the next chunk), then end the load.
 * Only slm_load_end validates the file (same order and errors as
 * slm_load_model); until it succeeds the previous model stays loaded.
 * slm_load_abort drops a pending load (e.g. when the host's digest check of
 * the bytes fails). */
uint32_t slm_load_begin(size_t len);
uint32_t slm_load_chunk(const uint8_t *ptr, size_t len);
uint32_t slm_load_end(void);
uint32_t slm_load_abort(void);
/* Handles (spec/abi.md §4.2, ABI version 2): several models, several
 * sessions per model. slm_model_create takes a whole host buffer (which
 * becomes the model, as for slm_load_model); slm_load_end_model ends a
 * streaming load into a new model. Like slm_session_create they return a
 * status; the new handle is slm_last_handle(). A session owns its KV cache, sampling state, context
 * and result and shares its model's weights. Every v1 export acts on the
 * current session: slm_session_use(0) selects the default (v1) session.
 * Adapters are per model: applying one changes the model for every session
 * on it. Freeing a model that a live session uses is SLM_ERR_MODEL_IN_USE. */
uint32_t slm_model_create(const uint8_t *ptr, size_t len);
/* A query: the handle made by the last successful create (0 before). */
uint32_t slm_last_handle(void);
uint32_t slm_load_end_model(void);
uint32_t slm_model_free(uint32_t model);
/* kv_dtype: 0 an f32 KV cache, 1 q8_0 (34 bytes per 32 values; the model's
 * head_dim must be a multiple of 32, else SLM_ERR_KV_DTYPE_UNSUPPORTED). */
uint32_t slm_session_create(uint32_t model, uint32_t kv_dtype);
uint32_t slm_session_free(uint32_t session);
uint32_t slm_session_use(uint32_t session);
uint32_t slm_session_current(void);
/* Unloads the model (always succeeds). */
uint32_t slm_free_model(void);
/* Sampling configuration; seed = seed_hi * 2^32 + seed_lo. */
uint32_t slm_set_sampling(float temperature, uint32_t top_k, float top_p, uint32_t seed_lo, uint32_t seed_hi);
/* Generates up to max_tokens tokens from a UTF-8 prompt: result = bytes,
 * output = ids (u32 LE), slm_stop_reason() = why it stopped. */
uint32_t slm_generate(const uint8_t *prompt, size_t len, uint32_t max_tokens);
/* Continues the context by one token: result = its bytes, output = its id. */
uint32_t slm_generate_next_token(void);
/* Runs the model on ids (u32 LE, len in bytes; no BOS added), starting a new
 * context as slm_generate does: output = the logits (f32 LE) of every
 * position (n x vocab_size, row-major) when all_positions != 0, else of the
 * last. Errors in order: MODEL_NOT_LOADED, the pointer, len % 4 →
 * INVALID_ARGUMENT, no ids → EMPTY_PROMPT, an id >= vocab_size →
 * INVALID_TOKEN_ID, n > context_length → CONTEXT_EXCEEDED, then
 * LOGITS_TOO_LARGE. The result is unchanged. */
uint32_t slm_forward(const uint8_t *ids, size_t len, uint32_t all_positions);
/* Clears the context (always succeeds). */
uint32_t slm_reset(void);
/* Decodes ids (u32 LE, len in bytes): result = bytes. */
uint32_t slm_detokenize(const uint8_t *ids, size_t len);
/* Adapters (spec/adapters.md §5, profile `adapters`). Both check, in order:
 * SLM_ERR_MODEL_NOT_LOADED; len > SLM_ADAPTER_BYTE_BUDGET →
 * SLM_ERR_ADAPTER_TOO_LARGE; the pointer (NULL_POINTER / INVALID_POINTER);
 * then the package (adapters.md §2.1). validate changes nothing; apply
 * changes the model's weights in place and clears the context. The
 * package's host buffer stays the caller's. */
uint32_t slm_validate_adapter(const uint8_t *ptr, size_t len);
uint32_t slm_apply_adapter(const uint8_t *ptr, size_t len);

/* ---- §5 introspection exports (profile `inspect`; output on success) ---- */

/* Encodes text: output = ids (u32 LE); add_bos != 0 means true. */
uint32_t slm_tokenize(const uint8_t *text, size_t len, uint32_t add_bos);
/* output = the last position's logits (f32 LE, vocab_size values). */
uint32_t slm_logits(void);
/* output = the model summary as a JSON object (UTF-8). */
uint32_t slm_model_info(void);
/* output = the stored bytes of the tensor (role code, layer); 0 for global roles. */
uint32_t slm_tensor_bytes(uint32_t role, uint32_t layer);
/* output = q8_0/q4_0 blocks of the f32 LE values. */
uint32_t slm_quantize(uint32_t dtype, const uint8_t *values, size_t len);
/* output = f32 LE values of the q8_0/q4_0 blocks. */
uint32_t slm_dequantize(uint32_t dtype, const uint8_t *blocks, size_t len);
/* output = 2 bytes: the f16 bits of the f32 with bit pattern `bits`. */
uint32_t slm_f32_to_f16(uint32_t bits);
/* output = 4 bytes: the f32 bits of the f16 `bits` (bits > 0xFFFF: INVALID_ARGUMENT). */
uint32_t slm_f16_to_f32(uint32_t bits);
/* output = the bytes as UTF-8 text, ill-formed sequences replaced by U+FFFD. */
uint32_t slm_utf8_lossy(const uint8_t *bytes, size_t len);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TINYRUSTLM_H */
